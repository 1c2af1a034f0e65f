//! `b24ops_audit_log`: every write the console makes, with who, what and before/after.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{line, member, ms, opt_line, req_instant};
use super::{Dialect, Store, StoreResult};
use crate::model::{AuditEntry, MemberId};
use crate::rules::search::Search;

/// An audit row to write, inside the transaction of the change it records.
#[derive(Clone, Debug, PartialEq)]
pub struct NewAudit {
    /// When.
    pub ts: DateTime<Utc>,
    /// Who.
    pub operator: String,
    /// What, e.g. `task.restart`.
    pub action: String,
    /// On what, e.g. `task #8812`.
    pub target: String,
    /// The portal concerned.
    pub member_id: Option<String>,
    /// State before.
    pub before: Option<String>,
    /// State after.
    pub after: Option<String>,
}

/// Writes `a` with `executor` (the change's own transaction).
pub(crate) async fn insert_audit<'c, E>(dialect: Dialect, executor: E, a: &NewAudit) -> StoreResult<()>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = dialect.sql(
        "INSERT INTO b24ops_audit_log (ts, operator, action, target, member_id, before_summary, after_summary)
         VALUES (?, ?, ?, ?, ?, ?, ?)",
    );
    sqlx::query(&sql)
        .bind(ms(a.ts))
        .bind(&a.operator)
        .bind(&a.action)
        .bind(&a.target)
        .bind(&a.member_id)
        .bind(&a.before)
        .bind(&a.after)
        .execute(executor)
        .await?;
    Ok(())
}

impl Store {
    /// Writes an audit row on its own (for actions whose change happened elsewhere, such as a
    /// notification sent to a portal).
    pub async fn append_audit(&self, a: &NewAudit) -> StoreResult<()> {
        insert_audit(self.dialect(), self.pool(), a).await
    }

    /// The newest audit rows, optionally of one portal, newest first.
    pub async fn audit_page(&self, member_id: Option<&MemberId>, limit: i64) -> StoreResult<Vec<AuditEntry>> {
        self.audit_matching(member_id, &Search::default(), limit).await
    }

    /// [`Store::audit_page`] narrowed by the shared `/` filter: a portal piece, and words found in
    /// the operator, action, target or summaries.
    pub async fn audit_matching(
        &self,
        member_id: Option<&MemberId>,
        search: &Search,
        limit: i64,
    ) -> StoreResult<Vec<AuditEntry>> {
        let d = self.dialect();
        let mut wh = Vec::new();
        let mut binds = Vec::new();
        if let Some(m) = member_id {
            wh.push("member_id = ?".to_owned());
            binds.push(m.as_str().to_owned());
        }
        let cols = ["operator", "action", "target", "before_summary", "after_summary"];
        let (more, more_binds) = self.search_where(search, "member_id", &cols);
        wh.extend(more);
        binds.extend(more_binds);
        let only = if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) };
        let sql = d.sql_owned(format!(
            "SELECT id, ts, {op} AS operator, {ac} AS action, {ta} AS target, {m} AS member_id,
                    {b} AS before_summary, {a} AS after_summary
             FROM b24ops_audit_log {only} ORDER BY id DESC LIMIT ?",
            op = d.text_prefix("operator", 128),
            ac = d.text_prefix("action", 64),
            ta = d.text_prefix("target", 255),
            m = d.text_prefix("member_id", 64),
            b = d.text_prefix("before_summary", 500),
            a = d.text_prefix("after_summary", 500),
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode).collect()
    }
}

fn decode(r: &AnyRow) -> StoreResult<AuditEntry> {
    Ok(AuditEntry {
        id: r.try_get("id")?,
        ts: req_instant(r, "b24ops_audit_log", "ts")?,
        operator: line(r, "operator")?,
        action: line(r, "action")?,
        target: line(r, "target")?,
        member_id: member(r, "member_id")?,
        before: opt_line(r, "before_summary")?,
        after: opt_line(r, "after_summary")?,
    })
}
