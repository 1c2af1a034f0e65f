//! `:portal` / `:member` with a piece of a domain: the portals it matches are looked up, one is
//! taken at once, several are offered in a pick list.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, flash, open_prompt, prompt_key};
use crate::model::MemberId;
use crate::rules::call_filter::CallFilter;
use crate::services::overview::PortalRef;
use crate::tui::prompt::Prompt;
use crate::tui::state::{AppState, Overlay, PortalPick, Screen};

/// What `:portal X` / `:member X` does with `rest`: a canonical member_id or a whole domain acts
/// at once; anything else is looked up as a piece.
pub fn ask(state: &mut AppState, rest: &str, then: PortalPick) -> Vec<Effect> {
    let canonical = rest.len() == 32 && rest.bytes().all(|b| b.is_ascii_hexdigit());
    match PortalRef::parse(rest) {
        Some(PortalRef::Member(m)) if canonical => act(state, m, then),
        Some(_) => {
            state.overlay = None;
            vec![Effect::FindPortals { piece: rest.trim().to_lowercase(), then }]
        }
        None => {
            if let Some(Overlay::Palette(p)) = state.overlay.as_mut() {
                p.error = Some(format!("{rest:?} is neither a member_id nor a piece of a domain"));
            }
            vec![]
        }
    }
}

fn act(state: &mut AppState, m: MemberId, then: PortalPick) -> Vec<Effect> {
    state.overlay = None;
    match then {
        PortalPick::Open => super::open_portal(state, PortalRef::Member(m)),
        PortalPick::FilterCalls => {
            state.screen = Screen::Calls;
            super::filter_calls(state, CallFilter { member_id: Some(m), ..Default::default() })
        }
    }
}

/// The portals matching a piece arrived.
pub fn found(
    state: &mut AppState,
    piece: String,
    then: PortalPick,
    result: Result<Vec<(MemberId, String)>, String>,
) -> Vec<Effect> {
    match result {
        Err(e) => {
            flash(state, format!("could not look up {piece:?}: {e}"), true);
            vec![]
        }
        Ok(found) => match found.as_slice() {
            [] => {
                flash(state, format!("no portal's domain or member_id contains {piece:?}"), true);
                vec![]
            }
            [(m, _)] => act(state, m.clone(), then),
            _ => {
                let mut prompt = Prompt::new(&piece, "");
                prompt.error = Some(format!("{} portals match — ↑/↓ pick, ↵ takes it, Esc cancels", found.len()));
                prompt.options = found.into_iter().map(|(m, d)| (m.as_str().to_owned(), d)).collect();
                state.overlay = Some(Overlay::PickPortal { then, prompt });
                vec![]
            }
        },
    }
}

/// A key in the pick list.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::PickPortal { then, .. }) = state.overlay.as_ref() else { return vec![] };
    let then = *then;
    // The list is what is picked from: typing does not change it.
    if matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace) {
        return vec![];
    }
    prompt_key(state, key, |state, _| match open_prompt(state).and_then(|p| p.chosen_option()).map(MemberId::parse) {
        Some(Ok(m)) => act(state, m, then),
        _ => {
            state.overlay = None;
            vec![]
        }
    })
}
