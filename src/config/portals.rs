//! `[portals]`: where the app keeps its portals and their tokens.
//!
//! By default b24ops reads its own `b24ops_portals`. An app that already keeps its portals in a
//! table of its framework (b24phpsdk's `bitrix24account`, a Laravel model, b24pysdk's Django
//! model) maps that table here instead, so there is one token store: a second copy of a
//! single-use refresh token would die the moment either side refreshed.

use color_eyre::eyre::{Result, eyre};
use serde::{Deserialize, Serialize};

/// `[portals]`
#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PortalsConfig {
    /// The app's table; empty means b24ops's own `b24ops_portals`.
    pub table: String,
    /// Whether b24ops may write refreshed tokens (and install events) into the app's table.
    pub writable: bool,
    /// An SQL condition over the app's table that picks one row per portal, for tables that hold
    /// a row per user (b24phpsdk: `is_master_account = true`). The operator's own SQL.
    #[serde(rename = "where")]
    pub filter: String,
    /// The REST endpoint for a table that keeps only the domain: `{domain}` is replaced.
    pub rest_url: String,
    /// Which of the app's columns holds what.
    pub columns: PortalColumns,
    /// How each time column is written.
    pub times: PortalTimes,
}

/// `[portals.columns]`: the app's column for each field; empty means the table has none.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PortalColumns {
    /// The portal's member_id (required).
    pub member_id: String,
    /// The portal's domain (this or `client_endpoint` is required).
    pub domain: String,
    /// `https://{domain}/rest/`.
    pub client_endpoint: String,
    /// The OAuth server's REST endpoint.
    pub server_endpoint: String,
    /// The access token (required).
    pub access_token: String,
    /// The refresh token (required).
    pub refresh_token: String,
    /// When the access token expires.
    pub access_expires_at: String,
    /// The access token's lifetime in seconds, when the app stores it.
    pub expires_in: String,
    /// When the refresh token was issued; derived when the app does not keep it.
    pub refresh_issued_at: String,
    /// When the row last changed.
    pub updated_at: String,
    /// Granted scopes.
    pub scope: String,
    /// The app's status letter (F D T P L S).
    pub status: String,
    /// The `application_token` Bitrix24 sends with every event.
    pub application_token: String,
}

impl Default for PortalColumns {
    fn default() -> Self {
        PortalColumns {
            member_id: "member_id".into(),
            domain: String::new(),
            client_endpoint: String::new(),
            server_endpoint: String::new(),
            access_token: "access_token".into(),
            refresh_token: "refresh_token".into(),
            access_expires_at: String::new(),
            expires_in: String::new(),
            refresh_issued_at: String::new(),
            updated_at: String::new(),
            scope: String::new(),
            status: String::new(),
            application_token: String::new(),
        }
    }
}

/// `[portals.times]`: each time column's encoding — `epoch_s`, `epoch_ms`, `datetime` (an SQL
/// datetime/timestamp in UTC) or `datetime:ZONE` (a datetime in an IANA zone, e.g. Laravel's
/// `app.timezone`).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct PortalTimes {
    /// `access_expires_at`'s encoding.
    pub access_expires_at: String,
    /// `refresh_issued_at`'s encoding.
    pub refresh_issued_at: String,
    /// `updated_at`'s encoding.
    pub updated_at: String,
}

impl Default for PortalTimes {
    fn default() -> Self {
        PortalTimes {
            access_expires_at: "epoch_s".into(),
            refresh_issued_at: "epoch_s".into(),
            updated_at: "datetime".into(),
        }
    }
}

/// How a time column holds an instant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeEncoding {
    /// Seconds since the Unix epoch.
    EpochSeconds,
    /// Milliseconds since the Unix epoch.
    EpochMillis,
    /// A datetime/timestamp read as wall time in this zone (UTC unless named).
    DateTime(chrono_tz::Tz),
}

impl TimeEncoding {
    /// Parses `epoch_s`, `epoch_ms`, `datetime` or `datetime:ZONE`.
    pub fn parse(text: &str) -> Result<TimeEncoding> {
        let t = text.trim();
        Ok(match t {
            "epoch_s" | "" => TimeEncoding::EpochSeconds,
            "epoch_ms" => TimeEncoding::EpochMillis,
            "datetime" => TimeEncoding::DateTime(chrono_tz::UTC),
            _ => match t.strip_prefix("datetime:") {
                Some(zone) => TimeEncoding::DateTime(
                    zone.trim().parse().map_err(|_| eyre!("{zone:?} is not an IANA time zone name"))?,
                ),
                None => return Err(eyre!("{t:?} is not a time encoding (epoch_s, epoch_ms, datetime, datetime:ZONE)")),
            },
        })
    }

    /// The words a person reads in `portals check`.
    pub fn describe(self) -> String {
        match self {
            TimeEncoding::EpochSeconds => "seconds since 1970 (UTC)".into(),
            TimeEncoding::EpochMillis => "milliseconds since 1970 (UTC)".into(),
            TimeEncoding::DateTime(z) if z == chrono_tz::UTC => "a datetime in UTC".into(),
            TimeEncoding::DateTime(z) => format!("a datetime in {}", z.name()),
        }
    }
}

impl PortalsConfig {
    /// True when the app's own table is mapped.
    pub fn is_mapped(&self) -> bool {
        !self.table.trim().is_empty()
    }

    /// Checks names and encodings so a mapping fails at start with a clear line, never as SQL.
    pub fn validate(&self) -> Result<()> {
        if !self.is_mapped() {
            return Ok(());
        }
        identifier("portals.table", &self.table, true)?;
        let c = &self.columns;
        for (key, value) in self.column_pairs() {
            identifier(&format!("portals.columns.{key}"), value, false)?;
        }
        for (key, value) in
            [("member_id", &c.member_id), ("access_token", &c.access_token), ("refresh_token", &c.refresh_token)]
        {
            if value.trim().is_empty() {
                return Err(eyre!("portals.columns.{key} is required when portals.table is set"));
            }
        }
        if c.domain.trim().is_empty() && c.client_endpoint.trim().is_empty() {
            return Err(eyre!(
                "portals.columns needs domain or client_endpoint: b24ops must know where each portal is"
            ));
        }
        if c.client_endpoint.trim().is_empty() && !self.rest_url().contains("{domain}") {
            return Err(eyre!("portals.rest_url must contain {{domain}} when the table has no client_endpoint"));
        }
        TimeEncoding::parse(&self.times.access_expires_at)?;
        TimeEncoding::parse(&self.times.refresh_issued_at)?;
        TimeEncoding::parse(&self.times.updated_at)?;
        Ok(())
    }

    /// The REST endpoint template, `https://{domain}/rest/` unless set.
    pub fn rest_url(&self) -> String {
        if self.rest_url.trim().is_empty() { "https://{domain}/rest/".into() } else { self.rest_url.trim().to_owned() }
    }

    /// Every mappable field with the column it is mapped to (possibly empty).
    pub fn column_pairs(&self) -> [(&'static str, &String); 13] {
        let c = &self.columns;
        [
            ("member_id", &c.member_id),
            ("domain", &c.domain),
            ("client_endpoint", &c.client_endpoint),
            ("server_endpoint", &c.server_endpoint),
            ("access_token", &c.access_token),
            ("refresh_token", &c.refresh_token),
            ("access_expires_at", &c.access_expires_at),
            ("expires_in", &c.expires_in),
            ("refresh_issued_at", &c.refresh_issued_at),
            ("updated_at", &c.updated_at),
            ("scope", &c.scope),
            ("status", &c.status),
            ("application_token", &c.application_token),
        ]
    }
}

/// Accepts plain SQL identifiers only (letters, digits, `_`; a schema-qualified table may have
/// one `.`), so a mapped name never needs quoting and can never carry SQL.
pub(super) fn identifier(key: &str, value: &str, qualified: bool) -> Result<()> {
    let v = value.trim();
    if v.is_empty() {
        return Ok(());
    }
    let parts: Vec<&str> = v.split('.').collect();
    let ok = parts.len() <= if qualified { 2 } else { 1 }
        && parts.iter().all(|p| {
            !p.is_empty()
                && p.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                && !p.starts_with(|ch: char| ch.is_ascii_digit())
        });
    if ok { Ok(()) } else { Err(eyre!("{key} = {v:?} is not a plain SQL name (letters, digits and _)")) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapped() -> PortalsConfig {
        PortalsConfig {
            table: "bitrix24account".into(),
            columns: PortalColumns { domain: "domain_url".into(), ..PortalColumns::default() },
            ..PortalsConfig::default()
        }
    }

    #[test]
    fn encodings_parse_and_name_their_zone() {
        assert_eq!(TimeEncoding::parse("epoch_ms").ok(), Some(TimeEncoding::EpochMillis));
        assert_eq!(
            TimeEncoding::parse("datetime:Europe/Moscow").ok(),
            Some(TimeEncoding::DateTime(chrono_tz::Europe::Moscow))
        );
        assert!(TimeEncoding::parse("datetime:Mars/Olympus").is_err());
        assert!(TimeEncoding::parse("unix").is_err());
        assert_eq!(TimeEncoding::DateTime(chrono_tz::UTC).describe(), "a datetime in UTC");
    }

    #[test]
    fn a_mapping_refuses_names_that_could_carry_sql() {
        assert!(mapped().validate().is_ok());
        let mut bad = mapped();
        bad.columns.refresh_token = "x; DROP TABLE users".into();
        assert!(bad.validate().is_err());
        let mut schema = mapped();
        schema.table = "app.bitrix24account".into();
        assert!(schema.validate().is_ok());
    }

    #[test]
    fn a_mapping_must_say_where_the_portal_is() {
        let mut m = mapped();
        m.columns.domain.clear();
        assert!(m.validate().unwrap_err().to_string().contains("domain or client_endpoint"));
        m.columns.client_endpoint = "endpoint".into();
        assert!(m.validate().is_ok());
    }
}
