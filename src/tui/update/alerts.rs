//! The Alerts tab: what fires now, acknowledge and snooze, and a jump to what each is about.

use chrono::Duration;

use super::{Effect, Outcome, db_failed, flash};
use crate::services::alerts::AlertRow;
use crate::tui::alert_lines::{AlertLine, find, key_of};
use crate::tui::commands::Command;
use crate::tui::list_tab::clamp;
use crate::tui::state::{AppState, Loadable};
use crate::tui::tabs::{AlertsEffect, AlertsMsg};

/// Loads the firing alerts.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.alerts.list.show_loading();
    reload_quietly(state)
}

/// Loads them, keeping the current list meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.alerts.list.next_load();
    vec![Effect::Alerts(AlertsEffect::Load { generation: state.alerts.list.generation, now: state.now })]
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
            // The cursor stays on the alert (or group) it was on, wherever it moved.
            let a = &mut state.alerts;
            let keep = a.list.rows.ready().and_then(|old| a.lines().get(a.cursor).and_then(|l| key_of(old, l)));
            a.list.rows = Loadable::Ready(rows);
            let lines = a.lines();
            let rows = a.list.rows.ready().map(Vec::as_slice).unwrap_or_default();
            let at = keep.and_then(|k| find(rows, &lines, &k));
            a.cursor = clamp(at.unwrap_or(a.cursor), lines.len());
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
            let len = state.alerts.lines().len();
            let c = state.alerts.cursor;
            let to = match cmd {
                Command::Up => c.saturating_sub(1),
                Command::Down => c.saturating_add(1),
                Command::PageUp => c.saturating_sub(10),
                Command::PageDown => c.saturating_add(10),
                Command::Top => 0,
                _ => len.saturating_sub(1),
            };
            state.alerts.cursor = clamp(to, len);
            vec![]
        }
        Command::AckAlert | Command::SnoozeAlert => match state.alerts.selected_row().cloned() {
            Some(row) => {
                let until = (cmd == Command::SnoozeAlert).then(|| state.now + Duration::hours(1));
                vec![Effect::Alerts(AlertsEffect::Quiet { row: Box::new(row), until, now: state.now })]
            }
            None if on_group(state) => {
                flash(state, "a group of alerts: ↵ lists them, then pick one", true);
                vec![]
            }
            None => vec![],
        },
        Command::Open if on_group(state) => {
            toggle_group(state);
            vec![]
        }
        Command::Open => match state.alerts.selected_row().cloned() {
            Some(row) => super::jump::to_alert(state, &row),
            None => vec![],
        },
        _ => vec![],
    }
}

fn on_group(state: &AppState) -> bool {
    matches!(state.alerts.lines().get(state.alerts.cursor), Some(AlertLine::Group { .. }))
}

/// Unfolds the selected group, or folds it again; the cursor stays on its line.
fn toggle_group(state: &mut AppState) {
    let a = &mut state.alerts;
    let Some(AlertLine::Group { rule, .. }) = a.lines().get(a.cursor).cloned() else { return };
    match a.expanded.iter().position(|r| *r == rule) {
        Some(i) => {
            a.expanded.remove(i);
        }
        None => a.expanded.push(rule.clone()),
    }
    let lines = a.lines();
    a.cursor = lines.iter().position(|l| matches!(l, AlertLine::Group { rule: r, .. } if *r == rule)).unwrap_or(0);
}

/// Applies one of the Alerts tab's answers.
pub(super) fn on(state: &mut AppState, msg: AlertsMsg) -> Outcome {
    match msg {
        AlertsMsg::Loaded { generation, result } => {
            Outcome { effects: vec![], dirty: loaded(state, generation, result) }
        }
        AlertsMsg::Quieted(what, result) => Outcome::redraw(quieted(state, what, result)),
    }
}
