//! The Planned tab: the recurring checks and marking one done with a note.

use crossterm::event::KeyEvent;

use super::{Effect, db_failed, flash, move_in_list, ready};
use crate::services::maintenance::CheckReport;
use crate::tui::commands::Command;
use crate::tui::prompt::{Prompt, PromptOutcome};
use crate::tui::state::{AppState, Loadable, Overlay};

/// Loads the checks.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.maintenance.checks, Loadable::Ready(_)) {
        state.maintenance.checks = Loadable::Loading;
    }
    state.maintenance.generation += 1;
    vec![Effect::LoadMaintenance { generation: state.maintenance.generation, now: state.now }]
}

/// The checks arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<CheckReport>, String>) {
    if generation != state.maintenance.generation {
        return;
    }
    match result {
        Ok(c) => {
            state.maintenance.selected = super::clamp(state.maintenance.selected, c.len());
            state.maintenance.checks = Loadable::Ready(c);
        }
        Err(e) => {
            state.maintenance.checks = Loadable::Failed(e.clone());
            db_failed(state, e);
        }
    }
}

/// Marking finished.
pub fn marked(state: &mut AppState, check: &str, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => flash(state, format!("{check}: marked done"), false),
        Err(e) => flash(state, e, true),
    }
    reload(state)
}

/// Keys of the tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            let len = ready(&state.maintenance.checks).map(Vec::len).unwrap_or(0);
            state.maintenance.selected = move_in_list(cmd, state.maintenance.selected, len, 3);
            vec![]
        }
        Command::MarkCheckDone => {
            let name = ready(&state.maintenance.checks).and_then(|c| c.get(state.maintenance.selected)).map(|c| c.name);
            if let Some(check) = name {
                state.overlay = Some(Overlay::MaintenanceNote {
                    check,
                    prompt: Prompt::new("", "a note: what you did (Enter marks it done)"),
                });
            }
            vec![]
        }
        _ => vec![],
    }
}

/// A key while the note prompt is open.
pub fn note_key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::MaintenanceNote { check, prompt }) = state.overlay.as_mut() else { return vec![] };
    let check = *check;
    match prompt.input(key) {
        PromptOutcome::Editing => vec![],
        PromptOutcome::Cancel => {
            state.overlay = None;
            vec![]
        }
        PromptOutcome::Submit(note) => {
            state.overlay = None;
            vec![Effect::MarkCheckDone { check, note, now: state.now }]
        }
    }
}
