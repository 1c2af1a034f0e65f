//! The terminal's lifecycle in one place: raw mode, the alternate screen, bracketed paste and the
//! cursor are set up together and undone together — on return, on error (Drop), on panic (the
//! hook) and on SIGHUP, SIGTERM, SIGINT and SIGQUIT (the loop exits and Drop runs).

use std::io::{self, Stdout, Write};
use std::sync::Once;

use crossterm::cursor::{Hide, Show};
use crossterm::event::{DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;

/// The terminal b24ops draws on.
pub type Term = Terminal<CrosstermBackend<Stdout>>;

/// Owns the terminal's modes; restores them when dropped.
pub struct TerminalGuard {
    _private: (),
}

impl TerminalGuard {
    /// Enters raw mode and the alternate screen.
    pub fn enter() -> io::Result<(TerminalGuard, Term)> {
        install_panic_hook();
        enable_raw_mode()?;
        let guard = TerminalGuard { _private: () };
        execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste, EnableMouseCapture, Hide)?;
        let terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
        Ok((guard, terminal))
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back. Safe to call more than once.
pub fn restore() {
    let _ = disable_raw_mode();
    let mut out = io::stdout();
    let _ = execute!(out, DisableMouseCapture, DisableBracketedPaste, LeaveAlternateScreen, Show);
    let _ = out.flush();
}

/// Takes the terminal back after [`restore`] (an external editor ran meanwhile).
pub fn resume(terminal: &mut Term) -> io::Result<()> {
    enable_raw_mode()?;
    execute!(io::stdout(), EnterAlternateScreen, EnableBracketedPaste, EnableMouseCapture, Hide)?;
    // The editor drew over everything: a fresh terminal has empty buffers, so the next frame is
    // drawn in full. (`Terminal::clear` would ask the terminal for the cursor position, which
    // races the event reader being restarted.)
    *terminal = Terminal::new(CrosstermBackend::new(io::stdout()))?;
    Ok(())
}

/// Ctrl-Z: gives the terminal back, stops b24ops as the shell's job, and takes the terminal
/// back once the shell's `fg` continues it. Raw mode swallows the terminal's own Ctrl-Z, so the
/// stop is sent by hand; outside job control (no shell to return to) it does not stop at all.
pub fn suspend(terminal: &mut Term) -> io::Result<()> {
    restore();
    let stopped = std::process::Command::new("kill").arg("-TSTP").arg(std::process::id().to_string()).status();
    resume(terminal)?;
    match stopped {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(io::Error::other(format!("kill -TSTP exited with {s}"))),
        Err(e) => Err(e),
    }
}

/// Restores the terminal before the previous hook (color-eyre's) prints the panic.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}
