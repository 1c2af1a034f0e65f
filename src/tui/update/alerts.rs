//! The Alerts tab: what fires now, acknowledge and snooze, and a jump to what each is about.

use crate::rules::alerts::AlertKind;
use chrono::Duration;

use super::{Effect, db_failed, flash};
use crate::rules::call_filter::CallFilter;
use crate::services::alerts::AlertRow;
use crate::tui::commands::Command;
use crate::tui::list_tab::clamp;
use crate::tui::state::{AppState, Loadable, Screen};

/// Loads the firing alerts.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.alerts.list.show_loading();
    reload_quietly(state)
}

/// Loads them, keeping the current list meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.alerts.list.next_load();
    vec![Effect::LoadAlerts { generation: state.alerts.list.generation, now: state.now }]
}

fn fingerprint(rows: &[AlertRow]) -> Vec<(String, String, i64, bool, bool)> {
    rows.iter()
        .map(|r| {
            let s = r.state.as_ref();
            (
                r.firing.rule.clone(),
                r.firing.figure.key.clone(),
                r.firing.figure.value,
                s.is_some_and(|s| s.acked_by.is_some()),
                s.is_some_and(|s| s.snoozed_until.is_some()),
            )
        })
        .collect()
}

/// Sets what narrows the alerts and reloads from the top.
pub fn set_filter(state: &mut AppState, filter: crate::rules::search::Search) -> Vec<Effect> {
    state.alerts.filter = filter;
    state.alerts.list.restart();
    reload_quietly(state)
}

/// The alerts arrived; true when the screen changed.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<AlertRow>, String>) -> bool {
    if !state.alerts.list.is_current(generation) {
        return false;
    }
    match result {
        Ok(rows) => {
            let firing = rows.len() as i64;
            let header_changed = state.firing.replace(firing) != Some(firing);
            // The rules are evaluated whole; `/` narrows what they found (the header counts all).
            let f = &state.alerts.filter;
            let rows: Vec<AlertRow> = rows
                .into_iter()
                .filter(|r| {
                    let portals: Vec<&str> = r.firing.figure.portals.iter().map(String::as_str).collect();
                    f.matches(&portals, &[&r.firing.rule, &r.firing.figure.summary, &r.firing.figure.key])
                })
                .collect();
            let same =
                matches!(&state.alerts.list.rows, Loadable::Ready(old) if fingerprint(old) == fingerprint(&rows));
            state.alerts.list.selected = clamp(state.alerts.list.selected, rows.len());
            state.alerts.list.rows = Loadable::Ready(rows);
            !same || header_changed
        }
        Err(e) => {
            state.alerts.list.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
            true
        }
    }
}

/// An acknowledgement or snooze finished.
pub fn quieted(state: &mut AppState, what: String, result: Result<(), String>) -> Vec<Effect> {
    match result {
        Ok(()) => flash(state, what, false),
        Err(e) => flash(state, e, true),
    }
    reload_quietly(state)
}

/// Keys of the Alerts tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.alerts.list.move_by(cmd, 10);
            vec![]
        }
        Command::AckAlert | Command::SnoozeAlert => match state.alerts.selected_row().cloned() {
            Some(row) => {
                let until = (cmd == Command::SnoozeAlert).then(|| state.now + Duration::hours(1));
                vec![Effect::QuietAlert { row: Box::new(row), until, now: state.now }]
            }
            None => vec![],
        },
        Command::Open => {
            let Some(row) = state.alerts.selected_row().cloned() else { return vec![] };
            let member = row.firing.figure.portals.first().map(|p| crate::model::MemberId::from_db(p));
            match row.kind {
                AlertKind::Errors | AlertKind::ErrorSpread => match member {
                    Some(m) => {
                        state.screen = Screen::Calls;
                        super::filter_calls(
                            state,
                            CallFilter { member_id: Some(m), errors_only: true, ..CallFilter::default() },
                        )
                    }
                    None => super::run(state, Command::TabErrors),
                },
                AlertKind::Tokens => super::run(state, Command::TabTokens),
                AlertKind::FailedTasks => super::run(state, Command::TabTasks),
                AlertKind::Sla => super::run(state, Command::TabTickets),
                AlertKind::Reviews => super::run(state, Command::TabReviews),
                AlertKind::Partitions | AlertKind::Operating => vec![],
            }
        }
        _ => vec![],
    }
}
