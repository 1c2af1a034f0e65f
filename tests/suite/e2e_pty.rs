//! End-to-end: the real binary in a pseudo-terminal, read back through a terminal emulator.

use std::io::{Read, Write};
use std::path::Path;
use std::process::Command;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const BIN: &str = env!("CARGO_BIN_EXE_b24ops");
const NOW: &str = "2026-11-24T12:00:00Z";

fn seed(dir: &Path) -> String {
    let url = format!("sqlite://{}", dir.join("e2e.db").display());
    let out = Command::new(BIN)
        .args(["--database-url", &url, "--now", NOW, "seed", "--calls", "3000", "--portals", "40"])
        .env("B24OPS_LOG__FILE", dir.join("b24ops.log"))
        .env("HOME", dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "seed failed: {}", String::from_utf8_lossy(&out.stderr));
    url
}

struct Session {
    parser: vt100::Parser,
    /// Every byte the console wrote (escape sequences the emulator does not keep, like OSC 52).
    raw: Vec<u8>,
    rx: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    /// The terminal's device, to read its modes back.
    tty: Option<std::path::PathBuf>,
}

impl Session {
    fn start(dir: &Path, url: &str, rows: u16, cols: u16) -> Session {
        Self::start_with(dir, url, rows, cols, &[])
    }

    fn start_with(dir: &Path, url: &str, rows: u16, cols: u16, env: &[(&str, &str)]) -> Session {
        Self::spawn(dir, &["--database-url", url, "--now", NOW], rows, cols, env)
    }

    fn spawn(dir: &Path, args: &[&str], rows: u16, cols: u16, env: &[(&str, &str)]) -> Session {
        let pair = native_pty_system().openpty(PtySize { rows, cols, pixel_width: 0, pixel_height: 0 }).unwrap();
        let mut cmd = CommandBuilder::new(BIN);
        cmd.args(args);
        cmd.env("B24OPS_LOG__FILE", dir.join("b24ops.log"));
        cmd.env("HOME", dir);
        cmd.env("NO_COLOR", "1");
        cmd.env("TERM", "xterm-256color");
        cmd.env("B24OPS_OPERATOR", "e2e");
        cmd.env("B24OPS_TIMEZONE", "UTC");
        cmd.env_remove("TMUX");
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let tty = pair.master.tty_name();
        // The master must outlive the child; leak it into the session's lifetime.
        std::mem::forget(pair.master);
        Session { parser: vt100::Parser::new(rows, cols, 0), raw: Vec::new(), rx, writer, child, tty }
    }

    fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.rx.recv_timeout(wait) {
            self.parser.process(&bytes);
            self.raw.extend_from_slice(&bytes);
        }
        while let Ok(bytes) = self.rx.try_recv() {
            self.parser.process(&bytes);
            self.raw.extend_from_slice(&bytes);
        }
    }

    fn wait_for(&mut self, text: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.pump(Duration::from_millis(50));
            let screen = self.parser.screen().contents();
            if screen.contains(text) {
                return screen;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {text:?}; screen:\n{screen}");
        }
    }

    /// True when the terminal is in raw mode (no line editing, no echo), as `stty` reads it.
    fn raw_mode(&self) -> bool {
        let tty = self.tty.as_ref().expect("the pty has a device name");
        let out = Command::new("stty").arg("-F").arg(tty).arg("-a").output().unwrap();
        assert!(out.status.success(), "stty: {}", String::from_utf8_lossy(&out.stderr));
        let modes = String::from_utf8_lossy(&out.stdout).into_owned();
        let words: Vec<&str> = modes.split_whitespace().collect();
        words.contains(&"-icanon") || words.contains(&"-echo")
    }

    fn send(&mut self, keys: &str) {
        self.writer.write_all(keys.as_bytes()).unwrap();
        self.writer.flush().unwrap();
    }

    fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            self.pump(Duration::from_millis(50));
            if let Some(status) = self.child.try_wait().unwrap() {
                self.pump(Duration::from_millis(100));
                return status;
            }
            assert!(Instant::now() < deadline, "the console did not exit");
        }
    }
}

#[test]
fn the_console_runs_by_keyboard_and_gives_the_terminal_back() {
    let dir = tempfile::tempdir().unwrap();
    let url = seed(dir.path());
    let mut s = Session::start(dir.path(), &url, 24, 80);
    let screen = s.wait_for("following");
    assert!(screen.contains("1 Calls") && screen.contains("2 Errors"));
    assert!(s.parser.screen().alternate_screen(), "the console uses the alternate screen");
    assert!(!screen.contains('\x1b'));

    s.send("2");
    let screen = s.wait_for("rest 1m ago");
    assert!(screen.contains("over threshold"));
    s.send("p");
    s.wait_for("Refresh token");
    s.send("\x1b");
    s.wait_for("over threshold");
    std::thread::sleep(Duration::from_millis(100));
    s.send("1/errors\r");
    s.wait_for("Calls / errors · ");
    s.send("?");
    s.wait_for("(this screen)");
    s.send("\x1b");
    std::thread::sleep(Duration::from_millis(200));
    s.wait_for("f follow");
    s.send("q");
    let status = s.wait_exit();
    assert!(status.success(), "exit status {status:?}");
    assert!(!s.parser.screen().alternate_screen(), "the alternate screen was left");
    assert!(!s.parser.screen().hide_cursor(), "the cursor is visible again");
}

#[test]
fn every_terminating_signal_restores_the_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let url = seed(dir.path());
    for signal in ["-TERM", "-HUP", "-INT", "-QUIT"] {
        let mut s = Session::start(dir.path(), &url, 24, 80);
        s.wait_for("following");
        assert!(s.raw_mode(), "{signal}: the console runs in raw mode");
        let pid = s.child.process_id().unwrap();
        assert!(Command::new("kill").args([signal, &pid.to_string()]).status().unwrap().success());
        s.wait_exit();
        assert!(!s.parser.screen().alternate_screen(), "{signal}: alternate screen left");
        assert!(!s.parser.screen().hide_cursor(), "{signal}: cursor shown");
        assert!(!s.raw_mode(), "{signal}: raw mode left");
    }
}

#[test]
fn the_demo_keeps_its_secret_private_and_removes_it_on_sigint() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let tmp_str = tmp.display().to_string();
    let args = ["--now", NOW, "demo", "--calls", "2000", "--portals", "20"];
    let mut s = Session::spawn(dir.path(), &args, 24, 80, &[("TMPDIR", tmp_str.as_str())]);
    s.wait_for("following");
    let demo_dir = std::fs::read_dir(&tmp).unwrap().next().unwrap().unwrap().path();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&demo_dir), 0o700, "the demo's directory is the owner's alone");
    assert_eq!(mode(&demo_dir.join("client-secret")), 0o600, "and so is the secret");
    let pid = s.child.process_id().unwrap();
    assert!(Command::new("kill").args(["-INT", &pid.to_string()]).status().unwrap().success());
    s.wait_exit();
    assert!(!demo_dir.exists(), "SIGINT removed the demo's files");
    assert!(!s.parser.screen().alternate_screen());
}

#[test]
fn a_missing_database_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(BIN)
        .args(["--database-url", "sqlite:///nonexistent/nope.db", "calls"])
        .env("B24OPS_LOG__FILE", dir.path().join("b24ops.log"))
        .env("HOME", dir.path())
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.contains("b24ops migrate"), "{err}");
}

#[test]
fn a_bulk_restart_of_ten_thousand_tasks_shows_progress_and_keeps_the_screen_alive() {
    let dir = tempfile::tempdir().unwrap();
    let url = seed(dir.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        sqlx::raw_sql(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
             INSERT INTO b24ops_tasks (kind, member_id, status, attempts, max_attempts, last_error, payload, run_at, created_at, updated_at, failed_at)
             SELECT 'sync.bulk', 'm' || (i % 40), 'failed', 5, 5, 'QUERY_LIMIT_EXCEEDED', '{}', 1764000000000, 1764000000000, 1764000000000, 1764000000000 + i FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
    });
    let mut s = Session::start(dir.path(), &url, 24, 100);
    s.wait_for("following");
    s.send("3");
    s.wait_for("Tasks —");
    s.send("/");
    s.wait_for("kind:K status:S words");
    s.send("kind:sync.bulk\r");
    s.wait_for("kind:sync.bulk · ");
    std::thread::sleep(Duration::from_millis(200));
    s.send("A");
    s.wait_for("Restart 10000 failed task(s)");
    s.send("y");
    s.wait_for("Restarting");
    // The console answers keys while the bulk action runs.
    s.send("?");
    s.wait_for("(this screen)");
    s.send("\x1b");
    s.wait_for("done: 10000 changed");
    // A filter still set says so: the list is empty because of it, not "all clear".
    s.wait_for("0 match kind:sync.bulk — Esc clears");
    std::thread::sleep(Duration::from_millis(200));
    s.send("q");
    assert!(s.wait_exit().success());
}

#[test]
fn a_reply_written_in_editor_comes_back_saved_and_copies_over_osc52() {
    let dir = tempfile::tempdir().unwrap();
    let url = seed(dir.path());
    // An "editor" that writes a reply and exits, as a person would with vi.
    let editor = dir.path().join("fake-editor.sh");
    std::fs::write(&editor, "#!/bin/sh\nprintf 'Thanks for the review, fixed in #4711.\\n' > \"$1\"\n").unwrap();
    std::process::Command::new("chmod").arg("+x").arg(&editor).status().unwrap();
    let mut s = Session::start_with(dir.path(), &url, 30, 100, &[("EDITOR", editor.to_str().unwrap()), ("VISUAL", "")]);
    s.wait_for("following");
    s.send("5");
    s.wait_for("awaiting reply");
    s.send("/");
    std::thread::sleep(Duration::from_millis(200));
    s.send("status:none\r");
    // The title carries a count only once the filtered list has loaded (`· …` while it loads);
    // keys before that find no row.
    s.wait_for("status:none · ");
    s.wait_for(" match");
    s.send("E");
    let screen = s.wait_for("saved · reply is draft");
    assert!(screen.contains("Thanks for the review, fixed in #4711."), "{screen}");
    assert!(s.parser.screen().alternate_screen(), "the console took the terminal back");
    s.send("\x1b");
    std::thread::sleep(Duration::from_millis(300));
    s.send("a");
    s.wait_for("all reviews");
    s.raw.clear();
    // The review moved (it is a draft now); find it by its text and copy it.
    s.send("/");
    std::thread::sleep(Duration::from_millis(200));
    s.send("status:draft\r");
    s.wait_for("Thanks for the review");
    s.send("y");
    s.wait_for("copied");
    let raw = String::from_utf8_lossy(&s.raw).into_owned();
    assert!(raw.contains("\x1b]52;c;"), "an OSC 52 sequence was written");
    s.send("q");
    assert!(s.wait_exit().success());
}
