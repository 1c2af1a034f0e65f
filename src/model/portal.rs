//! A Bitrix24 portal that installed the app.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// The app's status on a portal, as Bitrix24 reports it in `app.info` (`STATUS`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum AppStatus {
    /// F — free.
    Free,
    /// D — demo.
    Demo,
    /// T — trial.
    Trial,
    /// P — paid.
    Paid,
    /// L — local (installed without the Marketplace).
    Local,
    /// S — subscription.
    Subscription,
}

impl AppStatus {
    /// Parses the one-letter code; unknown letters give `None`.
    pub fn from_code(code: &str) -> Option<Self> {
        Some(match code.trim() {
            "F" => Self::Free,
            "D" => Self::Demo,
            "T" => Self::Trial,
            "P" => Self::Paid,
            "L" => Self::Local,
            "S" => Self::Subscription,
            _ => return None,
        })
    }

    /// The one-letter code Bitrix24 uses.
    pub fn code(self) -> &'static str {
        match self {
            Self::Free => "F",
            Self::Demo => "D",
            Self::Trial => "T",
            Self::Paid => "P",
            Self::Local => "L",
            Self::Subscription => "S",
        }
    }

    /// A word for people.
    pub fn label(self) -> &'static str {
        match self {
            Self::Free => "free",
            Self::Demo => "demo",
            Self::Trial => "trial",
            Self::Paid => "paid",
            Self::Local => "local",
            Self::Subscription => "subscription",
        }
    }
}

/// What the console knows about one portal. Tokens themselves are never part of it.
#[derive(Clone, Debug, Serialize)]
pub struct Portal {
    /// Stable portal id.
    pub member_id: MemberId,
    /// Current domain, e.g. `acme.bitrix24.com`.
    pub domain: SafeText,
    /// `https://{domain}/rest/`.
    pub client_endpoint: Option<SafeText>,
    /// The OAuth server's REST endpoint.
    pub server_endpoint: Option<SafeText>,
    /// When the access token expires (one hour after issue).
    pub access_expires_at: Option<DateTime<Utc>>,
    /// When the current refresh token was issued; it dies `lifetime` after.
    pub refresh_issued_at: Option<DateTime<Utc>>,
    /// Granted scopes, comma-separated.
    pub scope: Option<SafeText>,
    /// App status on the portal; `None` when unknown.
    pub app_status: Option<AppStatus>,
    /// When the app was installed.
    pub installed_at: Option<DateTime<Utc>>,
    /// When the app was uninstalled, if it was.
    pub uninstalled_at: Option<DateTime<Utc>>,
    /// When a user last opened the app.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When the tokens were last refreshed.
    pub last_refresh_at: Option<DateTime<Utc>>,
    /// Who refreshed them (an operator's name, `watch`); `None` for the app's own worker.
    pub last_refresh_by: Option<SafeText>,
    /// The last refresh failure, if the last refresh failed.
    pub last_refresh_error: Option<SafeText>,
    /// Row version for compare-and-swap writes.
    pub version: i64,
}
