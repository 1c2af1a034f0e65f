//! Telegram alert notices against a local Bot API stand-in (the real API cannot run here): the
//! notice arrives as `sendMessage` on `/bot<token>/sendMessage` with the chat id and the notice's
//! text, and a token the Bot API refuses leaves the notice undelivered (retried next cycle).

use crate::common;

use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::extract::Path;
use axum::http::StatusCode;
use axum::routing::post;
use b24ops::config::Config;
use b24ops::model::Secret;
use b24ops::monitor::notify::Channel;
use b24ops::monitor::watch::{Delivery, cycle};
use common::{now, seeded_db};

const TOKEN: &str = "123456:AAH-test-token";

type Sent = Arc<Mutex<Vec<serde_json::Value>>>;

/// A Bot API stand-in answering as the real one does: `{"ok":true,"result":…}` for the bot's
/// token, 401 `{"ok":false,"error_code":401,"description":"Unauthorized"}` for any other.
async fn bot_api() -> (String, Sent) {
    let sent: Sent = Arc::default();
    let got = sent.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/{bot}/sendMessage",
        post(move |Path(bot): Path<String>, body: axum::Json<serde_json::Value>| {
            let got = got.clone();
            async move {
                if bot != format!("bot{TOKEN}") {
                    let refusal = serde_json::json!({"ok": false, "error_code": 401, "description": "Unauthorized"});
                    return (StatusCode::UNAUTHORIZED, axum::Json(refusal));
                }
                got.lock().unwrap().push(body.0.clone());
                let id = got.lock().unwrap().len();
                let answer = serde_json::json!({"ok": true, "result": {"message_id": id, "chat": {"id": body.0["chat_id"]}, "text": body.0["text"]}});
                (StatusCode::OK, axum::Json(answer))
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    (format!("http://{addr}"), sent)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_notices_reach_a_telegram_chat_and_a_refused_token_delivers_nothing() {
    let db = seeded_db(3_000).await;
    let cfg = Config::default();
    let rules: Vec<_> =
        cfg.alerts.rules().unwrap().into_iter().filter(|r| r.name == "error burst on one portal").collect();
    let ctx = b24ops::services::settings::alert_context(&cfg).unwrap();
    let (base, sent) = bot_api().await;
    b24ops::bitrix::client::install_crypto();
    let http = reqwest::Client::new();
    let d = Delivery { retries: 0, backoff: StdDuration::from_millis(10), ..Delivery::default() };

    let wrong = vec![Channel::Telegram {
        token: Secret::new("999:wrong"),
        chat_id: "-1001234567890".into(),
        api_base: base.clone(),
    }];
    let r = cycle(&db.store, &ctx, &rules, &wrong, &http, &d, now()).await.unwrap();
    assert!(r.firing >= 1, "{r:?}");
    assert_eq!((r.delivered, r.undelivered), (0, r.firing), "refused by the Bot API: not delivered");
    assert!(sent.lock().unwrap().is_empty());

    let right = vec![Channel::Telegram { token: Secret::new(TOKEN), chat_id: "-1001234567890".into(), api_base: base }];
    let r = cycle(&db.store, &ctx, &rules, &right, &http, &d, now()).await.unwrap();
    assert_eq!((r.delivered, r.undelivered), (r.firing, 0), "{r:?}");
    let got = sent.lock().unwrap().clone();
    assert_eq!(got.len(), r.firing);
    assert_eq!(got[0]["chat_id"], "-1001234567890");
    let text = got[0]["text"].as_str().unwrap();
    assert!(text.starts_with("[b24ops] CRITICAL error burst on one portal: "), "{text}");
    assert!(text.contains("portals: "), "{text}");
}
