//! The operator's time zone for display (storage is always UTC).

use chrono::{DateTime, Local, Utc};
use chrono_tz::Tz;

/// Where times are shown.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DisplayZone {
    /// The system's zone.
    Local,
    /// A named IANA zone.
    Named(Tz),
}

impl DisplayZone {
    /// From the `timezone` setting (empty: local). The setting was validated on load.
    pub fn from_setting(name: &str) -> Self {
        name.parse::<Tz>().map(DisplayZone::Named).unwrap_or(DisplayZone::Local)
    }

    /// `HH:MM:SS` in this zone.
    pub fn time(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%H:%M:%S")
    }

    /// `HH:MM:SS.mmm` in this zone.
    pub fn time_ms(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%H:%M:%S%.3f")
    }

    /// `YYYY-MM-DD HH:MM ZONE` in this zone (the header's clock).
    pub fn clock(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%Y-%m-%d %H:%M %Z")
    }

    /// `YYYY-MM-DD HH:MM:SS ZONE` in this zone.
    pub fn full(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%Y-%m-%d %H:%M:%S %Z")
    }

    /// `YYYY-MM-DD` in this zone.
    pub fn date(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%Y-%m-%d")
    }

    /// `MM-DD HH:MM` in this zone.
    pub fn short(&self, t: DateTime<Utc>) -> String {
        self.format(t, "%m-%d %H:%M")
    }

    fn format(&self, t: DateTime<Utc>, fmt: &str) -> String {
        match self {
            DisplayZone::Local => t.with_timezone(&Local).format(fmt).to_string(),
            DisplayZone::Named(z) => t.with_timezone(z).format(fmt).to_string(),
        }
    }
}
