//! `b24ops_tasks`: the failed-task queue, and the conditional writes that restart or discard.
//!
//! Every write is conditional (`WHERE status = 'failed'`), so it is idempotent and two consoles
//! racing on one task make exactly one change; the audit row is written in the same transaction.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{instant, line, member, ms, opt_instant, opt_line, req_instant};
use super::{Store, StoreResult};
use crate::model::{SafeText, TaskAttempt, TaskBrief, TaskDetail};
use crate::rules::task_filter::TaskFilter;

/// What a conditional write did to one task.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The task changed (and the change was audited).
    Changed,
    /// The task was not in the state the write needs; its status now.
    Unchanged(String),
    /// No such task.
    Missing,
    /// The task is there but this action cannot be done to it; the reason says why.
    Refused(String),
}

/// The writes the console makes to failed tasks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskAction {
    /// failed → queued, due now, with one more attempt allowed if all were used.
    Restart,
    /// failed → discarded.
    Discard,
}

impl TaskAction {
    /// The audit log's name for it.
    pub fn audit_name(self) -> &'static str {
        match self {
            TaskAction::Restart => "task.restart",
            TaskAction::Discard => "task.discard",
        }
    }

    fn update_sql(self) -> &'static str {
        match self {
            TaskAction::Restart => {
                "UPDATE b24ops_tasks SET status = 'queued', run_at = ?, updated_at = ?, locked_by = NULL, locked_at = NULL,
                    max_attempts = CASE WHEN attempts >= max_attempts THEN attempts + 1 ELSE max_attempts END
                 WHERE id = ? AND status = 'failed'"
            }
            TaskAction::Discard => {
                "UPDATE b24ops_tasks SET status = 'discarded', run_at = ?, updated_at = ?
                 WHERE id = ? AND status = 'failed'"
            }
        }
    }
}

impl Store {
    fn task_where(&self, f: &TaskFilter, binds: &mut Vec<String>) -> String {
        let mut wh = Vec::new();
        if let Some(s) = &f.status {
            wh.push("t.status = ?".to_owned());
            binds.push(s.clone());
        }
        if let Some(m) = &f.member_id {
            wh.push("t.member_id = ?".to_owned());
            binds.push(m.as_str().to_owned());
        }
        if let Some(piece) = &f.portal {
            let (clause, pats) = self.piece_clause("t.member_id", piece);
            wh.push(clause);
            binds.extend(pats);
        }
        if let Some(k) = &f.kind {
            wh.push("t.kind = ?".to_owned());
            binds.push(k.clone());
        }
        if let Some(t) = &f.error_text {
            // Free text finds the error, the kind or the portal (a domain typed bare).
            let (portal, pats) = self.piece_clause("t.member_id", t);
            wh.push(format!("(t.last_error LIKE ? ESCAPE '!' OR t.kind LIKE ? ESCAPE '!' OR {portal})"));
            let text = format!("%{}%", super::dialect::like_escape(t));
            binds.extend([text.clone(), text]);
            binds.extend(pats);
        }
        if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) }
    }

    /// Tasks matching `f`: failed ones newest failure first, otherwise newest change first.
    pub async fn tasks_list(&self, f: &TaskFilter, limit: i64) -> StoreResult<Vec<TaskBrief>> {
        if let super::TaskSource::Laravel(l) = self.task_source() {
            return self.laravel_list(l, f, limit).await;
        }
        if let super::TaskSource::Symfony(s) = self.task_source() {
            return self.symfony_list(s, f, limit).await;
        }
        let d = self.dialect();
        let mut binds = Vec::new();
        let wh = self.task_where(f, &mut binds);
        let order = if f.status.as_deref() == Some("failed") {
            "t.failed_at DESC, t.id DESC"
        } else {
            "t.updated_at DESC, t.id DESC"
        };
        let sql = d.sql_owned(format!(
            "SELECT t.id, t.attempts, t.max_attempts, t.failed_at, {k} AS kind, {m} AS member_id, {s} AS status,
                    {e} AS last_error, {dom} AS domain
             FROM (SELECT * FROM b24ops_tasks t {wh} ORDER BY {order} LIMIT ?) t
             ORDER BY {order}",
            k = d.text_prefix("t.kind", 128),
            m = d.text_prefix("t.member_id", 64),
            s = d.text_prefix("t.status", 16),
            e = d.text_prefix("t.last_error", 300),
            dom = self.portal_domain("t.member_id"),
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_brief).collect()
    }

    /// How many tasks match `f` (the bulk confirmation shows it).
    pub async fn tasks_count(&self, f: &TaskFilter) -> StoreResult<i64> {
        self.tasks_count_upto(f, None).await
    }

    /// How many tasks match `f`, counting no further than `cap`: an alert only needs to know the
    /// count passed its threshold, and on a failure store of a million rows an exact count reads
    /// every row each cycle (seconds where the app's indexes leave part of the condition to the
    /// table), while a capped one stops after `cap` matches.
    pub async fn tasks_count_upto(&self, f: &TaskFilter, cap: Option<i64>) -> StoreResult<i64> {
        if let super::TaskSource::Laravel(l) = self.task_source() {
            return self.laravel_count(l, f, cap).await;
        }
        if let super::TaskSource::Symfony(s) = self.task_source() {
            return self.symfony_count(s, f, cap).await;
        }
        let mut binds = Vec::new();
        let wh = self.task_where(f, &mut binds);
        let sql = self.dialect().sql_owned(count_sql("b24ops_tasks t", &wh, cap));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        Ok(q.fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// Ids of tasks matching `f` above `after_id`, ascending: the keyset a bulk action walks.
    pub async fn task_ids_after(&self, f: &TaskFilter, after_id: i64, limit: i64) -> StoreResult<Vec<i64>> {
        if let super::TaskSource::Laravel(l) = self.task_source() {
            return self.laravel_ids_after(l, f, after_id, limit).await;
        }
        if let super::TaskSource::Symfony(s) = self.task_source() {
            return self.symfony_ids_after(s, f, after_id, limit).await;
        }
        let mut binds = Vec::new();
        let wh = self.task_where(f, &mut binds);
        let joiner = if wh.is_empty() { "WHERE" } else { "AND" };
        let sql = self
            .dialect()
            .sql_owned(format!("SELECT t.id FROM b24ops_tasks t {wh} {joiner} t.id > ? ORDER BY t.id LIMIT ?"));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(after_id).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
    }

    /// One task in full, with its attempt history.
    pub async fn task_detail(&self, id: i64) -> StoreResult<Option<TaskDetail>> {
        if let super::TaskSource::Laravel(l) = self.task_source() {
            return self.laravel_detail(l, id).await;
        }
        if let super::TaskSource::Symfony(s) = self.task_source() {
            return self.symfony_detail(s, id).await;
        }
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT t.id, t.attempts, t.max_attempts, t.run_at, t.created_at, t.updated_at, t.failed_at,
                    {k} AS kind, {m} AS member_id, {s} AS status, {e} AS last_error, {pl} AS payload, {dom} AS domain
             FROM b24ops_tasks t WHERE t.id = ?",
            k = d.text_prefix("t.kind", 128),
            m = d.text_prefix("t.member_id", 64),
            s = d.text_prefix("t.status", 16),
            e = d.text_prefix("t.last_error", 65_536),
            pl = d.text_prefix("t.payload", 262_144),
            dom = self.portal_domain("t.member_id"),
        ));
        let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        let raw_payload: Option<String> = match r.try_get::<Option<Vec<u8>>, _>("payload") {
            Ok(b) => b.map(|b| String::from_utf8_lossy(&b).into_owned()),
            Err(_) => r.try_get::<Option<String>, _>("payload")?,
        };
        let (payload, payload_invalid_json) = match raw_payload {
            None => (None, false),
            Some(raw) => match serde_json::from_str::<serde_json::Value>(&raw) {
                Ok(v) => (Some(SafeText::block(&serde_json::to_string_pretty(&v).unwrap_or(raw))), false),
                Err(_) => (Some(SafeText::block(&raw)), true),
            },
        };
        let hist_sql = d.sql_owned(format!(
            "SELECT attempt, started_at, finished_at, {e} AS error FROM b24ops_task_attempts
             WHERE task_id = ? ORDER BY attempt DESC LIMIT 50",
            e = d.text_prefix("error", 500)
        ));
        let hist = sqlx::query(&hist_sql).bind(id).fetch_all(self.pool()).await?;
        let mut history = hist
            .iter()
            .map(|h| {
                Ok(TaskAttempt {
                    attempt: h.try_get("attempt")?,
                    started_at: req_instant(h, "b24ops_task_attempts", "started_at")?,
                    finished_at: opt_instant(h, "b24ops_task_attempts", "finished_at")?,
                    error: opt_line(h, "error")?,
                })
            })
            .collect::<StoreResult<Vec<_>>>()?;
        history.reverse();
        Ok(Some(TaskDetail {
            id: r.try_get("id")?,
            kind: line(&r, "kind")?,
            member_id: member(&r, "member_id")?,
            domain: opt_line(&r, "domain")?,
            status: line(&r, "status")?,
            attempts: r.try_get("attempts")?,
            max_attempts: r.try_get("max_attempts")?,
            last_error: super::codec::opt_block(&r, "last_error")?,
            payload,
            payload_invalid_json,
            run_at: req_instant(&r, "b24ops_tasks", "run_at")?,
            created_at: req_instant(&r, "b24ops_tasks", "created_at")?,
            updated_at: req_instant(&r, "b24ops_tasks", "updated_at")?,
            failed_at: opt_instant(&r, "b24ops_tasks", "failed_at")?,
            history,
        }))
    }

    /// Applies `action` to each of `ids` that is still failed, auditing each change, in one
    /// transaction. Returns the outcome per id, in order.
    pub async fn apply_task_action(
        &self,
        action: TaskAction,
        ids: &[i64],
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<Vec<WriteOutcome>> {
        // A framework's queue: one transaction per job (a Redis push cannot be rolled back, so a
        // batch must not be undone after some of its pushes went out).
        let framework = matches!(self.task_source(), super::TaskSource::Laravel(_) | super::TaskSource::Symfony(_));
        if framework {
            let mut out = Vec::with_capacity(ids.len());
            for &id in ids {
                out.push(match self.task_source() {
                    super::TaskSource::Laravel(l) => self.laravel_apply_one(l, action, id, operator, now).await?,
                    super::TaskSource::Symfony(s) => self.symfony_apply_one(s, action, id, operator, now).await?,
                    _ => WriteOutcome::Missing,
                });
            }
            return Ok(out);
        }
        let d = self.dialect();
        let update = d.sql(action.update_sql());
        let read = d.sql("SELECT status, attempts, max_attempts, member_id FROM b24ops_tasks WHERE id = ?");
        let mut tx = self.begin_write().await?;
        let mut out = Vec::with_capacity(ids.len());
        for &id in ids {
            let Some(before) = sqlx::query(&read).bind(id).fetch_optional(&mut *tx).await? else {
                out.push(WriteOutcome::Missing);
                continue;
            };
            let status: String = before.try_get("status")?;
            let attempts: i64 = before.try_get("attempts")?;
            let max_attempts: i64 = before.try_get("max_attempts")?;
            let member_id: Option<String> = before.try_get("member_id")?;
            let changed = sqlx::query(&update).bind(ms(now)).bind(ms(now)).bind(id).execute(&mut *tx).await?;
            if changed.rows_affected() != 1 {
                out.push(WriteOutcome::Unchanged(status));
                continue;
            }
            let after = match action {
                TaskAction::Restart => {
                    let max = if attempts >= max_attempts { attempts + 1 } else { max_attempts };
                    format!("queued, attempts {attempts}/{max}, due now")
                }
                TaskAction::Discard => "discarded".to_owned(),
            };
            let audit = NewAudit {
                ts: now,
                operator: operator.to_owned(),
                action: action.audit_name().to_owned(),
                target: format!("task #{id}"),
                member_id,
                before: Some(format!("{status}, attempts {attempts}/{max_attempts}")),
                after: Some(after),
            };
            insert_audit(d, &mut *tx, &audit).await?;
            out.push(WriteOutcome::Changed);
        }
        tx.commit().await?;
        Ok(out)
    }
}

fn decode_brief(r: &AnyRow) -> StoreResult<TaskBrief> {
    Ok(TaskBrief {
        id: r.try_get("id")?,
        kind: line(r, "kind")?,
        member_id: member(r, "member_id")?,
        domain: opt_line(r, "domain")?,
        status: line(r, "status")?,
        attempts: r.try_get("attempts")?,
        max_attempts: r.try_get("max_attempts")?,
        last_error: opt_line(r, "last_error")?,
        failed_at: match r.try_get::<Option<i64>, _>("failed_at")? {
            Some(v) => Some(instant("b24ops_tasks", v)?),
            None => None,
        },
    })
}

/// `SELECT COUNT(*) AS n` over `from` and `wh`, stopping after `cap` matching rows when given (a
/// derived table with a LIMIT, which all three dialects stop reading at).
pub(super) fn count_sql(from: &str, wh: &str, cap: Option<i64>) -> String {
    match cap {
        Some(cap) => {
            format!("SELECT COUNT(*) AS n FROM (SELECT 1 AS one FROM {from} {wh} LIMIT {}) capped", cap.max(0))
        }
        None => format!("SELECT COUNT(*) AS n FROM {from} {wh}"),
    }
}
