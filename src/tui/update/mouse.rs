//! The mouse: a click on a tab shows it, a click on a row selects it (as the cursor keys would,
//! so details follow), the wheel scrolls three rows.

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{Effect, run, switch};
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Screen};

/// Rows the wheel moves per notch.
const WHEEL_ROWS: usize = 3;

/// A mouse event's effects; `None` when it hit nothing.
pub fn event(state: &mut AppState, m: MouseEvent) -> Option<Vec<Effect>> {
    if state.overlay.is_some() {
        return None;
    }
    match m.kind {
        MouseEventKind::ScrollDown => Some(steps(state, Command::Down, WHEEL_ROWS)),
        MouseEventKind::ScrollUp => Some(steps(state, Command::Up, WHEEL_ROWS)),
        MouseEventKind::Down(MouseButton::Left) => {
            if let Some(tab) = state.hits.tab_at(m.column, m.row) {
                return Some(switch(state, tab));
            }
            let row = state.hits.row_at(m.column, m.row)?;
            let (offset, selected, len) = cursor(state)?;
            let to = offset + row;
            if to >= len {
                return None;
            }
            Some(if to >= selected {
                steps(state, Command::Down, to - selected)
            } else {
                steps(state, Command::Up, selected - to)
            })
        }
        _ => None,
    }
}

/// Runs a cursor key `n` times, the way the keyboard would.
fn steps(state: &mut AppState, cmd: Command, n: usize) -> Vec<Effect> {
    (0..n).flat_map(|_| run(state, cmd)).collect()
}

/// The current list's first row drawn, its selected row and its length.
fn cursor(state: &AppState) -> Option<(usize, usize, usize)> {
    Some(match state.screen {
        Screen::Calls => (state.calls.offset, state.calls.selected, state.calls.rows.len()),
        Screen::Errors => (state.errors.list.offset, state.errors.list.selected, state.errors.list.len()),
        Screen::Tasks => (state.tasks.list.offset, state.tasks.list.selected, state.tasks.list.len()),
        Screen::Audit => (state.audit.list.offset, state.audit.list.selected, state.audit.list.len()),
        Screen::Reviews => (state.reviews.list.offset, state.reviews.list.selected, state.reviews.list.len()),
        Screen::Tokens => (state.tokens.list.offset, state.tokens.list.selected, state.tokens.list.len()),
        Screen::Tickets => (state.tickets.list.offset, state.tickets.list.selected, state.tickets.list.len()),
        Screen::Alerts => (state.alerts.list.offset, state.alerts.cursor, state.alerts.lines().len()),
        Screen::Maintenance => {
            (state.maintenance.list.offset, state.maintenance.list.selected, state.maintenance.list.len())
        }
        Screen::Portal | Screen::Incident | Screen::Messages => return None,
    })
}
