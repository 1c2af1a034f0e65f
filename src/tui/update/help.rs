//! Keys in the help overlay: scroll, `/` searches (typing narrows, Enter keeps the search, Esc
//! drops it), Esc or `?` closes.

use crossterm::event::{KeyCode, KeyEvent};

use super::Effect;
use crate::tui::state::{AppState, Overlay};

/// A key while help is open.
pub fn key(state: &mut AppState, key: KeyEvent) -> Vec<Effect> {
    let Some(Overlay::Help(h)) = state.overlay.as_mut() else { return vec![] };
    if h.searching {
        match key.code {
            KeyCode::Char(c) => h.query.push(c),
            KeyCode::Backspace => {
                h.query.pop();
            }
            KeyCode::Enter => h.searching = false,
            KeyCode::Esc => {
                h.query.clear();
                h.searching = false;
            }
            _ => {}
        }
        h.scroll = 0;
        return vec![];
    }
    match key.code {
        KeyCode::Char('j') | KeyCode::Down => h.scroll = h.scroll.saturating_add(1),
        KeyCode::Char('k') | KeyCode::Up => h.scroll = h.scroll.saturating_sub(1),
        KeyCode::PageDown => h.scroll = h.scroll.saturating_add(10),
        KeyCode::PageUp => h.scroll = h.scroll.saturating_sub(10),
        KeyCode::Char('g') | KeyCode::Home => h.scroll = 0,
        KeyCode::Char('/') => {
            h.searching = true;
            h.query.clear();
        }
        KeyCode::Esc if !h.query.is_empty() => {
            h.query.clear();
            h.scroll = 0;
        }
        KeyCode::Esc | KeyCode::Char('?') | KeyCode::Char('q') => state.overlay = None,
        _ => {}
    }
    vec![]
}
