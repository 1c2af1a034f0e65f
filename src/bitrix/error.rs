//! Every way a Bitrix24 call or token request can fail, classified once (reference §1.6 and §3).

use serde::Serialize;
use std::fmt::Write as _;

use crate::model::scrub;
use crate::rules::remedies;

/// What kind of failure, which decides what the client and the operator do next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// `expired_token`: the access token is older than an hour; refresh and retry once.
    ExpiredToken,
    /// `invalid_token`: the access token is unknown to the portal.
    InvalidToken,
    /// `NO_AUTH_FOUND`: the request carried no recognisable auth.
    NoAuth,
    /// `insufficient_scope`: the app lacks a scope the method needs.
    MissingScope,
    /// `PAYMENT_REQUIRED`: the trial or subscription ended.
    PaymentRequired,
    /// `APPLICATION_NOT_FOUND`, `NOT_INSTALLED`: the app is not installed on the portal (any more).
    AppNotInstalled,
    /// The token server's `wrong_client` (sent with HTTP 200): measured for a wrong client_id; an
    /// app removed from the portal is a second, unverified reading, so it alone proves no uninstall.
    WrongClient,
    /// `PORTAL_DELETED`: the portal was closed.
    PortalDeleted,
    /// `ERROR_METHOD_NOT_FOUND`: the portal does not know the method.
    MethodNotFound,
    /// 503 `QUERY_LIMIT_EXCEEDED`: the portal's leaky bucket overflowed; transient.
    QueryLimit,
    /// 429 `OPERATION_TIME_LIMIT`: the method is blocked until its operating window drains.
    OperationTimeLimit,
    /// `OVERLOAD_LIMIT`: Bitrix24 support blocked the portal's REST for overload.
    RestBlocked,
    /// `ACCESS_DENIED` "REST is available only on commercial plans": the plan lacks REST.
    PlanLacksRest,
    /// `authorization_error`: the token's user (often the installer) is dismissed or inactive.
    UserInactive,
    /// `METHOD_CONFIRM_WAITING`: an administrator has yet to confirm the method for the app.
    ConfirmWaiting,
    /// `METHOD_CONFIRM_DENIED`: an administrator refused the method.
    ConfirmDenied,
    /// `CONNECTION_ERROR`: the portal could not reach the OAuth server to check the token; transient.
    AuthServerUnreachable,
    /// `ACCESS_DENIED` (any other), `WRONG_AUTH_TYPE`, `user_access_error`, `INVALID_CREDENTIALS`:
    /// refused for this app or user.
    AccessDenied,
    /// `invalid_grant`: the refresh token is expired, unknown or already used.
    InvalidGrant,
    /// `invalid_client`: wrong client_id / client_secret.
    InvalidClient,
    /// Any other 5xx; transient.
    ServerError,
    /// A body that is not the JSON Bitrix24 promises (an HTML page, an empty body).
    NotJson,
    /// A 302 to the portal's new domain that could not be followed.
    Moved,
    /// No answer in time; transient for reads.
    Timeout,
    /// The connection failed; transient for reads.
    Network,
    /// Any other error the API reported (bad arguments, not found, …).
    Api,
}

impl ErrorKind {
    /// Worth retrying after a pause: the same request may well succeed.
    pub fn is_transient(self) -> bool {
        matches!(
            self,
            Self::QueryLimit | Self::ServerError | Self::Timeout | Self::Network | Self::AuthServerUnreachable
        )
    }

    /// A short phrase for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::ExpiredToken => "access token expired",
            Self::InvalidToken => "access token invalid",
            Self::NoAuth => "no auth sent",
            Self::MissingScope => "missing scope",
            Self::PaymentRequired => "payment required",
            Self::AppNotInstalled => "app not installed",
            Self::WrongClient => "wrong client id, or app removed",
            Self::PortalDeleted => "portal deleted",
            Self::MethodNotFound => "method not found",
            Self::QueryLimit => "rate limited (503)",
            Self::OperationTimeLimit => "method blocked by operating-time limit (429)",
            Self::RestBlocked => "REST blocked by Bitrix24 support",
            Self::PlanLacksRest => "plan has no REST",
            Self::UserInactive => "installing user dismissed or inactive",
            Self::ConfirmWaiting => "method awaits admin confirmation",
            Self::ConfirmDenied => "method denied by admin",
            Self::AuthServerUnreachable => "portal could not reach the OAuth server",
            Self::AccessDenied => "access denied",
            Self::InvalidGrant => "refresh token dead (invalid_grant)",
            Self::InvalidClient => "client id or secret wrong",
            Self::ServerError => "server error",
            Self::NotJson => "answer is not JSON",
            Self::Moved => "portal moved",
            Self::Timeout => "timed out",
            Self::Network => "network error",
            Self::Api => "API error",
        }
    }
}

/// A failed call, as the console shows and logs it. It never holds a token or a secret.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{}", self.line())]
pub struct BitrixError {
    /// The class.
    pub kind: ErrorKind,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Bitrix24's `error` code (or a word of ours, such as `timeout`).
    pub code: String,
    /// `error_description`, cut to a sane length.
    pub description: String,
    /// For a 429 `OPERATION_TIME_LIMIT`: the unix time the method is free again (the portal's
    /// last `operating_reset_at` for it), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub free_at: Option<i64>,
}

impl BitrixError {
    /// An error of ours (no Bitrix24 code).
    pub fn local(kind: ErrorKind, code: &str, description: impl Into<String>) -> Self {
        BitrixError { kind, status: None, code: code.into(), description: cut(description.into()), free_at: None }
    }

    /// Classifies an `{"error", "error_description"}` answer. The text is a third party's: any
    /// secret-looking value in it is masked before it is cut (a cut secret would not match).
    pub fn from_answer(status: u16, code: &str, description: &str) -> Self {
        BitrixError {
            kind: classify(status, code, description),
            status: Some(status),
            code: cut(scrub(code, &[])),
            description: cut(scrub(description, &[])),
            free_at: None,
        }
    }

    /// The one line people read: kind, status, code, description, and when a blocked method is
    /// free again.
    fn line(&self) -> String {
        let mut out = self.kind.label().to_owned();
        if let Some(s) = self.status {
            let _ = write!(out, " (HTTP {s})");
        }
        let _ = write!(out, ": {}", self.code);
        if !self.description.is_empty() {
            let _ = write!(out, " — {}", self.description);
        }
        if let Some(note) = self.free_note() {
            let _ = write!(out, " — {note}");
        }
        out
    }

    /// "blocked until 10:42 UTC" when the answer said when the blocked method is free again.
    pub fn free_note(&self) -> Option<String> {
        let at = chrono::DateTime::from_timestamp(self.free_at?, 0)?;
        Some(format!("blocked until {} UTC", at.format("%H:%M")))
    }
}

fn cut(mut s: String) -> String {
    if s.len() > 500 {
        let mut end = 500;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push('…');
    }
    s
}

impl BitrixError {
    /// What to do about it, in one line, when the code says.
    pub fn remedy(&self) -> Option<&'static str> {
        remedies::remedy_for(&self.code, &self.description)
    }
}

/// The kind of an error code, with the description telling causes that share a code apart and the
/// HTTP status deciding what the code does not.
pub fn classify(status: u16, code: &str, description: &str) -> ErrorKind {
    match code {
        "ACCESS_DENIED" if remedies::is_plan_without_rest(code, description) => ErrorKind::PlanLacksRest,
        "expired_token" => ErrorKind::ExpiredToken,
        "invalid_token" => ErrorKind::InvalidToken,
        "NO_AUTH_FOUND" => ErrorKind::NoAuth,
        "insufficient_scope" | "invalid_scope" => ErrorKind::MissingScope,
        "PAYMENT_REQUIRED" => ErrorKind::PaymentRequired,
        "APPLICATION_NOT_FOUND" | "NOT_INSTALLED" => ErrorKind::AppNotInstalled,
        "wrong_client" => ErrorKind::WrongClient,
        "OVERLOAD_LIMIT" => ErrorKind::RestBlocked,
        "authorization_error" => ErrorKind::UserInactive,
        "METHOD_CONFIRM_WAITING" => ErrorKind::ConfirmWaiting,
        "METHOD_CONFIRM_DENIED" => ErrorKind::ConfirmDenied,
        "CONNECTION_ERROR" => ErrorKind::AuthServerUnreachable,
        "PORTAL_DELETED" => ErrorKind::PortalDeleted,
        "ERROR_METHOD_NOT_FOUND" => ErrorKind::MethodNotFound,
        "QUERY_LIMIT_EXCEEDED" => ErrorKind::QueryLimit,
        "OPERATION_TIME_LIMIT" => ErrorKind::OperationTimeLimit,
        "ACCESS_DENIED" | "WRONG_AUTH_TYPE" | "user_access_error" | "INVALID_CREDENTIALS" => ErrorKind::AccessDenied,
        "invalid_grant" | "bad_verification_code" => ErrorKind::InvalidGrant,
        "invalid_client" => ErrorKind::InvalidClient,
        _ if status == 503 => ErrorKind::QueryLimit,
        _ if status == 429 => ErrorKind::OperationTimeLimit,
        _ if status >= 500 => ErrorKind::ServerError,
        _ => ErrorKind::Api,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_catalogue_is_classified() {
        assert_eq!(classify(401, "expired_token", ""), ErrorKind::ExpiredToken);
        assert_eq!(classify(401, "insufficient_scope", ""), ErrorKind::MissingScope);
        assert_eq!(classify(200, "wrong_client", ""), ErrorKind::WrongClient);
        assert_eq!(classify(401, "APPLICATION_NOT_FOUND", ""), ErrorKind::AppNotInstalled);
        assert_eq!(classify(503, "QUERY_LIMIT_EXCEEDED", ""), ErrorKind::QueryLimit);
        assert_eq!(classify(429, "OPERATION_TIME_LIMIT", ""), ErrorKind::OperationTimeLimit);
        assert_eq!(classify(404, "ERROR_METHOD_NOT_FOUND", ""), ErrorKind::MethodNotFound);
        assert_eq!(classify(403, "PORTAL_DELETED", ""), ErrorKind::PortalDeleted);
        assert_eq!(classify(502, "0", ""), ErrorKind::ServerError);
        assert_eq!(classify(400, "ERROR_ARGUMENT", ""), ErrorKind::Api);
        assert!(ErrorKind::QueryLimit.is_transient());
        assert!(!ErrorKind::OperationTimeLimit.is_transient(), "429 waits minutes: surfaced, not retried");
        assert!(!ErrorKind::InvalidGrant.is_transient());
    }

    #[test]
    fn refusals_that_used_to_read_access_denied_are_told_apart() {
        let kind = |code: &str, text: &str| BitrixError::from_answer(401, code, text).kind;
        assert_eq!(kind("OVERLOAD_LIMIT", "REST API is blocked due to overload."), ErrorKind::RestBlocked);
        assert_eq!(kind("ACCESS_DENIED", "REST is available only on commercial plans."), ErrorKind::PlanLacksRest);
        assert_eq!(
            kind("ACCESS_DENIED", "Access denied! Administrator authorization required"),
            ErrorKind::AccessDenied
        );
        assert_eq!(kind("authorization_error", "Unable to authorize user"), ErrorKind::UserInactive);
        assert_eq!(kind("METHOD_CONFIRM_WAITING", "Waiting for confirmation"), ErrorKind::ConfirmWaiting);
        assert_eq!(kind("METHOD_CONFIRM_DENIED", "Method call denied"), ErrorKind::ConfirmDenied);
        assert_eq!(
            kind("CONNECTION_ERROR", "Error connecting to authorization server"),
            ErrorKind::AuthServerUnreachable
        );
        assert!(ErrorKind::AuthServerUnreachable.is_transient());
        assert!(!ErrorKind::UserInactive.is_transient());
        let plan = BitrixError::from_answer(401, "ACCESS_DENIED", "REST is available only on commercial plans.");
        assert!(plan.remedy().unwrap().contains("commercial plan"));
        assert_ne!(ErrorKind::RestBlocked.label(), ErrorKind::AccessDenied.label());
    }

    #[test]
    fn a_blocked_method_says_until_when() {
        let mut e =
            BitrixError::from_answer(429, "OPERATION_TIME_LIMIT", "Method is blocked due to operation time limit.");
        e.free_at = Some(1_795_000_000 - 1_795_000_000 % 86_400 + 10 * 3600 + 42 * 60);
        assert!(e.to_string().ends_with("— blocked until 10:42 UTC"), "{e}");
    }

    #[test]
    fn reads_as_one_line() {
        let e = BitrixError::from_answer(401, "expired_token", "The access token provided has expired");
        assert_eq!(
            e.to_string(),
            "access token expired (HTTP 401): expired_token — The access token provided has expired"
        );
    }
}
