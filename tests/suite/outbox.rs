//! The reply outbox: every public reply is queued with its ticket, claimed once however many
//! deliverers race, and delivered over a real SMTP server on loopback (aiosmtpd, started from
//! `tests/smtp/sink.py`) threaded to the customer's mail, so the customer's answer threads back.
//! A server that is down or answers 5xx leaves the reply failed with its reason, retried later,
//! and never sent twice.
//!
//! The SMTP tests need `python3` with aiosmtpd (`.ci/run` installs it and sets
//! `B24OPS_TEST_SMTP=1`, which makes a missing one a failure instead of a skip).

use crate::common;

use b24ops::config::EmailConfig;
use b24ops::intake::email::{Filed, RawMessage, ingest};
use b24ops::model::Secret;
use b24ops::services::outbox::deliver_pass;
use b24ops::services::reply_mail::ReplyMailer;
use b24ops::services::tasks::Actor;
use b24ops::services::tickets::change;
use b24ops::store::{Store, TicketChange};
use chrono::{DateTime, Duration, Utc};
use common::process::free_port;
use common::smtp::{mails, sink, smtp_available};
use common::{backends, empty_db, empty_on};

fn at() -> DateTime<Utc> {
    "2026-11-30T10:00:00Z".parse().unwrap()
}

fn alice() -> Actor {
    Actor { operator: "alice".into(), read_only: false }
}

const FIRST: &str = "From: Olga <olga@example.com>\r\nSubject: Sync stopped\r\nMessage-ID: <first-1@example.com>\r\n\r\nNothing syncs since Monday.\r\n";

async fn mail(store: &Store, raw: &str, now: DateTime<Utc>) -> Filed {
    let raw = RawMessage { bytes: raw.as_bytes().to_vec(), dropped: 0 };
    ingest(store, &EmailConfig::default(), &raw, now).await.unwrap()
}

async fn reply(store: &Store, id: i64, text: &str) {
    change(store, &alice(), id, TicketChange::Reply(text.into()), at()).await.unwrap();
}

fn mailer(port: u16) -> ReplyMailer {
    ReplyMailer::new(Secret::new(format!("smtp://127.0.0.1:{port}")), "Acme Support <support@acme-apps.example>")
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_is_queued_with_its_ticket_and_claimed_once_on_every_backend() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let Filed::New { id, .. } = mail(&db.store, FIRST, at()).await else { panic!("{name}") };
        change(&db.store, &alice(), id, TicketChange::Note("internal: check the token".into()), at()).await.unwrap();
        reply(&db.store, id, "We are on it.").await;
        let thread = db.store.ticket_messages(id, 10).await.unwrap();
        assert!(thread[1].delivery.is_none(), "{name}: a note never leaves");
        let d = thread[2].delivery.as_ref().unwrap();
        assert_eq!((d.state.as_str(), d.recipient.as_str()), ("queued", "olga@example.com"), "{name}");

        // Two deliverers race for the same row: exactly one wins it.
        let stale = at() - Duration::minutes(15);
        let (a, b2) = tokio::join!(
            db.store.claim_due_replies("aaaa", at(), stale, &["email"], 10),
            db.store.claim_due_replies("bbbb", at(), stale, &["email"], 10)
        );
        let (a, b2) = (a.unwrap(), b2.unwrap());
        assert_eq!(a.len() + b2.len(), 1, "{name}: claimed {} + {}", a.len(), b2.len());
        let item = a.into_iter().chain(b2).next().unwrap();
        assert_eq!(item.thread_ids, vec![("first-1@example.com".to_owned(), true)], "{name}");
        assert!(
            db.store.claim_due_replies("cccc", at(), stale, &["email"], 10).await.unwrap().is_empty(),
            "{name}: held"
        );
        // A claim that outlived its deliverer is taken over; the old claim can then mark nothing.
        let later = at() + Duration::minutes(20);
        let again =
            db.store.claim_due_replies("dddd", later, later - Duration::minutes(15), &["email"], 10).await.unwrap();
        assert_eq!(again.len(), 1, "{name}");
        assert!(!db.store.mark_reply_sent(&item, later).await.unwrap(), "{name}: the stale claim is void");
        assert!(db.store.mark_reply_sent(&again[0], later).await.unwrap(), "{name}");
        assert!(
            db.store.claim_due_replies("eeee", later, later, &["email"], 10).await.unwrap().is_empty(),
            "{name}: sent once"
        );

        // A ticket without an address keeps the reply, and says it has nowhere to go.
        let form = b24ops::model::NewTicket {
            channel: "console".into(),
            member_id: None,
            domain: None,
            subject: "phoned in".into(),
            requester_name: Some("Ivan".into()),
            requester_email: None,
            priority: "normal".into(),
            body: "called".into(),
            message_id: None,
            claimed_thread_of: None,
        };
        let phoned = db.store.create_ticket(&form, at()).await.unwrap();
        reply(&db.store, phoned, "Done.").await;
        assert!(db.store.ticket_messages(phoned, 5).await.unwrap()[1].delivery.is_none(), "{name}");
        assert_eq!(db.store.replies_waiting().await.unwrap(), 0, "{name}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_reaches_the_customer_threaded_and_her_answer_threads_back() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _smtp = sink(port, dir.path()).expect("the SMTP sink starts");
    let db = empty_db().await;
    let Filed::New { id, .. } = mail(&db.store, FIRST, at()).await else { panic!() };
    change(&db.store, &alice(), id, TicketChange::Note("internal: token expired".into()), at()).await.unwrap();
    reply(&db.store, id, "Hello Olga,\nthe token is renewed; sync runs again.").await;

    // Two deliverers at once (say the console and serve): one mail.
    let m = mailer(port);
    let (a, b) = tokio::join!(deliver_pass(&db.store, &m, at()), deliver_pass(&db.store, &m, at()));
    assert_eq!(a.unwrap().sent + b.unwrap().sent, 1);
    let sent = mails(dir.path());
    assert_eq!(sent.len(), 1);
    let raw = std::fs::read(&sent[0]).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&raw).unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("X-Envelope-To: olga@example.com\r\n"), "{text}");
    assert_eq!(msg.subject().unwrap(), format!("Re: Sync stopped [#{id}]"));
    assert_eq!(msg.in_reply_to().as_text(), Some("first-1@example.com"));
    assert!(msg.body_text(0).unwrap().contains("the token is renewed"));
    assert!(!text.contains("token expired"), "the internal note stayed inside");
    let ours = msg.message_id().unwrap().to_owned();
    assert!(ours.ends_with("@acme-apps.example"), "{ours}");

    let thread = db.store.ticket_messages(id, 10).await.unwrap();
    let d = thread[2].delivery.as_ref().unwrap();
    assert_eq!((d.state.as_str(), d.sent_at), ("sent", Some(at())));
    assert_eq!(deliver_pass(&db.store, &m, at() + Duration::hours(2)).await.unwrap().sent, 0);
    assert_eq!(mails(dir.path()).len(), 1, "never sent twice");

    // Olga answers our mail: it threads into the same ticket by our Message-ID alone.
    let answer = format!(
        "From: olga@example.com\r\nSubject: Re: Sync stopped\r\nMessage-ID: <olga-2@example.com>\r\nIn-Reply-To: <{ours}>\r\n\r\nWorks now, thanks!\r\n"
    );
    assert_eq!(mail(&db.store, &answer, at() + Duration::hours(1)).await, Filed::Reply { id });
    // And the next reply answers her newest message, referencing the whole thread.
    let written = at() + Duration::hours(2);
    change(&db.store, &alice(), id, TicketChange::Reply("Glad to hear.".into()), written).await.unwrap();
    let later = at() + Duration::hours(3);
    assert_eq!(deliver_pass(&db.store, &m, later).await.unwrap().sent, 1);
    let second = std::fs::read(&mails(dir.path())[1]).unwrap();
    let msg = mail_parser::MessageParser::default().parse(&second).unwrap();
    assert_eq!(msg.in_reply_to().as_text(), Some("olga-2@example.com"));
    let refs = msg.references().as_text_list().map(|l| l.len()).unwrap_or(0);
    assert_eq!(refs, 3, "first mail, our reply, her answer");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reply_written_while_smtp_is_down_goes_out_once_when_it_is_back() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let db = empty_db().await;
    let Filed::New { id, .. } = mail(&db.store, FIRST, at()).await else { panic!() };
    reply(&db.store, id, "Looking into it.").await;
    let m = mailer(port);
    let down = deliver_pass(&db.store, &m, at()).await.unwrap();
    assert_eq!((down.sent, down.failed), (0, 1));
    let d = db.store.ticket_messages(id, 5).await.unwrap()[1].delivery.clone().unwrap();
    assert_eq!(d.state.as_str(), "failed");
    assert_eq!(d.last_error.unwrap().as_str(), "cannot reach the SMTP server");
    assert_eq!(d.next_attempt_at, Some(at() + Duration::seconds(30)), "retried with backoff");
    // Not due yet: nothing is tried.
    let early = deliver_pass(&db.store, &m, at() + Duration::seconds(10)).await.unwrap();
    assert_eq!((early.sent, early.failed), (0, 0));

    let _smtp = sink(port, dir.path()).expect("the SMTP sink starts");
    let back = deliver_pass(&db.store, &m, at() + Duration::seconds(31)).await.unwrap();
    assert_eq!(back.sent, 1);
    assert_eq!(deliver_pass(&db.store, &m, at() + Duration::hours(1)).await.unwrap().sent, 0);
    assert_eq!(mails(dir.path()).len(), 1);
    let d = db.store.ticket_messages(id, 5).await.unwrap()[1].delivery.clone().unwrap();
    assert_eq!((d.state.as_str(), d.attempts), ("sent", 2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_reply_is_failed_with_the_reason_retried_and_not_sent_twice() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _smtp = sink(port, dir.path()).expect("the SMTP sink starts");
    std::fs::write(dir.path().join("refuse"), "").unwrap();
    let db = empty_db().await;
    let Filed::New { id, .. } = mail(&db.store, FIRST, at()).await else { panic!() };
    reply(&db.store, id, "Try now.").await;
    let m = mailer(port);
    let refused = deliver_pass(&db.store, &m, at()).await.unwrap();
    assert_eq!(refused.failed, 1);
    assert!(refused.errors[0].contains("refused the message (554)"), "{:?}", refused.errors);
    let again = deliver_pass(&db.store, &m, at() + Duration::seconds(31)).await.unwrap();
    assert_eq!(again.failed, 1);
    let d = db.store.ticket_messages(id, 5).await.unwrap()[1].delivery.clone().unwrap();
    assert_eq!(d.next_attempt_at, Some(at() + Duration::seconds(31 + 60)), "the wait doubles");
    assert!(mails(dir.path()).is_empty());

    std::fs::remove_file(dir.path().join("refuse")).unwrap();
    let ok = deliver_pass(&db.store, &m, at() + Duration::seconds(200)).await.unwrap();
    assert_eq!(ok.sent, 1);
    assert_eq!(deliver_pass(&db.store, &m, at() + Duration::hours(5)).await.unwrap().sent, 0);
    assert_eq!(mails(dir.path()).len(), 1);
}
