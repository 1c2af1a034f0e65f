//! The Telegram support bot from the shell, as a user runs it against a local Bot API stand-in:
//! `tickets poll-telegram` files the chat's message, `list` and `show` show it, `reply` queues the
//! answer and `deliver` sends it on the Telegram channel while email is not set up (exit 0, per
//! channel); `serve` polls and delivers by itself. The token never reaches the output.

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::bot_api::{BotApiStandIn, TOKEN};
use common::process::{Child, free_port};

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let env: Vec<(&str, &str)> = [("B24OPS_OPERATOR", "alice")].into_iter().chain(env.iter().copied()).collect();
    tokio::task::block_in_place(|| common::process::run_b24ops(dir, args, &env, b""))
}

fn ok(out: Output) -> String {
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

fn telegram_ticket_of(dir: &Path, db: &[&str], chat_subject: &str) -> Option<i64> {
    let listed = ok(run(dir, &[db, &["tickets", "list", "--json"]].concat(), &[]));
    let v: serde_json::Value = serde_json::from_str(&listed).unwrap();
    v.as_array()?.iter().map(|q| &q["ticket"]).find(|t| t["channel"] == "telegram" && t["subject"] == chat_subject)?["id"]
        .as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_reply_and_deliver_from_the_shell_then_serve_does_it_alone() {
    let api = BotApiStandIn::start().await;
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let url = format!("sqlite://{}", d.join("t.db").display());
    let db = ["--database-url", url.as_str()];
    let env = [("B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN", TOKEN), ("B24OPS_TELEGRAM__API_BASE", api.base.as_str())];
    ok(run(d, &[&db[..], &["migrate"]].concat(), &[]));

    let off = run(d, &[&db[..], &["tickets", "poll-telegram"]].concat(), &[]);
    assert!(!off.status.success());
    assert!(String::from_utf8_lossy(&off.stderr).contains("set B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN"), "{off:?}");

    api.message(555, "Olga", "Export fails \u{1b}[31msince 2.4");
    let polled = ok(run(d, &[&db[..], &["tickets", "poll-telegram"]].concat(), &env));
    assert!(polled.starts_with("1 update(s): 1 ticket(s) opened"), "{polled}");
    assert!(polled.contains("1 chat(s) asked for their portal"), "{polled}");
    let listed = ok(run(d, &[&db[..], &["tickets", "list"]].concat(), &[]));
    assert!(listed.contains("⚑ no portal") && listed.contains("Telegram: Export fails"), "{listed}");
    assert!(!listed.contains('\u{1b}'), "no escape reaches the terminal");

    let said = ok(run(d, &[&db[..], &["tickets", "reply", "1", "--text", "Fixed in 2.4.1."]].concat(), &[]));
    assert!(said.contains("reply queued for Telegram chat 555"), "{said}");
    let shown = ok(run(d, &[&db[..], &["tickets", "show", "1"]].concat(), &[]));
    assert!(shown.contains("via telegram") && shown.contains("[queued for Telegram chat 555]"), "{shown}");
    let listed = ok(run(d, &[&db[..], &["tickets", "list"]].concat(), &[]));
    assert!(listed.contains("m queued"), "queued: the first-response clock still runs: {listed}");

    // Email is not set up, and nothing waits for it: the Telegram reply goes out, exit 0.
    let delivered = ok(run(d, &[&db[..], &["tickets", "deliver"]].concat(), &env));
    assert!(delivered.starts_with("1 sent, 0 failed"), "{delivered}");
    assert!(delivered.contains("telegram  1 sent, 0 failed, 0 given up; 0 waiting"), "{delivered}");
    assert!(delivered.contains("email     off ("), "{delivered}");
    let again = ok(run(d, &[&db[..], &["tickets", "deliver", "--json"]].concat(), &env));
    let v: serde_json::Value = serde_json::from_str(&again).unwrap();
    assert_eq!(v["sent"], 0, "never twice: {v}");
    let replies: Vec<_> = api.sent().into_iter().filter(|m| m["text"] == "Fixed in 2.4.1.").collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["chat_id"], 555);
    let shown = ok(run(d, &[&db[..], &["tickets", "show", "1"]].concat(), &[]));
    assert!(shown.contains("to Telegram chat 555]") && shown.contains("[sent at"), "{shown}");
    let listed = ok(run(d, &[&db[..], &["tickets", "list"]].concat(), &[]));
    assert!(listed.contains(" met ") && !listed.contains("queued"), "delivered: the clock stopped: {listed}");

    // A refused token: exit 1, said in one line, the token nowhere.
    let wrong =
        [("B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN", "999:very-secret"), ("B24OPS_TELEGRAM__API_BASE", api.base.as_str())];
    let refused = run(d, &[&db[..], &["tickets", "poll-telegram"]].concat(), &wrong);
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && err.contains("refused the bot's token (401"), "{err}");
    assert!(
        !err.contains("very-secret")
            && !std::fs::read_to_string(d.join("b24ops.log")).unwrap_or_default().contains("very-secret")
    );

    // serve polls and delivers by itself.
    let listen = format!("127.0.0.1:{}", free_port());
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_b24ops"));
    cmd.args(db)
        .args(["serve", "--listen", &listen])
        .env("B24OPS_LOG__FILE", d.join("serve.log"))
        .env("HOME", d)
        .env("B24OPS_TICKETS__DELIVER_EVERY_SECS", "1")
        .env_remove("B24OPS_DATABASE_URL")
        .env_remove("B24OPS_READ_ONLY")
        .env_remove("B24OPS_SMTP_URL")
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut serve = cmd.spawn().unwrap();
    let mut up = BufReader::new(serve.stderr.take().unwrap());
    let _serve = Child(serve);
    let mut said = String::new();
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        assert!(up.read_line(&mut line).unwrap() > 0, "serve stopped: {said}");
        said.push_str(&line);
    }
    line.clear();
    up.read_line(&mut line).unwrap();
    assert!(line.contains("the Telegram support bot is polling"), "{line}");

    api.message(777, "Ivan", "Deals do not sync");
    let mut id = None;
    for _ in 0..100 {
        id = telegram_ticket_of(d, &db, "Telegram: Deals do not sync");
        if id.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    let id = id.expect("serve filed the message").to_string();
    ok(run(d, &[&db[..], &["tickets", "reply", &id, "--text", "Looking at it."]].concat(), &[]));
    let mut got = Vec::new();
    for _ in 0..100 {
        got = api.sent().into_iter().filter(|m| m["text"] == "Looking at it.").collect();
        if !got.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert_eq!(got.len(), 1, "serve delivered the reply once");
    assert_eq!(got[0]["chat_id"], 777);
}
