//! Every way a Bitrix24 call or token request can fail, classified once (reference §1.6 and §3).

use serde::Serialize;

use crate::model::scrub;

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
    /// `APPLICATION_NOT_FOUND`, `NOT_INSTALLED`, or the token server's `wrong_client`: the app is
    /// not installed on the portal (any more).
    AppNotInstalled,
    /// `PORTAL_DELETED`: the portal was closed.
    PortalDeleted,
    /// `ERROR_METHOD_NOT_FOUND`: the portal does not know the method.
    MethodNotFound,
    /// 503 `QUERY_LIMIT_EXCEEDED`: the portal's leaky bucket overflowed; transient.
    QueryLimit,
    /// 429 `OPERATION_TIME_LIMIT`: the method is blocked until its operating window drains.
    OperationTimeLimit,
    /// `ACCESS_DENIED`, `WRONG_AUTH_TYPE`, `user_access_error`, `authorization_error`,
    /// `METHOD_CONFIRM_*`, `OVERLOAD_LIMIT`: refused for this app, user or plan.
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
        matches!(self, Self::QueryLimit | Self::ServerError | Self::Timeout | Self::Network)
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
            Self::PortalDeleted => "portal deleted",
            Self::MethodNotFound => "method not found",
            Self::QueryLimit => "rate limited (503)",
            Self::OperationTimeLimit => "method blocked by operating-time limit (429)",
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
#[error("{}{}: {code}{}", kind.label(), status.map(|s| format!(" (HTTP {s})")).unwrap_or_default(), if description.is_empty() { String::new() } else { format!(" — {description}") })]
pub struct BitrixError {
    /// The class.
    pub kind: ErrorKind,
    /// The HTTP status, when an answer came.
    pub status: Option<u16>,
    /// Bitrix24's `error` code (or a word of ours, such as `timeout`).
    pub code: String,
    /// `error_description`, cut to a sane length.
    pub description: String,
}

impl BitrixError {
    /// An error of ours (no Bitrix24 code).
    pub fn local(kind: ErrorKind, code: &str, description: impl Into<String>) -> Self {
        BitrixError { kind, status: None, code: code.into(), description: cut(description.into()) }
    }

    /// Classifies an `{"error", "error_description"}` answer. The text is a third party's: any
    /// secret-looking value in it is masked before it is cut (a cut secret would not match).
    pub fn from_answer(status: u16, code: &str, description: &str) -> Self {
        BitrixError {
            kind: classify(status, code),
            status: Some(status),
            code: cut(scrub(code, &[])),
            description: cut(scrub(description, &[])),
        }
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

/// The kind of an error code, with the HTTP status deciding what the code does not.
pub fn classify(status: u16, code: &str) -> ErrorKind {
    match code {
        "expired_token" => ErrorKind::ExpiredToken,
        "invalid_token" => ErrorKind::InvalidToken,
        "NO_AUTH_FOUND" => ErrorKind::NoAuth,
        "insufficient_scope" | "invalid_scope" => ErrorKind::MissingScope,
        "PAYMENT_REQUIRED" => ErrorKind::PaymentRequired,
        "APPLICATION_NOT_FOUND" | "NOT_INSTALLED" | "wrong_client" => ErrorKind::AppNotInstalled,
        "PORTAL_DELETED" => ErrorKind::PortalDeleted,
        "ERROR_METHOD_NOT_FOUND" => ErrorKind::MethodNotFound,
        "QUERY_LIMIT_EXCEEDED" => ErrorKind::QueryLimit,
        "OPERATION_TIME_LIMIT" => ErrorKind::OperationTimeLimit,
        "ACCESS_DENIED"
        | "WRONG_AUTH_TYPE"
        | "user_access_error"
        | "authorization_error"
        | "METHOD_CONFIRM_WAITING"
        | "METHOD_CONFIRM_DENIED"
        | "OVERLOAD_LIMIT"
        | "INVALID_CREDENTIALS" => ErrorKind::AccessDenied,
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
        assert_eq!(classify(401, "expired_token"), ErrorKind::ExpiredToken);
        assert_eq!(classify(401, "insufficient_scope"), ErrorKind::MissingScope);
        assert_eq!(classify(200, "wrong_client"), ErrorKind::AppNotInstalled);
        assert_eq!(classify(503, "QUERY_LIMIT_EXCEEDED"), ErrorKind::QueryLimit);
        assert_eq!(classify(429, "OPERATION_TIME_LIMIT"), ErrorKind::OperationTimeLimit);
        assert_eq!(classify(404, "ERROR_METHOD_NOT_FOUND"), ErrorKind::MethodNotFound);
        assert_eq!(classify(403, "PORTAL_DELETED"), ErrorKind::PortalDeleted);
        assert_eq!(classify(502, "0"), ErrorKind::ServerError);
        assert_eq!(classify(400, "ERROR_ARGUMENT"), ErrorKind::Api);
        assert!(ErrorKind::QueryLimit.is_transient());
        assert!(!ErrorKind::OperationTimeLimit.is_transient(), "429 waits minutes: surfaced, not retried");
        assert!(!ErrorKind::InvalidGrant.is_transient());
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
