//! The token side of the portals (b24ops_portals or the app's mapped table): reading a portal's
//! secrets for one call, swapping a refreshed pair with compare-and-swap, and the Tokens tab's
//! bounded lists.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::audit::{NewAudit, insert_audit};
use super::codec::{ms, opt_instant, raw_text};
use super::portal_source::{TimeField, bind_columns, set_list};
use super::portal_state::{StateValue, read_only_mapping, upsert_state};
use super::{Dialect, Store, StoreError, StoreResult};
use crate::model::{MemberId, Portal, RefreshBlock, Secret};
use crate::rules::search::Search;

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

impl Store {
    /// The secrets and endpoints of one portal.
    pub async fn portal_credentials(&self, member_id: &MemberId) -> StoreResult<Option<PortalCredentials>> {
        let src = self.portal_source();
        let d = self.dialect();
        let (access, refresh, client, server) = match src.mapped() {
            None => (
                "t.access_token".to_owned(),
                "t.refresh_token".to_owned(),
                "t.client_endpoint".to_owned(),
                "t.server_endpoint".to_owned(),
            ),
            Some(m) => (
                format!("t.{}", m.access_token),
                format!("t.{}", m.refresh_token),
                m.client_endpoint.as_ref().map_or("NULL".into(), |c| format!("t.{c}")),
                m.server_endpoint.as_ref().map_or("NULL".into(), |c| format!("t.{c}")),
            ),
        };
        let version = if src.is_mapped() { d.int("0") } else { "t.version".into() };
        let sql = d.sql_owned(format!(
            "SELECT {client} AS client_endpoint, {server} AS server_endpoint, {} AS access_token, {} AS access_expires_at,
                    {} AS refresh_token, {} AS refresh_issued_at, {} AS uninstalled_at, {version} AS version, {} AS domain
             FROM {} WHERE {} = ? LIMIT 1",
            d.text(&access),
            src.time_expr(d, TimeField::AccessExpires),
            d.text(&refresh),
            src.time_expr(d, TimeField::RefreshIssued),
            src.time_expr(d, TimeField::Uninstalled),
            d.text(&src.domain_expr(d)),
            src.joined_rows(),
            src.member_col(),
        ));
        let Some(r) = sqlx::query(&sql).bind(member_id.as_str()).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let table = "portals";
        let domain = raw_text(&r, "domain")?.unwrap_or_default();
        Ok(Some(PortalCredentials {
            member_id: member_id.clone(),
            client_endpoint: raw_text(&r, "client_endpoint")?.or_else(|| src.rest_url_for(&domain)),
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
    /// A mapped table gets the pair in place, in its own encodings, and nothing else of the token
    /// answer (its `domain` is the OAuth server's, never the portal's).
    pub async fn swap_tokens(
        &self,
        member_id: &MemberId,
        expected: &Secret,
        swap: &TokenSwap,
        by: &str,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool> {
        let src = self.portal_source();
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let swapped = match src.mapped() {
            None => {
                let sql = d.sql(
                    "UPDATE b24ops_portals SET access_token = ?, access_expires_at = ?, refresh_token = ?, refresh_issued_at = ?,
                        client_endpoint = COALESCE(?, client_endpoint), server_endpoint = COALESCE(?, server_endpoint),
                        scope = COALESCE(?, scope), app_status = COALESCE(?, app_status),
                        last_refresh_at = ?, last_refresh_by = ?, last_refresh_error = NULL, uninstalled_at = NULL,
                        version = version + 1, updated_at = ?
                     WHERE member_id = ? AND refresh_token = ?",
                );
                sqlx::query(&sql)
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
                    .bind(expected.expose())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1
            }
            Some(m) => {
                if !m.writable {
                    return Err(read_only_mapping(&m.table));
                }
                let cols = m.pair_columns(
                    d,
                    swap.access_token.expose(),
                    swap.refresh_token.expose(),
                    swap.access_expires_at,
                    now,
                );
                let sql = d.sql_owned(format!(
                    "UPDATE {} SET {} WHERE {} = ? AND {} = ?{}",
                    m.table,
                    set_list(&cols),
                    m.member,
                    m.refresh_token,
                    src.and_filter()
                ));
                let q = bind_columns(&sql, &cols, &[member_id.as_str(), expected.expose()]);
                let n = q.execute(&mut *tx).await?.rows_affected();
                // A table with one row per user holds the portal's pair on several rows; any of
                // them changing is the swap.
                n >= 1
            }
        };
        if swapped {
            let state = [
                ("last_refresh_at", StateValue::Int(Some(ms(now)))),
                ("last_refresh_by", StateValue::Text(Some(by.to_owned()))),
                ("last_refresh_error", StateValue::Text(None)),
                ("refresh_blocked", StateValue::Text(None)),
                ("uninstalled_at", StateValue::Int(None)),
            ];
            if src.is_mapped() {
                upsert_state(d, &mut *tx, member_id.as_str(), now, &state).await?;
            } else {
                // b24ops_portals keeps the refresh history; only a stop recorded earlier is lifted
                // (an update, so refreshing never creates state rows for every portal).
                let sql = d.sql(
                    "UPDATE b24ops_portal_state SET refresh_blocked = NULL, updated_at = ?
                     WHERE member_id = ? AND refresh_blocked IS NOT NULL",
                );
                sqlx::query(&sql).bind(ms(now)).bind(member_id.as_str()).execute(&mut *tx).await?;
            }
            insert_audit(d, &mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(swapped)
    }

    /// Records a failed refresh, only if the row still holds `expected` (a newer pair from another
    /// process is never marked failed); `block` stops later refreshes of a token that cannot
    /// come back (invalid_grant) or will not until paid. Audited.
    pub async fn record_refresh_failure(
        &self,
        member_id: &MemberId,
        expected: &Secret,
        error: &str,
        block: Option<RefreshBlock>,
        now: DateTime<Utc>,
        audit: &NewAudit,
    ) -> StoreResult<bool> {
        let src = self.portal_source();
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let current = match src.mapped() {
            None => {
                let sql = d.sql(
                    "UPDATE b24ops_portals SET last_refresh_error = ?, version = version + 1, updated_at = ?
                     WHERE member_id = ? AND refresh_token = ?",
                );
                sqlx::query(&sql)
                    .bind(error)
                    .bind(ms(now))
                    .bind(member_id.as_str())
                    .bind(expected.expose())
                    .execute(&mut *tx)
                    .await?
                    .rows_affected()
                    == 1
            }
            Some(m) => {
                // The row is locked (the write lock on SQLite) until the failure is recorded, so
                // the app cannot store a new pair in between and have it marked failed.
                let lock = if d == Dialect::Sqlite { "" } else { " FOR UPDATE" };
                let sql = d.sql_owned(format!(
                    "SELECT {} AS member_id FROM {} WHERE {} = ? AND {} = ?{}{lock}",
                    m.member,
                    m.table,
                    m.member,
                    m.refresh_token,
                    src.and_filter()
                ));
                sqlx::query(&sql)
                    .bind(member_id.as_str())
                    .bind(expected.expose())
                    .fetch_optional(&mut *tx)
                    .await?
                    .is_some()
            }
        };
        if current {
            let mut state = vec![("refresh_blocked", StateValue::Text(block.map(|b| b.code().to_owned())))];
            if src.is_mapped() {
                state.push(("last_refresh_error", StateValue::Text(Some(error.to_owned()))));
            }
            upsert_state(d, &mut *tx, member_id.as_str(), now, &state).await?;
            insert_audit(d, &mut *tx, audit).await?;
        }
        tx.commit().await?;
        Ok(current)
    }

    /// Follows a portal to its new domain after a 302 (member_id never changes). A mapped table
    /// is changed only when it is writable; b24ops's own record of the domain always is.
    pub async fn move_portal(
        &self,
        member_id: &MemberId,
        client_endpoint: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let domain = domain_of(client_endpoint);
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        match self.portal_source().mapped() {
            None => {
                let sql = d.sql(
                    "UPDATE b24ops_portals SET client_endpoint = ?, domain = COALESCE(?, domain), version = version + 1, updated_at = ?
                     WHERE member_id = ?",
                );
                sqlx::query(&sql)
                    .bind(client_endpoint)
                    .bind(domain.as_deref())
                    .bind(ms(now))
                    .bind(member_id.as_str())
                    .execute(&mut *tx)
                    .await?;
            }
            Some(m) if m.writable => {
                let mut sets = Vec::new();
                let mut values = Vec::new();
                if let Some(col) = &m.client_endpoint {
                    sets.push(format!("{col} = ?"));
                    values.push(client_endpoint.to_owned());
                }
                if let (Some(col), Some(dom)) = (&m.domain, &domain) {
                    sets.push(format!("{col} = ?"));
                    values.push(dom.clone());
                }
                if !sets.is_empty() {
                    let sql = d.sql_owned(format!("UPDATE {} SET {} WHERE {} = ?", m.table, sets.join(", "), m.member));
                    let mut q = sqlx::query(&sql);
                    for v in values {
                        q = q.bind(v);
                    }
                    q.bind(member_id.as_str()).execute(&mut *tx).await?;
                }
            }
            Some(_) => {}
        }
        upsert_state(d, &mut *tx, member_id.as_str(), now, &[("domain", StateValue::Text(domain))]).await?;
        tx.commit().await?;
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
        if let Some(m) = self.portal_source().mapped() {
            return Err(StoreError::Refused(format!(
                "portals live in the app's table {}: b24ops does not re-point them",
                m.table
            )));
        }
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
        let src = self.portal_source();
        let m = src.member_col();
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} FROM {} WHERE {m} > ? ORDER BY {m} LIMIT ?",
            self.portal_columns(),
            src.joined_rows()
        ));
        let rows = sqlx::query(&sql).bind(after).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| self.decode_portal(r)).collect()
    }

    /// Installed portals whose refresh b24ops stopped (a dead grant, an unpaid subscription):
    /// the Tokens tab shows them first, whatever the token's age. At most `limit`.
    pub async fn portals_blocked(&self, limit: i64) -> StoreResult<Vec<Portal>> {
        self.portals_blocked_matching(&Search::default(), limit).await
    }

    /// [`Store::portals_blocked`] narrowed by the shared `/` filter (a piece of the member_id or
    /// domain, words found in the last refresh error or the portal).
    pub async fn portals_blocked_matching(&self, search: &Search, limit: i64) -> StoreResult<Vec<Portal>> {
        let src = self.portal_source();
        let d = self.dialect();
        let (wh, binds) = self.portal_search(search);
        // Driven from the state table's index on refresh_blocked: a handful of rows, not a scan.
        let sql = d.sql_owned(format!(
            "SELECT {} FROM b24ops_portal_state s JOIN {} t ON {} = s.member_id
             WHERE s.refresh_blocked IS NOT NULL AND {} IS NULL{wh} ORDER BY s.updated_at DESC, {} LIMIT ?",
            self.portal_columns(),
            src.rows(),
            src.member_col(),
            src.time_expr(d, TimeField::Uninstalled),
            src.member_col()
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| self.decode_portal(r)).collect()
    }

    /// `AND …` narrowing a portal read (tables `t` and `s`) by `search`, and its binds.
    fn portal_search(&self, search: &Search) -> (String, Vec<String>) {
        let err = self.portal_source().own("last_refresh_error");
        let (wh, binds) = self.search_where(search, &self.portal_source().member_col(), &[&err]);
        (wh.iter().map(|c| format!(" AND {c}")).collect(), binds)
    }

    /// Installed portals with a refresh token that b24ops still refreshes, fewest days left first
    /// (on `b24ops_portals` the index on refresh_issued_at serves the order); at most `limit`.
    pub async fn portals_by_token_age(&self, limit: i64) -> StoreResult<Vec<Portal>> {
        self.portals_by_token_age_matching(&Search::default(), limit).await
    }

    /// [`Store::portals_by_token_age`] narrowed by the shared `/` filter.
    pub async fn portals_by_token_age_matching(&self, search: &Search, limit: i64) -> StoreResult<Vec<Portal>> {
        let src = self.portal_source();
        let d = self.dialect();
        // The order key is null exactly when the issue time is, and cheaper to test.
        let order = src.order_key(d);
        let live = still_refreshed(&src.member_col());
        let (wh, binds) = self.portal_search(search);
        let sql = d.sql_owned(format!(
            "SELECT {} FROM {} WHERE {order} IS NOT NULL AND {} IS NULL AND {live}{wh}
             ORDER BY {order}, {} LIMIT ?",
            self.portal_columns(),
            src.joined_rows(),
            src.time_expr(d, TimeField::Uninstalled),
            src.member_col()
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| self.decode_portal(r)).collect()
    }

    /// Installed portals whose refresh token was issued in `(dead_before, issued_before]`: alive,
    /// still refreshed, but within the window; oldest first, at most `limit`.
    pub async fn portals_expiring(
        &self,
        dead_before: DateTime<Utc>,
        issued_before: DateTime<Utc>,
        limit: i64,
    ) -> StoreResult<Vec<Portal>> {
        let src = self.portal_source();
        let d = self.dialect();
        let issued = src.time_expr(d, TimeField::RefreshIssued);
        let order = src.order_key(d);
        let live = still_refreshed(&src.member_col());
        let sql = d.sql_owned(format!(
            "SELECT {} FROM {}
             WHERE {issued} > ? AND {issued} <= ? AND {} IS NULL AND {live}
             ORDER BY {order}, {} LIMIT ?",
            self.portal_columns(),
            src.joined_rows(),
            src.time_expr(d, TimeField::Uninstalled),
            src.member_col()
        ));
        let rows =
            sqlx::query(&sql).bind(ms(dead_before)).bind(ms(issued_before)).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| self.decode_portal(r)).collect()
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

/// The condition that b24ops still refreshes the portal `member_column` names: no stop recorded
/// in its state. An anti-join, not `s.refresh_blocked IS NULL` on the outer join: PostgreSQL
/// guessed that filter kept a few hundred of 50,000 portals and sorted them all (31 ms) instead
/// of walking the index on the issue time (2 ms).
fn still_refreshed(member_column: &str) -> String {
    format!(
        "NOT EXISTS (SELECT 1 FROM b24ops_portal_state x WHERE x.member_id = {member_column} AND x.refresh_blocked IS NOT NULL)"
    )
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
