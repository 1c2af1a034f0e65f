//! The work `update` asks for, run by the runner off the key path, and what `update` returns.

use chrono::{DateTime, Utc};

use super::state::Confirmable;

/// Work for the runner: each becomes a background task that answers with a [`Msg`].
#[derive(Clone, Debug, PartialEq)]
pub enum Effect {
    /// Find the portals whose member_id or domain contains `piece` (`:portal`, `:member`).
    FindPortals {
        /// What was typed.
        piece: String,
        /// What the portal is for.
        then: crate::tui::tab_state::PortalPick,
    },
    /// Count firing alerts (and look for an open incident).
    LoadFiring(DateTime<Utc>),
    /// Load the open incident.
    LoadIncident,
    /// Give the terminal back to the shell and stop until resumed (run by the event loop).
    Suspend,
    /// Check the database.
    Ping,
    /// Count what a confirmation is about.
    Count(Confirmable),
    /// Put text on the clipboard (needs the terminal: the event loop does it).
    Copy(String),
    /// Hand the draft to `$EDITOR` (needs the terminal: the event loop does it).
    EditExternally {
        /// The review.
        id: i64,
        /// The text to start from.
        text: String,
    },
    /// The Calls tab's work.
    Calls(crate::tui::tabs::CallsEffect),
    /// The Errors tab's work.
    Errors(crate::tui::tabs::ErrorsEffect),
    /// The Portal view's work.
    Portal(crate::tui::tabs::PortalEffect),
    /// The Incident view's work.
    Incident(crate::tui::tabs::IncidentEffect),
    /// The Tasks tab's work.
    Tasks(crate::tui::tabs::TasksEffect),
    /// The Reviews tab's work.
    Reviews(crate::tui::tabs::ReviewsEffect),
    /// The Audit tab's work.
    Audit(crate::tui::tabs::AuditEffect),
    /// The Tokens tab's work.
    Tokens(crate::tui::tabs::TokensEffect),
    /// The Tickets tab's work.
    Tickets(crate::tui::tabs::TicketsEffect),
    /// The Alerts tab's work.
    Alerts(crate::tui::tabs::AlertsEffect),
    /// The Maintenance tab's work.
    Maintenance(crate::tui::tabs::MaintenanceEffect),
}

/// What `update` did.
#[derive(Debug, Default, PartialEq)]
pub struct Outcome {
    /// Work to start.
    pub effects: Vec<Effect>,
    /// True when the screen must be redrawn.
    pub dirty: bool,
}

impl Outcome {
    pub(crate) fn redraw(effects: Vec<Effect>) -> Self {
        Outcome { effects, dirty: true }
    }
}
