//! The app's bot in the customer's Bitrix24, end to end against the emulator: registered with the
//! portal's own tokens, a user's message becomes a chat ticket attached to the portal (and the
//! next one threads into it), the operator's reply reaches the dialog exactly once through the
//! outbox, a wrong application_token is 401 with nothing changed, and hostile text is stored
//! sanitized and cut.

use crate::common;

use std::time::Duration as StdDuration;

use b24ops::bitrix::oauth::AppCredentials;
use b24ops::clock::Clock;
use b24ops::config::ChatbotConfig;
use b24ops::emulator::{self, PortalSpec, World, WorldSpec};
use b24ops::intake::events::{EventIntake, router as events_router};
use b24ops::intake::server::Intake;
use b24ops::model::{MemberId, Secret};
use b24ops::rules::tokens::TokenPolicy;
use b24ops::services::chat_reply::ChatSender;
use b24ops::services::chatbot::register;
use b24ops::services::outbox::{Channels, deliver_on};
use b24ops::services::tasks::Actor;
use b24ops::services::tokens::TokenService;
use b24ops::store::{TicketChange, TicketScope};
use chrono::Utc;
use common::{Backend, empty_on};
use serde_json::{Value, json};

const MEMBER: &str = "c0ffee00c0ffee00c0ffee00c0ffee01";
const SECRET: &str = "bot-client-secret";

fn portal() -> PortalSpec {
    PortalSpec {
        uninstalled: true,
        ..common::paid_portal(MEMBER, "botland.bitrix24.com", "crm,user,imbot", None, Utc::now())
    }
}

fn member() -> MemberId {
    MemberId::parse(MEMBER).unwrap()
}

fn http() -> reqwest::Client {
    b24ops::bitrix::client::install_crypto();
    reqwest::Client::new()
}

async fn user_writes(base: &str, body: Value) -> Value {
    let r = http().post(format!("{base}/_emulator/bot_message")).json(&body).send().await.unwrap();
    assert!(r.status().is_success(), "bot_message {}: {}", r.status(), r.text().await.unwrap());
    r.json().await.unwrap()
}

async fn bot_sent(base: &str) -> Vec<Value> {
    let v: Value =
        http().get(format!("{base}/_emulator/bot_sent?member_id={MEMBER}")).send().await.unwrap().json().await.unwrap();
    v["sent"].as_array().cloned().unwrap_or_default()
}

/// The raw stored bodies of a ticket's messages (not through the sanitizing decoder).
async fn raw_bodies(url: &str, ticket: i64) -> Vec<String> {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let rows: Vec<(String,)> =
        sqlx::query_as("SELECT body FROM b24ops_ticket_messages WHERE ticket_id = ? ORDER BY id")
            .bind(ticket)
            .fetch_all(&pool)
            .await
            .unwrap();
    pool.close().await;
    rows.into_iter().map(|r| r.0).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_the_bot_becomes_a_ticket_and_the_reply_reaches_the_dialog_once() {
    let db = empty_on(&Backend::Sqlite).await;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let serve_base = format!("http://{}", listener.local_addr().unwrap());
    let mut world =
        World::new(WorldSpec { app: common::emu_app("app.bot.1", SECRET, 480.0), portals: vec![portal()] }, Utc::now());
    world.event_handler = Some(format!("{serve_base}/b24/events"));
    let emu = emulator::start(world, "127.0.0.1:0".parse().unwrap(), Clock::System).await.unwrap();
    let base = emu.emulator.base_url().to_owned();
    let keys = AppCredentials { client_id: "app.bot.1".into(), client_secret: Secret::new(SECRET) };
    let tokens = std::sync::Arc::new(
        TokenService::with(
            db.store.clone(),
            Some(keys),
            Default::default(),
            TokenPolicy::default(),
            Clock::System,
            Some(format!("{base}/rest/")),
        )
        .unwrap(),
    );
    let intake = Intake::new(db.store.clone(), None, false);
    let app = events_router(EventIntake { intake: intake.clone(), tokens: tokens.clone() })
        .merge(b24ops::intake::imbot::router(intake));
    tokio::spawn(async move { axum::serve(listener, app).await });

    // The app is installed: ONAPPINSTALL brings the tokens and the application_token.
    let r = http()
        .post(format!("{base}/_emulator/fault"))
        .json(&json!({"fault": "install", "member_id": MEMBER}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    for _ in 0..100 {
        if db.store.application_token(&member()).await.unwrap().is_some() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    assert!(db.store.application_token(&member()).await.unwrap().is_some(), "the install reached serve");

    // Registered with the portal's own tokens; again is the same bot (idempotent by code).
    let cfg = ChatbotConfig { public_url: serve_base.clone(), ..ChatbotConfig::default() };
    let alice = Actor { operator: "alice".into(), read_only: false };
    let first = register(&tokens, &cfg, &alice, &[member()]).await.unwrap();
    let bot_id = first[0].bot_id.unwrap_or_else(|| panic!("registered: {:?}", first[0].error));
    let again = register(&tokens, &cfg, &alice, &[member()]).await.unwrap();
    assert_eq!(again[0].bot_id, Some(bot_id), "the same bot");
    let read_only = Actor { operator: "alice".into(), read_only: true };
    assert!(register(&tokens, &cfg, &read_only, &[member()]).await.is_err(), "read-only registers nothing");

    // A user writes: a chat ticket attached to the portal.
    let a =
        user_writes(&base, json!({"member_id": MEMBER, "text": "The export to CRM fails\nsince this morning"})).await;
    assert_eq!(a["status"], 200, "{a}");
    let tickets = db.store.tickets(TicketScope::All, 10).await.unwrap();
    assert_eq!(tickets.len(), 1);
    let t = &tickets[0];
    assert_eq!(t.channel.as_str(), "chat");
    assert_eq!(t.member_id.as_ref().map(|m| m.as_str()), Some(MEMBER), "attached to the portal");
    assert_eq!(t.domain.as_ref().map(|d| d.as_str()), Some("botland.bitrix24.com"));
    assert!(t.subject.as_str().contains("The export to CRM fails"), "{}", t.subject);
    // The same dialog's next message threads into it.
    let b = user_writes(&base, json!({"member_id": MEMBER, "text": "It says ACCESS_DENIED"})).await;
    assert_eq!(b["status"], 200, "{b}");
    assert_eq!(db.store.tickets(TicketScope::All, 10).await.unwrap().len(), 1, "threaded, not a new ticket");
    assert_eq!(db.store.ticket_messages(t.id, 50).await.unwrap().len(), 2);

    // The reply goes out through the outbox, once, even with two deliverers at once.
    let now = Utc::now();
    db.store
        .change_ticket(t.id, &TicketChange::Reply("Fixed in 2.4.1, please update.".into()), "alice", now)
        .await
        .unwrap();
    let thread = db.store.ticket_messages(t.id, 50).await.unwrap();
    let reply = thread.iter().find(|m| m.direction.as_str() == "out").unwrap();
    let d = reply.delivery.as_ref().expect("queued");
    assert_eq!((d.channel.as_str(), d.state.as_str(), d.recipient.as_str()), ("imbot", "queued", "1"));
    assert!(bot_sent(&base).await.is_empty(), "nothing sent before a pass");
    let email_only = Channels::default();
    assert_eq!(deliver_on(&db.store, &email_only, now).await.unwrap().sent, 0, "no chat deliverer, nothing taken");
    let chat = Channels { chat: Some(ChatSender::new(tokens.clone())), ..Channels::default() };
    let (x, y) = tokio::join!(deliver_on(&db.store, &chat, now), deliver_on(&db.store, &chat, now));
    assert_eq!(x.unwrap().sent + y.unwrap().sent, 1, "one of two deliverers sends it");
    assert_eq!(deliver_on(&db.store, &chat, now + chrono::Duration::hours(1)).await.unwrap().sent, 0, "never twice");
    let sent = bot_sent(&base).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0]["dialog_id"], "1");
    assert_eq!(sent[0]["bot_id"], bot_id);
    assert_eq!(sent[0]["message"], "Fixed in 2.4.1, please update.");
    let thread = db.store.ticket_messages(t.id, 50).await.unwrap();
    let d = thread.iter().find(|m| m.direction.as_str() == "out").unwrap().delivery.clone().unwrap();
    assert_eq!(d.state.as_str(), "sent", "the thread shows it sent");
    assert!(
        db.store.ticket(t.id).await.unwrap().unwrap().first_response_at.is_some(),
        "the first-response clock stopped"
    );

    // A wrong application_token: 401, and nothing changed.
    let forged = [
        ("event", "ONIMBOTV2MESSAGEADD"),
        ("data[bot][id]", &bot_id.to_string()),
        ("data[chat][dialogId]", "1"),
        ("data[user][id]", "1"),
        ("data[message][text]", "forged"),
        ("auth[member_id]", MEMBER),
        ("auth[application_token]", "not-the-token"),
    ];
    let r = http().post(format!("{serve_base}/b24/imbot")).form(&forged).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401);
    let missing: Vec<_> = forged.iter().filter(|(k, _)| *k != "auth[application_token]").collect();
    let r = http().post(format!("{serve_base}/b24/imbot")).form(&missing).send().await.unwrap();
    assert_eq!(r.status().as_u16(), 401, "no token is no proof");
    assert_eq!(db.store.tickets(TicketScope::All, 10).await.unwrap().len(), 1);
    assert_eq!(db.store.ticket_messages(t.id, 50).await.unwrap().len(), 3, "the forged message is not in the thread");

    // Hostile text in another chat: an ESC sequence and 5 MB, stored sanitized and cut.
    let hostile = format!("\u{1b}]0;owned\u{7}\u{1b}[2Jhello{}", "x".repeat(5 * 1024 * 1024));
    let h = user_writes(&base, json!({"member_id": MEMBER, "chat_id": 7, "text": hostile})).await;
    assert_eq!(h["status"], 200, "{}", h["answer"]);
    let ticket: i64 = serde_json::from_str::<Value>(h["answer"].as_str().unwrap()).unwrap()["ticket"].as_i64().unwrap();
    assert_ne!(ticket, t.id, "another dialog, another ticket");
    let bodies = raw_bodies(&db.url, ticket).await;
    assert_eq!(bodies.len(), 1);
    assert!(!bodies[0].contains('\u{1b}') && !bodies[0].contains('\u{7}'), "no control characters stored");
    assert!(bodies[0].contains("hello"));
    assert!(bodies[0].chars().count() <= 64 * 1024 + 40, "cut: {} chars", bodies[0].chars().count());
}
