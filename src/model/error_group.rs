//! Errors grouped by portal and type, Sentry-style.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// How the Errors tab groups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupBy {
    /// One group per (member_id, error type): "this portal sees this error".
    #[default]
    PortalAndType,
    /// One group per error type across portals, with the number of portals affected.
    Type,
}

/// Where the errors of a group come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorSource {
    /// Failed REST calls (`b24ops_api_calls`).
    Rest,
    /// Errors the app reported (`b24ops_app_errors`).
    App,
}

/// One error group with its counts over the standard windows.
#[derive(Clone, Debug, Serialize)]
pub struct ErrorGroup {
    /// REST error code or app error type.
    pub error_type: SafeText,
    /// Where the errors come from.
    pub source: ErrorSource,
    /// The portal, when grouped by portal; `None` for app errors with no portal and for by-type groups.
    pub member_id: Option<MemberId>,
    /// The portal's domain when known.
    pub domain: Option<SafeText>,
    /// Portals affected in the primary window (1 when grouped by portal); for a group quiet in
    /// it, in the hour or day it was listed from.
    pub portals: i64,
    /// Errors in the primary window the groups were sorted by (15 minutes on the Errors tab).
    pub in_window: i64,
    /// Errors in the last 15 minutes (what the threshold is checked against).
    pub last_15m: i64,
    /// Errors in the last hour.
    pub last_1h: i64,
    /// Errors in the last 24 hours.
    pub last_24h: i64,
    /// First error of the group within the last 24 hours.
    pub first_seen: DateTime<Utc>,
    /// Latest error of the group.
    pub last_seen: DateTime<Utc>,
    /// True when the group is over its 15-minute threshold.
    pub over_threshold: bool,
    /// The description Bitrix24 gave the group's latest failed call, when it is still kept: one
    /// code can have several causes (`ACCESS_DENIED` is a plan without REST or a missing right),
    /// and only the description tells the remedy.
    pub description: Option<SafeText>,
    /// Errors per hour over the last [`SPARK_HOURS`] hours from the hourly rollup, oldest first,
    /// the hour holding the page's instant last; empty where a read does not fill it.
    pub hourly: Vec<i64>,
}

/// Hours a group's [`ErrorGroup::hourly`] covers.
pub const SPARK_HOURS: usize = 24;

/// A group's errors within one window only, without the standard columns: what the alert rules
/// read on every refresh.
#[derive(Clone, Debug, Serialize)]
pub struct WindowErrors {
    /// REST error code or app error type.
    pub error_type: SafeText,
    /// Where the errors come from.
    pub source: ErrorSource,
    /// The portal, when grouped by portal and known.
    pub member_id: Option<MemberId>,
    /// The portal's domain when known.
    pub domain: Option<SafeText>,
    /// Errors in the window.
    pub in_window: i64,
    /// Latest error of the group.
    pub last_seen: DateTime<Utc>,
}
