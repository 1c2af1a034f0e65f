//! What the Errors tab asks the runner for and what comes back: `tui::update::errors` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::model::{ErrorGroup, GroupBy};
use crate::rules::search::Search;

/// Answers for the Errors tab: a [`crate::tui::msg::Msg::Errors`].
#[derive(Debug)]
pub enum ErrorsMsg {
    /// An app-error group's newest occurrence arrived.
    SampleLoaded(crate::tui::tab_state::SampleKey, Result<Option<crate::services::error_sample::ErrorSample>, String>),
    /// Error groups arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The groups or why not.
        result: Result<Vec<ErrorGroup>, String>,
        /// The instant they were computed for.
        as_of: DateTime<Utc>,
    },
}

/// Work for the Errors tab: a [`crate::tui::effect::Effect::Errors`].
#[derive(Clone, Debug, PartialEq)]
pub enum ErrorsEffect {
    /// The newest occurrence of an app-error group, for the detail pane.
    LoadSample(crate::tui::tab_state::SampleKey),
    /// Load error groups.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// How to group.
        group_by: GroupBy,
        /// How many groups, busiest first.
        limit: i64,
        /// What narrows the groups.
        search: Search,
        /// As of when.
        now: DateTime<Utc>,
    },
}
