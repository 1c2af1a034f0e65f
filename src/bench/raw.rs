//! The peer every figure is compared with: the same SQL through sqlx's native driver, with no
//! Any layer, no sanitizing and no model building.

use sqlx::{MySqlPool, PgPool, SqlitePool};

use crate::store::Dialect;

/// A synthetic call row: (ts, member_id, method, http_status, duration_ms).
pub type RawRow = (i64, String, String, i64, i64);

/// A bare connection pool of the database's own driver.
pub enum Raw {
    /// SQLite.
    Sqlite(SqlitePool),
    /// PostgreSQL.
    Postgres(PgPool),
    /// MySQL/MariaDB.
    MySql(MySqlPool),
}

macro_rules! each {
    ($self:ident, $pool:ident => $body:expr) => {
        match $self {
            Raw::Sqlite($pool) => $body,
            Raw::Postgres($pool) => $body,
            Raw::MySql($pool) => $body,
        }
    };
}

impl Raw {
    /// Connects to `url` with the native driver.
    pub async fn connect(url: &str, dialect: Dialect) -> Result<Raw, sqlx::Error> {
        Ok(match dialect {
            Dialect::Sqlite => {
                Raw::Sqlite(SqlitePool::connect(&format!("{}?mode=rw", url.split('?').next().unwrap_or(url))).await?)
            }
            Dialect::Postgres => Raw::Postgres(PgPool::connect(url).await?),
            Dialect::MySql => Raw::MySql(MySqlPool::connect(url).await?),
        })
    }

    /// Newest `limit` calls of one member: the rows come back, nothing is built from them.
    pub async fn member_newest(&self, dialect: Dialect, member: &str, limit: i64) -> Result<usize, sqlx::Error> {
        let sql = dialect.sql(
            "SELECT id, ts, member_id, method, http_status, error_code, duration_ms FROM b24ops_api_calls
             WHERE member_id = ? ORDER BY id DESC LIMIT ?",
        );
        each!(self, p => Ok(sqlx::query(&sql).bind(member).bind(limit).fetch_all(p).await?.len()))
    }

    /// The Tokens tab's two statements on `b24ops_portals`: the counts per class (one aggregate)
    /// and the first `limit` live portals by refresh-token age, rows fetched and dropped.
    pub async fn token_page(&self, dialect: Dialect, dead_ms: i64, limit: i64) -> Result<usize, sqlx::Error> {
        let counts = dialect.sql(
            "SELECT SUM(CASE WHEN uninstalled_at IS NULL AND refresh_issued_at <= ? THEN 1 ELSE 0 END) AS dead,
                    SUM(CASE WHEN uninstalled_at IS NULL AND refresh_issued_at > ? THEN 1 ELSE 0 END) AS alive,
                    SUM(CASE WHEN uninstalled_at IS NOT NULL THEN 1 ELSE 0 END) AS uninstalled
             FROM b24ops_portals",
        );
        let page = dialect.sql(
            "SELECT member_id, domain, client_endpoint, server_endpoint, access_expires_at, refresh_issued_at, scope,
                    app_status, installed_at, uninstalled_at, last_seen_at, last_refresh_at, last_refresh_by,
                    last_refresh_error, version
             FROM b24ops_portals WHERE refresh_issued_at IS NOT NULL AND uninstalled_at IS NULL
             ORDER BY refresh_issued_at, member_id LIMIT ?",
        );
        each!(self, p => {
            sqlx::query(&counts).bind(dead_ms).bind(dead_ms).fetch_one(p).await?;
            Ok(sqlx::query(&page).bind(limit).fetch_all(p).await?.len())
        })
    }

    /// Error groups of the 15 minutes `[since_ms, until_ms]`, on the dialect's column and grouping
    /// for a window of failed calls (what the console's own statements use). Both bounds, as the
    /// console gives them: with a lower bound alone SQLite may walk every failed call by portal.
    pub async fn groups_15m(&self, dialect: Dialect, since_ms: i64, until_ms: i64) -> Result<usize, sqlx::Error> {
        let sql = dialect.sql_owned(format!(
            "SELECT {sort}member_id, error_code, COUNT(*) AS n FROM b24ops_api_calls
             WHERE error_code IS NOT NULL AND {t} >= ? AND {t} <= ? GROUP BY member_id, error_code",
            sort = dialect.group_by_sorting(),
            t = dialect.failed_ts(),
        ));
        each!(self, p => Ok(sqlx::query(&sql).bind(since_ms).bind(until_ms).fetch_all(p).await?.len()))
    }

    /// The rows of one of b24ops's own tables, counted by the native driver: what the intake
    /// figures check their accepted counts against.
    pub async fn count(&self, dialect: Dialect, table: &'static str) -> Result<i64, sqlx::Error> {
        let sql = dialect.sql_owned(format!("SELECT COUNT(*) FROM {table}"));
        each!(self, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await)
    }

    /// `rows` calls (ts, member_id, method, http_status, duration_ms) in one transaction, 400
    /// rows a statement: the same batching the console's writer uses.
    pub async fn insert(&self, dialect: Dialect, rows: &[RawRow]) -> Result<(), sqlx::Error> {
        let statements: Vec<(String, &[RawRow])> = rows
            .chunks(400)
            .map(|chunk| {
                let values = vec!["(?, ?, ?, ?, ?, 'app')"; chunk.len()].join(", ");
                let sql = dialect.sql_owned(format!(
                    "INSERT INTO b24ops_api_calls (ts, member_id, method, http_status, duration_ms, source) VALUES {values}"
                ));
                (sql, chunk)
            })
            .collect();
        each!(self, p => {
            let mut tx = p.begin().await?;
            for (sql, chunk) in &statements {
                let mut q = sqlx::query(sql);
                for (ts, m, meth, st, d) in chunk.iter() {
                    q = q.bind(*ts).bind(m.as_str()).bind(meth.as_str()).bind(*st).bind(*d);
                }
                q.execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// The rows `sql` returns with `texts` and then `ints` bound, counted, nothing built.
    pub async fn rows_of(
        &self,
        dialect: Dialect,
        sql: &str,
        texts: &[String],
        ints: &[i64],
    ) -> Result<usize, sqlx::Error> {
        let sql = dialect.sql(sql);
        each!(self, p => {
            let mut q = sqlx::query(&sql);
            for t in texts {
                q = q.bind(t.as_str());
            }
            for i in ints {
                q = q.bind(*i);
            }
            Ok(q.fetch_all(p).await?.len())
        })
    }

    /// The largest id of `table` (0 when empty).
    pub async fn max_id(&self, dialect: Dialect, table: &str) -> Result<i64, sqlx::Error> {
        let sql = format!("SELECT {} FROM {table}", dialect.int("COALESCE(MAX(id), 0)"));
        each!(self, p => sqlx::query_scalar::<_, i64>(&sql).fetch_one(p).await)
    }

    /// Closes the pool.
    pub async fn close(&self) {
        each!(self, p => p.close().await)
    }
}
