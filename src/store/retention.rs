//! Retention: deleting old calls and app errors in small batches, so readers and the app's
//! writers are never held up for long.

use chrono::{DateTime, Utc};

use super::codec::ms;
use super::{Dialect, Store, StoreResult};

/// Tables retention applies to.
pub const PRUNED_TABLES: [&str; 2] = ["b24ops_api_calls", "b24ops_app_errors"];

impl Store {
    /// Deletes at most `batch` rows of `table` older than `before`; returns how many went.
    /// Each call is its own short transaction, served by the table's time index.
    pub async fn prune_batch(&self, table: &str, before: DateTime<Utc>, batch: i64) -> StoreResult<u64> {
        let table = PRUNED_TABLES.iter().find(|t| **t == table).copied().unwrap_or("b24ops_api_calls");
        let sql = match self.dialect() {
            // MySQL refuses LIMIT inside an IN subquery, and has DELETE … LIMIT instead.
            Dialect::MySql => format!("DELETE FROM {table} WHERE ts < ? LIMIT ?"),
            // The outer bound lets a table partitioned by day look for the ids in the old days'
            // partitions only.
            Dialect::Postgres => self.dialect().sql_owned(format!(
                "DELETE FROM {table} WHERE ts < ? AND id IN (SELECT id FROM {table} WHERE ts < ? LIMIT ?)"
            )),
            Dialect::Sqlite => {
                format!("DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE ts < ? LIMIT ?)")
            }
        };
        let mut q = sqlx::query(&sql).bind(ms(before));
        if self.dialect() == Dialect::Postgres {
            q = q.bind(ms(before));
        }
        let res = q.bind(batch).execute(self.pool()).await?;
        Ok(res.rows_affected())
    }
}

impl Store {
    /// Removes the hourly error counts that deletes emptied, in hours wholly before `before`
    /// (the delete triggers lower a count but leave its row). Served by the rollup's hour index.
    pub async fn prune_error_hours(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let sql = self.dialect().sql("DELETE FROM b24ops_error_hours WHERE hour < ? AND n <= 0");
        let last_whole = crate::rules::hour_split::hour_of(ms(before));
        Ok(sqlx::query(&sql).bind(last_whole).execute(self.pool()).await?.rows_affected())
    }
}

impl Store {
    /// Removes the rows `b24ops bench` wrote (method `bench.synthetic`) after call `after_id`.
    pub async fn prune_bench_rows(&self, after_id: i64) -> StoreResult<u64> {
        let sql = self.dialect().sql("DELETE FROM b24ops_api_calls WHERE id > ? AND method = ?");
        Ok(sqlx::query(&sql).bind(after_id).bind("bench.synthetic").execute(self.pool()).await?.rows_affected())
    }

    /// Removes the app errors `b24ops bench` wrote through the intake (types `bench.…`, stamped
    /// at or after `since`) and the Sentry event ids it sent (they start `bbbbbbbb`), in one
    /// transaction; the rollup's delete triggers take the counts back down.
    pub async fn prune_bench_errors(&self, since: DateTime<Utc>) -> StoreResult<u64> {
        let errors = self.dialect().sql("DELETE FROM b24ops_app_errors WHERE error_type LIKE 'bench.%' AND ts >= ?");
        let ids = self.dialect().sql("DELETE FROM b24ops_sentry_events WHERE event_id LIKE 'bbbbbbbb%'");
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query(&errors).bind(ms(since)).execute(&mut *tx).await?.rows_affected();
        sqlx::query(&ids).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(n)
    }
}
