//! Short summaries of tasks, tickets and reviews, as the portal view lists them.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// A background task of the app, in brief.
#[derive(Clone, Debug, Serialize)]
pub struct TaskBrief {
    /// Task id.
    pub id: i64,
    /// Task kind, e.g. `sync.deals`.
    pub kind: SafeText,
    /// The portal it works for.
    pub member_id: Option<MemberId>,
    /// The portal's domain, when known.
    pub domain: Option<SafeText>,
    /// queued / running / failed / done / discarded.
    pub status: SafeText,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The last error, one line.
    pub last_error: Option<SafeText>,
    /// When it last failed.
    pub failed_at: Option<DateTime<Utc>>,
}

/// A support ticket, in brief.
#[derive(Clone, Debug, Serialize)]
pub struct TicketBrief {
    /// Ticket number.
    pub id: i64,
    /// Subject line.
    pub subject: SafeText,
    /// low / normal / high / critical.
    pub priority: SafeText,
    /// new / open / pending / solved / closed.
    pub status: SafeText,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
}

impl TicketBrief {
    /// Still being worked on (neither solved nor closed).
    pub fn is_open(&self) -> bool {
        !matches!(self.status.as_str(), "solved" | "closed")
    }
}

/// A Marketplace review, in brief.
#[derive(Clone, Debug, Serialize)]
pub struct ReviewBrief {
    /// Row id.
    pub id: i64,
    /// Stars, 1–5.
    pub rating: i64,
    /// Reviewer's name.
    pub author: SafeText,
    /// The first line of the review.
    pub excerpt: SafeText,
    /// none / draft / ready / published / outdated.
    pub reply_status: SafeText,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
}
