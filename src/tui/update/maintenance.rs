//! The Planned tab: the recurring checks and marking one done with a note.

use crossterm::event::KeyEvent;

use super::{Effect, Outcome, db_failed, flash, prompt_key, ready};
use crate::services::maintenance::CheckReport;
use crate::tui::commands::Command;
use crate::tui::list_tab::Answer;
use crate::tui::prompt::Prompt;
use crate::tui::state::{AppState, Overlay};
use crate::tui::tabs::{MaintenanceEffect, MaintenanceMsg};

/// Loads the checks.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.maintenance.list.show_loading();
    state.maintenance.list.next_load();
    vec![Effect::Maintenance(MaintenanceEffect::Load { generation: state.maintenance.list.generation, now: state.now })]
}

/// Sets what narrows the checks and reloads.
pub fn set_filter(state: &mut AppState, filter: crate::rules::search::Search) -> Vec<Effect> {
    state.maintenance.filter = filter;
    state.maintenance.list.restart();
    reload(state)
}

/// The checks arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<CheckReport>, String>) {
    let f = &state.maintenance.filter;
    let result = result.map(|checks| {
        checks
            .into_iter()
            .filter(|c| {
                let text: Vec<&str> =
                    [c.name, c.title].into_iter().chain(c.findings.iter().map(String::as_str)).collect();
                f.matches(&[], &text)
            })
            .collect()
    });
    if let Answer::Failed(e) = state.maintenance.list.accept(generation, result) {
        db_failed(state, e);
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
            state.maintenance.list.move_by(cmd, 3);
            vec![]
        }
        Command::MarkCheckDone => {
            let name = ready(&state.maintenance.list.rows)
                .and_then(|c| c.get(state.maintenance.list.selected))
                .map(|c| c.name);
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
    let Some(Overlay::MaintenanceNote { check, .. }) = state.overlay.as_ref() else { return vec![] };
    let check = *check;
    prompt_key(state, key, |state, note| {
        state.overlay = None;
        vec![Effect::Maintenance(MaintenanceEffect::MarkCheckDone { check, note, now: state.now })]
    })
}

/// Applies one of the Maintenance tab's answers.
pub(super) fn on(state: &mut AppState, msg: MaintenanceMsg) -> Outcome {
    match msg {
        MaintenanceMsg::Loaded { generation, result } => {
            loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
        MaintenanceMsg::CheckMarked(check, result) => Outcome::redraw(marked(state, check, result)),
    }
}
