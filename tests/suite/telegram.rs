//! Telegram alert notices against a local Bot API stand-in (the real API cannot run here): the
//! notice arrives as `sendMessage` on `/bot<token>/sendMessage` with the chat id and the notice's
//! text, and a token the Bot API refuses leaves the notice undelivered (retried next cycle).

use crate::common;

use std::time::Duration as StdDuration;

use b24ops::config::Config;
use b24ops::model::Secret;
use b24ops::monitor::notify::Channel;
use b24ops::monitor::watch::{Delivery, cycle};
use common::bot_api::{BotApiStandIn, TOKEN};
use common::{now, seeded_db};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_notices_reach_a_telegram_chat_and_a_refused_token_delivers_nothing() {
    let db = seeded_db(3_000).await;
    let cfg = Config::default();
    let rules: Vec<_> =
        cfg.alerts.rules().unwrap().into_iter().filter(|r| r.name == "error burst on one portal").collect();
    let ctx = b24ops::services::settings::alert_context(&cfg).unwrap();
    let api = BotApiStandIn::start().await;
    let base = api.base.clone();
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
    assert!(api.sent().is_empty());

    let right = vec![Channel::Telegram { token: Secret::new(TOKEN), chat_id: "-1001234567890".into(), api_base: base }];
    let r = cycle(&db.store, &ctx, &rules, &right, &http, &d, now()).await.unwrap();
    assert_eq!((r.delivered, r.undelivered), (r.firing, 0), "{r:?}");
    let got = api.sent();
    assert_eq!(got.len(), r.firing);
    assert_eq!(got[0]["chat_id"], "-1001234567890");
    let text = got[0]["text"].as_str().unwrap();
    assert!(text.starts_with("[b24ops] CRITICAL error burst on one portal: "), "{text}");
    assert!(text.contains("portals: "), "{text}");
}
