//! `b24ops portals check`: what b24ops understood of a `[portals]` mapping, checked against the
//! live schema before anything is written — columns exist, their types fit the encodings, and a
//! few rows decode.

use chrono::Utc;

use super::codec::raw_text;
use super::portal_source::{IssueRule, has_daylight_saving};
use super::{Dialect, Store, StoreResult};
use crate::config::TimeEncoding;
use crate::model::Portal;

/// The outcome of a check.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct MappingReport {
    /// The table read.
    pub table: String,
    /// What b24ops understood, one line each.
    pub understood: Vec<String>,
    /// What stops the mapping from working; empty when it works.
    pub problems: Vec<String>,
    /// Things that work but deserve a look.
    pub warnings: Vec<String>,
    /// A few portals as b24ops reads them.
    pub sample: Vec<Portal>,
}

impl Store {
    /// Checks the portal mapping against the database.
    pub async fn check_portal_mapping(&self) -> StoreResult<MappingReport> {
        let src = self.portal_source().clone();
        let d = self.dialect();
        let mut r = MappingReport { table: src.table().to_owned(), ..MappingReport::default() };
        let Some(m) = src.mapped() else {
            r.understood.push("portals are b24ops's own b24ops_portals (no [portals] table is set)".into());
            r.sample = self.portals_after("", 3).await?;
            return Ok(r);
        };
        let types = self.column_types(&m.table).await?;
        if types.is_empty() {
            r.problems.push(format!("table {} not found (or it has no columns this user can read)", m.table));
            return Ok(r);
        }
        let times: Vec<(&str, &Option<super::portal_source::TimeColumn>)> = vec![
            ("access_expires_at", &m.access_expires),
            ("refresh_issued_at", &m.refresh_issued),
            ("updated_at", &m.updated_at),
        ];
        for (field, col) in self.portal_source_columns() {
            let Some(col) = col else { continue };
            match types.iter().find(|(name, _)| name.eq_ignore_ascii_case(&col)) {
                None => r.problems.push(format!("portals.columns.{field} = {col:?}: no such column in {}", m.table)),
                Some((_, ty)) => {
                    let enc = times.iter().find(|(f, _)| *f == field).and_then(|(_, c)| c.as_ref()).map(|c| c.encoding);
                    r.understood.push(format!(
                        "{field:<18} ← {col} ({ty}){}",
                        enc.map(|e| format!(", {}", e.describe())).unwrap_or_default()
                    ));
                    if let Some(p) = enc.and_then(|e| type_problem(d, field, ty, e)) {
                        r.problems.push(p);
                    }
                }
            }
        }
        r.understood.push(format!("refresh-token issue time: {}", src.issue_rule().describe()));
        if src.issue_rule() == IssueRule::Unknown {
            r.warnings.push("no time column is mapped: the Tokens tab cannot tell days left".into());
        }
        if m.client_endpoint.is_none() {
            r.understood.push(format!("REST endpoint: {} (from the domain)", m.rest_url));
        }
        if let Some(f) = &m.filter {
            r.understood.push(format!("one row per portal: where {f}"));
        }
        r.understood.push(if m.writable {
            "writable: refreshes and installs write the new pair into this table, compare-and-swap on the refresh token"
                .into()
        } else {
            "read-only: b24ops shows these portals but never refreshes them (set writable = true to allow it)".into()
        });
        for c in times.iter().filter_map(|(_, c)| c.as_ref()) {
            if let TimeEncoding::DateTime(zone) = c.encoding
                && d == Dialect::Sqlite
                && has_daylight_saving(zone, Utc::now())
            {
                r.warnings.push(format!(
                    "{}: SQLite knows no time zones; {} is read at its current offset, so times near a daylight-saving change may be an hour off",
                    c.name,
                    zone.name()
                ));
            }
        }
        if !r.problems.is_empty() {
            return Ok(r);
        }
        match self.portals_after("", 3).await {
            Ok(sample) => r.sample = sample,
            Err(e) => r.problems.push(format!("the rows do not decode: {e}")),
        }
        if d == Dialect::Sqlite {
            for c in times.iter().filter_map(|(_, c)| c.as_ref()) {
                if !matches!(c.encoding, TimeEncoding::DateTime(_)) {
                    continue;
                }
                // Compared as text (see issue_key): a `T` sorts after the space PHP writes.
                let sql = format!("SELECT 1 AS t FROM {} WHERE instr({}, 'T') > 0 LIMIT 1", m.table, c.name);
                if sqlx::query(&sql).fetch_optional(self.pool()).await?.is_some() {
                    r.warnings.push(format!(
                        "{}: some values are written ISO-style with a 'T'; SQLite compares datetimes as text, so a portal whose token day is a class edge's day may show in the next class (write 'YYYY-MM-DD HH:MM:SS')",
                        c.name
                    ));
                }
            }
        }
        if d == Dialect::MySql && r.problems.is_empty() {
            let zoned = times
                .iter()
                .filter_map(|(_, c)| c.as_ref())
                .find(|c| matches!(c.encoding, TimeEncoding::DateTime(z) if z != chrono_tz::UTC));
            if let Some(TimeEncoding::DateTime(z)) = zoned.map(|c| c.encoding) {
                let sql =
                    format!("SELECT CAST(CONVERT_TZ('2026-01-01 00:00:00', '{}', '+00:00') AS CHAR) AS t", z.name());
                let row = sqlx::query(&sql).fetch_one(self.pool()).await?;
                if raw_text(&row, "t")?.is_none() {
                    r.problems.push(format!(
                        "the server has no time-zone tables, so {} cannot be converted: load them (mariadb-tzinfo-to-sql /usr/share/zoneinfo | mariadb mysql)",
                        z.name()
                    ));
                }
            }
        }
        Ok(r)
    }

    /// Every mapped field and its column.
    fn portal_source_columns(&self) -> Vec<(&'static str, Option<String>)> {
        let Some(m) = self.portal_source().mapped() else { return Vec::new() };
        let t = |c: &Option<super::portal_source::TimeColumn>| c.as_ref().map(|c| c.name.clone());
        vec![
            ("member_id", Some(m.member.clone())),
            ("domain", m.domain.clone()),
            ("client_endpoint", m.client_endpoint.clone()),
            ("server_endpoint", m.server_endpoint.clone()),
            ("access_token", Some(m.access_token.clone())),
            ("refresh_token", Some(m.refresh_token.clone())),
            ("access_expires_at", t(&m.access_expires)),
            ("expires_in", m.expires_in.clone()),
            ("refresh_issued_at", t(&m.refresh_issued)),
            ("updated_at", t(&m.updated_at)),
            ("scope", m.scope.clone()),
            ("status", m.status.clone()),
            ("application_token", m.application_token.clone()),
        ]
    }

    /// The table's columns and their declared types.
    async fn column_types(&self, table: &str) -> StoreResult<Vec<(String, String)>> {
        let (schema, name) = table.split_once('.').map_or((None, table), |(s, n)| (Some(s), n));
        let rows = match self.dialect() {
            Dialect::Sqlite => sqlx::query(&format!("SELECT name, type FROM pragma_table_info('{name}')")).fetch_all(self.pool()).await?,
            Dialect::Postgres => {
                sqlx::query(
                    "SELECT column_name::text AS name, data_type::text AS type FROM information_schema.columns
                     WHERE table_name = $1 AND table_schema = COALESCE($2, current_schema())",
                )
                .bind(name)
                .bind(schema)
                .fetch_all(self.pool())
                .await?
            }
            Dialect::MySql => {
                sqlx::query(
                    "SELECT CAST(column_name AS CHAR) AS name, CAST(column_type AS CHAR) AS type FROM information_schema.columns
                     WHERE table_name = ? AND table_schema = COALESCE(?, DATABASE())",
                )
                .bind(name)
                .bind(schema)
                .fetch_all(self.pool())
                .await?
            }
        };
        rows.iter()
            .map(|r| Ok((raw_text(r, "name")?.unwrap_or_default(), raw_text(r, "type")?.unwrap_or_default())))
            .collect::<StoreResult<Vec<_>>>()
            .map(|v| v.into_iter().filter(|(n, _)| !n.is_empty()).collect())
    }
}

/// Why a column's type cannot hold its encoding, if it cannot.
fn type_problem(d: Dialect, field: &str, ty: &str, enc: TimeEncoding) -> Option<String> {
    let t = ty.to_ascii_lowercase();
    let numeric = ["int", "numeric", "decimal", "real", "double", "float"].iter().any(|k| t.contains(k));
    let datetime = t.contains("date") || t.contains("time") || t.contains("char") || t.contains("text");
    match enc {
        TimeEncoding::EpochSeconds | TimeEncoding::EpochMillis
            if !(numeric || d == Dialect::Sqlite && t.is_empty()) =>
        {
            Some(format!("{field}: a {ty} column cannot hold {}; say datetime in [portals.times]", enc.describe()))
        }
        TimeEncoding::DateTime(_) if numeric => {
            Some(format!("{field}: a {ty} column holds a number; say epoch_s or epoch_ms in [portals.times]"))
        }
        TimeEncoding::DateTime(z) if z != chrono_tz::UTC && t.contains("with time zone") => {
            Some(format!("{field}: a {ty} column carries its own zone; say datetime (UTC), not datetime:{}", z.name()))
        }
        TimeEncoding::DateTime(_) if !datetime => Some(format!("{field}: a {ty} column is not a datetime")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_must_fit_their_encodings() {
        let utc = TimeEncoding::DateTime(chrono_tz::UTC);
        let msk = TimeEncoding::DateTime(chrono_tz::Europe::Moscow);
        assert!(type_problem(Dialect::Postgres, "f", "integer", TimeEncoding::EpochSeconds).is_none());
        assert!(
            type_problem(Dialect::Postgres, "f", "timestamp without time zone", TimeEncoding::EpochSeconds).is_some()
        );
        assert!(type_problem(Dialect::MySql, "f", "datetime", msk).is_none());
        assert!(type_problem(Dialect::Postgres, "f", "timestamp with time zone", msk).is_some());
        assert!(type_problem(Dialect::Postgres, "f", "timestamp with time zone", utc).is_none());
        assert!(type_problem(Dialect::Sqlite, "f", "INTEGER", utc).is_some());
    }
}
