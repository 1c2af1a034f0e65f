//! A real SMTP server on loopback for the tests: aiosmtpd, started from `tests/smtp/sink.py`.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::process::Child;

/// The aiosmtpd sink on `port`, writing into `dir`; `None` when this machine cannot run it.
pub fn sink(port: u16, dir: &Path) -> Option<Child> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
    let mut child = Command::new("python3")
        .arg(script)
        .arg(port.to_string())
        .arg(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut line = String::new();
    BufReader::new(child.stdout.take()?).read_line(&mut line).ok()?;
    if line.trim() != "ready" {
        let _ = child.kill();
        let _ = child.wait();
        return None;
    }
    Some(Child(child))
}

/// True when the SMTP tests can run here; fails under `B24OPS_TEST_SMTP=1` when they cannot.
pub fn smtp_available() -> bool {
    let required = std::env::var("B24OPS_TEST_SMTP").is_ok_and(|v| v == "1");
    let ok = Command::new("python3")
        .args(["-c", "import aiosmtpd"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok || !required, "B24OPS_TEST_SMTP=1 but python3 cannot import aiosmtpd (pip install aiosmtpd)");
    if !ok {
        let _ = writeln!(std::io::stderr(), "notice: SMTP outbox tests skipped: pip install aiosmtpd");
    }
    ok
}

pub fn mails(dir: &Path) -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "eml"))
        .collect();
    out.sort();
    out
}
