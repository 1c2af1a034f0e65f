//! The portal view: everything known about one portal.

use super::{Effect, Outcome, db_failed};
use crate::rules::call_filter::CallFilter;
use crate::services::overview::{PortalOverview, PortalRef};
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Loadable, PortalState, Screen};
use crate::tui::tabs::{PortalEffect, PortalMsg};

/// Opens the portal view on `who`; Esc returns to the current screen.
pub fn open(state: &mut AppState, who: PortalRef) -> Vec<Effect> {
    let back_to = if state.screen == Screen::Portal {
        state.portal.as_ref().map(|p| p.back_to).unwrap_or(Screen::Calls)
    } else {
        state.screen
    };
    let generation = state.portal.as_ref().map(|p| p.generation + 1).unwrap_or(1);
    let label = match &who {
        PortalRef::Member(m) => m.to_string(),
        PortalRef::Domain(d) => d.clone(),
    };
    state.portal = Some(PortalState { label, overview: Loadable::Loading, generation, back_to, scroll: 0 });
    state.screen = Screen::Portal;
    vec![Effect::Portal(PortalEffect::Load { generation, who, now: state.now })]
}

/// Reloads the shown portal, keeping it on screen meanwhile.
pub fn reload_quietly(state: &mut AppState) -> Vec<Effect> {
    let now = state.now;
    let Some(p) = state.portal.as_mut() else {
        return vec![];
    };
    let Loadable::Ready(o) = &p.overview else {
        return vec![];
    };
    p.generation += 1;
    vec![Effect::Portal(PortalEffect::Load {
        generation: p.generation,
        who: PortalRef::Member(o.member_id.clone()),
        now,
    })]
}

/// The overview arrived.
pub fn loaded(state: &mut AppState, generation: u64, result: Result<Option<PortalOverview>, String>) {
    let Some(p) = state.portal.as_mut() else {
        return;
    };
    if p.generation != generation {
        return;
    }
    match result {
        Ok(Some(o)) => {
            p.label = o.member_id.to_string();
            p.overview = Loadable::Ready(Box::new(o));
        }
        Ok(None) => p.overview = Loadable::Failed(format!("no portal known as {}", p.label)),
        Err(e) => {
            p.overview = Loadable::Failed(e.clone());
            db_failed(state, e);
        }
    }
}

/// Keys of the portal view.
pub fn command(state: &mut AppState, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Up | Command::PageUp | Command::Top => {
            if let Some(p) = state.portal.as_mut() {
                p.scroll = match cmd {
                    Command::Up => p.scroll.saturating_sub(1),
                    Command::PageUp => p.scroll.saturating_sub(10),
                    _ => 0,
                };
            }
            vec![]
        }
        Command::Down | Command::PageDown => {
            if let Some(p) = state.portal.as_mut() {
                p.scroll = p.scroll.saturating_add(if cmd == Command::Down { 1 } else { 10 }).min(500);
            }
            vec![]
        }
        Command::PortalCalls => match state.selected_member() {
            Some(m) => {
                state.screen = Screen::Calls;
                super::filter_calls(state, CallFilter { member_id: Some(m), ..Default::default() })
            }
            None => vec![],
        },
        _ => vec![],
    }
}

/// Applies one of the Portal view's answers.
pub(super) fn on(state: &mut AppState, msg: PortalMsg) -> Outcome {
    match msg {
        PortalMsg::Loaded { generation, result } => {
            loaded(state, generation, result);
            Outcome::redraw(vec![])
        }
    }
}
