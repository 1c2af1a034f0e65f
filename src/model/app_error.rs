//! Errors the app reports outside REST calls.

use chrono::{DateTime, Utc};

/// An error to be written to `b24ops_app_errors` (Sentry-style: an exception or a code).
#[derive(Clone, Debug, PartialEq)]
pub struct NewAppError {
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// The portal concerned, when known.
    pub member_id: Option<String>,
    /// Exception class or error code; the grouping key.
    pub error_type: String,
    /// Human-readable message.
    pub message: String,
    /// Extra context as JSON text.
    pub context: Option<String>,
    /// Which part of the app reported it (worker, webhook handler, frontend …).
    pub source: String,
}
