//! The Tasks tab over a Laravel app's own queue tables: failed jobs from `failed_jobs`, queued
//! and running ones from the database driver's `jobs`, restarted the way `php artisan
//! queue:retry` does it (Illuminate/Queue/Console/RetryCommand.php) and discarded the way
//! `queue:forget` does.
//!
//! Ids: a failed job is its `failed_jobs.id`; a job still in `jobs` is shown as the negative of
//! its id, so the two tables never collide. Every write starts by deleting the failed row: the
//! delete that affects a row is the one claim, so two consoles (or a console and a concurrent
//! `queue:retry`) restart a job once.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{instant, raw_text};
use super::dialect::like_escape;
use super::member_scan::member_condition;
use super::portal_source::column_ms;
use super::{LaravelSource, Store, StoreResult, TaskAction, WriteOutcome};
use crate::model::{MemberId, SafeText, TaskBrief, TaskDetail};
use crate::rules::queue_payload::{first_line, laravel_job, laravel_retry_payload};
use crate::rules::task_filter::TaskFilter;

/// The connection names whose driver is `database` / `redis` in a stock `config/queue.php`.
const DATABASE_CONNECTIONS: [&str; 1] = ["database"];
const REDIS_CONNECTIONS: [&str; 1] = ["redis"];

/// Characters of a payload the list reads (enough for any command that names its portal).
const LIST_PAYLOAD_CHARS: usize = 32_768;

/// Which of Laravel's tables a status lives in.
enum Part {
    Failed,
    Jobs(Option<bool>),
}

fn parts(f: &TaskFilter) -> Vec<Part> {
    match f.status.as_deref() {
        None => vec![Part::Failed, Part::Jobs(None)],
        Some("failed") => vec![Part::Failed],
        Some("queued") => vec![Part::Jobs(Some(false))],
        Some("running") => vec![Part::Jobs(Some(true))],
        // Laravel deletes finished and forgotten jobs: there is nothing to list.
        _ => vec![],
    }
}

impl Store {
    fn laravel_where(
        l: &LaravelSource,
        part: &Part,
        f: &TaskFilter,
        floor: Option<i64>,
        binds: &mut Vec<String>,
    ) -> Option<String> {
        let mut wh = Vec::new();
        if let Some(m) = &f.member_id {
            wh.push(member_condition(l.member_column.as_deref(), "payload", m, binds));
        }
        // A piece of a domain or member_id can only be looked for in the payload (it often holds the domain).
        if let Some(piece) = f.portal.as_deref() {
            wh.push("payload LIKE ? ESCAPE '!'".to_owned());
            binds.push(format!("%{}%", like_escape(piece)));
        }
        if let Some(floor) = floor {
            wh.push(format!("id > {floor}"));
        }
        if let Some(k) = &f.kind {
            // As json_encode wrote it: `"displayName":"App\\Jobs\\SyncDeals"`.
            let quoted = serde_json::to_string(k).unwrap_or_default();
            wh.push("payload LIKE ? ESCAPE '!'".to_owned());
            binds.push(format!("%\"displayName\":{}%", like_escape(&quoted)));
        }
        match part {
            Part::Failed => {
                if let Some(t) = &f.error_text {
                    wh.push("exception LIKE ? ESCAPE '!'".to_owned());
                    binds.push(format!("%{}%", like_escape(t)));
                }
            }
            // Queued jobs have no error to match.
            Part::Jobs(_) if f.error_text.is_some() => return None,
            Part::Jobs(Some(true)) => wh.push("reserved_at IS NOT NULL".into()),
            Part::Jobs(Some(false)) => wh.push("reserved_at IS NULL".into()),
            Part::Jobs(None) => {}
        }
        Some(if wh.is_empty() { String::new() } else { format!("WHERE {}", wh.join(" AND ")) })
    }

    /// The newest jobs matching `f`, by id (the primary key: a bounded walk whatever the size); a
    /// portal filter reads the app's member column, or the newest ids only (see `member_scan`).
    pub(crate) async fn laravel_list(
        &self,
        l: &LaravelSource,
        f: &TaskFilter,
        limit: i64,
    ) -> StoreResult<Vec<TaskBrief>> {
        let d = self.dialect();
        let mut out = Vec::new();
        for part in parts(f) {
            let table = if matches!(part, Part::Failed) { &l.failed_table } else { &l.jobs_table };
            let floor = match (&f.member_id, &l.member_column, &f.portal) {
                (Some(_), None, _) | (_, _, Some(_)) => self.member_scan_floor(table).await?,
                _ => None,
            };
            let mut binds = Vec::new();
            let Some(wh) = Self::laravel_where(l, &part, f, floor, &mut binds) else { continue };
            let sql = match part {
                Part::Failed => format!(
                    "SELECT id, {fa} AS failed_ms, {p} AS payload, {e} AS error FROM {t} {wh} ORDER BY id DESC LIMIT ?",
                    fa = column_ms(d, "failed_at", l.failed_at),
                    p = d.text_prefix("payload", LIST_PAYLOAD_CHARS),
                    e = d.text_prefix("exception", 1000),
                    t = l.failed_table,
                ),
                Part::Jobs(_) => format!(
                    "SELECT id, {a} AS attempts, {r} AS reserved_at, {p} AS payload FROM {t} {wh} ORDER BY id DESC LIMIT ?",
                    a = d.int("attempts"),
                    r = d.int("reserved_at"),
                    p = d.text_prefix("payload", LIST_PAYLOAD_CHARS),
                    t = l.jobs_table,
                ),
            };
            let sql = d.sql_owned(sql);
            let mut q = sqlx::query(&sql);
            for b in binds {
                q = q.bind(b);
            }
            for r in q.bind(limit).fetch_all(self.pool()).await? {
                let brief = match part {
                    Part::Failed => failed_brief(l, &r)?,
                    Part::Jobs(_) => queued_brief(l, &r)?,
                };
                // The LIKE above finds candidates; the portal the payload really names decides.
                if f.member_id.is_none() || brief.member_id == f.member_id {
                    out.push(brief);
                }
            }
        }
        out.truncate(usize::try_from(limit).unwrap_or(0));
        self.fill_domains(&mut out).await?;
        Ok(out)
    }

    /// How many jobs match `f`, each part counted no further than `cap`.
    pub(crate) async fn laravel_count(&self, l: &LaravelSource, f: &TaskFilter, cap: Option<i64>) -> StoreResult<i64> {
        let mut n = 0;
        for part in parts(f) {
            let mut binds = Vec::new();
            let Some(wh) = Self::laravel_where(l, &part, f, None, &mut binds) else { continue };
            let table = if matches!(part, Part::Failed) { &l.failed_table } else { &l.jobs_table };
            let sql = self.dialect().sql_owned(super::tasks::count_sql(table, &wh, cap));
            let mut q = sqlx::query(&sql);
            for b in binds {
                q = q.bind(b);
            }
            n += q.fetch_one(self.pool()).await?.try_get::<i64, _>("n")?;
        }
        Ok(n)
    }

    /// Failed job ids above `after_id`, ascending (bulk actions only touch failed jobs).
    pub(crate) async fn laravel_ids_after(
        &self,
        l: &LaravelSource,
        f: &TaskFilter,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        if f.status.as_deref() != Some("failed") {
            return Ok(Vec::new());
        }
        let mut binds = Vec::new();
        let wh = Self::laravel_where(l, &Part::Failed, f, None, &mut binds).unwrap_or_default();
        let joiner = if wh.is_empty() { "WHERE" } else { "AND" };
        let sql = self
            .dialect()
            .sql_owned(format!("SELECT id FROM {t} {wh} {joiner} id > ? ORDER BY id LIMIT ?", t = l.failed_table));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(after_id).bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get::<i64, _>("id")?)).collect()
    }

    /// One job in full.
    pub(crate) async fn laravel_detail(&self, l: &LaravelSource, id: i64) -> StoreResult<Option<TaskDetail>> {
        let d = self.dialect();
        if id < 0 {
            let sql = d.sql_owned(format!(
                "SELECT id, queue, {a} AS attempts, {r} AS reserved_at, {v} AS available_at, {c} AS created_at,
                        {p} AS payload FROM {t} WHERE id = ?",
                a = d.int("attempts"),
                r = d.int("reserved_at"),
                v = d.int("available_at"),
                c = d.int("created_at"),
                p = d.text_prefix("payload", 262_144),
                t = l.jobs_table
            ));
            let Some(r) = sqlx::query(&sql).bind(-id).fetch_optional(self.pool()).await? else { return Ok(None) };
            let brief = queued_brief(l, &r)?;
            let secs = |c: &str| -> StoreResult<DateTime<Utc>> {
                instant("jobs", r.try_get::<Option<i64>, _>(c)?.unwrap_or(0) * 1000)
            };
            let queue = raw_text(&r, "queue")?.unwrap_or_default();
            let payload = raw_text(&r, "payload")?.unwrap_or_default();
            let mut detail = detail_of(brief, &payload, None, secs("created_at")?);
            detail.status = SafeText::line(&format!("{} on queue {queue}", detail.status));
            detail.run_at = secs("available_at")?;
            detail.updated_at = if r.try_get::<Option<i64>, _>("reserved_at")?.is_some() {
                secs("reserved_at")?
            } else {
                detail.created_at
            };
            return Ok(Some(detail));
        }
        let sql = d.sql_owned(format!(
            "SELECT id, uuid, connection, queue, {fa} AS failed_ms, {p} AS payload, {e} AS error FROM {t} WHERE id = ?",
            fa = column_ms(d, "failed_at", l.failed_at),
            p = d.text_prefix("payload", 262_144),
            e = d.text_prefix("exception", 65_536),
            t = l.failed_table,
        ));
        let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        let mut brief = failed_brief(l, &r)?;
        self.fill_domains(std::slice::from_mut(&mut brief)).await?;
        let failed = brief.failed_at.unwrap_or_else(|| instant("failed_jobs", 0).unwrap_or_default());
        let payload = raw_text(&r, "payload")?.unwrap_or_default();
        let error = raw_text(&r, "error")?;
        let mut detail = detail_of(brief, &payload, error.as_deref(), failed);
        let connection = raw_text(&r, "connection")?.unwrap_or_default();
        let restart = match restart_kind(l, &connection) {
            Ok(_) => "restart pushes it back".to_owned(),
            Err(why) => format!("restart refused: {why}"),
        };
        detail.status = SafeText::line(&format!(
            "failed on {connection}/{} · uuid {} · {restart}",
            raw_text(&r, "queue")?.unwrap_or_default(),
            raw_text(&r, "uuid")?.unwrap_or_default(),
        ));
        Ok(Some(detail))
    }

    /// Restarts or forgets job `id` if it is still failed, with its audit row, in one transaction.
    pub(super) async fn laravel_apply_one(
        &self,
        l: &LaravelSource,
        action: TaskAction,
        id: i64,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome> {
        let d = self.dialect();
        if id < 0 {
            let sql = d.sql_owned(format!(
                "SELECT {} AS reserved_at FROM {} WHERE id = ?",
                d.int("reserved_at"),
                l.jobs_table
            ));
            return Ok(match sqlx::query(&sql).bind(-id).fetch_optional(self.pool()).await? {
                None => WriteOutcome::Missing,
                Some(r) if r.try_get::<Option<i64>, _>("reserved_at")?.is_some() => {
                    WriteOutcome::Unchanged("running".into())
                }
                Some(_) => WriteOutcome::Unchanged("queued".into()),
            });
        }
        let read = d.sql_owned(format!(
            "SELECT uuid, connection, queue, {p} AS payload FROM {t} WHERE id = ?",
            p = d.text("payload"),
            t = l.failed_table
        ));
        let Some(r) = sqlx::query(&read).bind(id).fetch_optional(self.pool()).await? else {
            return Ok(WriteOutcome::Missing);
        };
        let uuid = raw_text(&r, "uuid")?.unwrap_or_default();
        let connection = raw_text(&r, "connection")?.unwrap_or_default();
        let queue = raw_text(&r, "queue")?.unwrap_or_default();
        let payload = raw_text(&r, "payload")?.unwrap_or_default();
        let job = laravel_job(&payload, &l.member);
        let push = match action {
            TaskAction::Discard => None,
            TaskAction::Restart => {
                let kind = match restart_kind(l, &connection) {
                    Ok(k) => k,
                    Err(why) => return Ok(WriteOutcome::Refused(why)),
                };
                match laravel_retry_payload(&payload, now, l.retry_until_secs) {
                    Ok(p) => Some((kind, p)),
                    Err(why) => return Ok(WriteOutcome::Refused(why.to_string())),
                }
            }
        };
        let mut tx = self.begin_write().await?;
        let delete = d.sql_owned(format!("DELETE FROM {} WHERE id = ?", l.failed_table));
        if sqlx::query(&delete).bind(id).execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(WriteOutcome::Unchanged("restarted or removed meanwhile".into()));
        }
        let after = match &push {
            None => "forgotten (queue:forget)".to_owned(),
            Some((Restart::Database, p)) => {
                // DatabaseQueue::buildDatabaseRecord: attempts 0, not reserved, available now.
                let insert = d.sql_owned(format!(
                    "INSERT INTO {} (queue, payload, attempts, reserved_at, available_at, created_at) VALUES (?, ?, 0, NULL, ?, ?)",
                    l.jobs_table
                ));
                let secs = now.timestamp();
                sqlx::query(&insert)
                    .bind(queue.clone())
                    .bind(p.clone())
                    .bind(secs)
                    .bind(secs)
                    .execute(&mut *tx)
                    .await?;
                format!("pushed onto {}, queue {queue}", l.jobs_table)
            }
            Some((Restart::Redis(target), p)) => {
                // Pushed while the failed row's delete is uncommitted: a failed push rolls the
                // delete back and nothing is lost.
                target.push(&queue, p).await.map_err(super::StoreError::Refused)?;
                format!("pushed onto Redis list {}", target.queue_key(&queue))
            }
        };
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: action.audit_name().to_owned(),
            target: format!("{} #{id}", l.failed_table),
            member_id: job.member_id.clone(),
            before: Some(format!("failed on {connection}/{queue}: {} (uuid {uuid})", job.kind)),
            after: Some(after),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(WriteOutcome::Changed)
    }

    /// Each brief's portal domain, in one query per hundred portals.
    pub(super) async fn fill_domains(&self, briefs: &mut [TaskBrief]) -> StoreResult<()> {
        let mut members: Vec<String> =
            briefs.iter().filter_map(|b| b.member_id.as_ref().map(|m| m.as_str().to_owned())).collect();
        members.sort();
        members.dedup();
        let mut domains = std::collections::HashMap::new();
        for chunk in members.chunks(100) {
            let one = format!("SELECT ? AS m, {} AS domain", self.portal_domain("?"));
            let sql = self.dialect().sql_owned(vec![one; chunk.len()].join(" UNION ALL "));
            let mut q = sqlx::query(&sql);
            for m in chunk {
                q = q.bind(m.clone()).bind(m.clone());
            }
            for r in q.fetch_all(self.pool()).await? {
                if let (Some(m), Some(dom)) = (raw_text(&r, "m")?, raw_text(&r, "domain")?) {
                    domains.insert(m, dom);
                }
            }
        }
        for b in briefs {
            b.domain = b.member_id.as_ref().and_then(|m| domains.get(m.as_str())).map(|dom| SafeText::line(dom));
        }
        Ok(())
    }
}

/// How a failed job's connection is restarted.
enum Restart {
    Database,
    Redis(super::redis_push::RedisTarget),
}

fn restart_kind(l: &LaravelSource, connection: &str) -> Result<Restart, String> {
    if DATABASE_CONNECTIONS.contains(&connection) {
        return Ok(Restart::Database);
    }
    if REDIS_CONNECTIONS.contains(&connection) {
        return l
            .redis
            .clone()
            .map(Restart::Redis)
            .ok_or_else(|| "its connection is redis and tasks.redis_url is not set".to_owned());
    }
    Err(format!(
        "b24ops restarts jobs of the database and redis connections only, this one is {connection:?}: use `php artisan queue:retry`"
    ))
}

fn failed_brief(l: &LaravelSource, r: &AnyRow) -> StoreResult<TaskBrief> {
    let payload = raw_text(r, "payload")?.unwrap_or_default();
    let job = laravel_job(&payload, &l.member);
    let error = raw_text(r, "error")?.unwrap_or_default();
    Ok(TaskBrief {
        id: r.try_get("id")?,
        kind: SafeText::line(&job.kind),
        member_id: job.member_id.as_deref().map(MemberId::from_db),
        domain: None,
        status: SafeText::line("failed"),
        attempts: job.attempts,
        max_attempts: job.max_tries.unwrap_or(0),
        last_error: Some(SafeText::line(first_line(&error))),
        failed_at: match r.try_get::<Option<i64>, _>("failed_ms")? {
            Some(v) => Some(instant("failed_jobs", v)?),
            None => None,
        },
    })
}

fn queued_brief(l: &LaravelSource, r: &AnyRow) -> StoreResult<TaskBrief> {
    let payload = raw_text(r, "payload")?.unwrap_or_default();
    let job = laravel_job(&payload, &l.member);
    let running = r.try_get::<Option<i64>, _>("reserved_at")?.is_some();
    Ok(TaskBrief {
        id: -r.try_get::<i64, _>("id")?,
        kind: SafeText::line(&job.kind),
        member_id: job.member_id.as_deref().map(MemberId::from_db),
        domain: None,
        status: SafeText::line(if running { "running" } else { "queued" }),
        attempts: r.try_get("attempts")?,
        max_attempts: job.max_tries.unwrap_or(0),
        last_error: None,
        failed_at: None,
    })
}

fn detail_of(b: TaskBrief, payload: &str, error: Option<&str>, at: DateTime<Utc>) -> TaskDetail {
    let (pretty, invalid) = match serde_json::from_str::<serde_json::Value>(payload) {
        Ok(v) => (serde_json::to_string_pretty(&v).unwrap_or_else(|_| payload.to_owned()), false),
        Err(_) => (payload.to_owned(), true),
    };
    TaskDetail {
        id: b.id,
        kind: b.kind,
        member_id: b.member_id,
        domain: b.domain,
        status: b.status,
        attempts: b.attempts,
        max_attempts: b.max_attempts,
        last_error: error.map(SafeText::block),
        payload: Some(SafeText::block(&pretty)),
        payload_invalid_json: invalid,
        run_at: at,
        created_at: at,
        updated_at: at,
        failed_at: b.failed_at,
        history: Vec::new(),
    }
}
