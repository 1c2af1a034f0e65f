//! What the Tickets tab asks the runner for and what comes back: `tui::update::tickets` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::model::TicketMessage;
use crate::rules::search::Search;
use crate::services::tickets::QueuedTicket;
use crate::store::{TicketChange, WriteOutcome};

/// Answers for the Tickets tab: a [`crate::tui::msg::Msg::Tickets`].
#[derive(Debug)]
pub enum TicketsMsg {
    /// The ticket queue arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The queue or why not.
        result: Result<Vec<QueuedTicket>, String>,
    },
    /// A ticket's thread arrived.
    ThreadLoaded {
        /// The ticket.
        id: i64,
        /// The messages or why not.
        result: Result<Vec<TicketMessage>, String>,
    },
    /// A ticket change finished.
    Changed {
        /// The ticket.
        id: i64,
        /// What was done, for the status line.
        what: String,
        /// What happened.
        result: Result<WriteOutcome, String>,
    },
}

/// Work for the Tickets tab: a [`crate::tui::effect::Effect::Tickets`].
#[derive(Clone, Debug, PartialEq)]
pub enum TicketsEffect {
    /// Load the ticket queue.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// Every ticket, not only open ones.
        all: bool,
        /// What narrows the queue.
        search: Search,
        /// As of when (the clocks).
        now: DateTime<Utc>,
    },
    /// Load a ticket's thread.
    LoadThread(i64),
    /// Change a ticket.
    Change {
        /// The ticket.
        id: i64,
        /// The change.
        change: TicketChange,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Attach a ticket to the portal with this domain or member_id.
    Attach {
        /// The ticket.
        id: i64,
        /// Domain or member_id.
        who: String,
        /// As of when.
        now: DateTime<Utc>,
    },
}
