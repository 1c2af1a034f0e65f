//! The Tasks tab: the failed-task queue, one-key restart, confirmed bulk actions and discards.

use super::{Effect, Outcome, db_failed, flash};
use crate::model::{TaskBrief, TaskDetail};
use crate::rules::task_filter::TaskFilter;
use crate::services::overview::PortalRef;
use crate::services::tasks::{BulkReport, describe};
use crate::store::{TaskAction, WriteOutcome};
use crate::tui::commands::Command;
use crate::tui::list_tab::clamp;
use crate::tui::state::{AppState, BulkProgress, Confirmable, Loadable, Overlay};
use crate::tui::tabs::{TasksEffect, TasksMsg};

/// Loads the list, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.tasks.list.show_loading();
    reload_quietly(state)
}

/// Loads the list, keeping the current one on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.tasks.list.next_load();
    vec![Effect::Tasks(TasksEffect::Load {
        generation: state.tasks.list.generation,
        filter: state.tasks.filter.clone(),
    })]
}

/// Sets a new filter and reloads.
pub fn set_filter(state: &mut AppState, filter: TaskFilter) -> Vec<Effect> {
    state.tasks.filter = filter;
    state.tasks.list.selected = 0;
    state.tasks.list.rows = Loadable::Loading;
    reload_quietly(state)
}

/// The list arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Vec<TaskBrief>, String>) -> Vec<Effect> {
    if !state.tasks.list.is_current(generation) {
        return vec![];
    }
    match result {
        Ok(tasks) => {
            let keep = state.tasks.selected_task().map(|t| t.id);
            let idx = keep.and_then(|id| tasks.iter().position(|t| t.id == id)).unwrap_or(state.tasks.list.selected);
            state.tasks.list.selected = clamp(idx, tasks.len());
            state.tasks.list.show(tasks);
            detail_for_selection(state)
        }
        Err(e) => {
            state.tasks.list.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
            vec![]
        }
    }
}

fn detail_for_selection(state: &mut AppState) -> Vec<Effect> {
    match state.tasks.selected_task().map(|t| t.id) {
        Some(id) if state.tasks.detail.as_ref().map(|d| d.id) != Some(id) => {
            vec![Effect::Tasks(TasksEffect::LoadDetail(id))]
        }
        Some(_) => vec![],
        None => {
            state.tasks.detail = None;
            vec![]
        }
    }
}

/// A task's detail arrived.
pub fn detail(state: &mut AppState, id: i64, result: Result<Option<TaskDetail>, String>) {
    if state.tasks.selected_task().map(|t| t.id) != Some(id) {
        return;
    }
    match result {
        Ok(d) => state.tasks.detail = d,
        Err(e) => db_failed(state, e),
    }
}

/// A restart or discard of named tasks finished: say what happened and show the new state.
pub fn acted(
    state: &mut AppState,
    action: TaskAction,
    result: Result<Vec<(i64, WriteOutcome)>, String>,
) -> Vec<Effect> {
    match result {
        Ok(outcomes) => {
            let text: Vec<String> = outcomes.iter().map(|(id, o)| describe(action, *id, o)).collect();
            let changed = outcomes.iter().any(|(_, o)| *o == WriteOutcome::Changed);
            flash(state, text.join("; "), !changed);
            state.tasks.detail = None;
            reload_quietly(state)
        }
        Err(e) => {
            flash(state, e, true);
            vec![]
        }
    }
}

/// The count for a confirmation arrived: ask.
pub fn counted(state: &mut AppState, what: Confirmable, result: Result<i64, String>) {
    let n = match result {
        Ok(n) => n,
        Err(e) => {
            flash(state, e, true);
            return;
        }
    };
    let question = match &what {
        Confirmable::RefreshExpiring(days) => {
            super::tokens::counted(state, *days, n);
            return;
        }
        Confirmable::Notify(_) => return,
        Confirmable::Bulk(action, filter) => {
            if n == 0 {
                flash(state, format!("no failed tasks match {filter} — nothing to do"), false);
                return;
            }
            let verb = if *action == TaskAction::Restart { "Restart" } else { "Discard" };
            // Say exactly which rows: the whole queue, or the filter's part of it.
            let which = filter.to_text();
            let scope =
                if which.is_empty() { "of every portal and kind".to_owned() } else { format!("matching {which}") };
            format!("{verb} {n} failed task(s) {scope}?")
        }
        Confirmable::Discard(id) => format!("Discard task #{id}? It will not run again."),
    };
    state.overlay = Some(Overlay::Confirm { what, question });
}

/// The operator said yes.
pub fn confirmed(state: &mut AppState, what: Confirmable) -> Vec<Effect> {
    match what {
        Confirmable::Bulk(action, filter) => {
            if state.tasks.bulk.as_ref().is_some_and(|b| !b.done) {
                flash(state, "a bulk action is already running", true);
                return vec![];
            }
            state.tasks.bulk =
                Some(BulkProgress { action, filter: filter.clone(), report: BulkReport::default(), done: false });
            vec![Effect::Tasks(TasksEffect::Bulk { action, filter, now: state.now })]
        }
        Confirmable::Discard(id) => {
            vec![Effect::Tasks(TasksEffect::Act { action: TaskAction::Discard, ids: vec![id], now: state.now })]
        }
        other => super::tokens::confirmed(state, other),
    }
}

/// A bulk action advanced.
pub fn bulk_progress(state: &mut AppState, report: BulkReport) {
    if let Some(b) = state.tasks.bulk.as_mut() {
        b.report = report;
    }
}

/// A bulk action finished.
pub fn bulk_done(state: &mut AppState, result: Result<BulkReport, String>) -> Vec<Effect> {
    match result {
        Ok(r) => {
            let verb = match state.tasks.bulk.as_ref().map(|b| b.action) {
                Some(TaskAction::Discard) => "discarded",
                _ => "restarted",
            };
            if let Some(b) = state.tasks.bulk.as_mut() {
                b.report = r;
                b.done = true;
            }
            flash(state, format!("{verb} {} of {} ({} no longer failed)", r.changed, r.total, r.skipped), false);
        }
        Err(e) => {
            if let Some(b) = state.tasks.bulk.as_mut() {
                b.done = true;
            }
            flash(state, format!("bulk action stopped: {e}"), true);
        }
    }
    reload_quietly(state)
}

/// Keys of the Tasks tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.tasks.list.move_by(cmd, 10);
            detail_for_selection(state)
        }
        Command::Restart => match state.tasks.selected_task() {
            Some(t) => {
                vec![Effect::Tasks(TasksEffect::Act { action: TaskAction::Restart, ids: vec![t.id], now: state.now })]
            }
            None => vec![],
        },
        Command::Discard => match state.tasks.selected_task() {
            Some(t) => {
                let id = t.id;
                counted(state, Confirmable::Discard(id), Ok(1));
                vec![]
            }
            None => vec![],
        },
        Command::RestartAll | Command::DiscardAll => {
            let action = if cmd == Command::RestartAll { TaskAction::Restart } else { TaskAction::Discard };
            let filter = TaskFilter { status: Some("failed".into()), ..state.tasks.filter.clone() };
            vec![Effect::Count(Confirmable::Bulk(action, filter))]
        }
        Command::ToggleAllStatuses => {
            let mut f = state.tasks.filter.clone();
            f.status = if f.status.is_some() { None } else { Some("failed".into()) };
            set_filter(state, f)
        }
        Command::ToggleDetail => {
            state.show_detail = !state.show_detail;
            vec![]
        }
        Command::OpenPortal => match state.tasks.selected_task().and_then(|t| t.member_id.clone()) {
            Some(m) => super::open_portal(state, PortalRef::Member(m)),
            None => vec![],
        },
        _ => vec![],
    }
}

/// Applies one of the Tasks tab's answers.
pub(super) fn on(state: &mut AppState, msg: TasksMsg) -> Outcome {
    match msg {
        TasksMsg::Loaded { generation, result } => Outcome::redraw(loaded(state, generation, result)),
        TasksMsg::DetailLoaded { id, result } => {
            detail(state, id, result);
            Outcome::redraw(vec![])
        }
        TasksMsg::Acted { action, result } => Outcome::redraw(acted(state, action, result)),
        TasksMsg::BulkProgress(report) => {
            bulk_progress(state, report);
            Outcome::redraw(vec![])
        }
        TasksMsg::BulkDone(result) => Outcome::redraw(bulk_done(state, result)),
    }
}
