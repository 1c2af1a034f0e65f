//! The Audit tab: every change the console made, newest first, filterable by portal.

use super::{Effect, db_failed, move_in_list, ready};
use crate::model::{AuditEntry, MemberId};
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Loadable};

/// Loads the rows, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    if !matches!(state.audit.rows, Loadable::Ready(_)) {
        state.audit.rows = Loadable::Loading;
    }
    reload_quietly(state)
}

/// Loads the rows, keeping the current ones on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.audit.generation += 1;
    vec![Effect::LoadAudit { generation: state.audit.generation, member_id: state.audit.member_id.clone() }]
}

/// Only this portal's rows (`None`: all).
pub fn set_member(state: &mut AppState, member_id: Option<MemberId>) -> Vec<Effect> {
    state.audit.member_id = member_id;
    state.audit.selected = 0;
    state.audit.rows = Loadable::Loading;
    reload_quietly(state)
}

/// Rows arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<AuditEntry>, String>) {
    if generation != state.audit.generation {
        return;
    }
    match result {
        Ok(rows) => {
            state.audit.selected = super::clamp(state.audit.selected, rows.len());
            state.audit.rows = Loadable::Ready(rows);
        }
        Err(e) => {
            state.audit.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
        }
    }
}

/// Keys of the Audit tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            let len = ready(&state.audit.rows).map(Vec::len).unwrap_or(0);
            state.audit.selected = move_in_list(cmd, state.audit.selected, len, 10);
            vec![]
        }
        Command::FilterMember => {
            if state.audit.member_id.is_some() {
                return set_member(state, None);
            }
            let m =
                ready(&state.audit.rows).and_then(|r| r.get(state.audit.selected)).and_then(|a| a.member_id.clone());
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
