//! How close a portal's refresh token is to death.
//!
//! A refresh token lives 180 days from issue (configurable); each refresh issues a new one. A
//! portal whose token died can only be recovered by the customer reinstalling or re-authorising.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::model::{Portal, RefreshBlock};

/// Where a portal's refresh token stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenClass {
    /// Past its lifetime: the portal needs a reinstall or a fresh authorisation.
    Dead,
    /// Within the critical window (7 days by default).
    Critical,
    /// Within the warning window (30 days by default: the monthly check).
    Warning,
    /// Healthy.
    Ok,
    /// The app was uninstalled; the token no longer matters.
    Uninstalled,
    /// No refresh token is stored.
    Unknown,
}

/// The thresholds that classify tokens.
#[derive(Clone, Copy, Debug)]
pub struct TokenPolicy {
    /// How long a refresh token lives.
    pub lifetime: Duration,
    /// Left time at or below which a token is critical.
    pub critical: Duration,
    /// Left time at or below which a token is a warning.
    pub warning: Duration,
}

impl Default for TokenPolicy {
    fn default() -> Self {
        TokenPolicy { lifetime: Duration::days(180), critical: Duration::days(7), warning: Duration::days(30) }
    }
}

/// A token's standing at one instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct TokenState {
    /// Its class.
    pub class: TokenClass,
    /// When the refresh token dies, when known.
    pub expires_at: Option<DateTime<Utc>>,
    /// Whole days left (negative once dead).
    pub days_left: Option<i64>,
}

impl TokenPolicy {
    /// Classifies a token issued at `issued_at` as of `now`.
    pub fn classify(&self, issued_at: Option<DateTime<Utc>>, uninstalled: bool, now: DateTime<Utc>) -> TokenState {
        let Some(issued) = issued_at else {
            let class = if uninstalled { TokenClass::Uninstalled } else { TokenClass::Unknown };
            return TokenState { class, expires_at: None, days_left: None };
        };
        let expires = issued + self.lifetime;
        let left = expires - now;
        let class = if uninstalled {
            TokenClass::Uninstalled
        } else if left <= Duration::zero() {
            TokenClass::Dead
        } else if left <= self.critical {
            TokenClass::Critical
        } else if left <= self.warning {
            TokenClass::Warning
        } else {
            TokenClass::Ok
        };
        TokenState { class, expires_at: Some(expires), days_left: Some(left.num_days()) }
    }
}

impl TokenPolicy {
    /// Classifies a portal: a refresh that answered `invalid_grant` makes it dead whatever its
    /// token's age (the age only says when it would have died).
    pub fn classify_portal(&self, portal: &Portal, now: DateTime<Utc>) -> TokenState {
        let state = self.classify(portal.refresh_issued_at, portal.uninstalled_at.is_some(), now);
        if portal.refresh_blocked == Some(RefreshBlock::InvalidGrant) && state.class != TokenClass::Uninstalled {
            return TokenState { class: TokenClass::Dead, ..state };
        }
        state
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_follow_days_left() {
        let p = TokenPolicy::default();
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let issued = |days_ago: i64| Some(now - Duration::days(days_ago));
        assert_eq!(p.classify(issued(10), false, now).class, TokenClass::Ok);
        assert_eq!(p.classify(issued(160), false, now).class, TokenClass::Warning);
        assert_eq!(p.classify(issued(175), false, now).class, TokenClass::Critical);
        assert_eq!(p.classify(issued(181), false, now).class, TokenClass::Dead);
        assert_eq!(p.classify(issued(175), true, now).class, TokenClass::Uninstalled);
        assert_eq!(p.classify(None, false, now).class, TokenClass::Unknown);
        assert_eq!(p.classify(issued(174), false, now).days_left, Some(6));
    }
}
