//! The headless intake and watch verbs as a user runs them: `ingest-calls` with oversized lines
//! and a database lost mid-run, `watch --once` and SIGTERM with receivers down, and ids that
//! arrive from the environment as numbers.

use crate::common;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";
const M: &str = "feedfeedfeedfeedfeedfeedfeedfeed";

fn command(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.args(args).env("B24OPS_LOG__FILE", dir.join("b24ops.log")).env("HOME", dir).env_remove("B24OPS_DATABASE_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    command(dir, args, env).output().unwrap()
}

fn piped(dir: &Path, args: &[&str]) -> Child {
    command(dir, args, &[]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap()
}

fn call_line(ts_ms: i64, description: &str) -> String {
    format!(r#"{{"ts":{ts_ms},"member_id":"{M}","method":"crm.item.list","error_description":"{description}"}}"#)
}

fn seeded(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("cli.db").display());
    let out = run(dir, &["--database-url", &url, "--now", NOW, "seed", "--calls", "3000", "--portals", "30"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    url
}

#[test]
fn an_oversized_line_is_named_and_skipped_and_the_rest_kept() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("ingest.db").display());
    assert!(run(dir.path(), &["--database-url", &url, "migrate"], &[]).status.success());
    let mut child =
        piped(dir.path(), &["--database-url", &url, "--now", NOW, "ingest-calls", "--max-line-bytes", "65536"]);
    let mut stdin = child.stdin.take().unwrap();
    writeln!(stdin, "\u{feff}{}", call_line(1_795_521_600_000, "first")).unwrap();
    writeln!(stdin, "{}", call_line(1_795_521_600_001, &"x".repeat(3 * 1024 * 1024))).unwrap();
    stdin.write_all(b"{\"ts\":1795521600002,\"method\":\"\xff\"}\n").unwrap();
    writeln!(stdin, "{}", call_line(1_795_521_600_003, "last")).unwrap();
    drop(stdin);
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 2: 3145843 bytes, over --max-line-bytes 65536"), "{err}");
    assert!(err.contains("line 3: not UTF-8"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ingested 2 calls"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ingest_says_what_it_committed_when_the_database_goes_away() {
    let Ok(admin) = std::env::var("B24OPS_TEST_POSTGRES_URL") else {
        eprintln!("notice: set B24OPS_TEST_POSTGRES_URL to run the lost-database ingest test");
        return;
    };
    let db = common::empty_on(&common::Backend::Server(admin.clone())).await;
    let name = db.url.rsplit('/').next().unwrap().split('?').next().unwrap().to_owned();
    let dir = tempfile::tempdir().unwrap();
    let mut child = piped(dir.path(), &["--database-url", &db.url, "--now", NOW, "ingest-calls", "--batch", "2"]);
    let mut stdin = child.stdin.take().unwrap();
    for n in 0..3 {
        writeln!(stdin, "{}", call_line(1_795_521_600_000 + n, "ok")).unwrap();
    }
    stdin.flush().unwrap();
    let counter = sqlx::PgPool::connect(&db.url).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM b24ops_api_calls").fetch_one(&counter).await.unwrap() < 2 {
        assert!(Instant::now() < deadline, "the first batch was never committed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    counter.close().await;
    let pool = sqlx::PgPool::connect(&admin).await.unwrap();
    sqlx::raw_sql(&format!("DROP DATABASE {name} WITH (FORCE)")).execute(&pool).await.unwrap();
    writeln!(stdin, "{}", call_line(1_795_521_600_010, "lost")).unwrap();
    drop(stdin);
    let out = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap()).await.unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2 calls (lines 1–2) were committed; the batch up to line 4 was not"), "{err}");
}

#[test]
fn watch_once_fails_when_a_due_notice_was_not_delivered() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let hook = [("B24OPS_WEBHOOK_URL", "http://127.0.0.1:9/hook")];
    let out = run(dir.path(), &["--database-url", &url, "--now", NOW, "watch", "--once"], &hook);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("were due and not delivered"), "{err}");
    // Printed to stdout (no receiver configured) counts as delivered.
    let out = run(dir.path(), &["--database-url", &url, "--now", NOW, "watch", "--once"], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn sigterm_stops_watch_within_seconds_while_receivers_hang() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    // A receiver that takes connections and never answers.
    let hole = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let hook = format!("http://{}/hook", hole.local_addr().unwrap());
    let mut child =
        command(dir.path(), &["--database-url", &url, "--now", NOW, "watch"], &[("B24OPS_WEBHOOK_URL", &hook)])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    let sent = Instant::now();
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        assert!(sent.elapsed() < Duration::from_secs(3), "still running {:?} after SIGTERM", sent.elapsed());
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(hole);
}

#[test]
fn chat_ids_given_as_numbers_are_accepted() {
    let dir = tempfile::tempdir().unwrap();
    let url = seeded(dir.path());
    let out = run(
        dir.path(),
        &["--database-url", &url, "--now", NOW, "check"],
        &[("B24OPS_WATCH__TELEGRAM_CHAT_ID", "-1001234567890"), ("B24OPS_WATCH__BITRIX24_DIALOG_ID", "1")],
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains("invalid configuration"), "{err}");
    assert!(out.status.code().is_some_and(|c| c <= 2), "{err}");
}

/// 1,000 lines of 1 MB through `ingest-calls`: the peak RSS (VmHWM) is printed and must stay
/// under 100 MB. Slow (a gigabyte through a pipe): `cargo test --release -- --ignored`.
#[test]
#[ignore]
fn ingest_of_a_gigabyte_of_long_lines_stays_small() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("rss.db").display());
    assert!(run(dir.path(), &["--database-url", &url, "migrate"], &[]).status.success());
    let mut child = piped(dir.path(), &["--database-url", &url, "--now", NOW, "ingest-calls"]);
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let long = "y".repeat(1_000_000 - 120);
        for n in 0..1000 {
            writeln!(stdin, "{}", call_line(1_795_521_600_000 + n, &long)).unwrap();
        }
    });
    let mut peak_kb = 0u64;
    while child.try_wait().unwrap().is_none() {
        if let Ok(status) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kb) = status.lines().find_map(|l| l.strip_prefix("VmHWM:"))
        {
            peak_kb = peak_kb.max(kb.trim().trim_end_matches(" kB").trim().parse().unwrap_or(0));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    writer.join().unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("ingested 1000 calls"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    println!("ingest-calls peak RSS: {} MB", peak_kb / 1024);
    assert!(peak_kb < 100 * 1024, "peak RSS {} MB", peak_kb / 1024);
}
