//! Framework failure stores made by b24ops for measuring and testing: a table shaped as Laravel's
//! `queue:failed-table` migration or Doctrine's Messenger transport creates it, filled with
//! failed jobs copied from rows the real frameworks wrote (assets/fixtures/), each naming a
//! portal. Only ever used on tables b24ops created itself; `b24ops bench` drops them after.

use super::dialect::Dialect;
use super::{Store, StoreResult};

/// A Laravel payload as `queue:work` failed it, the member_id replaced by the marker.
const LARAVEL_PAYLOAD: &str = include_str!("../../assets/fixtures/laravel_failed_payload.txt");
/// The first lines of the exception Laravel stored with it.
const LARAVEL_EXCEPTION: &str = include_str!("../../assets/fixtures/laravel_failed_exception.txt");
/// A Messenger envelope as PhpSerializer stored it on the failure queue.
const MESSENGER_BODY: &str = include_str!("../../assets/fixtures/messenger_failed_body.txt");
/// Stands for the member_id in the fixtures.
const MARKER: &str = "MEMBERMEMBERMEMBERMEMBERMEMBER12";
/// Rows per INSERT … SELECT.
const CHUNK: i64 = 100_000;

/// Which framework's table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QueueShape {
    /// Laravel's `failed_jobs`.
    Laravel,
    /// Symfony Messenger's `messenger_messages`, rows on the failure queue `failed`.
    Symfony,
}

/// Where the fixture's jobs name their portals.
#[derive(Clone, Debug)]
pub struct FixturePortals {
    /// Most jobs belong to one of this many portals (`000…0` to `000…N-1`, 32 digits).
    pub common: i64,
    /// One job in `rare_every` (from the 8th on) belongs to `rare` instead.
    pub rare_every: i64,
    /// The rare portal's member_id (32 hex digits).
    pub rare: String,
}

impl Store {
    /// Creates `table` in the framework's shape (its columns and its own indexes).
    pub async fn create_queue_fixture(&self, shape: QueueShape, table: &str) -> StoreResult<()> {
        let d = self.dialect();
        let (id, text, time) = match d {
            Dialect::Sqlite => ("INTEGER PRIMARY KEY AUTOINCREMENT", "TEXT", "DATETIME"),
            Dialect::Postgres => ("BIGSERIAL PRIMARY KEY", "TEXT", "TIMESTAMP(0)"),
            Dialect::MySql => ("BIGINT UNSIGNED AUTO_INCREMENT PRIMARY KEY", "LONGTEXT", "DATETIME"),
        };
        let statements = match shape {
            QueueShape::Laravel => vec![
                format!(
                    "CREATE TABLE {table} (id {id}, uuid VARCHAR(255) NOT NULL, connection TEXT NOT NULL,
                     queue TEXT NOT NULL, payload {text} NOT NULL, exception {text} NOT NULL, failed_at {time} NOT NULL)"
                ),
                format!("CREATE UNIQUE INDEX {table}_uuid_unique ON {table} (uuid)"),
            ],
            QueueShape::Symfony => vec![
                format!(
                    "CREATE TABLE {table} (id {id}, body {text} NOT NULL, headers {text} NOT NULL,
                     queue_name VARCHAR(190) NOT NULL, created_at {time} NOT NULL, available_at {time} NOT NULL,
                     delivered_at {time} NULL)"
                ),
                format!("CREATE INDEX {table}_queue_name ON {table} (queue_name)"),
                format!("CREATE INDEX {table}_available_at ON {table} (available_at)"),
                format!("CREATE INDEX {table}_delivered_at ON {table} (delivered_at)"),
            ],
        };
        self.run_fixture_ddl(&statements).await
    }

    /// Runs statements on a fixture table (its shape, or the app-side member column's DDL).
    pub async fn run_fixture_ddl(&self, statements: &[String]) -> StoreResult<()> {
        for s in statements {
            sqlx::raw_sql(s).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Appends `rows` failed jobs, oldest first, in transactions of 100,000.
    pub async fn fill_queue_fixture(
        &self,
        shape: QueueShape,
        table: &str,
        rows: i64,
        portals: &FixturePortals,
    ) -> StoreResult<()> {
        let d = self.dialect();
        let member = format!(
            "CASE WHEN i % {every} = 7 THEN '{rare}' ELSE {common} END",
            every = portals.rare_every.max(1),
            rare = portals.rare.replace('\'', ""),
            common = lpad32(d, &format!("i % {}", portals.common.max(1))),
        );
        let (columns, values, template) = match shape {
            QueueShape::Laravel => (
                "uuid, connection, queue, payload, exception, failed_at",
                format!(
                    "{uuid}, 'database', 'default', {payload}, {exception}, '2026-12-01 10:00:00'",
                    uuid = concat(d, &["'bench-'", "i"]),
                    payload = concat(d, &["?", &member, "?"]),
                    exception = concat(d, &["?", &member, "?"]),
                ),
                [LARAVEL_PAYLOAD, LARAVEL_EXCEPTION],
            ),
            QueueShape::Symfony => (
                "body, headers, queue_name, created_at, available_at, delivered_at",
                format!(
                    "{body}, '[]', 'failed', '2026-12-01 10:00:00', '2026-12-01 10:00:00', NULL",
                    body = concat(d, &["?", &member, "?"]),
                ),
                [MESSENGER_BODY, ""],
            ),
        };
        let digit = "(SELECT 0 AS d UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4
                      UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9)";
        let from: Vec<String> = (0..5).map(|k| format!("{digit} a{k}")).collect();
        let sql = d.sql_owned(format!(
            "INSERT INTO {table} ({columns}) SELECT {values} FROM
             (SELECT {start} + a0.d + 10 * a1.d + 100 * a2.d + 1000 * a3.d + 10000 * a4.d AS i FROM {joined}) n
             WHERE i < {end} ORDER BY i",
            joined = from.join(" CROSS JOIN "),
            start = d.int("?"),
            end = d.int("?"),
        ));
        let halves = |t: &str| -> (String, String) {
            let (a, b) = t.split_once(MARKER).unwrap_or((t, ""));
            (a.to_owned(), b.to_owned())
        };
        let (p0, p1) = halves(template[0]);
        let (e0, e1) = halves(template[1]);
        let mut start = 0;
        while start < rows {
            let mut q = sqlx::query(&sql).bind(p0.clone()).bind(p1.clone());
            if shape == QueueShape::Laravel {
                q = q.bind(e0.clone()).bind(e1.clone());
            }
            q.bind(start).bind(rows.min(start + CHUNK)).execute(self.pool()).await?;
            start += CHUNK;
        }
        if d == Dialect::Postgres {
            sqlx::raw_sql(&format!("ANALYZE {table}")).execute(self.pool()).await?;
        }
        Ok(())
    }

    /// Drops a fixture table.
    pub async fn drop_queue_fixture(&self, table: &str) -> StoreResult<()> {
        sqlx::raw_sql(&format!("DROP TABLE IF EXISTS {table}")).execute(self.pool()).await?;
        Ok(())
    }
}

/// `parts` joined as text.
fn concat(d: Dialect, parts: &[&str]) -> String {
    match d {
        Dialect::MySql => format!("CONCAT({})", parts.join(", ")),
        Dialect::Sqlite | Dialect::Postgres => {
            parts.iter().map(|p| format!("CAST({p} AS TEXT)")).collect::<Vec<_>>().join(" || ")
        }
    }
}

/// The number `expr` as 32 digits, zero-padded: a valid member_id.
fn lpad32(d: Dialect, expr: &str) -> String {
    match d {
        Dialect::Sqlite => format!("substr('00000000000000000000000000000000' || ({expr}), -32)"),
        Dialect::Postgres => format!("lpad(CAST({expr} AS TEXT), 32, '0')"),
        Dialect::MySql => format!("LPAD({expr}, 32, '0')"),
    }
}
