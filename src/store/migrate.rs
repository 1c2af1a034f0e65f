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
    /// PostgreSQL SQL.
    pub postgres: &'static str,
    /// MySQL/MariaDB SQL.
    pub mysql: &'static str,
}

/// One [`Migration`] from the three files named `$file.sql` under `assets/migrations/<dialect>/`.
macro_rules! migration {
    ($version:literal, $name:literal, $file:literal) => {
        Migration {
            version: $version,
            name: $name,
            sqlite: include_str!(concat!("../../assets/migrations/sqlite/", $file, ".sql")),
            postgres: include_str!(concat!("../../assets/migrations/postgres/", $file, ".sql")),
            mysql: include_str!(concat!("../../assets/migrations/mysql/", $file, ".sql")),
        }
    };
}

/// Every migration this binary knows, in order.
pub const MIGRATIONS: &[Migration] = &[
    migration!(1, "core", "0001_core"),
    migration!(2, "task indexes", "0002_task_indexes"),
    migration!(3, "review inbox", "0003_review_inbox"),
    migration!(4, "token care", "0004_token_care"),
    migration!(5, "ticket intake", "0005_ticket_intake"),
    migration!(6, "alerts", "0006_alerts"),
    migration!(7, "error hours", "0007_error_hours"),
    migration!(8, "failed-call time", "0008_failed_ts"),
    migration!(9, "partition-ready rollup", "0009_partition_ready"),
    migration!(10, "portal state", "0010_portal_state"),
    migration!(11, "claimed threads", "0011_claimed_threads"),
    migration!(12, "reply outbox", "0012_outbox"),
    migration!(13, "sentry event ids", "0013_sentry_events"),
    migration!(14, "documentation lists", "0014_doc_lists"),
    migration!(16, "chat dialogs", "0016_chat_dialogs"),
    migration!(17, "telegram support bot", "0017_telegram_support"),
    migration!(21, "intake idempotency keys", "0021_intake_keys"),
];

/// The newest version.
pub fn latest_version() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

const LEDGER: &str = "CREATE TABLE IF NOT EXISTS b24ops_schema_migrations (
    version BIGINT PRIMARY KEY, name VARCHAR(200) NOT NULL, applied_at BIGINT NOT NULL)";

/// The statements of a migration file: split at semicolons that end a line, comments dropped.
/// A PostgreSQL function body (between `$$` quotes) and a SQLite trigger body (from a line ending
/// in `BEGIN` to a line `END;`) are kept whole, since their inner statements end in semicolons too.
fn statements(sql: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let (mut in_dollars, mut in_trigger) = (false, false);
    for line in sql.lines() {
        let line = line.split("--").next().unwrap_or("").trim_end();
        if line.trim().is_empty() {
            continue;
        }
        cur.push_str(line);
        cur.push('\n');
        if line.matches("$$").count() % 2 == 1 {
            in_dollars = !in_dollars;
        }
        if in_dollars {
            continue;
        }
        if line.ends_with("BEGIN") {
            in_trigger = true;
        }
        let ends = if in_trigger { line.trim() == "END;" } else { line.ends_with(';') };
        if ends {
            in_trigger = false;
            out.push(cur.trim().trim_end_matches(';').to_owned());
            cur.clear();
        }
    }
    if !cur.trim().is_empty() {
        out.push(cur.trim().to_owned());
    }
    out
}

impl Store {
    /// Applies every migration not yet applied, each in its own transaction. Returns the versions
    /// applied.
    pub async fn migrate(&self) -> StoreResult<Vec<i64>> {
        self.migrate_to(latest_version()).await
    }

    /// Applies the migrations not yet applied up to `version` (an upgrade test starts from an
    /// older schema this way).
    pub async fn migrate_to(&self, version: i64) -> StoreResult<Vec<i64>> {
        sqlx::raw_sql(LEDGER).execute(self.pool()).await?;
        let current = self.schema_version().await?;
        let mut applied = Vec::new();
        for m in MIGRATIONS.iter().filter(|m| m.version > current && m.version <= version) {
            let sql = match self.dialect() {
                Dialect::Sqlite => m.sqlite,
                Dialect::Postgres => m.postgres,
                Dialect::MySql => m.mysql,
            };
            // SQLite and PostgreSQL apply a migration atomically; MySQL commits each DDL statement.
            let mut conn = self.pool().acquire().await?;
            let mut tx = sqlx::Connection::begin(&mut *conn).await?;
            for stmt in statements(sql) {
                sqlx::raw_sql(&stmt).execute(&mut *tx).await?;
            }
            let ins =
                self.dialect().sql("INSERT INTO b24ops_schema_migrations (version, name, applied_at) VALUES (?, ?, ?)");
            sqlx::query(&ins)
                .bind(m.version)
                .bind(m.name)
                .bind(Utc::now().timestamp_millis())
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            if self.dialect() == Dialect::Sqlite {
                // A SQLite connection keeps the table definitions it parsed; one that edited a
                // definition in place (migration 17) is not handed out again.
                conn.close().await?;
            }
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
                let schema = if self.dialect() == Dialect::Postgres { "current_schema()" } else { "DATABASE()" };
                let q = format!(
                    "SELECT COUNT(*) AS n FROM information_schema.tables
                     WHERE table_name = 'b24ops_schema_migrations' AND table_schema = {schema}"
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_dialect_has_the_same_tables() {
        for m in MIGRATIONS {
            let tables = |sql: &str| statements(sql).iter().filter(|s| s.starts_with("CREATE TABLE")).count();
            let indexes = |sql: &str| statements(sql).iter().filter(|s| s.starts_with("CREATE INDEX")).count();
            assert_eq!(tables(m.sqlite), tables(m.postgres));
            assert_eq!(tables(m.sqlite), tables(m.mysql));
            assert_eq!(indexes(m.sqlite), indexes(m.postgres));
            assert!(
                statements(m.mysql).iter().filter(|s| s.starts_with("CREATE INDEX")).all(|s| !s.contains(" WHERE ")),
                "MySQL has no partial indexes"
            );
            let triggers = |sql: &str| statements(sql).iter().filter(|s| s.starts_with("CREATE TRIGGER")).count();
            assert_eq!(triggers(m.sqlite), triggers(m.postgres));
            assert_eq!(triggers(m.sqlite), triggers(m.mysql));
        }
    }

    #[test]
    fn function_and_trigger_bodies_stay_whole() {
        let sqlite = statements(MIGRATIONS[6].sqlite);
        let trigger = sqlite.iter().find(|s| s.contains("b24ops_api_calls_error_hours_ins")).unwrap();
        assert!(trigger.ends_with("END"), "{trigger}");
        assert!(trigger.contains("DO UPDATE SET"));
        let pg = statements(MIGRATIONS[6].postgres);
        let function = pg.iter().find(|s| s.starts_with("CREATE FUNCTION")).unwrap();
        assert!(function.ends_with("$$"), "{function}");
        assert_eq!(pg.iter().filter(|s| s.starts_with("CREATE TRIGGER")).count(), 4);
    }

    #[test]
    fn the_partition_ready_function_is_one_statement_and_a_no_op_elsewhere() {
        let m = &MIGRATIONS[8];
        let pg = statements(m.postgres);
        assert_eq!(pg.len(), 1);
        assert!(pg[0].starts_with("CREATE OR REPLACE FUNCTION") && pg[0].ends_with("$$"), "{}", pg[0]);
        assert!(statements(m.sqlite).is_empty() && statements(m.mysql).is_empty());
    }
}
