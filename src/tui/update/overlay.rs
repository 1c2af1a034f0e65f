//! Keys while an overlay is open: help, the `/` filter prompt, the `:` palette.

use crossterm::event::{KeyCode, KeyEvent};

use super::{Effect, flash, open_prompt, prompt_key, run};
use crate::rules::call_filter::CallFilter;
use crate::tui::commands::{self, Command};
use crate::tui::palette::suggestions;
use crate::tui::state::{AppState, Overlay, PortalPick, Screen};
use crate::tui::tabs::{IncidentEffect, ReviewsEffect};

/// A key for the open overlay.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(overlay) = state.overlay.as_mut() else {
        return vec![];
    };
    match overlay {
        Overlay::Help(_) => super::help::key(state, key),
        Overlay::Filter(_) => prompt_key(state, key, |state, text| match super::filter_current(state, &text) {
            Ok(fx) => {
                state.overlay = None;
                fx
            }
            Err(e) => {
                if let Some(p) = open_prompt(state) {
                    p.error = Some(e);
                }
                vec![]
            }
        }),
        Overlay::PickPortal { .. } => super::portal_pick::key(state, key),
        Overlay::ReplyEditor(_) => super::reviews::editor_key(state, key),
        Overlay::TicketReply(_) => super::tickets::editor_key(state, key),
        Overlay::TicketPrompt { .. } => super::tickets::prompt_key(state, key),
        Overlay::MaintenanceNote { .. } => super::maintenance::note_key(state, key),
        Overlay::AddReview(_) => super::reviews::form_key(state, key),
        Overlay::Confirm { what, .. } => match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') | KeyCode::Enter => {
                let what = what.clone();
                state.overlay = None;
                super::tasks::confirmed(state, what)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                state.overlay = None;
                flash(state, "cancelled — nothing changed", false);
                vec![]
            }
            _ => vec![],
        },
        Overlay::Palette(prompt) => {
            if key.code == KeyCode::Tab {
                let list = suggestions(&prompt.text(), state.read_only);
                if !list.is_empty() {
                    let pick = list[prompt.choice % list.len()].0;
                    prompt.set_text(&format!("{pick} "));
                }
                return vec![];
            }
            let choice = prompt.choice;
            prompt_key(state, key, |state, text| palette_submit(state, &text, choice))
        }
    }
}

/// Pasted text goes to an open prompt.
pub fn paste(state: &mut AppState, text: &str) {
    match state.overlay.as_mut() {
        Some(Overlay::Filter(p) | Overlay::Palette(p)) => p.paste(text),
        Some(Overlay::ReplyEditor(_) | Overlay::AddReview(_)) => super::reviews::paste(state, text),
        Some(Overlay::TicketReply(_) | Overlay::TicketPrompt { .. }) => super::tickets::paste(state, text),
        Some(Overlay::MaintenanceNote { prompt, .. }) => prompt.paste(text),
        _ => {}
    }
}

fn palette_error(state: &mut AppState, msg: String) -> Vec<Effect> {
    if let Some(Overlay::Palette(p)) = state.overlay.as_mut() {
        p.error = Some(msg);
    }
    vec![]
}

/// Runs what the palette holds: `portal X`, `member X`, `filter …`, or a command name.
pub fn palette_submit(state: &mut AppState, text: &str, choice: usize) -> Vec<Effect> {
    let text = text.trim();
    let (word, rest) = text.split_once(' ').map(|(w, r)| (w, r.trim())).unwrap_or((text, ""));
    let word = word.to_lowercase();
    match word.as_str() {
        "portal" | "member" if rest.is_empty() => palette_error(state, format!("{word} needs a member_id or a domain")),
        "portal" => super::portal_pick::ask(state, rest, PortalPick::Open),
        "member" => super::portal_pick::ask(state, rest, PortalPick::FilterCalls),
        "import" if rest.is_empty() => palette_error(state, "import needs a file: import reviews.csv".into()),
        "import" if state.read_only => {
            state.overlay = None;
            flash(state, "import: refused, b24ops is in read-only mode", true);
            vec![]
        }
        // Looking is no write: the view opens in read-only mode too.
        "incident" | "incidents" if rest.is_empty() => {
            state.overlay = None;
            super::open_incident(state)
        }
        "incident" | "note" | "resolve-incident" if state.read_only => {
            palette_error(state, format!("{word}: refused, b24ops is in read-only mode"))
        }
        "note" if rest.is_empty() => palette_error(state, format!("{word} needs text")),
        "incident" | "note" | "resolve-incident" => {
            state.overlay = None;
            let verb = match word.as_str() {
                "incident" => "declare",
                "note" => "note",
                _ => "resolve",
            };
            vec![Effect::Incident(IncidentEffect::Command { verb, text: rest.to_owned(), now: state.now })]
        }
        "import" => {
            state.overlay = None;
            vec![Effect::Reviews(ReviewsEffect::Import { path: rest.into(), now: state.now })]
        }
        "filter" => match CallFilter::parse(rest) {
            Ok(f) => {
                state.overlay = None;
                state.screen = Screen::Calls;
                super::filter_calls(state, f)
            }
            Err(e) => palette_error(state, e.to_string()),
        },
        _ => {
            let spec = commands::by_name(&word, state.read_only).or_else(|| {
                let list = suggestions(&word, state.read_only);
                let name = list.get(choice % list.len().max(1)).map(|(n, _)| *n)?;
                commands::by_name(name, state.read_only)
            });
            match spec {
                Some(s) if s.command == Command::Palette => {
                    state.overlay = None;
                    vec![]
                }
                Some(s) => {
                    state.overlay = None;
                    run(state, s.command)
                }
                None if word.is_empty() => {
                    state.overlay = None;
                    vec![]
                }
                None => {
                    if read_only_refusal(state, &word) {
                        return vec![];
                    }
                    palette_error(state, format!("unknown command {word:?} — Tab lists them"))
                }
            }
        }
    }
}

/// In read-only mode a write command is refused with a clear message.
fn read_only_refusal(state: &mut AppState, word: &str) -> bool {
    if state.read_only && commands::REGISTRY.iter().any(|s| s.writes && s.name == word) {
        state.overlay = None;
        flash(state, format!("{word}: refused, b24ops is in read-only mode"), true);
        return true;
    }
    false
}
