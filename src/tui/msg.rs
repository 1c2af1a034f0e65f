//! Everything that can happen to the console: keys, pastes, ticks, and the answers of the work
//! it started.

use chrono::{DateTime, Utc};
use crossterm::event::KeyEvent;

use super::state::Confirmable;
use crate::model::MemberId;

use crate::tui::state::OpenIncident;

/// Something that happened.
#[derive(Debug)]
pub enum Msg {
    /// A key was pressed.
    Key(KeyEvent),
    /// Text was pasted.
    Paste(String),
    /// The terminal was resized.
    Resize,
    /// One second passed.
    ClockTick(DateTime<Utc>),
    /// Time to poll the live tail.
    TailTick,
    /// Time to refresh counts and the visible summary.
    RefreshTick,
    /// The header's count of firing alerts.
    Firing(Result<i64, String>),
    /// The open incident (or none) and its respond-by time.
    IncidentLoaded(Result<Option<OpenIncident>, String>),
    /// A click or a wheel notch.
    Mouse(crossterm::event::MouseEvent),
    /// A health check answered.
    Ping(Result<(), String>),
    /// The count for a confirmation arrived.
    Counted {
        /// What the confirmation is about.
        what: Confirmable,
        /// The count or why not.
        result: Result<i64, String>,
    },
    /// A copy to the clipboard finished: what to tell the operator.
    Copied(Result<String, String>),
    /// The portals a piece matches: member_id and domain, by domain.
    PortalsFound {
        /// What was typed.
        piece: String,
        /// What the portal is for.
        then: crate::tui::tab_state::PortalPick,
        /// The portals, or why they could not be read.
        result: Result<Vec<(MemberId, String)>, String>,
    },
    /// The Calls tab's answers.
    Calls(crate::tui::tabs::CallsMsg),
    /// The Errors tab's answers.
    Errors(crate::tui::tabs::ErrorsMsg),
    /// The Portal view's answers.
    Portal(crate::tui::tabs::PortalMsg),
    /// The Incident view's answers.
    Incident(crate::tui::tabs::IncidentMsg),
    /// The Tasks tab's answers.
    Tasks(crate::tui::tabs::TasksMsg),
    /// The Reviews tab's answers.
    Reviews(crate::tui::tabs::ReviewsMsg),
    /// The Audit tab's answers.
    Audit(crate::tui::tabs::AuditMsg),
    /// The Tokens tab's answers.
    Tokens(crate::tui::tabs::TokensMsg),
    /// The Tickets tab's answers.
    Tickets(crate::tui::tabs::TicketsMsg),
    /// The Alerts tab's answers.
    Alerts(crate::tui::tabs::AlertsMsg),
    /// The Maintenance tab's answers.
    Maintenance(crate::tui::tabs::MaintenanceMsg),
}
