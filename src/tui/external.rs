//! Writing a reply in the operator's own editor: `$VISUAL`, then `$EDITOR`, then `vi`. The
//! console gives the terminal up while it runs and takes it back after, whatever happens.

use std::io::Write;

use super::terminal::{Term, restore, resume};

/// The editor command the environment names.
pub fn editor_command() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "vi".into())
}

/// Runs the editor on `text` and returns what it left. The terminal is restored before and taken
/// back after; the caller must not be reading terminal events meanwhile.
pub async fn edit(terminal: &mut Term, text: &str) -> Result<String, String> {
    let mut file = tempfile::Builder::new()
        .prefix("b24ops-reply-")
        .suffix(".txt")
        .tempfile()
        .map_err(|e| format!("cannot create a temporary file: {e}"))?;
    file.write_all(text.as_bytes()).and_then(|_| file.flush()).map_err(|e| format!("cannot write the draft: {e}"))?;
    let cmd = editor_command();
    restore();
    // Through the shell, as git does, so `EDITOR="code --wait"` works.
    let status = tokio::process::Command::new("sh")
        .arg("-c")
        .arg(format!("{cmd} \"$1\""))
        .arg("sh")
        .arg(file.path())
        .status()
        .await;
    let back = resume(terminal);
    let status = status.map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    back.map_err(|e| format!("cannot take the terminal back: {e}"))?;
    if !status.success() {
        return Err(format!("{cmd:?} exited with {status}; the draft is unchanged"));
    }
    std::fs::read(file.path())
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .map_err(|e| format!("cannot read the edited draft: {e}"))
}
