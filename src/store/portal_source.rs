//! Where the portals and their tokens are read from and written to: b24ops's own
//! `b24ops_portals`, or the app's own table mapped in `[portals]`.
//!
//! Everything here builds SQL text; the queries themselves live beside the store calls. A mapped
//! table is always read through expressions that turn its columns into what b24ops uses (epoch
//! milliseconds, a lower-case domain), so every query compares and sorts the same way whatever the
//! app wrote. b24ops's own facts about a mapped portal (refresh history, install and payment
//! news) live in `b24ops_portal_state`, joined as `s`; the app's table is `t`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Dialect;
use crate::config::{PortalsConfig, TimeEncoding};

/// The access token's lifetime when the app keeps no `expires_in` (Bitrix24's fixed hour).
pub(crate) const ACCESS_LIFETIME_SECS: i64 = 3600;

/// How the refresh token's issue time is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IssueRule {
    /// b24ops's own column.
    Native,
    /// The app's own column.
    Column,
    /// The access token's expiry less its lifetime: both tokens come from one grant.
    AccessExpiry,
    /// The row's last change, the closest the app keeps.
    UpdatedAt,
    /// Nothing tells it: days left are unknown.
    Unknown,
}

impl IssueRule {
    /// One line for `portals check`.
    pub fn describe(&self) -> &'static str {
        match self {
            IssueRule::Native => "b24ops_portals.refresh_issued_at",
            IssueRule::Column => "the table's refresh-issue column",
            IssueRule::AccessExpiry => "access-token expiry minus expires_in (3600 s when the table has none)",
            IssueRule::UpdatedAt => "the row's updated-at (the app keeps no token times)",
            IssueRule::Unknown => "none: the table keeps no token time, so days left are unknown",
        }
    }
}

/// A mapped time column.
#[derive(Clone, Debug)]
pub(crate) struct TimeColumn {
    pub name: String,
    pub encoding: TimeEncoding,
}

/// The app's table, as `[portals]` maps it.
#[derive(Clone, Debug)]
pub(crate) struct Mapped {
    pub table: String,
    pub filter: Option<String>,
    pub writable: bool,
    pub rest_url: String,
    pub member: String,
    pub domain: Option<String>,
    pub client_endpoint: Option<String>,
    pub server_endpoint: Option<String>,
    pub access_token: String,
    pub refresh_token: String,
    pub access_expires: Option<TimeColumn>,
    pub expires_in: Option<String>,
    pub refresh_issued: Option<TimeColumn>,
    pub updated_at: Option<TimeColumn>,
    pub scope: Option<String>,
    pub status: Option<String>,
    pub application_token: Option<String>,
}

/// One column a write sets: its name, the value, and the placeholder it is bound through.
pub(crate) type WriteColumn = (String, TimeValue, &'static str);

impl Mapped {
    /// The columns a new pair is written to, in the table's own encodings: the two tokens, and
    /// the access expiry, issue time, updated-at and expires_in where the table has them.
    pub(crate) fn pair_columns(
        &self,
        d: Dialect,
        access: &str,
        refresh: &str,
        access_expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Vec<WriteColumn> {
        let mut cols: Vec<WriteColumn> = vec![
            (self.access_token.clone(), TimeValue::Text(access.to_owned()), "?"),
            (self.refresh_token.clone(), TimeValue::Text(refresh.to_owned()), "?"),
        ];
        for (col, at) in
            [(&self.access_expires, access_expires_at), (&self.refresh_issued, now), (&self.updated_at, now)]
        {
            if let Some(c) = col {
                cols.push((c.name.clone(), encode_time(at, c.encoding), time_param(d, c.encoding)));
            }
        }
        if let Some(c) = &self.expires_in {
            cols.push((c.clone(), TimeValue::Int((access_expires_at - now).num_seconds()), "?"));
        }
        cols
    }
}

/// `sql` with each column's value bound in order, then `tail` (the WHERE clause's values).
pub(crate) fn bind_columns<'q>(sql: &'q str, cols: &[WriteColumn], tail: &[&str]) -> super::dialect::AnyQuery<'q> {
    let mut q = sqlx::query(sql);
    for (_, v, _) in cols {
        q = match v {
            TimeValue::Int(i) => q.bind(*i),
            TimeValue::Text(s) => q.bind(s.clone()),
        };
    }
    for t in tail {
        q = q.bind((*t).to_owned());
    }
    q
}

/// `a = ?, b = CAST(? AS TIMESTAMP), …` for an UPDATE.
pub(crate) fn set_list(cols: &[WriteColumn]) -> String {
    cols.iter().map(|(c, _, p)| format!("{c} = {p}")).collect::<Vec<_>>().join(", ")
}

/// Where portals live.
#[derive(Clone, Debug, Default)]
pub struct PortalSource {
    mapped: Option<Mapped>,
}

fn opt(name: &str) -> Option<String> {
    Some(name.trim().to_owned()).filter(|n| !n.is_empty())
}

impl PortalSource {
    /// b24ops's own table.
    pub fn native() -> Self {
        PortalSource::default()
    }

    /// The source `[portals]` describes (validated by the configuration).
    pub fn from_config(cfg: &PortalsConfig) -> color_eyre::Result<Self> {
        if !cfg.is_mapped() {
            return Ok(Self::native());
        }
        cfg.validate()?;
        let c = &cfg.columns;
        let time = |name: &str, enc: &str| -> color_eyre::Result<Option<TimeColumn>> {
            Ok(match opt(name) {
                Some(name) => Some(TimeColumn { name, encoding: TimeEncoding::parse(enc)? }),
                None => None,
            })
        };
        Ok(PortalSource {
            mapped: Some(Mapped {
                table: cfg.table.trim().to_owned(),
                filter: opt(&cfg.filter),
                writable: cfg.writable,
                rest_url: cfg.rest_url(),
                member: c.member_id.trim().to_owned(),
                domain: opt(&c.domain),
                client_endpoint: opt(&c.client_endpoint),
                server_endpoint: opt(&c.server_endpoint),
                access_token: c.access_token.trim().to_owned(),
                refresh_token: c.refresh_token.trim().to_owned(),
                access_expires: time(&c.access_expires_at, &cfg.times.access_expires_at)?,
                expires_in: opt(&c.expires_in),
                refresh_issued: time(&c.refresh_issued_at, &cfg.times.refresh_issued_at)?,
                updated_at: time(&c.updated_at, &cfg.times.updated_at)?,
                scope: opt(&c.scope),
                status: opt(&c.status),
                application_token: opt(&c.application_token),
            }),
        })
    }

    /// True when the app's own table is read.
    pub fn is_mapped(&self) -> bool {
        self.mapped.is_some()
    }

    pub(crate) fn mapped(&self) -> Option<&Mapped> {
        self.mapped.as_ref()
    }

    /// The table holding the tokens.
    pub fn table(&self) -> &str {
        self.mapped.as_ref().map(|m| m.table.as_str()).unwrap_or("b24ops_portals")
    }

    /// Whether b24ops may write tokens into the token table.
    pub fn writable(&self) -> bool {
        self.mapped.as_ref().is_none_or(|m| m.writable)
    }

    /// How the refresh token's issue time is known.
    pub fn issue_rule(&self) -> IssueRule {
        match &self.mapped {
            None => IssueRule::Native,
            Some(m) if m.refresh_issued.is_some() => IssueRule::Column,
            Some(m) if m.access_expires.is_some() => IssueRule::AccessExpiry,
            Some(m) if m.updated_at.is_some() => IssueRule::UpdatedAt,
            Some(_) => IssueRule::Unknown,
        }
    }

    /// The REST endpoint of a mapped portal that keeps only its domain.
    pub fn rest_url_for(&self, domain: &str) -> Option<String> {
        let m = self.mapped.as_ref()?;
        m.client_endpoint.is_none().then(|| m.rest_url.replace("{domain}", domain))
    }

    /// `FROM …` for portal reads: the token table as `t`, b24ops's facts as `s`.
    pub(crate) fn joined_rows(&self) -> String {
        format!("{} t LEFT JOIN b24ops_portal_state s ON s.member_id = {}", self.rows(), self.member_col())
    }

    /// The refresh token's issue time in epoch milliseconds over the token table as `t`: what the
    /// Tokens tab sorts by, for a peer statement measured beside the store's (`b24ops bench`).
    pub fn issue_time_sql(&self, d: Dialect) -> String {
        self.time_expr(d, TimeField::RefreshIssued)
    }

    /// What the Tokens tab orders by (see `order_key`), for a peer statement.
    pub fn order_sql(&self, d: Dialect) -> String {
        self.order_key(d)
    }

    /// The token table's rows as a table expression (a mapping's filter applied), for a peer.
    pub fn rows_sql(&self) -> String {
        self.rows()
    }

    /// The token table's rows, as a table expression: a mapping's filter is applied inside, so
    /// its bare column names can only mean the app's columns.
    pub(crate) fn rows(&self) -> String {
        match &self.mapped {
            None => "b24ops_portals".into(),
            Some(m) => match &m.filter {
                Some(f) => format!("(SELECT * FROM {} WHERE ({f}))", m.table),
                None => m.table.clone(),
            },
        }
    }

    /// The mapping's own row filter, as `AND (…)`, for writes to the app's table.
    pub(crate) fn and_filter(&self) -> String {
        match self.mapped.as_ref().and_then(|m| m.filter.as_deref()) {
            Some(f) => format!(" AND ({f})"),
            None => String::new(),
        }
    }

    /// The token table's member_id column.
    pub(crate) fn member_col(&self) -> String {
        self.member_col_of("t")
    }

    fn member_col_of(&self, alias: &str) -> String {
        match &self.mapped {
            None => format!("{alias}.member_id"),
            Some(m) => format!("{alias}.{}", m.member),
        }
    }

    /// The portal's domain, lower case, for comparing with what people type.
    pub(crate) fn domain_expr(&self, d: Dialect) -> String {
        self.domain_expr_of(d, "t")
    }

    fn domain_expr_of(&self, d: Dialect, alias: &str) -> String {
        match &self.mapped {
            None => format!("{alias}.domain"),
            Some(m) => match (&m.domain, &m.client_endpoint) {
                (Some(col), _) | (None, Some(col)) => host_of(d, &format!("{alias}.{col}")),
                (None, None) => "NULL".into(),
            },
        }
    }

    /// A time field as epoch milliseconds.
    pub(crate) fn time_expr(&self, d: Dialect, field: TimeField) -> String {
        let Some(m) = &self.mapped else {
            return format!("t.{}", field.native());
        };
        match field {
            TimeField::AccessExpires => m.access_expires.as_ref().map_or("NULL".into(), |c| ms_of(d, c)),
            TimeField::RefreshIssued => match self.issue_rule() {
                IssueRule::Column => m.refresh_issued.as_ref().map_or("NULL".into(), |c| ms_of(d, c)),
                IssueRule::AccessExpiry => {
                    let expiry = m.access_expires.as_ref().map_or("NULL".into(), |c| ms_of(d, c));
                    let lifetime = match &m.expires_in {
                        Some(col) => d.int(&format!("COALESCE(t.{col}, {ACCESS_LIFETIME_SECS})")),
                        None => ACCESS_LIFETIME_SECS.to_string(),
                    };
                    format!("({expiry} - 1000 * {lifetime})")
                }
                IssueRule::UpdatedAt => m.updated_at.as_ref().map_or("NULL".into(), |c| ms_of(d, c)),
                IssueRule::Native | IssueRule::Unknown => "NULL".into(),
            },
            TimeField::Installed | TimeField::Uninstalled | TimeField::LastSeen | TimeField::LastRefresh => {
                format!("s.{}", field.native())
            }
        }
    }

    /// What the Tokens tab orders by for "fewest days left first": the issue time, or the app's
    /// column it is a constant shift of, which sorts the same and which an index on it serves (a
    /// zone with daylight saving sorts by wall clock: off only inside autumn's repeated hour).
    pub(crate) fn order_key(&self, d: Dialect) -> String {
        match self.bare_issue_column() {
            // SQLite's text datetimes sort as their time in the form PHP and Python write.
            Some((c, _)) => format!("t.{}", c.name),
            None => self.time_expr(d, TimeField::RefreshIssued),
        }
    }

    /// The app's column the issue time is a constant shift of, and the shift (column less issue).
    pub(crate) fn bare_issue_column(&self) -> Option<(&TimeColumn, chrono::Duration)> {
        let m = self.mapped.as_ref()?;
        match self.issue_rule() {
            IssueRule::Column => m.refresh_issued.as_ref().map(|c| (c, chrono::Duration::zero())),
            IssueRule::AccessExpiry if m.expires_in.is_none() => {
                m.access_expires.as_ref().map(|c| (c, chrono::Duration::seconds(ACCESS_LIFETIME_SECS)))
            }
            IssueRule::UpdatedAt => m.updated_at.as_ref().map(|c| (c, chrono::Duration::zero())),
            _ => None,
        }
    }

    /// A column of b24ops's own facts: in `b24ops_portals` natively, in the state table when mapped.
    pub(crate) fn own(&self, column: &str) -> String {
        if self.mapped.is_none() { format!("t.{column}") } else { format!("s.{column}") }
    }

    /// The columns [`super::portals`] decodes, in one select list.
    pub(crate) fn select_list(&self, d: Dialect) -> String {
        let text = |expr: String, name: &str, chars: usize| format!("{} AS {name}", d.text_prefix(&expr, chars));
        let col = |c: &Option<String>| c.as_ref().map_or("NULL".to_owned(), |c| format!("t.{c}"));
        let (client, server, scope, status, version) = match &self.mapped {
            None => (
                "t.client_endpoint".into(),
                "t.server_endpoint".into(),
                "t.scope".into(),
                "t.app_status".into(),
                "t.version".into(),
            ),
            Some(m) => (
                col(&m.client_endpoint),
                col(&m.server_endpoint),
                col(&m.scope),
                format!("COALESCE({}, s.app_status)", col(&m.status)),
                d.int("0"),
            ),
        };
        let t = |f: TimeField| format!("{} AS {}", self.time_expr(d, f), f.native());
        [
            text(self.member_col(), "member_id", 512),
            text(self.domain_expr(d), "domain", 512),
            text(client, "client_endpoint", 512),
            text(server, "server_endpoint", 512),
            t(TimeField::AccessExpires),
            t(TimeField::RefreshIssued),
            text(scope, "scope", 2000),
            text(status, "app_status", 64),
            t(TimeField::Installed),
            t(TimeField::Uninstalled),
            t(TimeField::LastSeen),
            t(TimeField::LastRefresh),
            text(self.own("last_refresh_by"), "last_refresh_by", 512),
            text(self.own("last_refresh_error"), "last_refresh_error", 2000),
            text("s.refresh_blocked".into(), "refresh_blocked", 64),
            "s.payment_expired AS payment_expired".into(),
            "s.payment_days AS payment_days".into(),
            format!("{version} AS version"),
        ]
        .join(", ")
    }

    /// The domain of the portal `member_column` names, as a scalar subquery. Its table is `pd`,
    /// so it never shadows the outer query's aliases.
    pub(crate) fn domain_lookup(&self, d: Dialect, member_column: &str) -> String {
        match &self.mapped {
            None => format!("(SELECT pd.domain FROM b24ops_portals pd WHERE pd.member_id = {member_column})"),
            Some(m) => format!(
                "(SELECT {} FROM {} pd WHERE pd.{} = {member_column} LIMIT 1)",
                self.domain_expr_of(d, "pd"),
                self.rows(),
                m.member
            ),
        }
    }

    /// [`PortalSource::domain_lookup`] cut for a list cell, read safely like `Dialect::text_prefix`.
    pub(crate) fn domain_cell(&self, d: Dialect, member_column: &str) -> String {
        d.text_prefix(&self.domain_lookup(d, member_column), 253)
    }

    /// [`PortalSource::domain_lookup`] as plain text, for a SQLite page document (no blobs).
    pub(crate) fn domain_text(&self, d: Dialect, member_column: &str) -> String {
        format!("substr({}, 1, 253)", self.domain_lookup(d, member_column))
    }

    /// The member_ids of the portals whose member_id or domain contains a piece (two `?`, each
    /// bound to [`piece_pattern`]), for `IN (…)`. Bounded by the portal table, which is small
    /// beside the tables it narrows; MySQL allows no `LIMIT` inside `IN (…)`.
    pub(crate) fn members_like(&self, d: Dialect) -> String {
        format!(
            "SELECT {m} FROM {} pd WHERE LOWER({m}) LIKE ? ESCAPE '!' OR {} LIKE ? ESCAPE '!'",
            self.rows(),
            self.domain_expr_of(d, "pd"),
            m = self.member_col_of("pd"),
        )
    }
}

/// The `LIKE` pattern for a piece of a member_id or domain, as [`PortalSource::members_like`] binds.
pub(crate) fn piece_pattern(piece: &str) -> String {
    format!("%{}%", super::dialect::like_escape(&piece.to_lowercase()))
}

/// The time fields a portal row carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TimeField {
    AccessExpires,
    RefreshIssued,
    Installed,
    Uninstalled,
    LastSeen,
    LastRefresh,
}

impl TimeField {
    /// The column's name in `b24ops_portals` (and the alias every select uses).
    pub fn native(self) -> &'static str {
        match self {
            TimeField::AccessExpires => "access_expires_at",
            TimeField::RefreshIssued => "refresh_issued_at",
            TimeField::Installed => "installed_at",
            TimeField::Uninstalled => "uninstalled_at",
            TimeField::LastSeen => "last_seen_at",
            TimeField::LastRefresh => "last_refresh_at",
        }
    }
}

/// The host of a domain or URL column, lower case: the scheme, any path and a trailing slash go.
fn host_of(d: Dialect, expr: &str) -> String {
    match d {
        Dialect::Sqlite => {
            let bare = format!("replace(replace(lower({expr}), 'https://', ''), 'http://', '')");
            format!("substr({bare}, 1, instr({bare} || '/', '/') - 1)")
        }
        Dialect::Postgres => format!("split_part(regexp_replace(lower({expr}), '^[a-z]+://', ''), '/', 1)"),
        Dialect::MySql => {
            format!("SUBSTRING_INDEX(REPLACE(REPLACE(LOWER({expr}), 'https://', ''), 'http://', ''), '/', 1)")
        }
    }
}

/// A time column as epoch milliseconds. b24ops's sessions run in UTC (see `Store::connect`), so a
/// datetime in UTC is read as written and one in a named zone is converted by the database —
/// except on SQLite, which knows no zones: there the zone's offset now is applied, exact for
/// zones without daylight saving (`portals check` says so for the others).
fn ms_of(d: Dialect, c: &TimeColumn) -> String {
    column_ms(d, &format!("t.{}", c.name), c.encoding)
}

/// [`ms_of`] for any column expression (another app table, e.g. a queue's `failed_at`).
pub(crate) fn column_ms(d: Dialect, col: &str, encoding: TimeEncoding) -> String {
    match encoding {
        TimeEncoding::EpochSeconds => format!("({} * 1000)", d.int(col)),
        TimeEncoding::EpochMillis => d.int(col),
        TimeEncoding::DateTime(zone) => match d {
            Dialect::Sqlite => {
                let shift = -offset_minutes(zone, Utc::now());
                format!("CAST(round((julianday({col}, '{shift:+} minutes') - 2440587.5) * 86400000) AS INTEGER)")
            }
            Dialect::Postgres if zone == chrono_tz::UTC => {
                format!("CAST(EXTRACT(EPOCH FROM CAST({col} AS TIMESTAMP)) * 1000 AS BIGINT)")
            }
            Dialect::Postgres => format!(
                "CAST(EXTRACT(EPOCH FROM (CAST({col} AS TIMESTAMP) AT TIME ZONE '{}')) * 1000 AS BIGINT)",
                zone.name()
            ),
            Dialect::MySql if zone == chrono_tz::UTC => {
                format!("CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', {col}) DIV 1000 AS SIGNED)")
            }
            Dialect::MySql => format!(
                "CAST(TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', CONVERT_TZ({col}, '{}', '+00:00')) DIV 1000 AS SIGNED)",
                zone.name()
            ),
        },
    }
}

/// The zone's offset from UTC at `at`, in minutes east.
pub(crate) fn offset_minutes(zone: Tz, at: DateTime<Utc>) -> i64 {
    use chrono::Offset;
    i64::from(at.with_timezone(&zone).offset().fix().local_minus_utc()) / 60
}

/// True when the zone's offset changes within a year (daylight saving).
pub(crate) fn has_daylight_saving(zone: Tz, now: DateTime<Utc>) -> bool {
    let o = offset_minutes(zone, now);
    (1..12).any(|m| offset_minutes(zone, now + chrono::Duration::days(30 * m)) != o)
}

/// A time as the column stores it, for a write: seconds, milliseconds, or wall-clock text in the
/// column's zone (bound as text and cast where the backend needs it; see [`time_param`]).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum TimeValue {
    Int(i64),
    Text(String),
}

/// `t` encoded for a column.
pub(crate) fn encode_time(t: DateTime<Utc>, enc: TimeEncoding) -> TimeValue {
    match enc {
        TimeEncoding::EpochSeconds => TimeValue::Int(t.timestamp()),
        TimeEncoding::EpochMillis => TimeValue::Int(t.timestamp_millis()),
        TimeEncoding::DateTime(zone) => TimeValue::Text(t.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S").to_string()),
    }
}

/// The placeholder for a time written to a column of this encoding.
pub(crate) fn time_param(d: Dialect, enc: TimeEncoding) -> &'static str {
    match (d, enc) {
        (Dialect::Postgres, TimeEncoding::DateTime(_)) => "CAST(? AS TIMESTAMP)",
        _ => "?",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::PortalColumns;

    fn laravel() -> PortalsConfig {
        PortalsConfig {
            table: "b24_portals".into(),
            columns: PortalColumns {
                domain: "domain".into(),
                access_expires_at: "expires_at".into(),
                ..PortalColumns::default()
            },
            times: crate::config::PortalTimes {
                access_expires_at: "datetime:Europe/Moscow".into(),
                ..crate::config::PortalTimes::default()
            },
            ..PortalsConfig::default()
        }
    }

    #[test]
    fn the_issue_time_is_derived_from_the_access_expiry_when_the_table_has_none() {
        let src = PortalSource::from_config(&laravel()).expect("valid");
        assert_eq!(src.issue_rule(), IssueRule::AccessExpiry);
        let e = src.time_expr(Dialect::Postgres, TimeField::RefreshIssued);
        assert!(e.contains("AT TIME ZONE 'Europe/Moscow'") && e.contains("- 1000 * 3600"), "{e}");
        assert_eq!(PortalSource::native().issue_rule(), IssueRule::Native);
        assert!(!src.writable());
        assert!(PortalSource::native().writable());
    }

    #[test]
    fn the_order_is_the_bare_column_where_it_sorts_the_same() {
        let src = PortalSource::from_config(&laravel()).expect("valid");
        assert_eq!(src.order_key(Dialect::Postgres), "t.expires_at");
        assert_eq!(src.order_key(Dialect::MySql), "t.expires_at");
        assert_eq!(src.order_key(Dialect::Sqlite), "t.expires_at", "text as PHP and Python write it");
        let mut with_lifetime = laravel();
        with_lifetime.columns.expires_in = "expires_in".into();
        let src = PortalSource::from_config(&with_lifetime).expect("valid");
        assert!(src.order_key(Dialect::Postgres).contains("expires_in"), "a per-row lifetime shifts each row");
    }

    #[test]
    fn times_are_written_as_the_column_keeps_them() {
        let t = DateTime::parse_from_rfc3339("2026-12-02T12:00:00Z").expect("time").with_timezone(&Utc);
        assert_eq!(encode_time(t, TimeEncoding::EpochSeconds), TimeValue::Int(1_796_212_800));
        assert_eq!(
            encode_time(t, TimeEncoding::DateTime(chrono_tz::Europe::Moscow)),
            TimeValue::Text("2026-12-02 15:00:00".into())
        );
        assert_eq!(offset_minutes(chrono_tz::Europe::Moscow, t), 180);
        assert!(!has_daylight_saving(chrono_tz::Europe::Moscow, t));
        assert!(has_daylight_saving(chrono_tz::Europe::Berlin, t));
    }

    #[test]
    fn a_template_gives_the_endpoint_of_a_table_without_one() {
        let src = PortalSource::from_config(&laravel()).expect("valid");
        assert_eq!(src.rest_url_for("acme.bitrix24.ru").as_deref(), Some("https://acme.bitrix24.ru/rest/"));
        assert_eq!(PortalSource::native().rest_url_for("x"), None);
    }
}
