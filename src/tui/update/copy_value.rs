//! `y` / `Y`: the selected row's name (its domain, else its number) or its member_id, to the
//! clipboard, so it can be pasted into a ticket, a chat or a shell.

use super::{Effect, flash};
use crate::tui::state::{AppState, Screen};

/// The selected row's domain, or the id that names it where it has no domain.
fn name(state: &AppState) -> Option<String> {
    let text = |d: Option<&crate::model::SafeText>| d.map(|d| d.as_str().to_owned());
    match state.screen {
        Screen::Calls => state.calls.selected_call().and_then(|c| text(c.domain.as_ref())),
        Screen::Errors => state.errors.list.selected_row().and_then(|g| text(g.domain.as_ref())),
        Screen::Tasks => state.tasks.selected_task().map(|t| t.id.to_string()),
        Screen::Audit => state.audit.list.selected_row().map(|a| a.target.as_str().to_owned()),
        Screen::Reviews => state.reviews.selected_entry().map(|e| e.review.id.to_string()),
        Screen::Tokens => state.tokens.selected_row().map(|r| r.portal.domain.as_str().to_owned()),
        Screen::Tickets => state.tickets.selected_ticket().map(|q| q.ticket.id.to_string()),
        Screen::Alerts => state.alerts.selected_row().map(|r| r.firing.figure.key.clone()),
        Screen::Portal | Screen::Incident | Screen::Messages | Screen::Maintenance => None,
    }
}

/// Copies the selected row's name (`member` false) or member_id.
pub fn copy(state: &mut AppState, member: bool) -> Vec<Effect> {
    let value = if member { state.selected_member().map(|m| m.to_string()) } else { name(state) };
    let value = value.or_else(|| if member { None } else { state.selected_member().map(|m| m.to_string()) });
    match value {
        Some(v) if !v.is_empty() => vec![Effect::Copy(v)],
        _ => {
            flash(state, if member { "no member_id on this row" } else { "nothing to copy on this row" }, true);
            vec![]
        }
    }
}
