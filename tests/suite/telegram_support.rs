//! The Telegram support bot against a local Bot API stand-in, on every backend: getUpdates opens
//! a ticket and asks for the portal once, the answer attaches it by domain, the next message
//! threads, the operator's reply is queued and reaches the chat with sendMessage exactly once,
//! and a poller started again resumes at the stored offset without filing anything twice. Bad
//! input (an ESC sequence in 5 MB of text, update kinds the bot does not handle) and the Bot
//! API's errors (401, 409, 429, 5xx) are covered too.

use crate::common;

use std::time::Duration as StdDuration;

use b24ops::clock::Clock;
use b24ops::model::{AppStatus, NewTicket, Secret};
use b24ops::services::outbox::{Channels, deliver_on};
use b24ops::services::tasks::Actor;
use b24ops::services::telegram_api::BotApi;
use b24ops::services::telegram_intake::{PollError, SupportBot, poll_once};
use b24ops::services::telegram_reply::TelegramSender;
use b24ops::services::tickets::change;
use b24ops::store::limits::{BODY_MAX, SUBJECT_MAX};
use b24ops::store::{PortalRecord, Store, TicketChange};
use chrono::{DateTime, Duration, Utc};
use common::bot_api::{BotApiStandIn, TOKEN};
use common::{backends, empty_on, now};
use serde_json::json;

const MEMBER: &str = "4a2f9b0c77e1d3a5b6c7d8e9f0a1b2c3";
const QUESTION: &str = "Which Bitrix24 portal is it about?";

fn bot(api: &BotApiStandIn) -> SupportBot {
    SupportBot {
        api: BotApi::new(&api.base, Secret::new(TOKEN), StdDuration::from_secs(1)).unwrap(),
        question: QUESTION.into(),
        timeout_secs: 0,
    }
}

fn telegram_only(api: &BotApiStandIn) -> Channels {
    Channels { telegram: Some(TelegramSender::new(bot(api).api)), ..Channels::default() }
}

async fn portal(store: &Store, at: DateTime<Utc>) {
    let record = PortalRecord {
        member_id: MEMBER.into(),
        domain: "acme.bitrix24.com".into(),
        client_endpoint: "https://acme.bitrix24.com/rest/".into(),
        server_endpoint: "https://oauth.bitrix.info/rest/".into(),
        access_token: "access".into(),
        access_expires_at: at + Duration::hours(1),
        refresh_token: "refresh".into(),
        refresh_issued_at: at,
        scope: "crm".into(),
        app_status: AppStatus::Paid,
        installed_at: at - Duration::days(30),
        uninstalled_at: None,
        last_seen_at: None,
        last_refresh_error: None,
    };
    store.upsert_portal(&record, at).await.unwrap();
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chat_becomes_an_attached_ticket_and_the_reply_reaches_it_once() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let t0 = now();
        portal(&db.store, t0).await;
        let api = BotApiStandIn::start().await;
        let support = bot(&api);

        // A new chat: a ticket opens at once (the clock runs), and the chat is asked once.
        api.message(555, "Olga", "The export fails since this morning");
        let r = poll_once(&db.store, &support, 0, Clock::Fixed(t0)).await.unwrap();
        assert_eq!((r.updates, r.opened, r.asked, r.attached), (1, 1, 1, 0), "{name}: {r:?}");
        let sent = api.sent();
        assert_eq!(sent.len(), 1, "{name}");
        assert_eq!((sent[0]["chat_id"].clone(), sent[0]["text"].clone()), (json!(555), json!(QUESTION)));
        let open = db.store.open_telegram_ticket("555").await.unwrap().expect("a ticket for the chat");
        let t = db.store.ticket(open).await.unwrap().unwrap();
        assert_eq!(t.channel.as_str(), "telegram");
        assert!(t.member_id.is_none(), "{name}: not attached before the answer");
        assert_eq!(t.subject.as_str(), "Telegram: The export fails since this morning");

        // The answer names the portal: the ticket is attached by its domain; nobody is asked again.
        api.message(555, "Olga", "It is https://Acme.Bitrix24.com/crm/");
        let r = poll_once(&db.store, &support, 0, Clock::Fixed(t0 + Duration::minutes(1))).await.unwrap();
        assert_eq!((r.threaded, r.attached, r.asked, r.opened), (1, 1, 0, 0), "{name}: {r:?}");
        let t = db.store.ticket(open).await.unwrap().unwrap();
        assert_eq!(t.member_id.as_ref().map(|m| m.as_str()), Some(MEMBER), "{name}");
        assert_eq!(t.domain.as_ref().map(|d| d.as_str()), Some("acme.bitrix24.com"));
        api.message(555, "Olga", "Still failing with 500");
        let r = poll_once(&db.store, &support, 0, Clock::Fixed(t0 + Duration::minutes(2))).await.unwrap();
        assert_eq!((r.threaded, r.asked), (1, 0));
        assert_eq!(api.sent().len(), 1, "{name}: asked once");
        assert_eq!(db.store.ticket_messages(open, 50).await.unwrap().len(), 3);

        // The operator's reply is queued: it does not stop the first-response clock yet.
        let replied = t0 + Duration::minutes(5);
        change(&db.store, &alice(), open, TicketChange::Reply("Fixed in 2.4.1, please update.".into()), replied)
            .await
            .unwrap();
        let thread = db.store.ticket_messages(open, 50).await.unwrap();
        let d = thread.last().unwrap().delivery.clone().expect("queued in the outbox");
        assert_eq!((d.channel.as_str(), d.recipient.as_str(), d.state.as_str()), ("telegram", "555", "queued"));
        assert_eq!(d.describe(|t| t.to_rfc3339()), "queued for Telegram chat 555");
        assert_eq!(db.store.ticket(open).await.unwrap().unwrap().first_response_at, None, "{name}: queued ≠ answered");

        // Two deliverers at once: sendMessage exactly once; the clock stops at delivery.
        let delivered = t0 + Duration::minutes(7);
        let channels = telegram_only(&api);
        let (x, y) =
            tokio::join!(deliver_on(&db.store, &channels, delivered), deliver_on(&db.store, &channels, delivered));
        assert_eq!(x.unwrap().sent + y.unwrap().sent, 1, "{name}");
        assert_eq!(deliver_on(&db.store, &channels, delivered + Duration::hours(1)).await.unwrap().sent, 0);
        let sent = api.sent();
        assert_eq!(sent.len(), 2, "{name}: the question and one reply: {sent:?}");
        assert_eq!(
            (sent[1]["chat_id"].clone(), sent[1]["text"].clone()),
            (json!(555), json!("Fixed in 2.4.1, please update."))
        );
        assert_eq!(db.store.ticket(open).await.unwrap().unwrap().first_response_at, Some(delivered), "{name}");

        // A restarted poller asks from the stored offset; an update seen again is not filed twice.
        let last = api.message(555, "Olga", "Works now, thanks");
        let before = api.offsets().len();
        let restarted = bot(&api);
        let r = poll_once(&db.store, &restarted, 0, Clock::Fixed(t0 + Duration::minutes(9))).await.unwrap();
        assert_eq!((r.threaded, r.opened), (1, 0), "{name}");
        assert_eq!(api.offsets()[before], Some(last), "{name}: resumes at the stored offset");
        assert_eq!(db.store.telegram_offset("123456").await.unwrap().map(|o| o.0), Some(last + 1));
        assert_eq!(db.store.ticket_messages(open, 50).await.unwrap().len(), 5, "{name}: 3 in, 1 reply, 1 in");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_update_handled_again_after_a_crash_is_not_filed_twice() {
    let db = common::empty_db().await;
    let api = BotApiStandIn::start().await;
    let support = bot(&api);
    let id = api.message(77, "Ivan", "Hello");
    poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap();
    // The crash between filing the message and storing the offset: the offset is lost, so the
    // next poll asks without one and the Bot API, never asked past the update, sends it again.
    let pool = sqlx::AnyPool::connect(&db.url).await.unwrap();
    sqlx::query("DELETE FROM b24ops_telegram_offsets").execute(&pool).await.unwrap();
    pool.close().await;
    let r = poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap();
    assert_eq!((r.updates, r.skipped, r.opened, r.threaded), (1, 1, 0, 0), "{r:?}");
    let t = db.store.open_telegram_ticket("77").await.unwrap().unwrap();
    assert_eq!(db.store.ticket_messages(t, 10).await.unwrap().len(), 1, "filed once");
    assert_eq!(db.store.telegram_offset("123456").await.unwrap().map(|o| o.0), Some(id + 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_quiet_week_the_renumbered_updates_are_not_lost() {
    let db = common::empty_db().await;
    let api = BotApiStandIn::start().await;
    let support = bot(&api);
    let first = api.message(5, "Ivan", "Hello");
    poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap();
    // A week later the Bot API numbers updates from a random id, below the stored offset.
    api.renumber(40);
    let renumbered = api.message(5, "Ivan", "Are you there?");
    assert!(renumbered < first);
    let later = now() + Duration::days(8);
    let before = api.offsets().len();
    let r = poll_once(&db.store, &support, 0, Clock::Fixed(later)).await.unwrap();
    assert_eq!(api.offsets()[before], None, "a day-old offset is not sent");
    // The stand-in still holds the first update (no poll confirmed it): it is recognised, not
    // filed again; the renumbered one threads.
    assert_eq!((r.threaded, r.skipped, r.opened), (1, 1, 0), "{r:?}");
    poll_once(&db.store, &support, 0, Clock::Fixed(later + Duration::minutes(1))).await.unwrap();
    assert_eq!(api.offsets().last(), Some(&Some(renumbered + 1)), "then it asks from the new numbers");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_escape_sequence_in_five_megabytes_is_stored_safely_and_cut_on_every_backend() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let api = BotApiStandIn::start().await;
        let support = bot(&api);
        let huge = format!("\u{1b}[2J\u{1b}]0;owned\u{7}Export fails {}", "x".repeat(5 * 1024 * 1024));
        api.message(9, "\u{1b}[31mMallory", &huge);
        api.push(json!({"edited_message": {"chat": {"id": 9}, "text": "edited"}}));
        let last = api.push(json!({"callback_query": {"id": "1", "data": "x"}}));
        let r = poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap();
        assert_eq!((r.updates, r.opened, r.skipped), (3, 1, 2), "{name}: {r:?}");
        assert_eq!(
            db.store.telegram_offset("123456").await.unwrap().map(|o| o.0),
            Some(last + 1),
            "{name}: skipped kinds advance it"
        );
        let id = db.store.open_telegram_ticket("9").await.unwrap().unwrap();
        let t = db.store.ticket(id).await.unwrap().unwrap();
        assert!(!t.subject.as_str().contains('\u{1b}'), "{name}");
        assert!(t.subject.as_str().chars().count() <= SUBJECT_MAX);
        let m = db.store.ticket_messages(id, 10).await.unwrap();
        assert_eq!(m.len(), 1);
        let body = m[0].body.as_str();
        assert!(!body.contains('\u{1b}') && !body.contains('\u{7}'), "{name}: no controls stored");
        assert!(body.contains("Export fails"), "{name}");
        assert!(body.chars().count() <= BODY_MAX, "{name}: cut to the column");
        assert!(!m[0].author.as_str().contains('\u{1b}'));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_bot_apis_errors_are_reported_clearly_and_the_token_never_shows() {
    let db = common::empty_db().await;
    let api = BotApiStandIn::start().await;
    let support = bot(&api);
    let said = |e: PollError| {
        let s = e.to_string();
        assert!(!s.contains("AAH-test-token"), "{s}");
        s
    };
    let wrong = SupportBot {
        api: BotApi::new(&api.base, Secret::new("999:wrong-secret"), StdDuration::from_secs(1)).unwrap(),
        ..support.clone()
    };
    let e = poll_once(&db.store, &wrong, 0, Clock::Fixed(now())).await.unwrap_err();
    let s = e.to_string();
    assert!(s.contains("refused the bot's token (401") && !s.contains("wrong-secret"), "{s}");

    api.fail_next(409, "Conflict: terminated by other getUpdates request", None);
    let s = said(poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap_err());
    assert!(s.contains("another poller or a webhook holds this bot (409"), "{s}");

    api.fail_next(502, "Bad Gateway", None);
    let e = poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap_err();
    assert_eq!(e.wait(StdDuration::from_secs(4)), StdDuration::from_secs(4), "5xx: the poller's own backoff");
    assert!(said(e).contains("the Bot API failed (502"));

    api.fail_next(429, "Too Many Requests: retry after 7", Some(7));
    let e = poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap_err();
    assert_eq!(e.wait(StdDuration::from_secs(1)), StdDuration::from_secs(7), "flood control says how long");

    let unreachable = SupportBot {
        api: BotApi::new("http://127.0.0.1:9", Secret::new(TOKEN), StdDuration::from_secs(1)).unwrap(),
        ..support.clone()
    };
    let s = said(poll_once(&db.store, &unreachable, 0, Clock::Fixed(now())).await.unwrap_err());
    assert!(s.contains("cannot reach the Bot API"), "{s}");
    assert_eq!(db.store.telegram_offset("123456").await.unwrap(), None, "nothing confirmed by a failed poll");

    // A reply the Bot API refuses: failed with the reason, retried with backoff, sent once.
    api.message(31, "Olga", "Help");
    poll_once(&db.store, &support, 0, Clock::Fixed(now())).await.unwrap();
    let id = db.store.open_telegram_ticket("31").await.unwrap().unwrap();
    change(&db.store, &alice(), id, TicketChange::Reply("On it.".into()), now()).await.unwrap();
    let channels = telegram_only(&api);
    api.fail_next(500, "Internal Server Error", None);
    let failed = deliver_on(&db.store, &channels, now()).await.unwrap();
    assert_eq!((failed.sent, failed.failed), (0, 1), "{failed:?}");
    assert!(failed.errors[0].contains("the Bot API failed (500"), "{:?}", failed.errors);
    let d = db.store.ticket_messages(id, 10).await.unwrap().last().unwrap().delivery.clone().unwrap();
    assert_eq!(d.state.as_str(), "failed");
    assert!(d.next_attempt_at.unwrap() > now(), "retried later, not at once");
    assert_eq!(deliver_on(&db.store, &channels, now() + Duration::seconds(5)).await.unwrap().sent, 0, "not due yet");
    assert_eq!(deliver_on(&db.store, &channels, now() + Duration::minutes(2)).await.unwrap().sent, 1);
    assert_eq!(deliver_on(&db.store, &channels, now() + Duration::hours(3)).await.unwrap().sent, 0, "never twice");
    let replies: Vec<_> = api.sent().into_iter().filter(|m| m["text"] == "On it.").collect();
    assert_eq!(replies.len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrading_to_the_telegram_schema_keeps_every_ticket_and_admits_the_channel() {
    for b in backends() {
        let db = common::empty_at(&b, 16).await;
        let name = db.store.dialect().name();
        let old = NewTicket {
            channel: "chat".into(),
            member_id: None,
            domain: None,
            subject: "Before the upgrade".into(),
            requester_name: Some("Olga".into()),
            requester_email: None,
            priority: "normal".into(),
            body: "kept".into(),
            message_id: None,
            claimed_thread_of: None,
        };
        // Several connections of the pool have read the old schema before the upgrade.
        let (a, b2) = tokio::join!(db.store.create_ticket(&old, now()), db.store.create_ticket(&old, now()));
        let (a, b2) = (a.unwrap(), b2.unwrap());
        let applied = db.store.migrate().await.unwrap();
        assert_eq!(applied.first(), Some(&17), "{name}: the upgrade starts at the telegram schema ({applied:?})");
        for id in [a, b2] {
            assert_eq!(db.store.ticket_messages(id, 5).await.unwrap().len(), 1, "{name}: the thread is kept");
        }
        let telegram = NewTicket { channel: "telegram".into(), ..old.clone() };
        for _ in 0..4 {
            db.store.create_ticket(&telegram, now()).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        }
        let bogus = NewTicket { channel: "fax".into(), ..old.clone() };
        assert!(db.store.create_ticket(&bogus, now()).await.is_err(), "{name}: the check still holds");
    }
}
