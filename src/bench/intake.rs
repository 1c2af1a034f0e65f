//! The HTTP intake under load: Sentry events (one per request, as the SDKs send them), app errors
//! and call records as NDJSON batches, each from concurrent clients on loopback against the real
//! `serve` routes — throughput, per-request latency, and a count of what the database holds
//! afterwards, so an accepted record that went missing would show.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use chrono::Utc;
use color_eyre::eyre::{Result, WrapErr, eyre};
use serde_json::json;

use super::raw::Raw;
use super::stats::{Summary, ms, summarize};
use crate::config::ServeConfig;
use crate::intake::sentry::{SentryIntake, router as sentry_router};
use crate::intake::server::{Intake, router};
use crate::model::Secret;
use crate::store::{Dialect, Store};

/// Concurrent clients per workload.
const CLIENTS: usize = 8;
/// Records per NDJSON request (the SDK hooks' batch size).
const BATCH: usize = 100;
const TOKEN: &str = "bench-intake-token";
const SENTRY_KEY: &str = "benchintakekey01";

/// What one workload did.
struct Run {
    /// Records accepted, by the answers.
    accepted: u64,
    /// Records the database gained.
    stored: i64,
    /// Per-request latency.
    latency: Summary,
    elapsed: Duration,
}

/// The intake figures: Sentry events/s beside the NDJSON error path, and calls/s, each with its
/// request p99 and the count check.
pub async fn lines(store: &Store, raw: &Raw, dialect: Dialect, requests: usize) -> Result<String> {
    let since = Utc::now() - chrono::Duration::seconds(1);
    let out = measure(store, raw, dialect, requests).await;
    store.prune_bench_errors(since).await?;
    out
}

async fn measure(store: &Store, raw: &Raw, dialect: Dialect, requests: usize) -> Result<String> {
    let base = start(store.clone()).await?;
    let http = reqwest::Client::builder().pool_max_idle_per_host(CLIENTS).build()?;
    let per_client = (requests / CLIENTS).max(5);
    let mut out = String::new();

    let errors_before = raw.count(dialect, "b24ops_app_errors").await?;
    let sentry = run(per_client, |c, i| sentry_request(&http, &base, c, i)).await?;
    let after_sentry = raw.count(dialect, "b24ops_app_errors").await?;
    let ndjson_errors = run(per_client, |c, i| ndjson_request(&http, &base, "errors", c, i)).await?;
    let after_errors = raw.count(dialect, "b24ops_app_errors").await?;
    let calls_before = raw.count(dialect, "b24ops_api_calls").await?;
    let calls = run(per_client, |c, i| ndjson_request(&http, &base, "calls", c, i)).await?;
    let calls_after = raw.count(dialect, "b24ops_api_calls").await?;

    let sentry = Run { stored: after_sentry - errors_before, ..sentry };
    let ndjson_errors = Run { stored: after_errors - after_sentry, ..ndjson_errors };
    let calls = Run { stored: calls_after - calls_before, ..calls };
    for (name, r, unit) in [
        ("intake: Sentry events (1/request)", &sentry, "events/s"),
        ("intake: app errors NDJSON (100/req)", &ndjson_errors, "events/s"),
        ("intake: calls NDJSON (100/request)", &calls, "calls/s"),
    ] {
        let rate = r.accepted as f64 / r.elapsed.as_secs_f64().max(1e-9);
        let lost = r.accepted as i64 - r.stored;
        let _ = writeln!(
            out,
            "{name:<34} {rate:.0} {unit} | request p50 {} p99 {} | {CLIENTS} clients | accepted {} stored {} lost {lost}",
            ms(r.latency.p50),
            ms(r.latency.p99),
            r.accepted,
            r.stored,
        );
        if lost != 0 {
            return Err(eyre!("{name}: {lost} accepted record(s) are not in the database"));
        }
    }
    Ok(out)
}

/// The real routes on a loopback port: the JSON API and the Sentry intake, with pacing set so
/// high that it never answers 429 — the figure is the intake's, not the pacing's.
async fn start(store: Store) -> Result<String> {
    let cfg = ServeConfig { sentry_burst: u32::MAX / 2, sentry_per_second: u32::MAX / 2, ..ServeConfig::default() };
    let intake = Intake::new(store, Some(TOKEN.to_owned()), false);
    let sentry = SentryIntake::new(intake.clone(), vec![Secret::new(SENTRY_KEY)], &cfg);
    let app = router(intake, cfg.max_body_bytes).merge(sentry_router(sentry));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.wrap_err("bench: cannot bind loopback")?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move {
        let _ = axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>()).await;
    });
    Ok(format!("http://{addr}"))
}

/// Runs `CLIENTS` clients, each sending `per_client` requests one after another.
async fn run<F, Fut>(per_client: usize, request: F) -> Result<Run>
where
    F: Fn(usize, usize) -> Fut,
    Fut: std::future::Future<Output = Result<u64>>,
{
    let started = Instant::now();
    let clients = (0..CLIENTS).map(|c| {
        let request = &request;
        async move {
            let mut times = Vec::with_capacity(per_client);
            let mut accepted = 0;
            for i in 0..per_client {
                let t = Instant::now();
                accepted += request(c, i).await?;
                times.push(t.elapsed());
            }
            Ok::<_, color_eyre::Report>((accepted, times))
        }
    });
    let mut times = Vec::new();
    let mut accepted = 0;
    for r in futures::future::join_all(clients).await {
        let (a, t) = r?;
        accepted += a;
        times.extend(t);
    }
    Ok(Run { accepted, stored: 0, latency: summarize(&mut times), elapsed: started.elapsed() })
}

/// One event as a Sentry SDK's store request carries it.
async fn sentry_request(http: &reqwest::Client, base: &str, client: usize, i: usize) -> Result<u64> {
    let event = json!({
        // The bench's ids share a prefix, so its cleanup removes them and nothing else.
        "event_id": format!("bbbbbbbb{:08x}{:016x}", client, i),
        "timestamp": Utc::now().timestamp_millis() as f64 / 1000.0,
        "platform": "python",
        "level": "error",
        "release": "app@1.4.2",
        "tags": {"member_id": member(client, i)},
        "exception": {"values": [{
            "type": "SentryEvent",
            "module": "bench",
            "value": format!("deal {i} did not sync"),
            "stacktrace": {"frames": [
                {"function": "run", "filename": "app/worker.py", "lineno": 40},
                {"function": "sync_deal", "filename": "app/sync.py", "lineno": 112},
            ]},
        }]},
    });
    let answer = http
        .post(format!("{base}/api/7/store/"))
        .header("X-Sentry-Auth", format!("Sentry sentry_version=7, sentry_key={SENTRY_KEY}"))
        .json(&event)
        .send()
        .await?;
    if !answer.status().is_success() {
        return Err(eyre!("bench: the Sentry intake answered {}", answer.status()));
    }
    Ok(1)
}

/// `BATCH` records as one NDJSON request to `/api/{what}`.
async fn ndjson_request(http: &reqwest::Client, base: &str, what: &str, client: usize, i: usize) -> Result<u64> {
    let now = Utc::now().timestamp_millis();
    let mut body = String::with_capacity(BATCH * 160);
    for k in 0..BATCH {
        let line = if what == "calls" {
            json!({"ts": now, "member_id": member(client, i + k), "method": super::BENCH_METHOD, "http_status": 200,
                   "duration_ms": (k % 900) as i64})
        } else {
            json!({"ts": now, "member_id": member(client, i + k), "error_type": "bench.IntakeError",
                   "message": format!("record {k} of request {i}"), "source": "app"})
        };
        let _ = writeln!(body, "{line}");
    }
    let answer = http
        .post(format!("{base}/api/{what}"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/x-ndjson")
        .body(body)
        .send()
        .await?;
    let status = answer.status();
    let text = answer.text().await?;
    if !status.is_success() {
        return Err(eyre!("bench: /api/{what} answered {status}: {text}"));
    }
    let v: serde_json::Value = serde_json::from_str(&text).wrap_err("bench: the intake's answer is not JSON")?;
    v["accepted"].as_u64().ok_or_else(|| eyre!("bench: the answer names no accepted count: {text}"))
}

fn member(client: usize, i: usize) -> String {
    format!("{:032x}", (client * 7919 + i % 50) as u128)
}
