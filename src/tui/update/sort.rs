//! `o` / `O`: sort the list in front by a column. The sort is kept across refreshes and `/`
//! filters (a filter narrows the rows; the order the user chose still applies to what is left).

use super::{Effect, flash, tabs};
use crate::tui::list_tab::ListTab;
use crate::tui::sort::Sortable;
use crate::tui::state::{AppState, Screen};

/// Cycles (or with `reverse`, flips) the sort of the tab in front.
pub fn run(state: &mut AppState, reverse: bool) -> Vec<Effect> {
    let (loaded_order, mark) = match state.screen {
        Screen::Errors => cycle(&mut state.errors.list, reverse),
        Screen::Tasks => cycle(&mut state.tasks.list, reverse),
        Screen::Audit => cycle(&mut state.audit.list, reverse),
        Screen::Reviews => cycle(&mut state.reviews.list, reverse),
        Screen::Tokens => cycle(&mut state.tokens.list, reverse),
        Screen::Tickets => cycle(&mut state.tickets.list, reverse),
        _ => {
            let why = match state.screen {
                Screen::Calls => "the Calls tail stays in time order; sort the Errors tab to rank",
                _ => "this view has no sortable columns",
            };
            flash(state, why, true);
            return vec![];
        }
    };
    match mark {
        Some((column, desc)) => {
            flash(state, format!("sorted by {column} {}", if desc { "▼" } else { "▲" }), false);
            vec![]
        }
        None => {
            flash(state, "as loaded (o sorts again)", false);
            if loaded_order { (tabs::of(state.screen).reload)(state) } else { vec![] }
        }
    }
}

fn cycle<T: Sortable>(list: &mut ListTab<T>, reverse: bool) -> (bool, Option<(&'static str, bool)>) {
    let loaded = list.cycle_sort(reverse);
    (loaded, list.sort_mark())
}
