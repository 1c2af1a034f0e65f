//! What the Maintenance tab asks the runner for and what comes back: `tui::update::maintenance`
//! makes the effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::services::maintenance::CheckReport;

/// Answers for the Maintenance tab: a [`crate::tui::msg::Msg::Maintenance`].
#[derive(Debug)]
pub enum MaintenanceMsg {
    /// The planned checks arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The checks or why not.
        result: Result<Vec<CheckReport>, String>,
    },
    /// Marking a check done finished.
    CheckMarked(&'static str, Result<(), String>),
}

/// Work for the Maintenance tab: a [`crate::tui::effect::Effect::Maintenance`].
#[derive(Clone, Debug, PartialEq)]
pub enum MaintenanceEffect {
    /// Load the planned checks.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Mark a planned check done.
    MarkCheckDone {
        /// The check.
        check: &'static str,
        /// The note.
        note: String,
        /// As of when.
        now: DateTime<Utc>,
    },
}
