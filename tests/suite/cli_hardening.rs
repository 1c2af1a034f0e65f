//! The headless verbs under hostile input, run as a user would: the real binary, stdout read raw.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use crate::common;

use common::process::{Child, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";

fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    common::process::run_b24ops(dir, args, env, stdin)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    run_with(dir, args, &[], b"")
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn migrated(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("h.db").display());
    ok(run(dir, &["--database-url", &url, "--now", NOW, "seed", "--calls", "500", "--portals", "30"]));
    url
}

#[test]
fn a_forged_reply_shows_flagged_in_the_ticket_list() {
    let dir = tempfile::tempdir().unwrap();
    let url = migrated(dir.path());
    let first =
        "From: olga@example.com\r\nSubject: Sync stopped\r\nMessage-ID: <f-1@example.com>\r\n\r\nNothing syncs.\r\n";
    let filed =
        ok(run_with(dir.path(), &["--database-url", &url, "--now", NOW, "ingest-email"], &[], first.as_bytes()));
    let id: String = filed.split('#').nth(1).unwrap().chars().take_while(char::is_ascii_digit).collect();
    let forged = format!("From: mallory@evil.example\r\nSubject: Re: [#{id}] export\r\n\r\nSend it to me.\r\n");
    let said =
        ok(run_with(dir.path(), &["--database-url", &url, "--now", NOW, "ingest-email"], &[], forged.as_bytes()));
    assert!(said.contains("flagged") && said.contains(&format!("ticket #{id}")), "{said}");
    let list = ok(run(dir.path(), &["--database-url", &url, "--now", NOW, "tickets", "list"]));
    assert!(list.contains(&format!("⚠ claims #{id}")), "{list}");
    let json = ok(run(dir.path(), &["--database-url", &url, "--now", NOW, "tickets", "list", "--json"]));
    assert!(json.contains(&format!("\"claimed_thread_of\": {id}")), "{json}");
}

/// An emulator holding the database's portals, with the database pointed at it.
async fn emulator(dir: &Path, url: &str, env: &[(&str, &str)]) -> (Child, String) {
    let listen = format!("127.0.0.1:{}", free_port());
    let mut emu = Command::new(BIN);
    emu.args(["--database-url", url, "--now", NOW, "emulator", "--listen", &listen, "--point-db"])
        .env("B24OPS_LOG__FILE", dir.join("emu.log"))
        .env("HOME", dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    for (k, v) in env {
        emu.env(k, v);
    }
    let child = Child(emu.spawn().unwrap());
    let store = b24ops::store::Store::connect(url, b24ops::store::OpenMode::Existing).await.unwrap();
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let p = store.portals_after("", 1).await.unwrap().remove(0);
        if p.client_endpoint.as_ref().is_some_and(|e| e.as_str().contains(&listen)) {
            store.close().await;
            let list = ok(run_with(dir, &["--database-url", url, "--now", NOW, "tokens", "list", "--json"], env, b""));
            let doc: serde_json::Value = serde_json::from_str(&list).unwrap();
            let rows = doc["rows"].as_array().unwrap();
            let near = rows.iter().find(|r| (1..=30).contains(&r["state"]["days_left"].as_i64().unwrap())).unwrap();
            return (child, near["portal"]["member_id"].as_str().unwrap().to_owned());
        }
    }
    panic!("the emulator did not come up");
}

async fn console_calls(url: &str) -> (i64, i64) {
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(url).await.unwrap();
    let (calls,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM b24ops_api_calls WHERE source = 'console'")
        .fetch_one(&pool)
        .await
        .unwrap();
    let (hours,): (i64,) =
        sqlx::query_as("SELECT COALESCE(SUM(n), 0) FROM b24ops_error_hours").fetch_one(&pool).await.unwrap();
    pool.close().await;
    (calls, hours)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_diagnose_writes_no_call_and_the_variable_takes_every_boolean_spelling() {
    let dir = tempfile::tempdir().unwrap();
    let url = migrated(dir.path());
    let env = [("B24OPS_CLIENT_ID", "app.ro.test"), ("B24OPS_CLIENT_SECRET", "ro-secret-0123456789")];
    let (_emu, member) = emulator(dir.path(), &url, &env).await;
    ok(run_with(dir.path(), &["--database-url", &url, "--now", NOW, "tokens", "refresh", &member], &env, b""));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let before = console_calls(&url).await;
    for yes in ["1", "true", "yes", "on", "ON"] {
        let mut e = env.to_vec();
        e.push(("B24OPS_READ_ONLY", yes));
        let out = run_with(
            dir.path(),
            &["--database-url", &url, "--now", NOW, "tokens", "diagnose", &member, "--json"],
            &e,
            b"",
        );
        let doc: serde_json::Value = serde_json::from_str(&ok(out)).unwrap();
        assert!(doc["app"]["ok"]["status"].is_string(), "{yes}: the diagnosis ran: {doc}");
        let refused = run_with(dir.path(), &["--database-url", &url, "migrate"], &e, b"");
        assert!(!refused.status.success(), "{yes} means read-only");
    }
    assert_eq!(console_calls(&url).await, before, "read-only logged no call and touched no rollup");
    for no in ["0", "false", "no", "off"] {
        let e = [("B24OPS_READ_ONLY", no)];
        ok(run_with(dir.path(), &["--database-url", &url, "migrate"], &e, b""));
    }
    let e = [("B24OPS_READ_ONLY", "maybe")];
    assert!(!run_with(dir.path(), &["--database-url", &url, "migrate"], &e, b"").status.success());
    // Writing mode logs the diagnosis, as before.
    ok(run_with(dir.path(), &["--database-url", &url, "--now", NOW, "tokens", "diagnose", &member], &env, b""));
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(console_calls(&url).await.0 > before.0);
}

/// Characters no output may carry: ESC, BEL, a C1 control, a bidi override, a zero-width space.
const HOSTILE: [char; 5] = ['\u{1b}', '\u{07}', '\u{9b}', '\u{202E}', '\u{200B}'];

fn assert_clean(what: &str, text: &str) {
    for c in HOSTILE {
        assert!(!text.contains(c), "{what} carries {c:?}: {text:?}");
    }
    assert!(!text.contains("\\u001b") && !text.contains("\\u0007"), "{what} carries an escaped control: {text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_output_and_file_is_sanitized_and_invalid_utf8_reads_lossily() {
    let dir = tempfile::tempdir().unwrap();
    let url = migrated(dir.path());
    let evil = "t\u{1b}]0;pwned\u{07}\u{1b}]52;c;aGk=\u{07}x\u{9b}31m\u{202E}y\u{200B}z";
    let with_op = [("B24OPS_OPERATOR", evil)];
    let base = ["--database-url", url.as_str(), "--now", NOW];
    let cmd = |rest: &[&str]| -> Vec<String> { base.iter().chain(rest).map(|s| s.to_string()).collect() };
    let run_env = |rest: &[&str]| {
        let args = cmd(rest);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_with(dir.path(), &args, &with_op, b"")
    };
    ok(run_env(&["incident", "declare", evil]));
    ok(run_env(&["incident", "note", &format!("note {evil}")]));
    ok(run_env(&["maintenance", "--done", "tokens", "--note", evil]));
    // One event with invalid UTF-8 must not make `incident show` fail.
    sqlx::any::install_default_drivers();
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    sqlx::query(
        "INSERT INTO b24ops_incident_events (incident_id, ts, author, kind, text)
         SELECT id, declared_at + 1, CAST(X'6F70FF' AS TEXT), 'note', CAST(X'626164FE0A6279746573' AS TEXT) FROM b24ops_incidents",
    )
    .execute(&pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO b24ops_incident_events (incident_id, ts, author, kind, text)
         SELECT id, declared_at + 2, 'bulk', 'note', ? FROM b24ops_incidents",
    )
    .bind(format!("{evil}{}", "n".repeat(2 << 20)))
    .execute(&pool)
    .await
    .unwrap();
    let hist = sqlx::query(
        "UPDATE b24ops_ticket_status_history SET actor = ? WHERE id = (SELECT MIN(id) FROM b24ops_ticket_status_history)",
    )
    .bind(evil)
    .execute(&pool)
    .await;
    pool.close().await;
    hist.unwrap();

    for rest in
        [&["incident", "show"][..], &["incident", "show", "--json"], &["maintenance"], &["maintenance", "--json"]]
    {
        let out = ok(run_env(rest));
        assert_clean(&rest.join(" "), &out);
        assert!(out.len() < 1_200_000, "{}: the 2 MB note is cut ({} bytes)", rest.join(" "), out.len());
    }
    let shown = ok(run_env(&["incident", "show"]));
    assert!(shown.contains("op\u{FFFD}") && shown.contains("bad\u{FFFD}"), "read lossily: {shown}");
    assert!(shown.contains('␛'), "an operator sees that someone tried");
    let tickets = ok(run_env(&["tickets", "list", "--all", "--json"]));
    assert_clean("tickets list --json", &tickets);
    let record = dir.path().join("record.md");
    ok(run_env(&["incident", "resolve", "--summary", evil, "--out", record.to_str().unwrap()]));
    assert_clean("incident resolve --out", &std::fs::read_to_string(&record).unwrap());
}
