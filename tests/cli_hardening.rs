//! The headless verbs under hostile input, run as a user would: the real binary, stdout read raw.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";

fn run_with(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.args(args)
        .env("B24OPS_LOG__FILE", dir.join("b24ops.log"))
        .env("HOME", dir)
        .env_remove("B24OPS_DATABASE_URL")
        .env_remove("B24OPS_READ_ONLY")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().unwrap();
    child.stdin.take().unwrap().write_all(stdin).unwrap();
    child.wait_with_output().unwrap()
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
    ok(run(dir, &["--database-url", &url, "--now", NOW, "seed", "--calls", "200", "--portals", "5"]));
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
