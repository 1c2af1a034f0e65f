//! Idle CPU of the real console: the binary itself in a pseudo-terminal of 200×50, left alone on
//! its first tab (following the tail), its CPU time read from `/proc` before and after.
//!
//! The console, not a harness, is measured because idleness is a property of its whole loop —
//! the tail poll and its quiet back-off, the timers, the redraws it skips.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use color_eyre::eyre::{Result, WrapErr, eyre};
use portable_pty::{Child, CommandBuilder, PtySize, native_pty_system};

/// How the console is started for the measurement.
#[derive(Clone, Debug)]
pub struct ConsoleCommand {
    /// The b24ops binary.
    pub exe: PathBuf,
    /// Its global options (configuration file, clock).
    pub args: Vec<String>,
    /// Its environment beyond this process's own (the database URL, which may hold a password
    /// and so never goes on a command line that `ps` shows).
    pub env: Vec<(String, String)>,
}

/// What the console cost while nobody touched it.
#[derive(Clone, Copy, Debug)]
pub struct IdleCpu {
    /// CPU time (user and system, every thread) spent during the window.
    pub cpu: Duration,
    /// The window.
    pub over: Duration,
    /// Bytes the console wrote to its terminal during the window (0 when nothing changed).
    pub drawn: u64,
}

impl IdleCpu {
    /// CPU time as a percentage of one core.
    pub fn percent_of_a_core(&self) -> f64 {
        100.0 * self.cpu.as_secs_f64() / self.over.as_secs_f64().max(1e-9)
    }
}

/// Linux reports `/proc/<pid>/stat` times in USER_HZ, which is 100 on every architecture the
/// console is built for.
const TICKS_PER_SECOND: u64 = 100;

/// How long the console may take to draw its first frame before the measurement gives up.
const FIRST_FRAME_WITHIN: Duration = Duration::from_secs(60);

/// Time for the start-up queries after the first frame, so they are not counted as idle work.
const SETTLE: Duration = Duration::from_secs(5);

/// Starts the console, waits for it to settle, and measures `over` of idleness. Blocking.
pub fn measure(console: &ConsoleCommand, over: Duration) -> Result<IdleCpu> {
    let pty = native_pty_system()
        .openpty(PtySize { rows: 50, cols: 200, pixel_width: 0, pixel_height: 0 })
        .map_err(|e| eyre!("idle CPU: cannot open a pseudo-terminal: {e}"))?;
    let mut cmd = CommandBuilder::new(&console.exe);
    cmd.args(&console.args);
    cmd.arg("console");
    for (key, value) in &console.env {
        cmd.env(key, value);
    }
    cmd.cwd(std::env::current_dir().wrap_err("idle CPU: no current directory")?);
    if std::env::var_os("TERM").is_none_or(|t| t == "dumb") {
        cmd.env("TERM", "xterm-256color");
    }
    let mut child = pty.slave.spawn_command(cmd).map_err(|e| eyre!("idle CPU: cannot start the console: {e}"))?;
    drop(pty.slave);
    let result = (|| {
        let pid = child.process_id().ok_or_else(|| eyre!("idle CPU: the console has no process id"))?;
        let reader = pty.master.try_clone_reader().map_err(|e| eyre!("idle CPU: {e}"))?;
        let written = drain(reader);
        wait_for_first_frame(&written, &mut *child)?;
        std::thread::sleep(SETTLE);
        let (cpu_before, drawn_before, started) = (cpu_time(pid)?, written.load(Ordering::Relaxed), Instant::now());
        std::thread::sleep(over);
        if child.try_wait().ok().flatten().is_some() {
            return Err(eyre!("idle CPU: the console exited during the measurement (see its log file)"));
        }
        let (cpu_after, drawn_after) = (cpu_time(pid)?, written.load(Ordering::Relaxed));
        Ok(IdleCpu {
            cpu: cpu_after.saturating_sub(cpu_before),
            over: started.elapsed(),
            drawn: drawn_after.saturating_sub(drawn_before),
        })
    })();
    quit(pty.master.take_writer().ok(), &mut *child);
    result
}

/// Reads (and discards) everything the console writes, so it never blocks on a full terminal;
/// returns the running byte count.
fn drain(mut reader: Box<dyn Read + Send>) -> Arc<AtomicU64> {
    let written = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&written);
    std::thread::spawn(move || {
        let mut buf = [0u8; 16 * 1024];
        while let Ok(n) = reader.read(&mut buf) {
            if n == 0 {
                break;
            }
            count.fetch_add(n as u64, Ordering::Relaxed);
        }
    });
    written
}

fn wait_for_first_frame(written: &AtomicU64, child: &mut dyn Child) -> Result<()> {
    let deadline = Instant::now() + FIRST_FRAME_WITHIN;
    // The alternate-screen switch alone is a few bytes; a frame of 200×50 is thousands.
    while written.load(Ordering::Relaxed) < 2_000 {
        if child.try_wait().ok().flatten().is_some() {
            return Err(eyre!("idle CPU: the console exited before its first frame (see its log file)"));
        }
        if Instant::now() > deadline {
            return Err(eyre!("idle CPU: the console drew nothing within {} s", FIRST_FRAME_WITHIN.as_secs()));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// Asks the console to quit as a user would, and kills it if it does not.
fn quit(writer: Option<Box<dyn Write + Send>>, child: &mut dyn Child) {
    if let Some(mut w) = writer {
        let _ = w.write_all(b"q").and_then(|()| w.flush());
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if child.try_wait().ok().flatten().is_some() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// User plus system CPU time of every thread of `pid`.
fn cpu_time(pid: u32) -> Result<Duration> {
    let path = Path::new("/proc").join(pid.to_string()).join("stat");
    let stat = std::fs::read_to_string(&path).wrap_err_with(|| format!("idle CPU: cannot read {}", path.display()))?;
    parse_cpu_ticks(&stat)
        .map(|ticks| Duration::from_millis(ticks * 1000 / TICKS_PER_SECOND))
        .ok_or_else(|| eyre!("idle CPU: {} has an unexpected format", path.display()))
}

/// utime + stime from a `/proc/<pid>/stat` line. The command name, in parentheses, may hold
/// spaces and parentheses itself, so fields are counted from the last `)`.
fn parse_cpu_ticks(stat: &str) -> Option<u64> {
    let after_name = &stat[stat.rfind(')')? + 1..];
    // After the name: state is field 3, utime field 14 and stime field 15 (proc(5)).
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_ticks_are_read_after_the_last_parenthesis() {
        let stat = "4242 (b24 ops) x) S 1 4242 4242 34816 4242 4194304 1523 0 0 0 17 9 0 0 20 0 9 0 123 0 0";
        assert_eq!(parse_cpu_ticks(stat), Some(26));
        assert_eq!(parse_cpu_ticks("4242 (b24ops) S 1 2"), None);
        assert_eq!(parse_cpu_ticks("no name here"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_console_that_exits_at_once_is_reported_not_waited_for() {
        let console = ConsoleCommand { exe: PathBuf::from("/bin/false"), args: Vec::new(), env: Vec::new() };
        let started = Instant::now();
        let err = measure(&console, Duration::from_secs(30)).expect_err("nothing to measure");
        assert!(err.to_string().contains("exited before its first frame"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(20));
    }

    #[test]
    fn the_percentage_is_of_one_core() {
        let idle = IdleCpu { cpu: Duration::from_millis(60), over: Duration::from_secs(60), drawn: 0 };
        assert!((idle.percent_of_a_core() - 0.1).abs() < 1e-9);
    }
}
