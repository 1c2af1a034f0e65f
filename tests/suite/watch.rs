//! `watch`: one notification per firing alert per action interval to a local receiver, the loop
//! surviving a receiver that is down, and a notice on resolve.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::post;
use b24ops::config::Config;
use b24ops::model::Secret;
use b24ops::monitor::notify::Channel;
use b24ops::monitor::outage::DatabaseOutage;
use b24ops::monitor::watch::{Delivery, cycle, cycle_watching_database};
use b24ops::services::alerts::Context;

use chrono::Duration;
use common::{now, seeded_db};

#[derive(Clone, Default)]
struct Receiver {
    up: Arc<AtomicBool>,
    got: Arc<Mutex<Vec<serde_json::Value>>>,
}

async fn start(r: Receiver) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = Router::new().route(
        "/hook",
        post(move |body: axum::Json<serde_json::Value>| {
            let r = r.clone();
            async move {
                if !r.up.load(Ordering::SeqCst) {
                    return StatusCode::SERVICE_UNAVAILABLE;
                }
                r.got.lock().unwrap().push(body.0);
                StatusCode::OK
            }
        }),
    );
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}/hook")
}

/// A seeded database, the default burst rule alone, and a receiver (down until told otherwise).
async fn rig() -> (common::TestDb, Vec<b24ops::rules::alerts::Rule>, Context, Receiver) {
    let db = seeded_db(3_000).await;
    let cfg = Config::default();
    let rules = cfg.alerts.rules().unwrap().into_iter().filter(|r| r.name == "error burst on one portal").collect();
    (db, rules, b24ops::services::settings::alert_context(&cfg).unwrap(), Receiver::default())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_notice_per_interval_survives_a_down_receiver_and_resolves() {
    let (db, rules, ctx, receiver) = rig().await;
    let url = start(receiver.clone()).await;
    let channels = vec![Channel::Webhook(Secret::new(url))];
    b24ops::bitrix::client::install_crypto();
    let http = reqwest::Client::new();
    let d = Delivery { retries: 1, backoff: StdDuration::from_millis(10), ..Delivery::default() };

    // The receiver is down: nothing delivered, nothing lost, the cycle goes on.
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now()).await.unwrap();
    assert!(r.firing >= 1, "{r:?}");
    assert_eq!((r.delivered, r.undelivered), (0, r.firing));

    // Back up: each firing alert is delivered once.
    receiver.up.store(true, Ordering::SeqCst);
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now() + Duration::minutes(1)).await.unwrap();
    assert_eq!(r.delivered, r.firing, "{r:?}");
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), r.firing);
    assert!(
        got.iter().all(|n| n["kind"] == "firing"
            && n["severity"] == "critical"
            && !n["portals"].as_array().unwrap().is_empty())
    );
    let mut ids: Vec<&str> = got.iter().map(|n| n["id"].as_str().unwrap()).collect();
    ids.dedup();
    assert_eq!(ids.len(), got.len(), "each notice has its own id");

    // Within the action interval: no repeat.
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now() + Duration::minutes(5)).await.unwrap();
    assert_eq!(r.delivered, 0);
    assert_eq!(receiver.got.lock().unwrap().len(), got.len());

    // Two hours later the burst is over: each alert resolves, and says so once.
    let firing = got.len();
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now() + Duration::hours(2)).await.unwrap();
    assert_eq!(r.firing, 0, "{r:?}");
    let all = receiver.got.lock().unwrap().clone();
    assert_eq!(all.iter().filter(|n| n["kind"] == "resolved").count(), firing);
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now() + Duration::hours(2) + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(r.delivered, 0, "resolved once, not again");

    // A receiver that is not there at all: still no crash.
    let gone = vec![Channel::Webhook(Secret::new("http://127.0.0.1:9/hook"))];
    cycle(&db.store, &ctx, &rules, &gone, &http, &d, now() + Duration::hours(3)).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_alerts_stay_quiet_until_they_resolve() {
    let (db, rules, ctx, receiver) = rig().await;
    receiver.up.store(true, Ordering::SeqCst);
    let channels = vec![Channel::Webhook(Secret::new(start(receiver.clone()).await))];
    b24ops::bitrix::client::install_crypto();
    let http = reqwest::Client::new();
    let d = Delivery { retries: 0, backoff: StdDuration::from_millis(10), ..Delivery::default() };
    cycle(&db.store, &ctx, &rules, &channels, &http, &d, now()).await.unwrap();
    let first = receiver.got.lock().unwrap().len();
    for s in db.store.alert_states(now() - Duration::days(1), 100).await.unwrap() {
        assert!(db.store.quiet_alert(&s.rule, &s.key, "alice", None, now()).await.unwrap());
    }
    // Two minutes on, the burst is still inside its 15-minute window: firing, but acknowledged.
    let r = cycle(&db.store, &ctx, &rules, &channels, &http, &d, now() + Duration::minutes(2)).await.unwrap();
    assert_eq!(r.delivered, 0);
    assert_eq!(receiver.got.lock().unwrap().len(), first);
    let audit = db.store.audit_page(None, 20).await.unwrap();
    assert!(audit.iter().any(|a| a.action.as_str() == "alert.ack"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn alert_state_round_trips_on_every_backend() {
    use b24ops::rules::alerts::{AlertState, Severity};
    for b in common::backends() {
        let db = common::empty_on(&b).await;
        let s = AlertState {
            rule: "error burst on one portal".into(),
            key: "m1 QUERY_LIMIT_EXCEEDED".into(),
            severity: Severity::Critical,
            firing: true,
            since: now(),
            value: 32,
            summary: "32 errors".into(),
            portals: vec!["m1".into(), "m2".into()],
            last_notified_at: None,
            resolved_at: None,
            acked_by: None,
            snoozed_until: None,
        };
        db.store.save_alert(&s, now()).await.unwrap();
        let resolved = AlertState {
            firing: false,
            resolved_at: Some(now() + Duration::hours(1)),
            last_notified_at: Some(now()),
            ..s.clone()
        };
        db.store.save_alert(&resolved, now() + Duration::hours(1)).await.unwrap();
        let back = db.store.alert_states(now() - Duration::days(1), 10).await.unwrap();
        assert_eq!(back, vec![resolved.clone()], "{}", db.store.dialect().name());
        assert!(db.store.quiet_alert(&s.rule, &s.key, "alice", Some(now() + Duration::hours(4)), now()).await.unwrap());
        assert!(!db.store.quiet_alert(&s.rule, "nope", "alice", None, now()).await.unwrap());
        assert_eq!(
            db.store.alert_states(now() - Duration::days(1), 10).await.unwrap()[0].snoozed_until,
            Some(now() + Duration::hours(4))
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_alerts_tab_counts_acknowledges_and_jumps_to_the_portal() {
    use b24ops::tui::state::{Loadable, Screen};
    use b24ops::tui::update::Msg;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let db = seeded_db(3_000).await;
    let r = common::test_runner(&db.store, false);
    let mut s = common::console_state(false);
    let key = |c: KeyCode| Msg::Key(KeyEvent::new(c, KeyModifiers::NONE));
    common::drive(&mut s, &r, key(KeyCode::Char('8'))).await;
    assert_eq!(s.screen, Screen::Alerts);
    let Loadable::Ready(rows) = &s.alerts.list.rows else { panic!("{:?}", s.alerts.list.rows) };
    assert_eq!(s.firing, Some(rows.len() as i64), "the header counts what fires");
    let i = rows.iter().position(|r| r.kind == b24ops::rules::alerts::AlertKind::Errors).expect("a burst fires");
    assert!(rows[i].firing.figure.summary.contains(".bitrix24."), "named by domain: {}", rows[i].firing.figure.summary);
    // Alerts are grouped by rule: unfold this one's and put the cursor on the alert.
    s.alerts.expanded.push(rows[i].firing.rule.clone());
    s.alerts.cursor = s
        .alerts
        .lines()
        .iter()
        .position(|l| matches!(l, b24ops::tui::alert_lines::AlertLine::Alert { index, .. } if *index == i))
        .unwrap();
    common::drive(&mut s, &r, key(KeyCode::Char('a'))).await;
    let Loadable::Ready(rows) = &s.alerts.list.rows else { panic!() };
    assert_eq!(rows[i].state.as_ref().and_then(|s| s.acked_by.as_deref()), Some("tester"));
    assert!(db.store.audit_page(None, 5).await.unwrap().iter().any(|a| a.action.as_str() == "alert.ack"));
    let portal = rows[i].firing.figure.portals[0].clone();
    common::drive(&mut s, &r, key(KeyCode::Enter)).await;
    assert_eq!(s.screen, Screen::Calls);
    assert_eq!(s.calls.filter.member_id.as_ref().map(|m| m.as_str()), Some(portal.as_str()));
    assert!(s.calls.filter.errors_only);
}

/// A minimal SMTP server that accepts every message and keeps its DATA.
async fn fake_smtp() -> (String, Arc<Mutex<Vec<String>>>) {
    use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let got: Arc<Mutex<Vec<String>>> = Arc::default();
    let keep = got.clone();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let keep = keep.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                w.write_all(b"220 fake ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(d) = data.as_mut() {
                        if line == "." {
                            keep.lock().unwrap().push(data.take().unwrap());
                            w.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            d.push_str(&line);
                            d.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split_whitespace().next().unwrap_or("").to_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 fake\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go\r\n"
                        }
                        "QUIT" => {
                            w.write_all(b"221 bye\r\n").await.unwrap();
                            break;
                        }
                        _ => b"250 ok\r\n",
                    };
                    w.write_all(answer).await.unwrap();
                }
            });
        }
    });
    (format!("smtp://{addr}"), got)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn notices_go_out_by_email_too() {
    let (db, rules, ctx, _) = rig().await;
    let (url, got) = fake_smtp().await;
    let channels = vec![Channel::Email {
        url: Secret::new(url),
        from: "b24ops@vendor.example".into(),
        to: vec!["oncall@vendor.example".into()],
    }];
    b24ops::bitrix::client::install_crypto();
    let http = reqwest::Client::new();
    let r = cycle(
        &db.store,
        &ctx,
        &rules,
        &channels,
        &http,
        &Delivery { retries: 0, backoff: StdDuration::from_millis(10), ..Delivery::default() },
        now(),
    )
    .await
    .unwrap();
    assert!(r.delivered >= 1 && r.undelivered == 0, "{r:?}");
    let mails = got.lock().unwrap().clone();
    assert_eq!(mails.len(), r.delivered);
    assert!(mails[0].contains("Subject: [b24ops] CRITICAL error burst on one portal"), "{}", mails[0]);
    assert!(mails[0].contains("portals: "));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slack_compatible_receiver_gets_text() {
    let (db, rules, ctx, receiver) = rig().await;
    receiver.up.store(true, Ordering::SeqCst);
    let slack = vec![Channel::Slack(Secret::new(start(receiver.clone()).await))];
    b24ops::bitrix::client::install_crypto();
    let d = Delivery { retries: 0, backoff: StdDuration::from_millis(10), ..Delivery::default() };
    let r = cycle(&db.store, &ctx, &rules, &slack, &reqwest::Client::new(), &d, now()).await.unwrap();
    let got = receiver.got.lock().unwrap().clone();
    assert_eq!(got.len(), r.delivered);
    assert!(got[0]["text"].as_str().unwrap().starts_with("[b24ops] CRITICAL error burst on one portal:"), "{}", got[0]);
}

/// A receiver that accepts connections and never answers.
async fn black_hole() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    (format!("http://{addr}/hook"), task)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cycle_with_every_receiver_hanging_takes_about_one_deadline() {
    let (db, rules, ctx, _) = rig().await;
    let (a, _ta) = black_hole().await;
    let (b, _tb) = black_hole().await;
    let channels = vec![Channel::Webhook(Secret::new(a)), Channel::Slack(Secret::new(b))];
    b24ops::bitrix::client::install_crypto();
    // No client timeout at all: the cycle's own deadlines must bound it.
    let http = reqwest::Client::new();
    let d = Delivery { retries: 2, backoff: StdDuration::from_millis(10), per_receiver: StdDuration::from_millis(700) };
    let started = std::time::Instant::now();
    let r =
        tokio::time::timeout(StdDuration::from_secs(10), cycle(&db.store, &ctx, &rules, &channels, &http, &d, now()))
            .await
            .expect("the cycle is bounded")
            .unwrap();
    assert!(r.firing >= 1 && r.undelivered == r.firing, "{r:?}");
    assert!(started.elapsed() < StdDuration::from_secs(3), "{} notices took {:?}", r.firing, started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_database_that_stays_down_is_announced_through_the_receivers() {
    let (db, rules, ctx, receiver) = rig().await;
    receiver.up.store(true, Ordering::SeqCst);
    let channels = vec![Channel::Webhook(Secret::new(start(receiver.clone()).await))];
    b24ops::bitrix::client::install_crypto();
    let http = reqwest::Client::new();
    let d = Delivery { retries: 0, backoff: StdDuration::from_millis(10), ..Delivery::default() };
    let mut outage = DatabaseOutage::default();
    cycle_watching_database(&db.store, &ctx, &rules, &channels, &http, &d, &mut outage, now()).await.unwrap();
    let before = receiver.got.lock().unwrap().len();
    // The database goes away under the daemon.
    db.store.close().await;
    for m in 1..=3 {
        let at = now() + Duration::minutes(m);
        assert!(cycle_watching_database(&db.store, &ctx, &rules, &channels, &http, &d, &mut outage, at).await.is_err());
    }
    let got = receiver.got.lock().unwrap().clone();
    let about_db: Vec<_> = got[before..].iter().filter(|n| n["rule"] == "database unreachable").collect();
    assert_eq!(about_db.len(), 1, "announced once: {got:?}");
    assert_eq!(about_db[0]["kind"], "firing");
    assert!(about_db[0]["summary"].as_str().unwrap().contains("cannot read its database"));
}
