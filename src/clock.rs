//! The time source: the system clock, or a fixed instant (`--now`) for tests and demos.

use chrono::{DateTime, Utc};

/// Where "now" comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Clock {
    /// The system clock.
    System,
    /// Always this instant.
    Fixed(DateTime<Utc>),
}

impl Clock {
    /// The current instant.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Fixed(t) => *t,
        }
    }

    /// True for a frozen clock.
    pub fn is_fixed(&self) -> bool {
        matches!(self, Clock::Fixed(_))
    }
}

/// Parses `--now`: an RFC 3339 instant such as `2026-11-24T12:00:00Z`.
pub fn parse_now(raw: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(raw.trim())
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("--now must be an RFC 3339 instant like 2026-11-24T12:00:00Z ({e})"))
}
