//! The back stack: a jump (Enter, `p`, `c`, the palette's `portal`) remembers the screen it
//! left with its selection and filter; Esc on the screen it led to goes back there. Switching
//! tabs by their keys is not a jump and forgets the way back.

use super::{Effect, calls, enter, open_portal};
use crate::services::overview::PortalRef;
use crate::tui::nav::{BACK_DEPTH, CallsSpot, Place, Seek, Target};
use crate::tui::state::{AppState, Loadable, Screen};

/// The current screen as it is now, for a jump that may leave it.
pub fn here(state: &AppState) -> Place {
    let calls = (state.screen == Screen::Calls).then(|| CallsSpot {
        filter: state.calls.filter.clone(),
        follow: state.calls.follow,
        selected_id: state.calls.selected_call().map(|c| c.id),
    });
    let portal = match state.portal.as_ref().map(|p| &p.overview) {
        Some(Loadable::Ready(o)) if state.screen == Screen::Portal => Some(o.member_id.clone()),
        _ => None,
    };
    Place { screen: state.screen, to: state.screen, selected: selection(state, state.screen), calls, portal }
}

/// After a key: when it moved to another screen by a jump, remember where it came from.
pub fn arrived(state: &mut AppState, mut from: Place) {
    if std::mem::take(&mut state.nav.plain) || state.screen == from.screen {
        return;
    }
    from.to = state.screen;
    let stack = &mut state.nav.stack;
    stack.push(from);
    if stack.len() > BACK_DEPTH {
        stack.remove(0);
    }
}

/// A tab chosen by its key: not a jump, and no way back from it.
pub fn forget(state: &mut AppState) {
    state.nav.stack.clear();
    state.nav.seek = None;
    state.nav.plain = true;
}

/// Esc: back to where the jump to this screen came from; `None` when it came from nowhere.
pub fn pop(state: &mut AppState) -> Option<Vec<Effect>> {
    let top = state.nav.stack.last()?;
    if top.to != state.screen {
        // The screen changed since by other means: that way back leads nowhere now.
        state.nav.stack.clear();
        return None;
    }
    let place = state.nav.stack.pop()?;
    state.nav.plain = true;
    state.nav.seek = None;
    state.screen = place.screen;
    Some(restore(state, place))
}

fn restore(state: &mut AppState, place: Place) -> Vec<Effect> {
    match place.screen {
        Screen::Calls => {
            let spot = place.calls.unwrap_or(CallsSpot {
                filter: state.calls.filter.clone(),
                follow: state.calls.follow,
                selected_id: None,
            });
            if spot.filter != state.calls.filter {
                let fx = calls::set_filter(state, spot.filter);
                if let (false, Some(id)) = (spot.follow, spot.selected_id) {
                    let generation = state.calls.generation;
                    state.nav.seek = Some(Seek { screen: Screen::Calls, generation, target: Target::Call(id) });
                }
                return fx;
            }
            let c = &mut state.calls;
            if let Some(at) = spot.selected_id.and_then(|id| c.rows.iter().position(|r| r.id == id)) {
                c.selected = at;
            }
            c.follow = spot.follow;
            calls::tail(state)
        }
        Screen::Portal => {
            let shown = match state.portal.as_ref().map(|p| &p.overview) {
                Some(Loadable::Ready(o)) => Some(o.member_id.clone()),
                _ => None,
            };
            match place.portal {
                Some(m) if shown.as_ref() != Some(&m) => open_portal(state, PortalRef::Member(m)),
                _ => vec![],
            }
        }
        screen => {
            if let Some(s) = selection_mut(state, screen) {
                *s = place.selected;
            }
            enter(state)
        }
    }
}

fn selection(state: &AppState, screen: Screen) -> usize {
    match screen {
        Screen::Calls => state.calls.selected,
        Screen::Errors => state.errors.list.selected,
        Screen::Tasks => state.tasks.list.selected,
        Screen::Audit => state.audit.list.selected,
        Screen::Reviews => state.reviews.list.selected,
        Screen::Tokens => state.tokens.list.selected,
        Screen::Tickets => state.tickets.list.selected,
        Screen::Alerts => state.alerts.cursor,
        Screen::Maintenance => state.maintenance.list.selected,
        Screen::Portal | Screen::Incident | Screen::Messages => 0,
    }
}

fn selection_mut(state: &mut AppState, screen: Screen) -> Option<&mut usize> {
    Some(match screen {
        Screen::Calls => &mut state.calls.selected,
        Screen::Errors => &mut state.errors.list.selected,
        Screen::Tasks => &mut state.tasks.list.selected,
        Screen::Audit => &mut state.audit.list.selected,
        Screen::Reviews => &mut state.reviews.list.selected,
        Screen::Tokens => &mut state.tokens.list.selected,
        Screen::Tickets => &mut state.tickets.list.selected,
        Screen::Alerts => &mut state.alerts.cursor,
        Screen::Maintenance => &mut state.maintenance.list.selected,
        Screen::Portal | Screen::Incident | Screen::Messages => return None,
    })
}
