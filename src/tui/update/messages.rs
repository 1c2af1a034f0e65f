//! The message log's screen: the cursor keys scroll it.

use super::Effect;
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Screen};

/// Shows the log, newest first.
pub fn open(state: &mut AppState) -> Vec<Effect> {
    state.screen = Screen::Messages;
    state.messages.scroll = 0;
    vec![]
}

/// Keys of the log.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let log = &mut state.messages;
    let last = (log.entries.len() as u16).saturating_sub(1);
    log.scroll = match cmd {
        Command::Up => log.scroll.saturating_sub(1),
        Command::Down => log.scroll.saturating_add(1),
        Command::PageUp => log.scroll.saturating_sub(10),
        Command::PageDown => log.scroll.saturating_add(10),
        Command::Top => 0,
        Command::Bottom => last,
        _ => return vec![],
    }
    .min(last);
    vec![]
}
