//! Who may call a portal's REST: the errors a portal answers with, and the token, plan, user and
//! scope checks every call and every batch command passes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::oauth::payment_blocked;
use super::state::World;

/// An error a portal answers with.
#[derive(Clone, Debug, PartialEq)]
pub struct EmuError {
    /// HTTP status.
    pub status: u16,
    /// `error`.
    pub code: String,
    /// `error_description`.
    pub description: String,
}

impl EmuError {
    /// An error.
    pub fn new(status: u16, code: &str, description: &str) -> Self {
        EmuError { status, code: code.into(), description: description.into() }
    }

    /// The JSON object.
    pub fn body(&self) -> Value {
        json!({ "error": self.code, "error_description": self.description })
    }
}

impl IntoResponse for EmuError {
    fn into_response(self) -> Response {
        let status = StatusCode::from_u16(self.status).unwrap_or(StatusCode::BAD_REQUEST);
        (status, axum::Json(self.body())).into_response()
    }
}

/// Who is calling, once auth passed.
#[derive(Clone, Copy, Debug)]
pub struct Caller {
    /// The token's user.
    pub user_id: i64,
}

/// Auth, plan and scope checks (step 4), shared by batch's commands; `scope` is the one the
/// method needs, if any.
pub fn authorize(
    w: &World,
    member_id: &str,
    token: Option<&str>,
    scope: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Caller, EmuError> {
    let Some(token) = token.filter(|t| !t.is_empty()) else {
        return Err(EmuError::new(401, "NO_AUTH_FOUND", "Wrong authorization data"));
    };
    let Some(access) = w.access.get(token).filter(|a| a.member_id == member_id) else {
        return Err(EmuError::new(401, "invalid_token", "Unable to get application by token"));
    };
    let Some(portal) = w.portals.get(member_id) else {
        return Err(EmuError::new(401, "invalid_token", "Unable to get application by token"));
    };
    if portal.spec.uninstalled {
        return Err(EmuError::new(401, "APPLICATION_NOT_FOUND", "Application not found"));
    }
    if access.expires_at <= now {
        return Err(EmuError::new(401, "expired_token", "The access token provided has expired"));
    }
    if payment_blocked(&portal.spec.status, portal.date_finish, now) {
        return Err(EmuError::new(402, "PAYMENT_REQUIRED", "Payment required"));
    }
    if !portal.users.iter().any(|u| u.id == access.user_id && u.active) {
        return Err(EmuError::new(401, "authorization_error", "Unable to authorize user"));
    }
    if let Some(scope) = scope
        && !portal.spec.scope.split(',').any(|s| s.trim() == scope)
    {
        return Err(EmuError::new(
            401,
            "insufficient_scope",
            "The request requires higher privileges than provided by the access token",
        ));
    }
    Ok(Caller { user_id: access.user_id })
}

/// The 429 a method over its operating time gets.
pub fn operating_limit() -> EmuError {
    EmuError::new(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.")
}
