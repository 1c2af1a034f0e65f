//! The Errors tab: groups, grouping mode, and the way into Calls.

use chrono::{DateTime, Utc};

use super::{Effect, Outcome, db_failed, flash, ready};
use crate::model::{ErrorGroup, ErrorSource, GroupBy};
use crate::rules::call_filter::CallFilter;
use crate::services::error_sample::ErrorSample;
use crate::services::overview::PortalRef;
use crate::store::{GROUP_LIMIT, GROUP_PAGE};
use crate::tui::commands::Command;
use crate::tui::list_tab::clamp;
use crate::tui::state::{AppState, Loadable, Screen};
use crate::tui::tab_state::SampleKey;
use crate::tui::tabs::{ErrorsEffect, ErrorsMsg};

/// Within this many rows of the last loaded group, the next page is asked for.
const NEAR_THE_END: usize = 20;

/// Loads the groups, showing a loading state.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    state.errors.list.show_loading();
    reload_quietly(state)
}

/// Loads the groups, keeping the current ones on screen until the answer comes.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    state.errors.list.next_load();
    let e = &state.errors;
    vec![Effect::Errors(ErrorsEffect::Load {
        generation: e.list.generation,
        group_by: e.group_by,
        limit: e.limit,
        search: e.filter.clone(),
        now: state.now,
    })]
}

/// Sets what narrows the groups and reloads from the top.
pub fn set_filter(state: &mut AppState, filter: crate::rules::search::Search) -> Vec<Effect> {
    state.errors.filter = filter;
    state.errors.list.restart();
    state.errors.sample = None;
    reload_quietly(state)
}

/// Groups arrived.
pub fn loaded(
    state: &mut AppState,
    generation: u64,
    result: Result<Vec<ErrorGroup>, String>,
    as_of: DateTime<Utc>,
) -> Vec<Effect> {
    if !state.errors.list.is_current(generation) {
        return vec![];
    }
    match result {
        Ok(groups) => {
            // Keep the selection on the same group when the list is refreshed.
            let keep = selected_group(state).map(|g| (g.member_id.clone(), g.error_type.clone()));
            let idx = keep
                .and_then(|(m, t)| groups.iter().position(|g| g.member_id == m && g.error_type == t))
                .unwrap_or(state.errors.list.selected);
            state.errors.list.selected = clamp(idx, groups.len());
            state.errors.list.show(groups);
            state.errors.as_of = Some(as_of);
        }
        Err(e) => {
            state.errors.list.rows = Loadable::Failed(e.clone());
            db_failed(state, e);
        }
    }
    sample_for_selection(state)
}

/// Asks for the selected group's newest occurrence when it is an app error (what a Sentry SDK
/// sent: release, URL, frames) and that sample is not on screen yet. REST groups and the
/// by-type view have none.
fn sample_for_selection(state: &mut AppState) -> Vec<Effect> {
    let key = selected_group(state)
        .filter(|g| g.source == ErrorSource::App && state.errors.group_by == GroupBy::PortalAndType)
        .map(|g| (g.member_id.as_ref().map(|m| m.as_str().to_owned()), g.error_type.as_str().to_owned()));
    let Some(key) = key else {
        state.errors.sample = None;
        return vec![];
    };
    if state.errors.sample.as_ref().is_some_and(|(k, _)| *k == key) {
        return vec![];
    }
    state.errors.sample = Some((key.clone(), Loadable::Loading));
    vec![Effect::Errors(ErrorsEffect::LoadSample(key))]
}

/// A group's newest occurrence arrived; dropped when the selection moved on meanwhile.
pub fn sample_loaded(state: &mut AppState, key: SampleKey, result: Result<Option<ErrorSample>, String>) {
    if let Some((current, shown)) = &mut state.errors.sample
        && *current == key
    {
        *shown = match result {
            Ok(s) => Loadable::Ready(s),
            Err(e) => Loadable::Failed(e),
        };
    }
}

/// Asks for another page when the cursor is near the end of a full list (a shorter one holds
/// every group there is).
fn load_more_near_the_end(state: &mut AppState, len: usize) -> Vec<Effect> {
    let e = &mut state.errors;
    if !e.has_more() || e.list.selected + NEAR_THE_END < len {
        return vec![];
    }
    e.limit = (e.limit + GROUP_PAGE).min(GROUP_LIMIT);
    reload_quietly(state)
}

fn selected_group(state: &AppState) -> Option<&ErrorGroup> {
    ready(&state.errors.list.rows).and_then(|g| g.get(state.errors.list.selected))
}

/// Keys of the Errors tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top | Command::Bottom => {
            state.errors.list.move_by(cmd, 10);
            let len = state.errors.list.len();
            let mut fx = load_more_near_the_end(state, len);
            fx.extend(sample_for_selection(state));
            fx
        }
        Command::ToggleGroupBy => {
            state.errors.group_by = match state.errors.group_by {
                GroupBy::PortalAndType => GroupBy::Type,
                GroupBy::Type => GroupBy::PortalAndType,
            };
            state.errors.list.selected = 0;
            state.errors.limit = GROUP_PAGE;
            state.errors.list.rows = Loadable::Loading;
            reload_quietly(state)
        }
        Command::Open => {
            let Some(g) = selected_group(state).cloned() else {
                return vec![];
            };
            let filter = match g.source {
                ErrorSource::Rest => CallFilter {
                    member_id: g.member_id.clone(),
                    error_code: Some(g.error_type.as_str().to_owned()),
                    errors_only: true,
                    ..Default::default()
                },
                ErrorSource::App => {
                    flash(state, "app errors are not REST calls: showing the portal's failed calls", false);
                    CallFilter { member_id: g.member_id.clone(), errors_only: true, ..Default::default() }
                }
            };
            state.screen = Screen::Calls;
            super::filter_calls(state, filter)
        }
        Command::OpenPortal => match selected_group(state).and_then(|g| g.member_id.clone()) {
            Some(m) => super::open_portal(state, PortalRef::Member(m)),
            None => vec![],
        },
        _ => vec![],
    }
}

/// Applies one of the Errors tab's answers.
pub(super) fn on(state: &mut AppState, msg: ErrorsMsg) -> Outcome {
    match msg {
        ErrorsMsg::Loaded { generation, result, as_of } => Outcome::redraw(loaded(state, generation, result, as_of)),
        ErrorsMsg::SampleLoaded(key, result) => {
            sample_loaded(state, key, result);
            Outcome::redraw(vec![])
        }
    }
}
