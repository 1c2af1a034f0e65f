//! Versioned migrations, one directory per dialect under `assets/migrations/`.
//!
//! b24ops keeps its own ledger (`b24ops_schema_migrations`) rather than a generic one, so it never
//! collides with the app's own migration tool in a shared database.

use chrono::Utc;
use sqlx::Row;

use super::{Dialect, Store, StoreResult};

/// One migration: a version, a name and its SQL per dialect.
pub struct Migration {
    /// Ascending version number.
    pub version: i64,
    /// Short name.
    pub name: &'static str,
    /// SQLite SQL.
    pub sqlite: &'static str,
}

/// Every migration this binary knows, in order.
pub const MIGRATIONS: &[Migration] =
    &[Migration { version: 1, name: "core", sqlite: include_str!("../../assets/migrations/sqlite/0001_core.sql") }];

/// The newest version.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS b24ops_schema_migrations (
    version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";

impl Store {
    /// Applies every migration not yet applied, each in its own transaction. Returns the versions
    /// applied.
    pub async fn migrate(&self) -> StoreResult<Vec<i64>> {
        sqlx::raw_sql(LEDGER).execute(self.pool()).await?;
        let current = self.schema_version().await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| m.version > current) {
            let sql = match self.dialect() {
                Dialect::Sqlite => m.sqlite,
                other => {
                    return Err(super::StoreError::UnsupportedUrl(format!(
                        "{} (migrations for this backend are not shipped yet)",
                        other.name()
                    )));
                }
            };
            let mut tx = self.pool().begin().await?;
            sqlx::raw_sql(sql).execute(&mut *tx).await?;
            let ins =
                self.dialect().sql("INSERT INTO b24ops_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
            sqlx::query(&ins)
                .bind(m.version)
                .bind(m.name)
                .bind(Utc::now().timestamp_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            tracing::info!(version = m.version, name = m.name, "migration applied");
            applied.push(m.version);
        }
        Ok(applied)
    }

    /// The highest applied migration, 0 for a database b24ops never migrated.
    pub async fn schema_version(&self) -> StoreResult<i64> {
        let exists = match self.dialect() {
            Dialect::Sqlite => sqlx::query(
                "SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'b24ops_schema_migrations'",
            )
            .fetch_one(self.pool())
            .await?
            .try_get::<i64, _>("n")?
                > 0,
            _ => {
                let q = self.dialect().sql(
                    "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_name = 'b24ops_schema_migrations'",
                );
                sqlx::query(&q).fetch_one(self.pool()).await?.try_get::<i64, _>("n")? > 0
            }
        };
        if !exists {
            return Ok(0);
        }
        let row = sqlx::query("SELECT MAX(version) AS v FROM b24ops_schema_migrations").fetch_one(self.pool()).await?;
        Ok(row.try_get::<Option<i64>, _>("v")?.unwrap_or(0))
    }
}
