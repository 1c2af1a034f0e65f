//! How a portal filter finds a framework's failed jobs without reading the whole table. The
//! frameworks keep the portal only inside the serialized job, and b24ops never alters the app's
//! tables unasked, so there are two ways:
//!
//! - the app's own indexed column (`tasks.member_column`, a generated column the app adds as
//!   docs/your-queue.md shows): `column = ?`, an index range newest first — bounded whatever the
//!   table's size;
//! - without it, the payload text is matched (`LIKE`) among the newest [`MEMBER_SCAN_IDS`] ids
//!   only: a primary-key range, so one page reads at most that many rows. Older jobs of the
//!   portal are not looked for; `b24ops tasks list` says so.

use sqlx::Row;

use super::dialect::{Dialect, like_escape};
use super::{Store, StoreResult};
use crate::model::MemberId;

/// How many of the newest job ids a portal filter without an index searches.
pub const MEMBER_SCAN_IDS: i64 = 200_000;

/// The condition that picks `member`'s jobs: the indexed `column` when the app has one, else a
/// match in the serialized text `text_column` (the decoded payload decides afterwards).
pub(super) fn member_condition(
    column: Option<&str>,
    text_column: &str,
    member: &MemberId,
    binds: &mut Vec<String>,
) -> String {
    match column {
        Some(c) => {
            binds.push(member.as_str().to_owned());
            format!("{c} = ?")
        }
        None => {
            binds.push(format!("%{}%", like_escape(member.as_str())));
            format!("{text_column} LIKE ? ESCAPE '!'")
        }
    }
}

impl Store {
    /// The id below which a windowed portal filter on `table` does not search (`None`: the
    /// table is empty or smaller than the window).
    pub(super) async fn member_scan_floor(&self, table: &str) -> StoreResult<Option<i64>> {
        let sql = format!("SELECT {} AS top FROM {table}", self.dialect().int("MAX(id)"));
        let top: Option<i64> = sqlx::query(&sql).fetch_one(self.pool()).await?.try_get("top")?;
        Ok(top.map(|t| t - MEMBER_SCAN_IDS).filter(|f| *f > 0))
    }
}

/// How the job's properties are written in the stored text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SerializedAs {
    /// PHP `serialize()` inside JSON (Laravel's payload) or through `addslashes` (Messenger's
    /// PhpSerializer): `memberId\";s:32:\"…`.
    Php,
    /// JSON (Messenger's Serializer): `"memberId":"…`.
    Json,
}

impl SerializedAs {
    /// The text just before the 32 characters of the member_id.
    fn needle(self, key: &str) -> String {
        match self {
            SerializedAs::Php => format!("{key}\\\";s:32:\\\""),
            SerializedAs::Json => format!("\"{key}\":\""),
        }
    }
}

/// The statements that give the app's `table` an indexed generated `column` holding the
/// member_id found after property `key` in `text_column`, for the app's own migration (b24ops
/// runs none of it on the app's tables). The index is on (column, id), so a portal's jobs come
/// newest first from an index range.
pub fn member_column_ddl(
    d: Dialect,
    table: &str,
    text_column: &str,
    key: &str,
    style: SerializedAs,
    column: &str,
) -> Vec<String> {
    let needle = style.needle(key);
    let skip = needle.chars().count();
    let index = format!("{}_{column}", table.rsplit('.').next().unwrap_or(table));
    match d {
        Dialect::Sqlite => vec![
            format!(
                "ALTER TABLE {table} ADD COLUMN {column} TEXT GENERATED ALWAYS AS \
                 (substr({text_column}, nullif(instr({text_column}, '{n}'), 0) + {skip}, 32)) VIRTUAL",
                n = needle.replace('\'', "''")
            ),
            format!("CREATE INDEX {index} ON {table} ({column}, id)"),
        ],
        Dialect::Postgres => vec![
            format!(
                "ALTER TABLE {table} ADD COLUMN {column} varchar(32) GENERATED ALWAYS AS \
                 (substr({text_column}, nullif(strpos({text_column}, '{n}'), 0) + {skip}, 32)) STORED",
                n = needle.replace('\'', "''")
            ),
            format!("CREATE INDEX {index} ON {table} ({column}, id)"),
        ],
        Dialect::MySql => vec![format!(
            "ALTER TABLE {table} ADD COLUMN {column} VARCHAR(32) AS \
             (substr({text_column}, nullif(locate('{n}', {text_column}), 0) + {skip}, 32)) VIRTUAL, \
             ADD INDEX {index} ({column}, id)",
            n = needle.replace('\\', "\\\\").replace('\'', "''")
        )],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_needle_is_the_text_before_the_member_id_in_each_dialect() {
        let sqlite =
            member_column_ddl(Dialect::Sqlite, "failed_jobs", "payload", "memberId", SerializedAs::Php, "member_id");
        assert!(sqlite[0].contains(r#"instr(payload, 'memberId\";s:32:\"'), 0) + 18, 32)"#), "{}", sqlite[0]);
        assert_eq!(sqlite[1], "CREATE INDEX failed_jobs_member_id ON failed_jobs (member_id, id)");
        let my =
            member_column_ddl(Dialect::MySql, "failed_jobs", "payload", "memberId", SerializedAs::Php, "member_id");
        assert!(my[0].contains(r#"locate('memberId\\";s:32:\\"', payload), 0) + 18, 32)"#), "{}", my[0]);
        let json = member_column_ddl(Dialect::Postgres, "app.messages", "body", "member_id", SerializedAs::Json, "m");
        assert!(json[0].contains(r#"strpos(body, '"member_id":"'), 0) + 13, 32)"#), "{}", json[0]);
        assert_eq!(json[1], "CREATE INDEX messages_m ON app.messages (m, id)");
    }
}
