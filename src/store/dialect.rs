//! The few places where SQL differs between SQLite, PostgreSQL and MySQL/MariaDB.

use std::borrow::Cow;

/// A SQL backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded, the default).
    Sqlite,
    /// PostgreSQL and compatible engines.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
}

impl Dialect {
    /// The backend a URL names.
    pub fn from_url(url: &str) -> Option<Self> {
        let scheme = url.split(':').next()?.to_ascii_lowercase();
        match scheme.as_str() {
            "sqlite" => Some(Dialect::Sqlite),
            "postgres" | "postgresql" => Some(Dialect::Postgres),
            "mysql" | "mariadb" => Some(Dialect::MySql),
            _ => None,
        }
    }

    /// A short name for screens.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Sqlite => "sqlite",
            Dialect::Postgres => "postgres",
            Dialect::MySql => "mysql",
        }
    }

    /// Rewrites `?` placeholders as `$1, $2 …` for PostgreSQL. Queries are written with `?` and
    /// never contain a literal question mark.
    pub fn sql<'a>(self, sql: &'a str) -> Cow<'a, str> {
        if self != Dialect::Postgres || !sql.contains('?') {
            return Cow::Borrowed(sql);
        }
        let mut out = String::with_capacity(sql.len() + 16);
        let mut n = 0;
        for c in sql.chars() {
            if c == '?' {
                n += 1;
                out.push('$');
                out.push_str(&n.to_string());
            } else {
                out.push(c);
            }
        }
        Cow::Owned(out)
    }

    /// [`Dialect::sql`] for a query built at run time.
    pub fn sql_owned(self, sql: String) -> String {
        match self.sql(&sql) {
            Cow::Borrowed(_) => sql,
            Cow::Owned(s) => s,
        }
    }

    /// A text column selected so that invalid UTF-8 cannot fail the whole query: SQLite stores
    /// whatever bytes an app wrote, so it is read as a blob and decoded lossily.
    pub fn text(self, column: &str) -> String {
        match self {
            Dialect::Sqlite => format!("CAST({column} AS BLOB)"),
            _ => column.to_owned(),
        }
    }

    /// Like [`Dialect::text`], but only the first `chars` characters: list views never pull
    /// megabyte strings.
    pub fn text_prefix(self, column: &str, chars: usize) -> String {
        match self {
            Dialect::Sqlite => format!("CAST(substr({column}, 1, {chars}) AS BLOB)"),
            _ => format!("substr({column}, 1, {chars})"),
        }
    }

    /// A placeholder for a nullable float, bound as text. sqlx 0.8's Any driver declares a NULL
    /// f64 as a 4-byte float on PostgreSQL, so a cached statement would refuse the next real
    /// value; text converts the same on every backend and keeps statements cacheable.
    pub fn float_param(self) -> &'static str {
        match self {
            Dialect::Postgres => "CAST(? AS DOUBLE PRECISION)",
            Dialect::MySql => "CAST(? AS DOUBLE)",
            Dialect::Sqlite => "CAST(? AS REAL)",
        }
    }

    /// `table`, read through `index` where the backend lets a query say so.
    pub fn by_index(self, table: &str, index: &str) -> String {
        match self {
            Dialect::Sqlite => format!("{table} INDEXED BY {index}"),
            Dialect::MySql => format!("{table} FORCE INDEX ({index})"),
            Dialect::Postgres => table.to_owned(),
        }
    }

    /// The larger of two scalar values.
    pub fn greatest(self, a: &str, b: &str) -> String {
        match self {
            Dialect::Sqlite => format!("MAX({a}, {b})"),
            _ => format!("GREATEST({a}, {b})"),
        }
    }

    /// The column to range over for failed calls of a time window in `b24ops_api_calls`: `ts`
    /// where a partial index holds only failed calls; on MySQL, which has none, `failed_ts`, the
    /// generated column that is NULL for successful calls (migration 8).
    pub fn failed_ts(self) -> &'static str {
        match self {
            Dialect::MySql => "failed_ts",
            _ => "ts",
        }
    }

    /// The column of `b24ops_api_calls` holding the hour a call falls in, where a per-group
    /// probe must pin it: MySQL and MariaDB seek a correlated subquery on its equalities only,
    /// so a probe that also names the hour reads that hour of the group, not its whole history
    /// (migration 8). `None` where the time range itself narrows the seek.
    pub fn call_hour(self) -> Option<&'static str> {
        match self {
            Dialect::MySql => Some("ts_hour"),
            _ => None,
        }
    }

    /// Put right after `SELECT` in a grouping of error rows: on MySQL, `SQL_BIG_RESULT`, which
    /// groups by sorting — faster there than its in-memory temporary table keyed on two
    /// `VARCHAR`s (4.1 instead of 7.2 ms for the 2,400 failed calls of a 15-minute window at
    /// 10M calls on MariaDB 10.11). Empty elsewhere.
    pub fn group_by_sorting(self) -> &'static str {
        match self {
            Dialect::MySql => "SQL_BIG_RESULT ",
            _ => "",
        }
    }

    /// The text of `parts` joined (MySQL's `||` is a logical or).
    pub fn concat(self, parts: &[&str]) -> String {
        match self {
            Dialect::MySql => format!("CONCAT({})", parts.join(", ")),
            _ => parts.join(" || "),
        }
    }

    /// The aggregate joining the text `expr` of a group's rows with commas, in no set order.
    pub fn string_agg(self, expr: &str) -> String {
        match self {
            Dialect::Sqlite => format!("group_concat({expr}, ',')"),
            Dialect::Postgres => format!("string_agg({expr}, ',')"),
            Dialect::MySql => format!("GROUP_CONCAT({expr} SEPARATOR ',')"),
        }
    }

    /// An integer-typed aggregate, so every backend decodes it as a 64-bit integer.
    pub fn int(self, expr: &str) -> String {
        match self {
            Dialect::MySql => format!("CAST({expr} AS SIGNED)"),
            _ => format!("CAST({expr} AS BIGINT)"),
        }
    }
}

/// A query on any backend, as the store builds them.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Runs `insert` (an INSERT with `?` placeholders and no RETURNING) with the values `bind` adds
/// (owned values: the query is built here) and returns the new row's id: `RETURNING id` on SQLite
/// and PostgreSQL, the driver's last insert id on MySQL/MariaDB (MySQL has no RETURNING).
pub async fn insert_returning_id<'c, E>(
    dialect: Dialect,
    executor: E,
    insert: &str,
    bind: impl for<'q> FnOnce(AnyQuery<'q>) -> AnyQuery<'q>,
) -> Result<i64, sqlx::Error>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    use sqlx::Row;
    if dialect == Dialect::MySql {
        let sql = dialect.sql(insert).into_owned();
        let res = bind(sqlx::query(&sql)).execute(executor).await?;
        return res.last_insert_id().ok_or_else(|| sqlx::Error::Protocol("the server returned no insert id".into()));
    }
    let sql = format!("{} RETURNING id", dialect.sql(insert));
    let row = bind(sqlx::query(&sql)).fetch_one(executor).await?;
    row.try_get::<i64, _>("id")
}

/// Escapes `%`, `_` and `!` for `LIKE … ESCAPE '!'` (the escape character: a backslash means
/// different things to different backends) so typed text matches literally.
pub(crate) fn like_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_for_postgres_only() {
        let q = "SELECT * FROM t WHERE a = ? AND b = ?";
        assert_eq!(Dialect::Postgres.sql(q), "SELECT * FROM t WHERE a = $1 AND b = $2");
        assert_eq!(Dialect::Sqlite.sql(q), q);
        assert_eq!(Dialect::from_url("postgresql://x"), Some(Dialect::Postgres));
        assert_eq!(Dialect::from_url("redis://x"), None);
    }
}
