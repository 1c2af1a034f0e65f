//! One REST call the app (or the console) made to a Bitrix24 portal.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// A row of `b24ops_api_calls`, as the console shows it.
#[derive(Clone, Debug, Serialize)]
pub struct ApiCall {
    /// Monotonic id; the keyset for paging and tailing.
    pub id: i64,
    /// When the call was made.
    pub ts: DateTime<Utc>,
    /// The portal called.
    pub member_id: MemberId,
    /// The portal's domain, when the portal is known.
    pub domain: Option<SafeText>,
    /// REST method, e.g. `crm.deal.update`.
    pub method: SafeText,
    /// HTTP status of the answer, if one came.
    pub http_status: Option<i64>,
    /// Bitrix24 `error` code, present exactly when the call failed.
    pub error_code: Option<SafeText>,
    /// Bitrix24 `error_description`.
    pub error_description: Option<SafeText>,
    /// Wall time of the call in milliseconds.
    pub duration_ms: Option<i64>,
    /// Bitrix24 `time.operating`: seconds of the method's 10-minute operating budget used.
    pub operating: Option<f64>,
    /// Correlation id, when the app keeps one.
    pub request_id: Option<SafeText>,
    /// The background task that made the call, if any.
    pub task_id: Option<i64>,
    /// Who made the call: `app` or `console`.
    pub source: SafeText,
}

impl ApiCall {
    /// True when the call failed (it carries an error code).
    pub fn is_error(&self) -> bool {
        self.error_code.is_some()
    }
}

/// A call to be written: what an app (or the simulator) logs.
#[derive(Clone, Debug, PartialEq)]
pub struct NewApiCall {
    /// When the call was made.
    pub ts: DateTime<Utc>,
    /// The portal called.
    pub member_id: String,
    /// REST method.
    pub method: String,
    /// HTTP status, if an answer came.
    pub http_status: Option<i64>,
    /// Bitrix24 error code, when the call failed.
    pub error_code: Option<String>,
    /// Bitrix24 error description.
    pub error_description: Option<String>,
    /// Duration in milliseconds.
    pub duration_ms: Option<i64>,
    /// `time.operating` from the answer.
    pub operating: Option<f64>,
    /// Correlation id.
    pub request_id: Option<String>,
    /// Task that made the call.
    pub task_id: Option<i64>,
    /// `app` or `console`.
    pub source: String,
}
