//! The Audit tab: every change the console made, newest first, filterable by portal.

use super::{Effect, Outcome, db_failed, ready};
use crate::model::AuditEntry;
use crate::rules::search::Search;
use crate::tui::commands::Command;
use crate::tui::list_tab::Answer;
use crate::tui::state::AppState;
use crate::tui::tabs::{AuditEffect, AuditMsg};

/// Loads the rows, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.audit.list.show_loading();
    reload_quietly(state)
}

/// Loads the rows, keeping the current ones on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.audit.list.next_load();
    vec![Effect::Audit(AuditEffect::Load {
        generation: state.audit.list.generation,
        search: state.audit.filter.clone(),
    })]
}

/// Sets what narrows the log and reloads.
pub fn set_filter(state: &mut AppState, filter: Search) -> Vec<Effect> {
    state.audit.filter = filter;
    state.audit.list.restart();
    reload_quietly(state)
}

/// Rows arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<AuditEntry>, String>) {
    if let Answer::Failed(e) = state.audit.list.accept(generation, result) {
        db_failed(state, e);
    }
}

/// Keys of the Audit tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.audit.list.move_by(cmd, 10);
            vec![]
        }
        Command::FilterMember => {
            if state.audit.filter.portal.is_some() {
                return set_filter(state, Search::default());
            }
            let m = ready(&state.audit.list.rows)
                .and_then(|r| r.get(state.audit.list.selected))
                .and_then(|a| a.member_id.clone());
            match m {
                Some(m) => set_filter(state, Search { portal: Some(m.as_str().to_lowercase()), words: vec![] }),
                None => {
                    super::flash(state, "this row has no portal", true);
                    vec![]
                }
            }
        }
        Command::OpenPortal => match state.selected_member() {
            Some(m) => super::open_portal(state, crate::services::overview::PortalRef::Member(m)),
            None => vec![],
        },
        _ => vec![],
    }
}

/// Applies one of the Audit tab's answers.
pub(super) fn on(state: &mut AppState, msg: AuditMsg) -> Outcome {
    match msg {
        AuditMsg::Loaded { generation, result } => {
            loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
    }
}
