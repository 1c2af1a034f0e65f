//! The token side of `b24ops_portals`: reading a portal's secrets for one call, swapping a refreshed
//! pair with compare-and-swap, and the Tokens tab's bounded lists.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::audit::{NewAudit, insert_audit};
use super::codec::{ms, opt_instant, raw_text};
use super::portals::decode_portal;
use super::{Store, StoreResult};
use crate::model::{MemberId, Portal, Secret};

/// What a refresh or a call needs: the endpoints and the secrets. Never displayed.
#[derive(Clone, Debug, PartialEq)]
pub struct PortalCredentials {
    /// The portal.
    pub member_id: MemberId,
    /// `https://{domain}/rest/`.
    pub client_endpoint: Option<String>,
    /// The OAuth server's REST endpoint.
    pub server_endpoint: Option<String>,
    /// The access token.
    pub access_token: Secret,
    /// When it expires.
    pub access_expires_at: Option<DateTime<Utc>>,
    /// The refresh token.
    pub refresh_token: Secret,
    /// When it was issued.
    pub refresh_issued_at: Option<DateTime<Utc>>,
    /// Set once the app was uninstalled.
    pub uninstalled_at: Option<DateTime<Utc>>,
    /// Row version.
    pub version: i64,
}

/// A refreshed pair to store.
#[derive(Clone, Debug)]
pub struct TokenSwap {
    /// The new access token.
    pub access_token: Secret,
    /// When it expires.
    pub access_expires_at: DateTime<Utc>,
    /// The new refresh token.
    pub refresh_token: Secret,
    /// Endpoints and scope as the token server gave them (kept when absent).
    pub client_endpoint: Option<String>,
    /// OAuth server endpoint.
    pub server_endpoint: Option<String>,
    /// Granted scopes.
    pub scope: Option<String>,
    /// App status letter.
    pub app_status: Option<String>,
}

/// How many portals stand in each token class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct TokenCounts {
    /// Refresh token past its lifetime.
    pub dead: i64,
    /// Within the critical window.
    pub critical: i64,
    /// Within the warning window.
    pub warning: i64,
    /// Healthy.
    pub ok: i64,
    /// App uninstalled.
    pub uninstalled: i64,
    /// No refresh token recorded.
    pub unknown: i64,
}

impl Store {
    /// The secrets and endpoints of one portal.
    pub async fn portal_credentials(&self, member_id: &MemberId) -> StoreResult<Option<PortalCredentials>> {
        let sql = self.dialect().sql(
            "SELECT member_id, client_endpoint, server_endpoint, access_token, access_expires_at, refresh_token,
                    refresh_issued_at, uninstalled_at, version
             FROM b24ops_portals WHERE member_id = ?",
        );
        let Some(r) = sqlx::query(&sql).bind(member_id.as_str()).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let table = "b24ops_portals";
        Ok(Some(PortalCredentials {
            member_id: member_id.clone(),
            client_endpoint: raw_text(&r, "client_endpoint")?,
            server_endpoint: raw_text(&r, "server_endpoint")?,
            access_token: Secret::new(raw_text(&r, "access_token")?.unwrap_or_default()),
            access_expires_at: opt_instant(&r, table, "access_expires_at")?,
            refresh_token: Secret::new(raw_text(&r, "refresh_token")?.unwrap_or_default()),
            refresh_issued_at: opt_instant(&r, table, "refresh_issued_at")?,
            uninstalled_at: opt_instant(&r, table, "uninstalled_at")?,
            version: r.try_get("version")?,
        }))
    }

    /// Stores a refreshed pair only if the row still holds `expected` as its refresh token; false
    /// means another process swapped first and its pair stands. Audited in the same transaction.
    pub async fn swap_tokens(
        &self,
        member_id: &MemberId,
        expected: &Secret,
        swap: &TokenSwap,
        by: &str,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool> {
        let sql = self.dialect().sql(
            "UPDATE b24ops_portals SET access_token = ?, access_expires_at = ?, refresh_token = ?, refresh_issued_at = ?,
                client_endpoint = COALESCE(?, client_endpoint), server_endpoint = COALESCE(?, server_endpoint),
                scope = COALESCE(?, scope), app_status = COALESCE(?, app_status),
                last_refresh_at = ?, last_refresh_by = ?, last_refresh_error = NULL, uninstalled_at = NULL,
                version = version + 1, updated_at = ?
             WHERE member_id = ? AND refresh_token = ?",
        );
        let q = sqlx::query(&sql)
            .bind(swap.access_token.expose())
            .bind(ms(swap.access_expires_at))
            .bind(swap.refresh_token.expose())
            .bind(ms(now))
            .bind(swap.client_endpoint.as_deref())
            .bind(swap.server_endpoint.as_deref())
            .bind(swap.scope.as_deref())
            .bind(swap.app_status.as_deref().filter(|s| ["F", "D", "T", "P", "L", "S"].contains(s)))
            .bind(ms(now))
            .bind(by)
            .bind(ms(now))
            .bind(member_id.as_str())
            .bind(expected.expose());
        self.audited_if_one_row(q, audit).await
    }

    /// Records a failed refresh, only if the row still holds `expected` (a newer pair from another
    /// process is never marked failed); `uninstalled` also sets uninstalled_at. Audited.
    pub async fn record_refresh_failure(
        &self,
        member_id: &MemberId,
        expected: &Secret,
        error: &str,
        uninstalled: bool,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool> {
        let sql = self.dialect().sql(
            "UPDATE b24ops_portals SET last_refresh_error = ?,
                uninstalled_at = CASE WHEN ? = 1 THEN COALESCE(uninstalled_at, ?) ELSE uninstalled_at END,
                version = version + 1, updated_at = ?
             WHERE member_id = ? AND refresh_token = ?",
        );
        let q = sqlx::query(&sql)
            .bind(error)
            .bind(i64::from(uninstalled))
            .bind(ms(now))
            .bind(ms(now))
            .bind(member_id.as_str())
            .bind(expected.expose());
        self.audited_if_one_row(q, audit).await
    }

    /// Runs a compare-and-swap `UPDATE` and, when it changed the row, its audit row, in one
    /// transaction; true when it changed the row.
    async fn audited_if_one_row(&self, q: super::dialect::AnyQuery<'_>, audit: &NewAudit) -> StoreResult<bool> {
        let mut tx = self.pool().begin().await?;
        let done = q.execute(&mut *tx).await?.rows_affected() == 1;
        if done {
            insert_audit(self.dialect(), &mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(done)
    }

    /// Follows a portal to its new domain after a 302 (member_id never changes).
    pub async fn move_portal(
        &self,
        member_id: &MemberId,
        client_endpoint: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let domain = domain_of(client_endpoint);
        let sql = self.dialect().sql(
            "UPDATE b24ops_portals SET client_endpoint = ?, domain = COALESCE(?, domain), version = version + 1, updated_at = ?
             WHERE member_id = ?",
        );
        sqlx::query(&sql)
            .bind(client_endpoint)
            .bind(domain)
            .bind(ms(now))
            .bind(member_id.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Points a portal at other endpoints (the demo aims its portals at the emulator).
    pub async fn set_endpoints(
        &self,
        member_id: &MemberId,
        client_endpoint: &str,
        server_endpoint: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let sql = self.dialect().sql(
            "UPDATE b24ops_portals SET client_endpoint = ?, server_endpoint = ?, version = version + 1, updated_at = ? WHERE member_id = ?",
        );
        sqlx::query(&sql)
            .bind(client_endpoint)
            .bind(server_endpoint)
            .bind(ms(now))
            .bind(member_id.as_str())
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Portals in member_id order after `after`, at most `limit` (keyset paging over all portals).
    pub async fn portals_after(&self, after: &str, limit: i64) -> StoreResult<Vec<Portal>> {
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM b24ops_portals WHERE member_id > ? ORDER BY member_id LIMIT ?",
            self.portal_columns()
        ));
        let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_portal).collect()
    }

    /// Installed portals with a refresh token, fewest days left first (the index on
    /// refresh_issued_at serves the order); at most `limit`.
    pub async fn portals_by_token_age(&self, limit: i64) -> StoreResult<Vec<Portal>> {
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM b24ops_portals WHERE refresh_issued_at IS NOT NULL AND uninstalled_at IS NULL
             ORDER BY refresh_issued_at, member_id LIMIT ?",
            self.portal_columns()
        ));
        let rows = sqlx::query(&sql).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_portal).collect()
    }

    /// Installed portals whose refresh token was issued in `(dead_before, issued_before]`: alive but
    /// within the window; oldest first, at most `limit`.
    pub async fn portals_expiring(
        &self,
        dead_before: DateTime<Utc>,
        issued_before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Portal>> {
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM b24ops_portals
             WHERE refresh_issued_at > ? AND refresh_issued_at <= ? AND uninstalled_at IS NULL
             ORDER BY refresh_issued_at, member_id LIMIT ?",
            self.portal_columns()
        ));
        let rows =
            sqlx::query(&sql).bind(ms(dead_before)).bind(ms(issued_before)).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_portal).collect()
    }

    /// Portals per token class. The portals table holds one row per install (thousands, not
    /// millions), so one aggregate over it is cheap.
    pub async fn token_counts(
        &self,
        lifetime: Duration,
        critical: Duration,
        warning: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<TokenCounts> {
        let dead = ms(now - lifetime);
        let crit = ms(now - lifetime + critical);
        let warn = ms(now - lifetime + warning);
        let d = self.dialect();
        // Each count is cast to a 64-bit integer: MySQL answers SUM with a DECIMAL.
        let sum = |cond: &str| d.int(&format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"));
        let sql = d.sql_owned(format!(
            "SELECT {} AS dead, {} AS critical, {} AS warning, {} AS ok, {} AS uninstalled, {} AS unknown FROM b24ops_portals",
            sum("uninstalled_at IS NULL AND refresh_issued_at <= ?"),
            sum("uninstalled_at IS NULL AND refresh_issued_at > ? AND refresh_issued_at <= ?"),
            sum("uninstalled_at IS NULL AND refresh_issued_at > ? AND refresh_issued_at <= ?"),
            sum("uninstalled_at IS NULL AND refresh_issued_at > ?"),
            sum("uninstalled_at IS NOT NULL"),
            sum("uninstalled_at IS NULL AND refresh_issued_at IS NULL"),
        ));
        let r = sqlx::query(&sql)
            .bind(dead)
            .bind(dead)
            .bind(crit)
            .bind(crit)
            .bind(warn)
            .bind(warn)
            .fetch_one(self.pool())
            .await?;
        let n = |c: &str| -> StoreResult<i64> {
            // MySQL answers SUM with a DECIMAL; read it whichever way it comes.
            Ok(r.try_get::<i64, _>(c)
                .or_else(|_| r.try_get::<f64, _>(c).map(|f| f as i64))
                .or_else(|_| r.try_get::<String, _>(c).map(|s| s.parse::<f64>().unwrap_or(0.0) as i64))?)
        };
        Ok(TokenCounts {
            dead: n("dead")?,
            critical: n("critical")?,
            warning: n("warning")?,
            ok: n("ok")?,
            uninstalled: n("uninstalled")?,
            unknown: n("unknown")?,
        })
    }

    /// The distinct methods among a portal's newest `scan` calls since `since` — bounded, so a busy
    /// portal's month of calls is never read whole.
    pub async fn recent_methods(
        &self,
        member_id: &MemberId,
        since: DateTime<Utc>,
        scan: i64,
    ) -> StoreResult<Vec<String>> {
        let sql = self.dialect().sql(
            "SELECT DISTINCT method FROM (
               SELECT method FROM b24ops_api_calls WHERE member_id = ? AND ts >= ? AND source = 'app'
               ORDER BY id DESC LIMIT ?) recent
             ORDER BY method",
        );
        let rows = sqlx::query(&sql).bind(member_id.as_str()).bind(ms(since)).bind(scan).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(raw_text(r, "method")?.unwrap_or_default())).collect()
    }
}

/// The portal's domain from its REST endpoint: `acme.bitrix24.com` from
/// `https://acme.bitrix24.com/rest/`, and from the emulator's `http://127.0.0.1:8625/acme.bitrix24.com/rest/`.
pub fn domain_of(endpoint: &str) -> Option<String> {
    let after = endpoint.split_once("://")?.1;
    let path = after.split_once("/rest/").map(|(p, _)| p).unwrap_or(after.trim_end_matches('/'));
    let host = path.rsplit('/').next()?;
    (!host.is_empty()).then(|| host.to_lowercase())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_domain_comes_from_the_endpoint() {
        assert_eq!(super::domain_of("https://acme.bitrix24.com/rest/").as_deref(), Some("acme.bitrix24.com"));
        assert_eq!(
            super::domain_of("http://127.0.0.1:8625/acme.bitrix24.com/rest/").as_deref(),
            Some("acme.bitrix24.com")
        );
        assert_eq!(super::domain_of("nonsense"), None);
    }
}
