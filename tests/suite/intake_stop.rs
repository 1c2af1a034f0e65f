//! A database stopped mid-request keeps all of a request's rows or none, and a retry with the
//! same `Idempotency-Key` writes each row once — on MariaDB (the session killed with `KILL` from a
//! second connection while the transaction has written) and SQLite (the file replaced under the
//! running transaction, or locked by another writer), for `POST /api/calls`, `POST /api/errors`
//! and `ingest-calls`. PostgreSQL's `/api/calls` case is in `serve.rs`.

use crate::common;
use crate::intake_once::{calls, count, errors};

use std::io::Write as _;
use std::time::{Duration, Instant};

use b24ops::intake::server::Intake;
use common::intake::{http, start};
use common::{Backend, empty_on};

const ROWS: i64 = 90_000;

/// Kills, from a second connection, the MariaDB session of database `db` whose open transaction
/// has written more than `rows` rows. Returns whether one was caught. The rows an open transaction
/// wrote are those a READ UNCOMMITTED count sees beyond a READ COMMITTED one (INNODB_TRX is not
/// reliable: seen empty on MariaDB 10.11 while a transaction was writing).
async fn kill_mid_transaction(admin: &str, db: &str, rows: i64) -> bool {
    use sqlx::Connection as _;
    let mut dirty = sqlx::MySqlConnection::connect(admin).await.unwrap();
    sqlx::raw_sql("SET SESSION TRANSACTION ISOLATION LEVEL READ UNCOMMITTED").execute(&mut dirty).await.unwrap();
    let mut clean = sqlx::MySqlConnection::connect(admin).await.unwrap();
    sqlx::raw_sql("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED").execute(&mut clean).await.unwrap();
    let total = format!(
        "SELECT CAST((SELECT COUNT(*) FROM `{db}`.b24ops_api_calls) + (SELECT COUNT(*) FROM `{db}`.b24ops_app_errors) AS SIGNED)"
    );
    // A debug build may spend a minute reading, checking and fingerprinting the body first.
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        let (seen,): (i64,) = sqlx::query_as(&total).fetch_one(&mut dirty).await.unwrap();
        let (committed,): (i64,) = sqlx::query_as(&total).fetch_one(&mut clean).await.unwrap();
        if seen - committed > rows {
            let writers: Vec<(u64,)> = sqlx::query_as(
                "SELECT CAST(ID AS UNSIGNED) FROM information_schema.PROCESSLIST
                 WHERE DB = ? AND INFO LIKE 'INSERT%' AND ID <> CONNECTION_ID()",
            )
            .bind(db)
            .fetch_all(&mut clean)
            .await
            .unwrap();
            if let Some((id,)) = writers.first() {
                sqlx::raw_sql(&format!("KILL {id}")).execute(&mut clean).await.unwrap();
                return true;
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    false
}

fn database_name(url: &str) -> String {
    url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned()
}

/// What one stopped request left, and what its retries did.
async fn stopped_request_then_retries(
    base: &str,
    url: &str,
    path: &str,
    table: &str,
    body: String,
    rows: i64,
    stop: impl std::future::Future<Output = bool>,
) {
    let send = http()
        .post(format!("{base}{path}"))
        .bearer_auth("s3cret")
        .header("Idempotency-Key", path)
        .body(body.clone())
        .send();
    let (res, stopped) = tokio::join!(send, stop);
    let res = res.unwrap();
    let (status, text) = (res.status().as_u16(), res.text().await.unwrap());
    assert!(stopped, "{path}: the transaction was caught running; answer {status} {text}");
    let after_stop = count(url, table).await;
    assert!(after_stop == 0 || after_stop == rows, "{path}: {after_stop} rows committed; answer {status} {text}");
    if after_stop == 0 {
        assert_eq!(status, 503, "{path}: {text}");
        assert!(text.contains("none of this request was written"), "{path}: {text}");
    }
}

/// Retries `body` with its key until the store answers (the first retry may meet the broken
/// pool), then once more: the rows are there once.
async fn retry_until_written(base: &str, url: &str, path: &str, table: &str, body: String, rows: i64) {
    for _ in 0..5 {
        let res = http()
            .post(format!("{base}{path}"))
            .bearer_auth("s3cret")
            .header("Idempotency-Key", path)
            .body(body.clone())
            .send()
            .await
            .unwrap();
        if res.status() == 200 {
            break;
        }
    }
    let again = http()
        .post(format!("{base}{path}"))
        .bearer_auth("s3cret")
        .header("Idempotency-Key", path)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 200);
    assert_eq!(count(url, table).await, rows, "{path}: the retries wrote each row once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_killed_mid_request_keeps_all_or_none_and_a_retry_duplicates_nothing() {
    let Ok(admin) = std::env::var("B24OPS_TEST_MYSQL_URL") else {
        eprintln!("notice: set B24OPS_TEST_MYSQL_URL to run the MariaDB mid-request stop test");
        return;
    };
    let db = empty_on(&Backend::Server(admin.clone())).await;
    let name = database_name(&db.url);
    let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 32 * 1024 * 1024).await;
    for (path, table, body, rows) in [
        ("/api/calls", "b24ops_api_calls", calls(1_795_521_600_000, ROWS), ROWS),
        ("/api/errors", "b24ops_app_errors", errors(1_795_521_600_000, ROWS), ROWS),
    ] {
        let stop = kill_mid_transaction(&admin, &name, 2_000);
        stopped_request_then_retries(&base, &db.url, path, table, body.clone(), rows, stop).await;
        retry_until_written(&base, &db.url, path, table, body, rows).await;
    }
}

/// Moves the SQLite database at `path` aside (with its WAL) once its WAL shows a transaction
/// writing, and puts the empty database `fresh` in its place.
async fn replace_mid_transaction(path: std::path::PathBuf, fresh: std::path::PathBuf) -> bool {
    let wal = format!("{}-wal", path.display());
    // A debug build may spend a minute reading, checking and fingerprinting the body first.
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        if std::fs::metadata(&wal).is_ok_and(|m| m.len() > 4 * 1024 * 1024) {
            for suffix in ["", "-wal", "-shm"] {
                let _ =
                    std::fs::rename(format!("{}{suffix}", path.display()), format!("{}.old{suffix}", path.display()));
            }
            std::fs::copy(&fresh, &path).unwrap();
            return true;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_replaced_mid_request_claims_nothing_and_a_retry_on_the_new_file_writes_once() {
    for (path, table, make) in [
        ("/api/calls", "b24ops_api_calls", calls as fn(i64, i64) -> String),
        ("/api/errors", "b24ops_app_errors", errors as fn(i64, i64) -> String),
    ] {
        let db = empty_on(&Backend::Sqlite).await;
        let fresh = empty_on(&Backend::Sqlite).await;
        fresh.store.close().await;
        // Everything in the file itself, so a copy of the file is the whole database.
        let mut c = <sqlx::SqliteConnection as sqlx::Connection>::connect(&fresh.url).await.unwrap();
        sqlx::raw_sql("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut c).await.unwrap();
        sqlx::Connection::close(c).await.unwrap();
        let file = db.dir.as_ref().unwrap().path().join("test.db");
        let fresh_file = fresh.dir.as_ref().unwrap().path().join("test.db");
        let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 32 * 1024 * 1024).await;
        let body = make(1_795_521_600_000, ROWS);
        stopped_request_then_retries(
            &base,
            &db.url,
            path,
            table,
            body.clone(),
            ROWS,
            replace_mid_transaction(file, fresh_file),
        )
        .await;
        // The file now at the path holds nothing; `serve` started again on it takes the retry.
        assert_eq!(count(&db.url, table).await, 0, "{path}");
        let store = b24ops::store::Store::connect(&db.url, b24ops::store::OpenMode::Existing).await.unwrap();
        let restarted = start(Intake::new(store, Some("s3cret".into()), false), 32 * 1024 * 1024).await;
        retry_until_written(&restarted, &db.url, path, table, body, ROWS).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_locked_by_another_writer_writes_nothing_and_a_retry_writes_once() {
    let db = empty_on(&Backend::Sqlite).await;
    let base = start(Intake::new(db.store.clone(), Some("s3cret".into()), false), 32 * 1024 * 1024).await;
    for (path, table, body) in [
        ("/api/calls", "b24ops_api_calls", calls(1_795_521_600_000, 1_000)),
        ("/api/errors", "b24ops_app_errors", errors(1_795_521_600_000, 1_000)),
    ] {
        // Another process's write transaction holds the lock past the busy timeout (5 s).
        let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect(&db.url).await.unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE; INSERT INTO b24ops_sentry_events (event_id, received_at) VALUES ('x', 1)")
            .execute(&mut other)
            .await
            .unwrap();
        let res = http()
            .post(format!("{base}{path}"))
            .bearer_auth("s3cret")
            .header("Idempotency-Key", "lock")
            .body(body.clone())
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 503, "{path}: {}", res.text().await.unwrap());
        sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
        sqlx::Connection::close(other).await.unwrap();
        assert_eq!(count(&db.url, table).await, 0, "{path}");
        retry_until_written(&base, &db.url, path, table, body, 1_000).await;
    }
}

/// `ingest-calls --batch 2000 --batch-id` of `lines` call lines while `stop` stops the database:
/// the report names exactly what was committed, and the run again under the same id writes
/// the rest, each line once.
async fn ingest_stopped_then_rerun(url: &str, lines: i64, stop: impl std::future::Future<Output = bool>) {
    let dir = tempfile::tempdir().unwrap();
    let input: String =
        calls(1_795_521_600_000, lines).lines().take(lines as usize).map(|l| format!("{l}\n")).collect();
    let args = [
        "--database-url",
        url,
        "--now",
        "2026-11-24T12:00:00Z",
        "ingest-calls",
        "--batch",
        "2000",
        "--batch-id",
        "job-7",
    ];
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_b24ops"))
        .args(args)
        .env("B24OPS_LOG__FILE", dir.path().join("b24ops.log"))
        .env("HOME", dir.path())
        .env_remove("B24OPS_DATABASE_URL")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let feed = input.clone();
    // Fed in slices, as a pipe from a slower producer would, so the stop meets a run still going.
    let feeder = std::thread::spawn(move || {
        let lines: Vec<&str> = feed.split_inclusive('\n').collect();
        for slice in lines.chunks(1_000) {
            if stdin.write_all(slice.concat().as_bytes()).is_err() {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    });
    let stopped = stop.await;
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    feeder.join().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(stopped, "the batch was caught running: {err}");
    assert!(!out.status.success(), "{err}");
    let committed: i64 = err
        .split(" calls (lines 1–")
        .next()
        .unwrap()
        .rsplit(|c: char| !c.is_ascii_digit())
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|_| panic!("{err}"));
    assert!(err.contains("were committed; the batch up to line"), "{err}");
    assert_eq!(count(url, "b24ops_api_calls").await, committed, "the report names what was committed: {err}");
    let again = common::process::run_b24ops(dir.path(), &args, &[], input.as_bytes());
    let text = String::from_utf8_lossy(&again.stdout);
    assert!(again.status.success(), "{}", String::from_utf8_lossy(&again.stderr));
    assert!(text.contains(&format!("ingested {} calls", lines - committed)), "{text}");
    assert_eq!(count(url, "b24ops_api_calls").await, lines, "each line once: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_stopped_mid_batch_on_a_server_reports_exactly_and_its_rerun_writes_the_rest() {
    for var in ["B24OPS_TEST_MYSQL_URL", "B24OPS_TEST_POSTGRES_URL"] {
        let Ok(admin) = std::env::var(var) else {
            eprintln!("notice: set {var} to run the ingest mid-batch stop test there");
            continue;
        };
        let db = empty_on(&Backend::Server(admin.clone())).await;
        let name = database_name(&db.url);
        let url = db.url.clone();
        let counter = url.clone();
        // Stop a batch after the third has committed.
        let stop = async move {
            three_batches_committed(&counter).await;
            if var.contains("MYSQL") {
                kill_mid_transaction(&admin, &name, 200).await
            } else {
                terminate_mid_transaction(&admin, &name).await
            }
        };
        ingest_stopped_then_rerun(&url, 40_000, stop).await;
    }
}

/// Waits until three 2,000-row batches are in.
async fn three_batches_committed(url: &str) {
    // A debug build may spend a minute reading, checking and fingerprinting the body first.
    let deadline = Instant::now() + Duration::from_secs(300);
    while count(url, "b24ops_api_calls").await < 6_000 {
        assert!(Instant::now() < deadline, "three batches never committed");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// Terminates the PostgreSQL session of `db` that holds a transaction id (it has written).
async fn terminate_mid_transaction(admin: &str, db: &str) -> bool {
    let pool = sqlx::PgPool::connect(admin).await.unwrap();
    // A debug build may spend a minute reading, checking and fingerprinting the body first.
    let deadline = Instant::now() + Duration::from_secs(300);
    while Instant::now() < deadline {
        let killed: Vec<(bool,)> = sqlx::query_as(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
             WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_xid IS NOT NULL",
        )
        .bind(db)
        .fetch_all(&pool)
        .await
        .unwrap();
        if !killed.is_empty() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    false
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_meeting_a_locked_sqlite_file_reports_exactly_and_its_rerun_writes_the_rest() {
    let db = empty_on(&Backend::Sqlite).await;
    let url = db.url.clone();
    let counter = url.clone();
    let stop = async move {
        three_batches_committed(&counter).await;
        // Another writer takes the lock and keeps it past the busy timeout.
        let mut other = <sqlx::SqliteConnection as sqlx::Connection>::connect(&counter).await.unwrap();
        sqlx::raw_sql("BEGIN IMMEDIATE; INSERT INTO b24ops_sentry_events (event_id, received_at) VALUES ('x', 1)")
            .execute(&mut other)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_secs(7)).await;
        sqlx::raw_sql("ROLLBACK").execute(&mut other).await.unwrap();
        true
    };
    ingest_stopped_then_rerun(&url, 60_000, stop).await;
}
