//! Each record once: an `Idempotency-Key` replays a committed request's answer and writes
//! nothing (`/api/calls`, `/api/errors`, on every backend, copies racing included), and
//! `ingest-calls --batch-id` run again skips the batches already committed.

use crate::common;

use b24ops::intake::server::Intake;
use common::intake::{http, start};
use common::{backends, empty_on};

const M: &str = "feedfeedfeedfeedfeedfeedfeedfeed";
const TOKEN: &str = "s3cret";

/// `n` call lines from `from` (epoch ms), and one bad line at the end.
pub fn calls(from: i64, n: i64) -> String {
    let mut body: String = (0..n)
        .map(|i| format!("{{\"ts\":{},\"member_id\":\"{M}\",\"method\":\"crm.item.list\"}}\n", from + i))
        .collect();
    body.push_str("{\"ts\":\"soon\"}\n");
    body
}

/// `n` app-error lines.
pub fn errors(from: i64, n: i64) -> String {
    (0..n).map(|i| format!("{{\"ts\":{},\"error_type\":\"PDOException\",\"message\":\"m{i}\"}}\n", from + i)).collect()
}

/// Rows in one of b24ops's tables, counted through a connection of the test's own.
pub async fn count(url: &str, table: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(url).await.unwrap();
    let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}")).fetch_one(&mut c).await.unwrap();
    sqlx::Connection::close(c).await.unwrap();
    n
}

async fn post(base: &str, path: &str, key: Option<&str>, body: String) -> (u16, Option<String>, String) {
    let mut req = http().post(format!("{base}{path}")).bearer_auth(TOKEN).body(body);
    if let Some(k) = key {
        req = req.header("Idempotency-Key", k);
    }
    let res = req.send().await.unwrap();
    let replayed = res.headers().get("idempotent-replayed").map(|v| v.to_str().unwrap().to_owned());
    (res.status().as_u16(), replayed, res.text().await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retried_request_gets_its_first_answer_and_writes_nothing_twice() {
    for b in backends() {
        let db = empty_on(&b).await;
        let name = db.store.dialect().name();
        let base = start(Intake::new(db.store.clone(), Some(TOKEN.into()), false), 1024 * 1024).await;
        let body = calls(1_795_521_600_000, 3);
        let (status, replayed, first) = post(&base, "/api/calls", Some("k-1"), body.clone()).await;
        assert_eq!((status, replayed), (200, None), "{name}: {first}");
        assert!(first.contains("\"accepted\":3"), "{name}: {first}");
        let (status, replayed, again) = post(&base, "/api/calls", Some("k-1"), body.clone()).await;
        assert_eq!((status, replayed.as_deref(), again.as_str()), (200, Some("true"), first.as_str()), "{name}");
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 3, "{name}: the retry wrote nothing");

        let (status, _, text) = post(&base, "/api/calls", Some("k-1"), calls(1_795_521_700_000, 2)).await;
        assert_eq!(status, 422, "{name}: a key reused for other data: {text}");
        let (status, _, _) = post(&base, "/api/calls", Some("two words"), body.clone()).await;
        assert_eq!(status, 400, "{name}");
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 3, "{name}");
        // Without a key nothing is remembered: the same body is new rows.
        assert_eq!(post(&base, "/api/calls", None, body.clone()).await.0, 200);
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 6, "{name}");

        // Each route keeps its own keys.
        let errs = errors(1_795_521_600_000, 4);
        let (status, _, first) = post(&base, "/api/errors", Some("k-1"), errs.clone()).await;
        assert_eq!(status, 200, "{name}: {first}");
        let (status, replayed, again) = post(&base, "/api/errors", Some("k-1"), errs.clone()).await;
        assert_eq!((status, replayed.as_deref(), again), (200, Some("true"), first), "{name}");
        assert_eq!(count(&db.url, "b24ops_app_errors").await, 4, "{name}");

        // Eight copies at once: one commits, the others are told its answer.
        let racing = calls(1_795_521_800_000, 50);
        let answers =
            futures::future::join_all((0..8).map(|_| post(&base, "/api/calls", Some("race"), racing.clone()))).await;
        for (status, _, text) in &answers {
            assert_eq!(*status, 200, "{name}: {text}");
            assert!(text.contains("\"accepted\":50"), "{name}: {text}");
        }
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 56, "{name}: the racing copies wrote once");
    }
}

fn ingest(dir: &std::path::Path, url: &str, id: &str, input: &str) -> (bool, String, String) {
    let out = common::process::run_b24ops(
        dir,
        &["--database-url", url, "--now", "2026-11-24T12:00:00Z", "ingest-calls", "--batch", "2", "--batch-id", id],
        &[],
        input.as_bytes(),
    );
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_run_again_under_its_batch_id_skips_what_it_committed() {
    for b in backends() {
        let db = empty_on(&b).await;
        let dir = tempfile::tempdir().unwrap();
        let input: String = calls(1_795_521_600_000, 5).lines().take(5).map(|l| format!("{l}\n")).collect();
        let (ok, out, err) = ingest(dir.path(), &db.url, "night-1", &input);
        assert!(ok && out.contains("ingested 5 calls"), "{out}{err}");
        let (ok, out, err) = ingest(dir.path(), &db.url, "night-1", &input);
        assert!(ok, "{err}");
        assert!(out.contains("ingested 0 calls") && out.contains("5 calls already committed"), "{out}");
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 5);
        // The same id over other input is refused, not silently skipped.
        let other: String = calls(1_795_521_700_000, 4).lines().take(4).map(|l| format!("{l}\n")).collect();
        let (ok, _, err) = ingest(dir.path(), &db.url, "night-1", &other);
        assert!(!ok && err.contains("other input"), "{err}");
        assert_eq!(count(&db.url, "b24ops_api_calls").await, 5);
    }
}
