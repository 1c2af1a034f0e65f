//! Each tab's `/` filter as the console shows it: its text in the prompt's language, what the
//! prompt suggests, how many rows match, and what to highlight. Views and `update` read it here,
//! so a tab's filter is described in one place.

use super::screen::Screen;
use super::state::AppState;

/// The filter of `screen` in the prompt's language; empty when nothing narrows it. (The Tasks
/// tab's status and the Reviews tab's "awaiting reply" have keys of their own and are not in it.)
pub fn text(state: &AppState, screen: Screen) -> String {
    match screen {
        Screen::Calls => state.calls.filter.to_text(),
        Screen::Errors => state.errors.filter.to_text(),
        Screen::Tasks => state.tasks.filter.to_text(),
        Screen::Audit => state.audit.filter.to_text(),
        Screen::Reviews => state.reviews.filter.to_text(),
        Screen::Tokens => state.tokens.filter.to_text(),
        Screen::Tickets => state.tickets.filter.to_text(),
        Screen::Alerts => state.alerts.filter.to_text(),
        Screen::Maintenance => state.maintenance.filter.to_text(),
        Screen::Portal | Screen::Incident | Screen::Messages => String::new(),
    }
}

/// The prompt's placeholder on `screen`: the words that tab understands.
pub fn hint(screen: Screen) -> &'static str {
    match screen {
        Screen::Calls | Screen::Portal => "member:ID|domain|piece method:M code:C errors slow:N",
        Screen::Tasks => "member:ID|domain|piece kind:K status:S words",
        Screen::Reviews => "member:ID|domain|piece stars:1-2 status:S words",
        _ => "member:ID|domain|piece words",
    }
}

/// Rows shown on `screen` (the count beside the filter in the title); `None` while they load.
pub fn count(state: &AppState, screen: Screen) -> Option<usize> {
    fn ready<T>(l: &super::list_tab::ListTab<T>) -> Option<usize> {
        l.rows.ready().map(Vec::len)
    }
    match screen {
        Screen::Calls => (!state.calls.loading).then_some(state.calls.rows.len()),
        Screen::Errors => ready(&state.errors.list),
        Screen::Tasks => ready(&state.tasks.list),
        Screen::Audit => ready(&state.audit.list),
        Screen::Reviews => ready(&state.reviews.list),
        Screen::Tokens => ready(&state.tokens.list),
        Screen::Tickets => ready(&state.tickets.list),
        Screen::Alerts => ready(&state.alerts.list),
        Screen::Maintenance => ready(&state.maintenance.list),
        Screen::Portal | Screen::Incident | Screen::Messages => None,
    }
}

/// For a title: `/ FILTER · N match` (`/ FILTER · …` while loading), or `None` without a filter.
pub fn title(state: &AppState, screen: Screen) -> Option<String> {
    let t = text(state, screen);
    (!t.is_empty()).then(|| match count(state, screen) {
        Some(n) => format!("/ {t} · {n} match "),
        None => format!("/ {t} · … "),
    })
}

/// What an empty list says while a filter is set: never "all clear", since the filter may hide
/// what is there.
pub fn empty_note(state: &AppState, screen: Screen) -> Option<String> {
    let t = text(state, screen);
    (!t.is_empty()).then(|| format!("0 match {t} — Esc clears"))
}

/// The text to highlight in rows of `screen`: the portal piece or the first free word.
pub fn needle(state: &AppState, screen: Screen) -> Option<String> {
    let n = match screen {
        Screen::Calls => state.calls.filter.domain.clone().or_else(|| state.calls.filter.method_prefix.clone()),
        Screen::Tasks => state.tasks.filter.portal.clone().or_else(|| state.tasks.filter.error_text.clone()),
        Screen::Reviews => state.reviews.filter.portal.clone().or_else(|| state.reviews.filter.text.clone()),
        Screen::Errors => state.errors.filter.needle().map(str::to_owned),
        Screen::Audit => state.audit.filter.needle().map(str::to_owned),
        Screen::Tokens => state.tokens.filter.needle().map(str::to_owned),
        Screen::Tickets => state.tickets.filter.needle().map(str::to_owned),
        Screen::Alerts => state.alerts.filter.needle().map(str::to_owned),
        Screen::Maintenance => state.maintenance.filter.needle().map(str::to_owned),
        Screen::Portal | Screen::Incident | Screen::Messages => None,
    };
    n.filter(|s| !s.is_empty())
}
