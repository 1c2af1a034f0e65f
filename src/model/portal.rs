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

/// Why b24ops stopped refreshing a portal: retrying either would only get the app blocked.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefreshBlock {
    /// The OAuth server answered `invalid_grant`: the refresh token is dead whatever its age.
    InvalidGrant,
    /// `PAYMENT_REQUIRED`: no tokens until the customer pays.
    PaymentRequired,
}

impl RefreshBlock {
    /// The code stored in `b24ops_portal_state.refresh_blocked`.
    pub fn code(self) -> &'static str {
        match self {
            RefreshBlock::InvalidGrant => "invalid_grant",
            RefreshBlock::PaymentRequired => "payment_required",
        }
    }

    /// Parses a stored code; anything else is no block.
    pub fn from_code(code: &str) -> Option<Self> {
        match code.trim() {
            "invalid_grant" => Some(RefreshBlock::InvalidGrant),
            "payment_required" => Some(RefreshBlock::PaymentRequired),
            _ => None,
        }
    }

    /// What the operator reads, and what to do.
    pub fn describe(self) -> &'static str {
        match self {
            RefreshBlock::InvalidGrant => {
                "refresh token dead (invalid_grant): the portal's admin must open the app or reinstall it"
            }
            RefreshBlock::PaymentRequired => "PAYMENT_REQUIRED: no tokens until the subscription is paid",
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
    /// Why refresh stopped, if it did.
    pub refresh_blocked: Option<RefreshBlock>,
    /// ONAPPPAYMENT's `PAYMENT_EXPIRED`, when an event said.
    pub payment_expired: Option<bool>,
    /// ONAPPPAYMENT's `DAYS` (days of the paid period left), when an event said.
    pub payment_days: Option<i64>,
    /// Row version for compare-and-swap writes.
    pub version: i64,
}
