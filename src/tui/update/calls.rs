//! The Calls tab: first page, keyset history, the live tail, filters.

use super::{Effect, Outcome, PAGE, clamp, db_failed, flash};
use crate::model::ApiCall;
use crate::rules::call_filter::CallFilter;
use crate::services::overview::PortalRef;
use crate::store::{CallPage, PageDirection};
use crate::tui::commands::Command;
use crate::tui::state::{AppState, QUIET_POLLS, SLOW_TAIL_EVERY, Screen};
use crate::tui::tabs::{CallsEffect, CallsMsg};

/// Throws the rows away and loads the newest page for the current filter, following the tail.
pub fn reload(state: &mut AppState) -> Vec<Effect> {
    let c = &mut state.calls;
    c.generation += 1;
    c.loading = true;
    c.loading_older = false;
    c.tail_in_flight = false;
    c.follow = true;
    c.new_since_pause = 0;
    c.error = None;
    vec![Effect::Calls(CallsEffect::Load {
        generation: c.generation,
        filter: c.filter.clone(),
        dir: PageDirection::Latest,
    })]
}

/// Sets a new filter and reloads.
pub fn set_filter(state: &mut AppState, filter: CallFilter) -> Vec<Effect> {
    state.calls.filter = filter;
    state.calls.rows.clear();
    state.calls.detail = None;
    state.calls.selected = 0;
    reload(state)
}

/// Polls for new calls, unless a poll or a first page is already on its way.
pub fn tail(state: &mut AppState) -> Vec<Effect> {
    let c = &mut state.calls;
    // A log with nothing new for a while is polled at a quarter of the rate (idle CPU is a
    // target); the first call that arrives, or any key, brings the full rate back.
    c.tail_ticks = c.tail_ticks.wrapping_add(1);
    if c.quiet_polls >= QUIET_POLLS && !c.tail_ticks.is_multiple_of(SLOW_TAIL_EVERY) {
        return vec![];
    }
    if state.screen != Screen::Calls
        || c.loading
        || c.tail_in_flight
        || c.tail_id == 0 && c.rows.is_empty() && c.generation == 0
    {
        return vec![];
    }
    if c.new_since_pause >= 1000 {
        return vec![];
    }
    c.tail_in_flight = true;
    vec![Effect::Calls(CallsEffect::Load {
        generation: c.generation,
        filter: c.filter.clone(),
        dir: PageDirection::After(c.tail_id),
    })]
}

/// What the Calls tab shows, in brief: equal fingerprints draw the same screen.
pub fn fingerprint(state: &AppState) -> impl PartialEq + use<> {
    let c = &state.calls;
    (
        c.rows.len(),
        c.rows.front().map(|r| r.id),
        c.rows.back().map(|r| r.id),
        c.selected,
        c.follow,
        c.new_since_pause,
        (c.loading, c.loading_older, c.at_oldest, c.newest_dropped),
        c.error.clone(),
        state.health.clone(),
        state.flash.clone(),
    )
}

/// A page arrived.
pub fn loaded(
    state: &mut AppState,
    generation: u64,
    dir: PageDirection,
    result: Result<CallPage, String>,
) -> Vec<Effect> {
    if generation != state.calls.generation {
        return vec![];
    }
    let page = match result {
        Ok(p) => p,
        Err(e) => {
            let c = &mut state.calls;
            c.loading = false;
            c.loading_older = false;
            c.tail_in_flight = false;
            c.error = Some(e.clone());
            db_failed(state, e);
            return vec![];
        }
    };
    let before = state.calls.selected_call().map(|c| c.id);
    let fx = match dir {
        PageDirection::Latest => {
            let c = &mut state.calls;
            c.loading = false;
            c.at_oldest = (page.rows.len() as i64) < PAGE && page.searched_down_to.is_none();
            c.older_anchor = older_anchor(&page, page.rows.first());
            c.tail_id = page.newest_id.max(page.rows.last().map(|r| r.id).unwrap_or(0));
            c.rows = page.rows.into();
            c.selected = c.rows.len().saturating_sub(1);
            c.newest_dropped = false;
            c.searched_down_to = page.searched_down_to;
            vec![]
        }
        PageDirection::Before(_) => older_loaded(state, page),
        PageDirection::After(_) => tail_loaded(state, page),
    };
    let mut fx = fx;
    fx.extend(detail_if_moved(state, before));
    fx
}

fn older_anchor(page: &CallPage, first: Option<&ApiCall>) -> i64 {
    match (page.searched_down_to, first) {
        (Some(f), Some(r)) => (f + 1).min(r.id),
        (Some(f), None) => f + 1,
        (None, Some(r)) => r.id,
        (None, None) => 0,
    }
}

fn older_loaded(state: &mut AppState, page: CallPage) -> Vec<Effect> {
    let c = &mut state.calls;
    c.loading_older = false;
    let n = page.rows.len();
    c.at_oldest = (n as i64) < PAGE && page.searched_down_to.is_none();
    c.older_anchor = older_anchor(&page, page.rows.first());
    c.searched_down_to = page.searched_down_to;
    for row in page.rows.into_iter().rev() {
        c.rows.push_front(row);
    }
    c.selected += n;
    while c.rows.len() > c.max_rows {
        c.rows.pop_back();
        c.newest_dropped = true;
        c.follow = false;
    }
    c.selected = clamp(c.selected, c.rows.len());
    if let Some(f) = c.searched_down_to {
        let msg = format!("searched back to call #{f}; g searches further");
        flash(state, msg, false);
    }
    vec![]
}

fn tail_loaded(state: &mut AppState, page: CallPage) -> Vec<Effect> {
    let c = &mut state.calls;
    c.tail_in_flight = false;
    c.quiet_polls = if page.rows.is_empty() { c.quiet_polls.saturating_add(1) } else { 0 };
    if page.truncated && c.follow {
        return reload(state);
    }
    c.tail_id = c.tail_id.max(page.newest_id).max(page.rows.last().map(|r| r.id).unwrap_or(0));
    if !c.follow || c.newest_dropped {
        c.new_since_pause = (c.new_since_pause + page.rows.len()).min(1000);
        return vec![];
    }
    c.rows.extend(page.rows);
    while c.rows.len() > c.max_rows {
        c.rows.pop_front();
        c.at_oldest = false;
        c.older_anchor = c.rows.front().map(|r| r.id).unwrap_or(0);
    }
    c.selected = c.rows.len().saturating_sub(1);
    vec![]
}

/// The detail answer; true when it changed what is shown.
pub fn detail(state: &mut AppState, id: i64, result: Result<Option<ApiCall>, String>) -> bool {
    if state.calls.selected_call().map(|c| c.id) != Some(id) {
        return false;
    }
    match result {
        Ok(call) => {
            state.calls.detail = call;
            true
        }
        Err(e) => {
            db_failed(state, e);
            true
        }
    }
}

fn detail_if_moved(state: &mut AppState, before: Option<i64>) -> Vec<Effect> {
    let now = state.calls.selected_call().map(|c| c.id);
    if now == before && state.calls.detail.as_ref().map(|d| d.id) == now {
        return vec![];
    }
    match now {
        Some(id) if state.show_detail => {
            if state.calls.detail.as_ref().map(|d| d.id) != Some(id) {
                state.calls.detail = None;
            }
            vec![Effect::Calls(CallsEffect::LoadDetail(id))]
        }
        _ => vec![],
    }
}

/// In follow mode the first key that moves or acts pauses the tail on the row the reader saw
/// (the one last drawn), so it acts on that row and not on one that arrived meanwhile. A key that
/// only moves is spent on the pause (its effects are returned); `None` lets the key go on.
pub fn pause_for(state: &mut AppState, cmd: Command) -> Option<Vec<Effect>> {
    let moves = matches!(cmd, Command::Up | Command::Down | Command::PageUp | Command::PageDown | Command::Top);
    let acts = matches!(cmd, Command::Open | Command::OpenPortal | Command::FilterMember);
    let c = &mut state.calls;
    if !c.follow || !(moves || acts) {
        return None;
    }
    let before = c.selected_call().map(|r| r.id);
    c.follow = false;
    if let Some(at) = c.on_screen.and_then(|id| c.rows.iter().position(|r| r.id == id)) {
        c.selected = at;
    }
    let n = c.rows.len().saturating_sub(c.selected + 1);
    let text = if n > 0 {
        format!("paused on the row you saw ({n} newer below) — f follows again")
    } else {
        "paused — f follows again".to_owned()
    };
    flash(state, text, false);
    moves.then(|| detail_if_moved(state, before))
}

/// Keys of the Calls tab.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    let before = state.calls.selected_call().map(|c| c.id);
    let mut fx = match cmd {
        Command::Up | Command::PageUp | Command::Top => {
            let c = &mut state.calls;
            c.follow = false;
            let step = match cmd {
                Command::Up => 1,
                Command::PageUp => c.viewport.max(1),
                _ => usize::MAX,
            };
            c.selected = c.selected.saturating_sub(step);
            if c.selected == 0 { older(state) } else { vec![] }
        }
        Command::Down | Command::PageDown => {
            let c = &mut state.calls;
            let step = if cmd == Command::Down { 1 } else { c.viewport.max(1) };
            c.selected = clamp(c.selected.saturating_add(step), c.rows.len());
            vec![]
        }
        Command::Bottom => to_newest(state),
        Command::ToggleFollow => {
            if state.calls.follow {
                state.calls.follow = false;
                flash(state, "paused — f or G follows again", false);
                vec![]
            } else {
                to_newest(state)
            }
        }
        Command::FilterMember => {
            let mut f = state.calls.filter.clone();
            if f.member_id.is_some() || f.domain.is_some() {
                f.member_id = None;
                f.domain = None;
            } else if let Some(m) = state.calls.selected_call().map(|c| c.member_id.clone()) {
                f.member_id = Some(m);
            } else {
                flash(state, "no row selected", true);
                return vec![];
            }
            set_filter(state, f)
        }
        Command::ToggleErrorsOnly => {
            let mut f = state.calls.filter.clone();
            if f.errors_only {
                f.errors_only = false;
                f.error_code = None;
            } else {
                f.errors_only = true;
            }
            set_filter(state, f)
        }
        Command::ClearFilter => set_filter(state, CallFilter::default()),
        Command::ToggleDetail => {
            state.show_detail = !state.show_detail;
            state.calls.detail = None;
            vec![]
        }
        Command::Open => match state.calls.selected_call() {
            Some(c) => {
                let m = c.member_id.clone();
                super::open_portal(state, PortalRef::Member(m))
            }
            None => vec![],
        },
        _ => vec![],
    };
    fx.extend(detail_if_moved(state, before));
    fx
}

fn older(state: &mut AppState) -> Vec<Effect> {
    let c = &mut state.calls;
    if c.at_oldest || c.loading_older || c.loading || c.older_anchor <= 1 {
        return vec![];
    }
    c.loading_older = true;
    vec![Effect::Calls(CallsEffect::Load {
        generation: c.generation,
        filter: c.filter.clone(),
        dir: PageDirection::Before(c.older_anchor),
    })]
}

fn to_newest(state: &mut AppState) -> Vec<Effect> {
    let c = &mut state.calls;
    if c.newest_dropped || c.new_since_pause > 0 {
        return reload(state);
    }
    c.follow = true;
    c.selected = c.rows.len().saturating_sub(1);
    tail(state)
}

/// Applies one of the Calls tab's answers.
pub(super) fn on(state: &mut AppState, msg: CallsMsg) -> Outcome {
    match msg {
        CallsMsg::Loaded { generation, dir, result } => {
            // An empty tail poll changes nothing on screen: no frame for it.
            let before = fingerprint(state);
            let effects = loaded(state, generation, dir, result);
            Outcome { effects, dirty: fingerprint(state) != before }
        }
        CallsMsg::Detail { id, result } => Outcome { effects: vec![], dirty: detail(state, id, result) },
    }
}
