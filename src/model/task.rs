//! Background tasks of the app, in full, and the audit trail of what the console changed.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// One attempt of a task, where the app keeps them.
#[derive(Clone, Debug, Serialize)]
pub struct TaskAttempt {
    /// 1-based attempt number.
    pub attempt: i64,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Its error, if it failed.
    pub error: Option<SafeText>,
}

/// A task with everything the detail pane shows.
#[derive(Clone, Debug, Serialize)]
pub struct TaskDetail {
    /// The task in brief (with the portal's domain when known).
    pub id: i64,
    /// Kind.
    pub kind: SafeText,
    /// Portal.
    pub member_id: Option<MemberId>,
    /// The portal's domain.
    pub domain: Option<SafeText>,
    /// Status.
    pub status: SafeText,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The whole last error.
    pub last_error: Option<SafeText>,
    /// The payload: pretty JSON when it parses, the raw text otherwise (both sanitized).
    pub payload: Option<SafeText>,
    /// True when the payload is not valid JSON.
    pub payload_invalid_json: bool,
    /// When it is due.
    pub run_at: DateTime<Utc>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Last failure.
    pub failed_at: Option<DateTime<Utc>>,
    /// Attempt history, oldest first (empty when the app keeps none).
    pub history: Vec<TaskAttempt>,
}

/// A row of the audit log.
#[derive(Clone, Debug, Serialize)]
pub struct AuditEntry {
    /// Row id.
    pub id: i64,
    /// When.
    pub ts: DateTime<Utc>,
    /// Who.
    pub operator: SafeText,
    /// What, e.g. `task.restart`.
    pub action: SafeText,
    /// On what, e.g. `task #8812`.
    pub target: SafeText,
    /// The portal concerned.
    pub member_id: Option<MemberId>,
    /// State before.
    pub before: Option<SafeText>,
    /// State after.
    pub after: Option<SafeText>,
}
