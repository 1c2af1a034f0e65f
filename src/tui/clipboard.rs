//! Copy to the clipboard from a terminal program, over SSH and inside tmux: OSC 52.
//!
//! The program cannot ask the terminal whether it accepted the sequence, so messages say what was
//! sent and how to fall back (`b24ops reviews draft ID --print`). Inside tmux the route depends on
//! its options: with `set-clipboard on` tmux takes a plain OSC 52 and passes it on; otherwise
//! `tmux load-buffer -w` fills tmux's buffer and (tmux ≥ 3.2, `set-clipboard external`) the outer
//! terminal's clipboard; with `allow-passthrough` a wrapped sequence reaches the terminal directly.

use std::io::Write;

use base64::Engine;

/// The longest base64 payload sent: terminals cap OSC 52 (hterm and tmux's parser around 100 kB;
/// xterm lower by default), and a cut payload would paste garbage.
pub const MAX_BASE64: usize = 100_000;

/// How text reaches the clipboard here.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Route {
    /// A plain OSC 52 to the terminal.
    Osc52,
    /// tmux with `set-clipboard on`: a plain OSC 52, which tmux stores and forwards.
    TmuxOsc52,
    /// tmux with `allow-passthrough`: OSC 52 wrapped so tmux hands it to the outer terminal.
    TmuxPassthrough,
    /// tmux without either: `tmux load-buffer -w -` (tmux's own buffer, and the outer clipboard
    /// where tmux can reach it).
    TmuxBuffer,
    /// No way: why.
    Unsupported(String),
}

/// What the environment says about the terminal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Environment {
    /// `$TERM`.
    pub term: Option<String>,
    /// `$TMUX` is set.
    pub in_tmux: bool,
    /// tmux's `set-clipboard` (on / external / off).
    pub tmux_set_clipboard: Option<String>,
    /// tmux's `allow-passthrough` (on / all / off).
    pub tmux_passthrough: Option<String>,
}

/// The route for `env`.
pub fn route(env: &Environment) -> Route {
    if env.in_tmux {
        return match (env.tmux_set_clipboard.as_deref(), env.tmux_passthrough.as_deref()) {
            (Some("on"), _) => Route::TmuxOsc52,
            (_, Some("on" | "all")) => Route::TmuxPassthrough,
            _ => Route::TmuxBuffer,
        };
    }
    match env.term.as_deref() {
        None | Some("" | "dumb") => Route::Unsupported("this terminal (TERM unset or dumb) has no clipboard".into()),
        Some("linux") => Route::Unsupported("the Linux console has no clipboard escape".into()),
        Some(_) => Route::Osc52,
    }
}

/// The OSC 52 sequence that puts `text` on the clipboard, or `None` when it is too long.
pub fn osc52(text: &str) -> Option<String> {
    let b64 = base64::engine::general_purpose::STANDARD.encode(text.as_bytes());
    (b64.len() <= MAX_BASE64).then(|| format!("\x1b]52;c;{b64}\x07"))
}

/// `seq` wrapped for tmux's passthrough: a DCS whose inner escapes are doubled.
pub fn tmux_wrap(seq: &str) -> String {
    format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
}

/// Reads the environment, asking tmux for its options when inside it.
pub fn detect() -> Environment {
    let in_tmux = std::env::var_os("TMUX").is_some_and(|v| !v.is_empty());
    let option = |name: &str| -> Option<String> {
        let out = std::process::Command::new("tmux").args(["show-options", "-gv", name]).output().ok()?;
        out.status.success().then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
    };
    Environment {
        term: std::env::var("TERM").ok(),
        in_tmux,
        tmux_set_clipboard: if in_tmux { option("set-clipboard") } else { None },
        tmux_passthrough: if in_tmux { option("allow-passthrough") } else { None },
    }
}

/// Copies `text`, writing any escape sequence to `out` (the terminal). Returns the sentence for
/// the status line; `Err` when nothing could be copied.
pub fn copy(text: &str, env: &Environment, out: &mut impl Write) -> Result<String, String> {
    let chars = text.chars().count();
    let too_long = || format!("{chars} characters is more than a terminal clipboard takes");
    match route(env) {
        Route::Unsupported(why) => Err(why),
        Route::TmuxBuffer => {
            let mut child = std::process::Command::new("tmux")
                .args(["load-buffer", "-w", "-"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .map_err(|e| format!("tmux load-buffer failed: {e}"))?;
            if let Some(mut stdin) = child.stdin.take() {
                stdin.write_all(text.as_bytes()).map_err(|e| format!("tmux load-buffer failed: {e}"))?;
            }
            let ok = child.wait().map(|s| s.success()).unwrap_or(false);
            if !ok {
                return Err("tmux load-buffer failed".into());
            }
            Ok(format!(
                "copied {chars} chars into tmux's buffer (prefix ] pastes); for the system clipboard: set -g set-clipboard on"
            ))
        }
        Route::Osc52 | Route::TmuxOsc52 | Route::TmuxPassthrough => {
            let seq = osc52(text).ok_or_else(too_long)?;
            let seq = if route(env) == Route::TmuxPassthrough { tmux_wrap(&seq) } else { seq };
            out.write_all(seq.as_bytes()).and_then(|_| out.flush()).map_err(|e| e.to_string())?;
            let via = if route(env) == Route::Osc52 { "OSC 52" } else { "OSC 52 via tmux" };
            Ok(format!("copied {chars} chars ({via}) — nothing pastes? your terminal blocks OSC 52"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(term: &str, tmux: Option<(&str, &str)>) -> Environment {
        Environment {
            term: Some(term.into()),
            in_tmux: tmux.is_some(),
            tmux_set_clipboard: tmux.map(|t| t.0.into()),
            tmux_passthrough: tmux.map(|t| t.1.into()),
        }
    }

    #[test]
    fn routes_follow_the_terminal_and_tmux_options() {
        assert_eq!(route(&env("xterm-256color", None)), Route::Osc52);
        assert!(matches!(route(&env("linux", None)), Route::Unsupported(_)));
        assert!(matches!(route(&Environment::default()), Route::Unsupported(_)));
        assert_eq!(route(&env("screen", Some(("on", "off")))), Route::TmuxOsc52);
        assert_eq!(route(&env("screen", Some(("external", "on")))), Route::TmuxPassthrough);
        assert_eq!(route(&env("screen", Some(("external", "off")))), Route::TmuxBuffer);
    }

    #[test]
    fn the_sequence_is_base64_and_bounded() {
        assert_eq!(osc52("hi").unwrap(), "\x1b]52;c;aGk=\x07");
        assert!(osc52(&"x".repeat(MAX_BASE64)).is_none());
        assert_eq!(tmux_wrap("\x1b]52;c;aGk=\x07"), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
    }

    #[test]
    fn copy_writes_the_sequence_and_says_so() {
        let mut out = Vec::new();
        let msg = copy("Привет", &env("xterm", None), &mut out).unwrap();
        assert!(msg.starts_with("copied 6 chars (OSC 52)"), "{msg}");
        assert!(out.starts_with(b"\x1b]52;c;"));
        let mut out = Vec::new();
        assert!(copy("x", &env("linux", None), &mut out).is_err());
        assert!(out.is_empty());
        assert!(copy(&"x".repeat(80_000), &env("xterm", None), &mut out).is_err());
    }
}
