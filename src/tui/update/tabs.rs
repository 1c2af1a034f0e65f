//! What the dispatcher needs of each tab, in one table: how it opens, reloads, takes its keys and
//! reads its `/` filter. Adding a tab is a row here instead of an arm in every `match`.

use super::{
    Effect, alerts, audit, calls, errors, incident, maintenance, messages, portal, reviews, tasks, tickets, tokens,
};
use crate::rules::call_filter::CallFilter;
use crate::rules::review_filter::ReviewFilter;
use crate::rules::search::Search;
use crate::rules::task_filter::TaskFilter;
use crate::tui::commands::Command;
use crate::tui::state::{AppState, Screen};

/// A tab's entry points.
pub(super) struct Tab {
    /// On switching to it.
    pub open: fn(&mut AppState) -> Vec<Effect>,
    /// `r`: load again now.
    pub reload: fn(&mut AppState) -> Vec<Effect>,
    /// Its own keys.
    pub command: fn(&mut AppState, Command) -> Vec<Effect>,
    /// `/`: the prompt's text becomes its filter, or the reason it cannot.
    pub filter: fn(&mut AppState, &str) -> Result<Vec<Effect>, String>,
    /// Esc: drops the `/` filter back to the tab's default.
    pub clear: fn(&mut AppState) -> Vec<Effect>,
}

/// A tab filtered by the shared [`Search`] words alone, opened by loading it.
macro_rules! searched {
    ($tab:ident) => {
        Tab {
            open: $tab::reload,
            reload: $tab::reload,
            command: $tab::command,
            filter: |s, t| Ok($tab::set_filter(s, Search::parse(t).map_err(|e| e.to_string())?)),
            clear: |s| $tab::set_filter(s, Search::default()),
        }
    };
}

/// The entry points of `screen`.
pub(super) fn of(screen: Screen) -> Tab {
    match screen {
        Screen::Calls => Tab {
            open: calls::tail,
            reload: calls::reload,
            command: calls::command,
            filter: |s, t| Ok(calls::set_filter(s, CallFilter::parse(t).map_err(|e| e.to_string())?)),
            clear: |s| calls::set_filter(s, CallFilter::default()),
        },
        // The portal view has no list of its own: `/` there narrows the calls.
        Screen::Portal => Tab {
            open: |_| vec![],
            reload: portal::reload_quietly,
            command: portal::command,
            filter: |s, t| {
                let f = CallFilter::parse(t).map_err(|e| e.to_string())?;
                s.screen = Screen::Calls;
                Ok(calls::set_filter(s, f))
            },
            clear: |_| vec![],
        },
        Screen::Errors => searched!(errors),
        Screen::Tasks => Tab {
            open: tasks::reload,
            reload: tasks::reload,
            command: tasks::command,
            filter: |s, t| {
                let f = TaskFilter::parse(t, s.tasks.filter.status.clone()).map_err(|e| e.to_string())?;
                Ok(tasks::set_filter(s, f))
            },
            clear: |s| {
                let status = s.tasks.filter.status.clone();
                tasks::set_filter(s, TaskFilter { status, ..TaskFilter::default() })
            },
        },
        Screen::Audit => searched!(audit),
        Screen::Reviews => Tab {
            open: reviews::reload,
            reload: reviews::reload,
            command: reviews::command,
            filter: |s, t| {
                let f = ReviewFilter::parse(t, s.reviews.filter.open_only).map_err(|e| e.to_string())?;
                Ok(reviews::set_filter(s, f))
            },
            // Back to what the tab opens on: every review still waiting for a reply.
            clear: |s| reviews::set_filter(s, ReviewFilter::default()),
        },
        Screen::Tokens => searched!(tokens),
        Screen::Tickets => searched!(tickets),
        Screen::Alerts => searched!(alerts),
        Screen::Maintenance => searched!(maintenance),
        // Views of one record or a log: `/` says there is nothing to narrow.
        Screen::Incident => Tab {
            open: incident::reload,
            reload: incident::reload,
            command: incident::command,
            filter: |_, _| Err("the Incidents view has no filter".into()),
            clear: |_| vec![],
        },
        Screen::Messages => Tab {
            open: |_| vec![],
            reload: |_| vec![],
            command: messages::command,
            filter: |_, _| Err("the message log has no filter".into()),
            clear: |_| vec![],
        },
    }
}
