//! The Audit tab: every change the console made, newest first, filterable by portal.

use super::{Effect, db_failed, ready};
use crate::model::{AuditEntry, MemberId};
use crate::tui::commands::Command;
use crate::tui::list_tab::Answer;
use crate::tui::state::AppState;

/// Loads the rows, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.audit.list.show_loading();
    reload_quietly(state)
}

/// Loads the rows, keeping the current ones on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.audit.list.next_load();
    vec![Effect::LoadAudit { generation: state.audit.list.generation, member_id: state.audit.member_id.clone() }]
}

/// Only this portal's rows (`None`: all).
pub fn set_member(state: &mut AppState, member_id: Option<MemberId>) -> Vec<Effect> {
    state.audit.member_id = member_id;
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
            if state.audit.member_id.is_some() {
                return set_member(state, None);
            }
            let m = ready(&state.audit.list.rows)
                .and_then(|r| r.get(state.audit.list.selected))
                .and_then(|a| a.member_id.clone());
            if m.is_none() {
                super::flash(state, "this row has no portal", true);
                return vec![];
            }
            set_member(state, m)
        }
        Command::OpenPortal => match state.selected_member() {
            Some(m) => super::open_portal(state, crate::services::overview::PortalRef::Member(m)),
            None => vec![],
        },
        _ => vec![],
    }
}
