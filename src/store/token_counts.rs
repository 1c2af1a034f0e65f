//! The Tokens tab's class counts: portals per class by token age, over b24ops's own table or the
//! app's mapped one.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::codec::ms;
use super::issue_key::issue_key;
use super::portal_source::{TimeField, TimeValue, WriteColumn, bind_columns};
use super::{Store, StoreResult};

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
    /// Portals per token class; a portal whose refresh answered invalid_grant is dead whatever
    /// its token's age. The classes by age come from one aggregate over the token table (thousands
    /// of rows, not millions; natively without a join), and the few dead grants are then moved
    /// from their age class to dead by a second aggregate driven from the state table.
    pub async fn token_counts(
        &self,
        lifetime: Duration,
        critical: Duration,
        warning: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<TokenCounts> {
        let src = self.portal_source();
        let from = if src.is_mapped() { src.joined_rows() } else { "b24ops_portals t".to_owned() };
        let all = self.class_counts(&from, "1 = 1", lifetime, critical, warning, now).await?;
        let grants = format!("b24ops_portal_state s JOIN {} t ON {} = s.member_id", src.rows(), src.member_col());
        let dead =
            self.class_counts(&grants, "s.refresh_blocked = 'invalid_grant'", lifetime, critical, warning, now).await?;
        Ok(TokenCounts {
            dead: all.dead + dead.critical + dead.warning + dead.ok + dead.unknown,
            critical: all.critical - dead.critical,
            warning: all.warning - dead.warning,
            ok: all.ok - dead.ok,
            uninstalled: all.uninstalled,
            unknown: all.unknown - dead.unknown,
        })
    }

    /// Portals per class by token age over `from` where `only` holds.
    async fn class_counts(
        &self,
        from: &str,
        only: &str,
        lifetime: Duration,
        critical: Duration,
        warning: Duration,
        now: DateTime<Utc>,
    ) -> StoreResult<TokenCounts> {
        let d = self.dialect();
        let src = self.portal_source();
        let edges = [now - lifetime, now - lifetime + critical, now - lifetime + warning];
        // A mapped datetime column is compared bare with the edges in its own form (see issue_key).
        let (i, param, bounds): (String, &str, Vec<TimeValue>) = match issue_key(src, d) {
            Some(k) => (k.expr.clone(), k.param, edges.iter().map(|e| k.bound(*e)).collect()),
            None => (
                src.time_expr(d, TimeField::RefreshIssued),
                "?",
                edges.iter().map(|e| TimeValue::Int(ms(*e))).collect(),
            ),
        };
        let u = src.time_expr(d, TimeField::Uninstalled);
        // Each count is cast to a 64-bit integer: MySQL answers SUM with a DECIMAL.
        let sum = |cond: &str| d.int(&format!("COALESCE(SUM(CASE WHEN {cond} THEN 1 ELSE 0 END), 0)"));
        let sql = d.sql_owned(format!(
            "SELECT {} AS dead, {} AS critical, {} AS warning, {} AS ok, {} AS uninstalled, {} AS unknown FROM {from} WHERE {only}",
            sum(&format!("{u} IS NULL AND {i} <= {param}")),
            sum(&format!("{u} IS NULL AND {i} > {param} AND {i} <= {param}")),
            sum(&format!("{u} IS NULL AND {i} > {param} AND {i} <= {param}")),
            sum(&format!("{u} IS NULL AND {i} > {param}")),
            sum(&format!("{u} IS NOT NULL")),
            sum(&format!("{u} IS NULL AND {i} IS NULL")),
        ));
        let binds: Vec<WriteColumn> = [0, 0, 1, 1, 2, 2].map(|k| (String::new(), bounds[k].clone(), "?")).to_vec();
        let r = bind_columns(&sql, &binds, &[]).fetch_one(self.pool()).await?;
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
}
