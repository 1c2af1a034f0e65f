//! Index juggling for bulk loads, and raw rows for safety tests.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::codec::ms;
use super::{Dialect, Store, StoreResult};

impl Store {
    /// Drops the secondary indexes of `b24ops_api_calls` before a bulk load and returns the SQL
    /// that recreates them. SQLite only; other backends keep their indexes (empty result).
    pub async fn drop_call_indexes(&self) -> StoreResult<Vec<String>> {
        if self.dialect() != Dialect::Sqlite {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'b24ops_api_calls' AND sql IS NOT NULL",
        )
        .fetch_all(self.pool())
        .await?;
        let mut saved = Vec::new();
        for r in rows {
            let name: String = r.try_get("name")?;
            saved.push(r.try_get::<String, _>("sql")?);
            sqlx::query(&format!("DROP INDEX IF EXISTS \"{}\"", name.replace('"', ""))).execute(self.pool()).await?;
        }
        Ok(saved)
    }

    /// Recreates indexes saved by [`Store::drop_call_indexes`].
    pub async fn restore_call_indexes(&self, saved: &[String]) -> StoreResult<()> {
        for sql in saved {
            sqlx::raw_sql(sql).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics (and on PostgreSQL the visibility map) on the call
    /// log and the error rollup after a bulk load, so the first queries are planned for
    /// millions of rows, not for an empty table.
    pub async fn analyze_call_log(&self) -> StoreResult<()> {
        let sql = match self.dialect() {
            Dialect::Sqlite => "ANALYZE b24ops_api_calls; ANALYZE b24ops_app_errors; ANALYZE b24ops_error_hours",
            // VACUUM too: it marks the pages all-visible, which index-only scans need.
            Dialect::Postgres => "VACUUM (ANALYZE) b24ops_api_calls, b24ops_app_errors, b24ops_error_hours",
            Dialect::MySql => "ANALYZE TABLE b24ops_api_calls, b24ops_app_errors, b24ops_error_hours",
        };
        sqlx::raw_sql(sql).execute(self.pool()).await?;
        Ok(())
    }

    /// Writes a failed call whose description is not valid UTF-8, the way a careless app can on
    /// SQLite. Other backends refuse such text, so nothing is written there.
    pub async fn write_invalid_utf8_call(&self, member_id: &str, ts: DateTime<Utc>) -> StoreResult<()> {
        if self.dialect() != Dialect::Sqlite {
            return Ok(());
        }
        sqlx::query(
            "INSERT INTO b24ops_api_calls (ts, member_id, method, http_status, error_code, error_description, duration_ms, source)
             VALUES (?, ?, 'crm.item.get', 500, 'INTERNAL_SERVER_ERROR', CAST(X'6261642062797465733a20fffe20c328' AS TEXT), 80, 'app')",
        )
        .bind(ms(ts))
        .bind(member_id)
        .execute(self.pool())
        .await?;
        Ok(())
    }
}
