//! `b24ops_maintenance_log`: when each planned check was last done, by whom, with what note; and
//! the calls the deprecation check reads.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::Row;

use super::audit::{NewAudit, insert_audit};
use super::codec::{line_string, ms, opt_block_string, opt_line, req_instant};
use super::{Store, StoreResult};

/// One time a check was done.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DoneRecord {
    /// When.
    pub done_at: DateTime<Utc>,
    /// Who.
    pub operator: String,
    /// What they noted.
    pub notes: Option<String>,
    /// The newest REST changelog date read by then (the weekly check's "since").
    pub changelog_through: Option<NaiveDate>,
}

impl Store {
    /// The last time `check` was done.
    pub async fn last_done(&self, check: &str) -> StoreResult<Option<DoneRecord>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT done_at, {} AS operator, {} AS notes, changelog_through FROM b24ops_maintenance_log WHERE check_name = ? ORDER BY done_at DESC LIMIT 1",
            d.text_prefix("operator", 128),
            d.text_prefix("notes", 2000)
        ));
        let Some(r) = sqlx::query(&sql).bind(check).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(DoneRecord {
            done_at: req_instant(&r, "b24ops_maintenance_log", "done_at")?,
            operator: line_string(&r, "operator")?,
            notes: opt_block_string(&r, "notes")?,
            // A value that is not a date reads as none: the check then lists the whole changelog.
            changelog_through: opt_line(&r, "changelog_through")?.and_then(|t| t.as_str().parse().ok()),
        }))
    }

    /// Records `check` done for the period starting at `period_start` (again in the same period:
    /// the newer note replaces the older), with the changelog date read by then, audited.
    pub async fn mark_check_done(
        &self,
        check: &str,
        period_start: DateTime<Utc>,
        operator: &str,
        notes: Option<&str>,
        changelog_through: Option<NaiveDate>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let del = d.sql("DELETE FROM b24ops_maintenance_log WHERE check_name = ? AND period_start = ?");
        sqlx::query(&del).bind(check).bind(ms(period_start)).execute(&mut *tx).await?;
        let ins = d.sql("INSERT INTO b24ops_maintenance_log (check_name, period_start, done_at, operator, notes, changelog_through) VALUES (?, ?, ?, ?, ?, ?)");
        sqlx::query(&ins)
            .bind(check)
            .bind(ms(period_start))
            .bind(ms(now))
            .bind(operator)
            .bind(notes)
            .bind(changelog_through.map(|d| d.format("%Y-%m-%d").to_string()))
            .execute(&mut *tx)
            .await?;
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: "maintenance.done".into(),
            target: format!("check {check}"),
            member_id: None,
            before: None,
            after: notes.map(str::to_owned),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Methods the app called since `since` with their counts, from the newest `scan` calls (so a
    /// month on a busy app is sampled, never read whole).
    pub async fn methods_called(&self, since: DateTime<Utc>, scan: i64) -> StoreResult<Vec<(String, i64)>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT method, {} AS n FROM (
               SELECT method FROM b24ops_api_calls WHERE ts >= ? AND source = 'app' ORDER BY id DESC LIMIT ?) recent
             GROUP BY method ORDER BY method",
            d.int("COUNT(*)")
        ));
        let rows = sqlx::query(&sql).bind(ms(since)).bind(scan).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((line_string(r, "method")?, r.try_get::<i64, _>("n")?))).collect()
    }
}
