//! Child processes the command-line tests start: a free port for them, and a kill on drop.

/// A loopback port nobody listens on right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Kills a child process when dropped.
pub struct Child(pub std::process::Child);

impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Runs the real binary in `dir` as a user's shell would, with none of the caller's b24ops
/// settings leaking in (database, read-only, SMTP): logs and `HOME` in `dir`, `env` on top,
/// `stdin` fed in.
pub fn run_b24ops(dir: &std::path::Path, args: &[&str], env: &[(&str, &str)], stdin: &[u8]) -> std::process::Output {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_b24ops"));
    cmd.args(args)
        .env("B24OPS_LOG__FILE", dir.join("b24ops.log"))
        .env("HOME", dir)
        .env_remove("B24OPS_DATABASE_URL")
        .env_remove("B24OPS_READ_ONLY")
        .env_remove("B24OPS_SMTP_URL")
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
