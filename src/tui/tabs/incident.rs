//! What the Incident view asks the runner for and what comes back: `tui::update::incident` makes
//! the effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

/// Answers for the Incident view: a [`crate::tui::msg::Msg::Incident`].
#[derive(Debug)]
pub enum IncidentMsg {
    /// The Incidents view's incident arrived.
    Loaded {
        /// The load it answers.
        generation: u64,
        /// The incident with its timeline, if there is one.
        result: Result<Option<Box<crate::services::incident_record::Sheet>>, String>,
    },
    /// An incident command finished: what to say, or why not.
    Done(Result<String, String>),
}

/// Work for the Incident view: a [`crate::tui::effect::Effect::Incident`].
#[derive(Clone, Debug, PartialEq)]
pub enum IncidentEffect {
    /// Load the Incidents view: the open (or last) incident, its timeline and record.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Declare an incident (critical, all portals), add a note, or resolve it.
    Command {
        /// declare, note, resolve.
        verb: &'static str,
        /// The title, note or summary.
        text: String,
        /// As of when.
        now: DateTime<Utc>,
    },
}
