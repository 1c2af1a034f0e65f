//! The reply loop from the shell, as a user runs it: `ingest-email`, `tickets reply`, `tickets
//! show`, `tickets deliver` against a real SMTP server on loopback (see `common::smtp`).

use crate::common;

use std::path::Path;
use std::process::Output;

use common::process::free_port;
use common::smtp::{mails, sink, smtp_available};

const NOW: &str = "2026-11-30T10:00:00Z";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> Output {
    let env: Vec<(&str, &str)> = [("B24OPS_OPERATOR", "alice")].into_iter().chain(env.iter().copied()).collect();
    common::process::run_b24ops(dir, args, &env, stdin)
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn reply_show_and_deliver_from_the_shell() {
    if !smtp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("o.db").display());
    let db = ["--database-url", url.as_str(), "--now", NOW];
    ok(run(d, &[&db[..], &["migrate"]].concat(), &[], b""));
    let first = "From: Olga <olga@example.com>\r\nSubject: Export fails\r\nMessage-ID: <e-1@example.com>\r\n\r\nThe export fails.\r\n";
    let filed = ok(run(d, &[&db[..], &["ingest-email"]].concat(), &[], first.as_bytes()));
    assert!(filed.starts_with("new ticket #1"), "{filed}");

    // The reply from a file on stdin; internal notes have no verb here, so nothing else leaves.
    let said = ok(run(d, &[&db[..], &["tickets", "reply", "1"]].concat(), &[], b"Fixed in 2.4.1, please update.\n"));
    assert!(said.contains("reply queued for olga@example.com"), "{said}");
    let shown = ok(run(d, &[&db[..], &["tickets", "show", "1", "--json"]].concat(), &[], b""));
    let v: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(v["messages"][1]["delivery"]["state"], "queued", "{v}");
    assert!(v["ticket"]["first_response_at"].is_null(), "queued: the first-response clock still runs");

    // Without a mail server configured, deliver says what is missing and sends nothing.
    let off = run(d, &[&db[..], &["tickets", "deliver"]].concat(), &[], b"");
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stderr).contains("set B24OPS_SMTP_URL"), "{off:?}");

    let port = free_port();
    let box_dir = tempfile::tempdir().unwrap();
    let _smtp = sink(port, box_dir.path()).expect("the SMTP sink starts");
    let smtp = format!("smtp://127.0.0.1:{port}");
    let env = [("B24OPS_SMTP_URL", smtp.as_str()), ("B24OPS_TICKETS__REPLY_FROM", "support@acme-apps.example")];
    let pass = ok(run(d, &[&db[..], &["tickets", "deliver"]].concat(), &env, b""));
    assert!(pass.starts_with("1 sent, 0 failed"), "{pass}");
    let again = ok(run(d, &[&db[..], &["tickets", "deliver"]].concat(), &env, b""));
    assert!(again.starts_with("0 sent, 0 failed (retried later), 0 given up; 0 waiting"), "{again}");
    assert_eq!(mails(box_dir.path()).len(), 1);
    let text = ok(run(d, &[&db[..], &["tickets", "show", "1"]].concat(), &[], b""));
    assert!(text.contains("[sent at 2026-11-30") && text.contains("to olga@example.com]"), "{text}");

    let empty = run(d, &[&db[..], &["tickets", "reply", "1", "--text", "   "]].concat(), &[], b"");
    assert!(!empty.status.success() && String::from_utf8_lossy(&empty.stderr).contains("empty reply"));
    let missing = run(d, &[&db[..], &["tickets", "reply", "99", "--text", "hi"]].concat(), &[], b"");
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no ticket #99"), "{missing:?}");
}
