//! The support form in a real browser, as a customer meets it inside Bitrix24: headless Chromium
//! (Debian's `chromium`) opens a portal page that frames the form served by `b24ops serve`,
//! fills it, submits it and reads the ticket number; the ticket is then in `tickets list`. The
//! same form framed from another origin is refused by the `frame-ancestors` policy from
//! `[serve] frame_ancestors`. Driven by `tests/browser/support_form.mjs` over the DevTools protocol.
//!
//! Needs `chromium` and `node` (`.ci/run` installs both and sets `B24OPS_TEST_CHROMIUM=1`, which
//! makes a missing one a failure instead of a skip).

use crate::common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use common::process::{Child, free_port};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");

fn chromium() -> Option<String> {
    let required = std::env::var("B24OPS_TEST_CHROMIUM").is_ok_and(|v| v == "1");
    let found = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].into_iter().find(|p| Path::new(p).exists());
    let node = Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success());
    match (found, node) {
        (Some(c), true) => Some(c.to_owned()),
        _ => {
            assert!(!required, "B24OPS_TEST_CHROMIUM=1 but chromium or node is missing (apt-get install chromium)");
            eprintln!("notice: the browser test skipped: apt-get install chromium");
            None
        }
    }
}

fn b24ops(dir: &Path, url: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--database-url")
        .arg(url)
        .arg("--config")
        .arg(dir.join("config.toml"))
        .args(args)
        .env("B24OPS_LOG__FILE", dir.join("b24ops.log"))
        .env("HOME", dir)
        .env_remove("B24OPS_DATABASE_URL")
        .env_remove("B24OPS_READ_ONLY");
    cmd
}

#[test]
fn the_form_works_framed_by_a_portal_and_is_refused_elsewhere() {
    let Some(chromium) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (serve_port, parent_port) = (free_port(), free_port());
    std::fs::write(
        d.join("config.toml"),
        format!("[serve]\nframe_ancestors = [\"http://*.bitrix24.com:{parent_port}\"]\n"),
    )
    .unwrap();
    let url = format!("sqlite://{}", d.join("f.db").display());
    assert!(b24ops(d, &url, &["migrate"]).status().unwrap().success());

    let listen = format!("127.0.0.1:{serve_port}");
    let mut serve = b24ops(d, &url, &["serve", "--listen", &listen]).stderr(Stdio::piped()).spawn().unwrap();
    let mut up = BufReader::new(serve.stderr.take().unwrap());
    let _serve = Child(serve);
    let mut line = String::new();
    while !line.contains("listening on") {
        line.clear();
        assert!(up.read_line(&mut line).unwrap() > 0, "serve stopped before listening");
    }

    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser/support_form.mjs");
    let form = format!("http://{listen}/support?domain=acme.bitrix24.com");
    let out = Command::new("node")
        .arg("--experimental-websocket")
        .arg(script)
        .arg(&chromium)
        .arg(&form)
        .arg(parent_port.to_string())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim())
        .unwrap_or_else(|_| panic!("{text}\n{}", String::from_utf8_lossy(&out.stderr)));
    assert!(v["error"].is_null(), "{v}");
    assert_eq!(v["refused"]["has_form"], false, "framing from evil.example must be refused: {v}");
    assert_eq!(v["allowed"]["has_form"], true, "{v}");
    let answer = v["allowed"]["answer"].as_str().unwrap();
    assert!(answer.contains("Your request is ticket #1."), "{answer}");
    assert!(answer.contains("Our answer will be sent to olga@example.com"), "{answer}");

    let list = b24ops(d, &url, &["tickets", "list", "--json"]).output().unwrap();
    let tickets: serde_json::Value = serde_json::from_slice(&list.stdout).unwrap();
    let t = &tickets[0]["ticket"];
    assert_eq!(t["id"], 1);
    assert_eq!(t["subject"], "Deals do not sync from the browser");
    assert_eq!((t["channel"].as_str(), t["priority"].as_str()), (Some("form"), Some("high")));
    assert_eq!(t["domain"], "acme.bitrix24.com", "prefilled from the portal's link");
    assert_eq!(t["requester_email"], "olga@example.com");
}
