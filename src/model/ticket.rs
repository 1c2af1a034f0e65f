//! Support tickets as the queue and the thread show them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// The statuses a ticket moves through.
pub const TICKET_STATUSES: [&str; 6] = ["new", "open", "pending", "on_hold", "solved", "closed"];
/// Priorities, lowest first.
pub const TICKET_PRIORITIES: [&str; 4] = ["low", "normal", "high", "critical"];
/// Where tickets come from.
pub const TICKET_CHANNELS: [&str; 5] = ["email", "form", "chat", "console", "api"];

/// A ticket with what its SLA clocks need.
#[derive(Clone, Debug, Serialize)]
pub struct Ticket {
    /// Ticket number.
    pub id: i64,
    /// email / form / chat / console / api / telegram.
    pub channel: SafeText,
    /// The portal, when known; a ticket without one is flagged until attached.
    pub member_id: Option<MemberId>,
    /// The domain the requester gave.
    pub domain: Option<SafeText>,
    /// Subject.
    pub subject: SafeText,
    /// Requester's name.
    pub requester_name: Option<SafeText>,
    /// Requester's email.
    pub requester_email: Option<SafeText>,
    /// low / normal / high / critical.
    pub priority: SafeText,
    /// new / open / pending / on_hold / solved / closed.
    pub status: SafeText,
    /// Who works on it.
    pub assignee: Option<SafeText>,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// First public reply.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Solved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Status changes, oldest first.
    pub history: Vec<(DateTime<Utc>, String)>,
    /// Set when the first message claimed another requester's thread (see
    /// [`NewTicket::claimed_thread_of`]): shown flagged in the queue and the thread.
    pub claimed_thread_of: Option<i64>,
}

/// One message of a ticket's thread.
#[derive(Clone, Debug, Serialize)]
pub struct TicketMessage {
    /// Row id.
    pub id: i64,
    /// When.
    pub ts: DateTime<Utc>,
    /// Who wrote it.
    pub author: SafeText,
    /// in (customer) / out (our reply) / note (internal).
    pub direction: SafeText,
    /// The text, sanitized.
    pub body: SafeText,
    /// A public reply's way to the customer; `None` for notes, customer messages, and replies
    /// with nowhere to go (no address).
    pub delivery: Option<super::MessageDelivery>,
}

/// A ticket to open.
#[derive(Clone, Debug, PartialEq)]
pub struct NewTicket {
    /// email / form / chat / console / api / telegram.
    pub channel: String,
    /// The portal, when known.
    pub member_id: Option<String>,
    /// The domain the requester gave.
    pub domain: Option<String>,
    /// Subject.
    pub subject: String,
    /// Requester's name.
    pub requester_name: Option<String>,
    /// Requester's email.
    pub requester_email: Option<String>,
    /// low / normal / high / critical.
    pub priority: String,
    /// The first message.
    pub body: String,
    /// The email's Message-ID, for threading replies.
    pub message_id: Option<String>,
    /// The ticket this message tried to thread into although its sender is not that ticket's
    /// requester: kept apart, and flagged so support can decide.
    pub claimed_thread_of: Option<i64>,
}
