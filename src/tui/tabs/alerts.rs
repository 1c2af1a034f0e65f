//! What the Alerts tab asks the runner for and what comes back: `tui::update::alerts` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::services::alerts::AlertRow;

/// Answers for the Alerts tab: a [`crate::tui::msg::Msg::Alerts`].
#[derive(Debug)]
pub enum AlertsMsg {
    /// The firing alerts arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The alerts or why not.
        result: Result<Vec<AlertRow>, String>,
    },
    /// An acknowledgement or snooze finished: what to say, or why not.
    Quieted(String, Result<(), String>),
}

/// Work for the Alerts tab: a [`crate::tui::effect::Effect::Alerts`].
#[derive(Clone, Debug, PartialEq)]
pub enum AlertsEffect {
    /// Evaluate the alert rules for the Alerts tab (and the header's count).
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Acknowledge (`until` None) or snooze an alert.
    Quiet {
        /// The alert.
        row: Box<AlertRow>,
        /// Snoozed until.
        until: Option<DateTime<Utc>>,
        /// As of when.
        now: DateTime<Utc>,
    },
}
