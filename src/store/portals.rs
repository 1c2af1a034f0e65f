//! `b24ops_portals`: what the console knows about each portal (tokens are never read out here).

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{line, member, ms, opt_instant, opt_line, raw_text};
use super::dialect::like_escape;
use super::{Dialect, Store, StoreError, StoreResult};
use crate::model::{AppStatus, MemberId, Portal, RefreshBlock, SafeText};

/// A portal row to write: what an app stores when it is installed or refreshes tokens.
#[derive(Clone, Debug, PartialEq)]
pub struct PortalRecord {
    /// Stable portal id.
    pub member_id: String,
    /// Domain.
    pub domain: String,
    /// `https://{domain}/rest/`.
    pub client_endpoint: String,
    /// OAuth server endpoint.
    pub server_endpoint: String,
    /// Access token (secret).
    pub access_token: String,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// Refresh token (secret).
    pub refresh_token: String,
    /// When the refresh token was issued.
    pub refresh_issued_at: DateTime<Utc>,
    /// Granted scopes.
    pub scope: String,
    /// App status code letter.
    pub app_status: AppStatus,
    /// Install time.
    pub installed_at: DateTime<Utc>,
    /// Uninstall time.
    pub uninstalled_at: Option<DateTime<Utc>>,
    /// Last time a user opened the app.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// Last refresh failure.
    pub last_refresh_error: Option<String>,
}

impl Store {
    /// The portal with this member_id.
    pub async fn portal(&self, member_id: &MemberId) -> StoreResult<Option<Portal>> {
        let src = self.portal_source();
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM {} WHERE {} = ? LIMIT 1",
            self.portal_columns(),
            src.joined_rows(),
            src.member_col()
        ));
        let row = sqlx::query(&sql).bind(member_id.as_str()).fetch_optional(self.pool()).await?;
        row.as_ref().map(|r| self.decode_portal(r)).transpose()
    }

    /// The portal currently at this domain (case-insensitive as typed in lower case).
    pub async fn portal_by_domain(&self, domain: &str) -> StoreResult<Option<Portal>> {
        let src = self.portal_source();
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM {} WHERE {} = ? LIMIT 1",
            self.portal_columns(),
            src.joined_rows(),
            src.domain_expr(self.dialect())
        ));
        let row = sqlx::query(&sql).bind(domain.trim().to_lowercase()).fetch_optional(self.pool()).await?;
        row.as_ref().map(|r| self.decode_portal(r)).transpose()
    }

    /// Inserts or replaces a portal row (the seeder and tests; apps write their own SQL).
    pub async fn upsert_portal(&self, p: &PortalRecord, now: DateTime<Utc>) -> StoreResult<()> {
        self.upsert_portal_in(self.pool(), p, now).await
    }

    /// [`Store::upsert_portal`] on `executor` (an install event's transaction).
    pub(crate) async fn upsert_portal_in<'c, E>(
        &self,
        executor: E,
        p: &PortalRecord,
        now: DateTime<Utc>,
    ) -> StoreResult<()>
    where
        E: sqlx::Executor<'c, Database = sqlx::Any>,
    {
        const COLS: [&str; 13] = [
            "domain",
            "client_endpoint",
            "server_endpoint",
            "access_token",
            "access_expires_at",
            "refresh_token",
            "refresh_issued_at",
            "scope",
            "app_status",
            "installed_at",
            "uninstalled_at",
            "last_seen_at",
            "last_refresh_error",
        ];
        // The upsert is the one statement whose syntax differs: MySQL says ON DUPLICATE KEY.
        let set = match self.dialect() {
            Dialect::MySql => {
                let cols: Vec<String> = COLS.iter().map(|c| format!("{c} = VALUES({c})")).collect();
                format!(
                    "ON DUPLICATE KEY UPDATE {}, version = version + 1, updated_at = VALUES(updated_at)",
                    cols.join(", ")
                )
            }
            _ => {
                let cols: Vec<String> = COLS.iter().map(|c| format!("{c} = excluded.{c}")).collect();
                format!(
                    "ON CONFLICT (member_id) DO UPDATE SET {}, version = b24ops_portals.version + 1, updated_at = excluded.updated_at",
                    cols.join(", ")
                )
            }
        };
        let sql = self.dialect().sql_owned(format!(
            "INSERT INTO b24ops_portals (member_id, {}, version, updated_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?) {set}",
            COLS.join(", ")
        ));
        sqlx::query(&sql)
            .bind(&p.member_id)
            .bind(&p.domain)
            .bind(&p.client_endpoint)
            .bind(&p.server_endpoint)
            .bind(&p.access_token)
            .bind(ms(p.access_expires_at))
            .bind(&p.refresh_token)
            .bind(ms(p.refresh_issued_at))
            .bind(&p.scope)
            .bind(p.app_status.code())
            .bind(ms(p.installed_at))
            .bind(p.uninstalled_at.map(ms))
            .bind(p.last_seen_at.map(ms))
            .bind(&p.last_refresh_error)
            .bind(ms(now))
            .execute(executor)
            .await?;
        Ok(())
    }

    /// Portals whose member_id or domain starts with `prefix`, for completion (at most `limit`).
    pub async fn portals_matching(&self, prefix: &str, limit: i64) -> StoreResult<Vec<Portal>> {
        self.portals_like(&format!("{}%", like_escape(&prefix.to_lowercase())), limit).await
    }

    /// A condition keeping rows whose `column` is the member_id `piece` exactly (a portal the
    /// token table does not hold still has its rows) or names a portal whose member_id or domain
    /// contains `piece`, with its three binds (in order). Both halves can use an index on `column`.
    pub(crate) fn piece_clause(&self, column: &str, piece: &str) -> (String, [String; 3]) {
        let pat = super::portal_source::piece_pattern(piece);
        let inner = self.portal_source().members_like(self.dialect());
        (format!("({column} = ? OR {column} IN ({inner}))"), [piece.to_owned(), pat.clone(), pat])
    }

    /// Portals whose member_id or domain contains `piece`, by domain, at most `limit`: the pick
    /// list when a piece names several portals.
    pub async fn portals_containing(&self, piece: &str, limit: i64) -> StoreResult<Vec<Portal>> {
        self.portals_like(&super::portal_source::piece_pattern(piece), limit).await
    }

    /// Portals whose lower-case member_id or domain is `LIKE pat` (escaped with `!`), by domain.
    async fn portals_like(&self, pat: &str, limit: i64) -> StoreResult<Vec<Portal>> {
        let src = self.portal_source();
        let dom = src.domain_expr(self.dialect());
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM {} WHERE (LOWER({}) LIKE ? ESCAPE '!' OR {dom} LIKE ? ESCAPE '!') ORDER BY {dom} LIMIT ?",
            self.portal_columns(),
            src.joined_rows(),
            src.member_col()
        ));
        let rows = sqlx::query(&sql).bind(pat).bind(pat).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| self.decode_portal(r)).collect()
    }

    /// The select list every portal read decodes.
    pub(crate) fn portal_columns(&self) -> String {
        self.portal_source().select_list(self.dialect())
    }

    /// A portal row as the select list gives it; a mapped table's scope (a JSON list in some
    /// SDKs' models) reads as a comma list, and a table without endpoints gets them derived.
    pub(crate) fn decode_portal(&self, r: &AnyRow) -> StoreResult<Portal> {
        let mut p = decode_portal(r)?;
        let src = self.portal_source();
        if p.client_endpoint.is_none() {
            p.client_endpoint = src.rest_url_for(p.domain.as_str()).map(|u| SafeText::line(&u));
        }
        if let Some(list) = p.scope.as_ref().and_then(|s| serde_json::from_str::<Vec<String>>(s.as_str()).ok()) {
            p.scope = Some(SafeText::line(&list.join(",")));
        }
        Ok(p)
    }
}

fn decode_portal(r: &AnyRow) -> StoreResult<Portal> {
    let table = "b24ops_portals";
    let status = opt_line(r, "app_status")?;
    Ok(Portal {
        member_id: member(r, "member_id")?
            .ok_or_else(|| StoreError::Malformed { table, reason: "member_id is NULL".into() })?,
        domain: line(r, "domain")?,
        client_endpoint: opt_line(r, "client_endpoint")?,
        server_endpoint: opt_line(r, "server_endpoint")?,
        access_expires_at: opt_instant(r, table, "access_expires_at")?,
        refresh_issued_at: opt_instant(r, table, "refresh_issued_at")?,
        scope: opt_line(r, "scope")?,
        app_status: status.and_then(|s| AppStatus::from_code(s.as_str())),
        installed_at: opt_instant(r, table, "installed_at")?,
        uninstalled_at: opt_instant(r, table, "uninstalled_at")?,
        last_seen_at: opt_instant(r, table, "last_seen_at")?,
        last_refresh_at: opt_instant(r, table, "last_refresh_at")?,
        last_refresh_by: opt_line(r, "last_refresh_by")?,
        last_refresh_error: opt_line(r, "last_refresh_error")?,
        refresh_blocked: raw_text(r, "refresh_blocked")?.and_then(|c| RefreshBlock::from_code(&c)),
        payment_expired: r.try_get::<Option<i64>, _>("payment_expired")?.map(|v| v != 0),
        payment_days: r.try_get("payment_days")?,
        version: r.try_get("version")?,
    })
}
