//! The Tasks tab over a Symfony Messenger app's Doctrine transport: failed messages are the rows
//! of the failure transport's queue in `messenger_messages`, read as symfony/messenger 5.4 writes
//! them (Bridge/Doctrine/Transport/Connection.php), restarted as `messenger:failed:retry` does for
//! a Doctrine original transport — the message back on its original queue, available now — and
//! removed as `messenger:failed:remove` does.
//!
//! A row is failed while it sits on the failure queue undelivered (`delivered_at IS NULL`: a
//! worker that took it, e.g. a running `messenger:failed:retry`, sets it). Every write is one
//! UPDATE or DELETE guarded by exactly that, so two consoles, or a console and the app's own
//! retry, change a message once.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{instant, raw_text};
use super::dialect::{Dialect, like_escape};
use super::member_scan::member_condition;
use super::portal_source::column_ms;
use super::{Store, StoreResult, SymfonySource, TaskAction, WriteOutcome};
use crate::config::TimeEncoding;
use crate::model::{MemberId, SafeText, TaskBrief, TaskDetail};
use crate::rules::messenger_envelope::{MessengerMessage, read_message, retry_row};
use crate::rules::queue_payload::first_line;
use crate::rules::task_filter::TaskFilter;

/// The table, read in primary-key order: on MariaDB at a million failed messages the optimizer
/// intersects Doctrine's `queue_name` and `delivered_at` indexes and sorts every failed row (the
/// first page took 2.7 s; walking the key, 10 ms), while the failure queue is most of the table.
fn by_id(d: Dialect, s: &SymfonySource) -> String {
    match d {
        Dialect::MySql => format!("{} FORCE INDEX (PRIMARY)", s.table),
        Dialect::Sqlite | Dialect::Postgres => s.table.clone(),
    }
}

impl Store {
    /// The WHERE of failed messages matching `f`; `None` when `f` asks for a status the failure
    /// transport does not hold.
    fn symfony_where(s: &SymfonySource, f: &TaskFilter, floor: Option<i64>, binds: &mut Vec<String>) -> Option<String> {
        if f.status.as_deref().is_some_and(|st| st != "failed") {
            return None;
        }
        let mut wh = vec!["queue_name = ?".to_owned(), "delivered_at IS NULL".to_owned()];
        binds.push(s.failure_queue.clone());
        if let Some(m) = &f.member_id {
            wh.push(member_condition(s.member_column.as_deref(), "body", m, binds));
        }
        // A piece of a domain or member_id can only be looked for in the body (it often holds the domain).
        if let Some(piece) = f.portal.as_deref() {
            wh.push("body LIKE ? ESCAPE '!'".to_owned());
            binds.push(format!("%{}%", like_escape(piece)));
        }
        if let Some(floor) = floor {
            wh.push(format!("id > {floor}"));
        }
        // The class as both serializers escape it: addslashes and json_encode double backslashes.
        for text in [f.kind.as_ref().map(|k| k.replace('\\', "\\\\")), f.error_text.clone()].into_iter().flatten() {
            wh.push("(body LIKE ? ESCAPE '!' OR headers LIKE ? ESCAPE '!')".into());
            let pattern = format!("%{}%", like_escape(&text));
            binds.extend([pattern.clone(), pattern]);
        }
        Some(format!("WHERE {}", wh.join(" AND ")))
    }

    /// The newest failed messages matching `f`, by id (the primary key: bounded whatever the size);
    /// a portal filter reads the app's member column, or the newest ids only (see `member_scan`).
    pub(crate) async fn symfony_list(
        &self,
        s: &SymfonySource,
        f: &TaskFilter,
        limit: i64,
    ) -> StoreResult<Vec<TaskBrief>> {
        let d = self.dialect();
        let floor = match (&f.member_id, &s.member_column, &f.portal) {
            (Some(_), None, _) | (_, _, Some(_)) => self.member_scan_floor(&s.table).await?,
            _ => None,
        };
        let mut binds = Vec::new();
        let Some(wh) = Self::symfony_where(s, f, floor, &mut binds) else { return Ok(Vec::new()) };
        let sql =
            d.sql_owned(format!("SELECT {} FROM {} {wh} ORDER BY id DESC LIMIT ?", row_columns(d, s), by_id(d, s)));
        let q = bound(&sql, binds);
        let mut out = Vec::new();
        for r in q.bind(limit).fetch_all(self.pool()).await? {
            let (brief, msg) = brief_of(s, &r)?;
            // The LIKEs find candidates; what the decoded message says decides.
            if matches_decoded(f, &brief, &msg) {
                out.push(brief);
            }
        }
        self.fill_domains(&mut out).await?;
        Ok(out)
    }

    /// How many failed messages match `f` (candidates by text, as the bulk confirmation shows),
    /// counted no further than `cap`.
    pub(crate) async fn symfony_count(&self, s: &SymfonySource, f: &TaskFilter, cap: Option<i64>) -> StoreResult<i64> {
        let mut binds = Vec::new();
        let Some(wh) = Self::symfony_where(s, f, None, &mut binds) else { return Ok(0) };
        let sql = self.dialect().sql_owned(super::tasks::count_sql(&s.table, &wh, cap));
        let q = bound(&sql, binds);
        Ok(q.fetch_one(self.pool()).await?.try_get("n")?)
    }

    /// Failed message ids above `after_id`, ascending: the keyset a bulk action walks. The text
    /// match only finds candidates (a portal's id may sit in another portal's error text), so
    /// each is decoded, and the walk goes on past a batch with no real match.
    pub(crate) async fn symfony_ids_after(
        &self,
        s: &SymfonySource,
        f: &TaskFilter,
        after_id: i64,
        limit: i64,
    ) -> StoreResult<Vec<i64>> {
        let d = self.dialect();
        let mut binds = Vec::new();
        let Some(wh) = Self::symfony_where(s, f, None, &mut binds) else { return Ok(Vec::new()) };
        let sql = d.sql_owned(format!(
            "SELECT {} FROM {} {wh} AND id > ? ORDER BY id LIMIT ?",
            row_columns(d, s),
            by_id(d, s)
        ));
        let (mut cursor, mut out) = (after_id, Vec::new());
        while out.is_empty() {
            let rows = bound(&sql, binds.clone()).bind(cursor).bind(limit).fetch_all(self.pool()).await?;
            let Some(last) = rows.last() else { break };
            cursor = last.try_get("id")?;
            for r in &rows {
                let (brief, msg) = brief_of(s, r)?;
                if matches_decoded(f, &brief, &msg) {
                    out.push(brief.id);
                }
            }
        }
        Ok(out)
    }

    /// One failed message in full.
    pub(crate) async fn symfony_detail(&self, s: &SymfonySource, id: i64) -> StoreResult<Option<TaskDetail>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!("SELECT {} FROM {} WHERE id = ? AND queue_name = ?", row_columns(d, s), s.table));
        let Some(r) = sqlx::query(&sql).bind(id).bind(s.failure_queue.clone()).fetch_optional(self.pool()).await?
        else {
            return Ok(None);
        };
        let (mut brief, msg) = brief_of(s, &r)?;
        self.fill_domains(std::slice::from_mut(&mut brief)).await?;
        let at = brief.failed_at.unwrap_or_else(|| instant("messenger_messages", 0).unwrap_or_default());
        let restart = match restart_queue(s, &msg) {
            Ok(q) => format!("restart puts it back on queue {q}"),
            Err(why) => format!("restart refused: {why}"),
        };
        let unknown = match msg.unknown_stamps.as_slice() {
            [] => String::new(),
            list => format!(" · stamps b24ops does not know (kept as they are): {}", list.join(", ")),
        };
        let status = format!(
            "failed on {} · retried {}× · {restart}{unknown}",
            msg.original_transport.as_deref().unwrap_or("(no transport recorded)"),
            msg.retries
        );
        Ok(Some(TaskDetail {
            id: brief.id,
            kind: brief.kind,
            member_id: brief.member_id,
            domain: brief.domain,
            status: SafeText::line(&status),
            attempts: brief.attempts,
            max_attempts: 0,
            last_error: msg.error.as_deref().or(msg.unreadable.as_deref()).map(SafeText::block),
            payload: Some(SafeText::block(&raw_text(&r, "body")?.unwrap_or_default())),
            payload_invalid_json: false,
            run_at: at,
            created_at: at,
            updated_at: at,
            failed_at: brief.failed_at,
            history: Vec::new(),
        }))
    }

    /// Restarts or removes message `id` if it is still failed, with its audit row, in one transaction.
    pub(super) async fn symfony_apply_one(
        &self,
        s: &SymfonySource,
        action: TaskAction,
        id: i64,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome> {
        let d = self.dialect();
        let read = d.sql_owned(format!(
            "SELECT {q} AS queue_name, {b} AS body, {h} AS headers, CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END AS taken
             FROM {t} WHERE id = ?",
            q = d.text("queue_name"),
            b = d.text("body"),
            h = d.text("headers"),
            t = s.table
        ));
        let Some(r) = sqlx::query(&read).bind(id).fetch_optional(self.pool()).await? else {
            return Ok(WriteOutcome::Missing);
        };
        let queue = raw_text(&r, "queue_name")?.unwrap_or_default();
        if queue != s.failure_queue {
            return Ok(WriteOutcome::Unchanged(format!("on queue {queue}")));
        }
        if r.try_get::<i64, _>("taken")? != 0 {
            return Ok(WriteOutcome::Unchanged("taken by a worker (messenger:failed:retry?)".into()));
        }
        let (body, headers) = (raw_text(&r, "body")?.unwrap_or_default(), raw_text(&r, "headers")?.unwrap_or_default());
        let msg = read_message(&body, &headers, &s.member);
        let guard = "WHERE id = ? AND queue_name = ? AND delivered_at IS NULL";
        let mut tx = self.begin_write().await?;
        let after = match action {
            TaskAction::Discard => {
                let sql = d.sql_owned(format!("DELETE FROM {} {guard}", s.table));
                let q = sqlx::query(&sql).bind(id).bind(s.failure_queue.clone());
                if q.execute(&mut *tx).await?.rows_affected() != 1 {
                    return Ok(WriteOutcome::Unchanged("retried or removed meanwhile".into()));
                }
                "removed (messenger:failed:remove)".to_owned()
            }
            TaskAction::Restart => {
                let target = match restart_queue(s, &msg) {
                    Ok(q) => q.to_owned(),
                    Err(why) => return Ok(WriteOutcome::Refused(why)),
                };
                let (new_body, new_headers) = match retry_row(&body, &headers) {
                    Ok(row) => row,
                    Err(why) => return Ok(WriteOutcome::Refused(why)),
                };
                let sql = d.sql_owned(format!(
                    "UPDATE {} SET queue_name = ?, body = ?, headers = ?, available_at = {}, delivered_at = NULL {guard}",
                    s.table,
                    time_literal(d, s.times, now)
                ));
                let q = sqlx::query(&sql).bind(target.clone()).bind(new_body).bind(new_headers);
                if q.bind(id).bind(s.failure_queue.clone()).execute(&mut *tx).await?.rows_affected() != 1 {
                    return Ok(WriteOutcome::Unchanged("retried or removed meanwhile".into()));
                }
                format!("back on queue {target}, available now (messenger:failed:retry)")
            }
        };
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: action.audit_name().to_owned(),
            target: format!("{} #{id}", s.table),
            member_id: msg.member_id.clone(),
            before: Some(format!(
                "failed on {}: {} ({})",
                msg.original_transport.as_deref().unwrap_or("?"),
                msg.kind,
                first_line(msg.error.as_deref().unwrap_or(""))
            )),
            after: Some(after),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(WriteOutcome::Changed)
    }
}

/// Whether the decoded message is what `f` asks for (the SQL matched its text only).
fn matches_decoded(f: &TaskFilter, brief: &TaskBrief, msg: &MessengerMessage) -> bool {
    f.kind.as_ref().is_none_or(|k| *k == msg.kind) && (f.member_id.is_none() || brief.member_id == f.member_id)
}

/// What [`brief_of`] reads of a row.
fn row_columns(d: Dialect, s: &SymfonySource) -> String {
    format!(
        "id, {} AS failed_ms, {} AS body, {} AS headers",
        column_ms(d, "created_at", s.times),
        d.text("body"),
        d.text("headers")
    )
}

/// `sql` with its text binds.
fn bound(sql: &str, binds: Vec<String>) -> sqlx::query::Query<'_, sqlx::Any, sqlx::any::AnyArguments<'_>> {
    binds.into_iter().fold(sqlx::query(sql), |q, b| q.bind(b))
}

/// The queue a restart puts the message on, or why it cannot.
fn restart_queue<'a>(s: &'a SymfonySource, msg: &MessengerMessage) -> Result<&'a str, String> {
    if let Some(why) = &msg.unreadable {
        return Err(format!("{why}; use `bin/console messenger:failed:show` to look at it"));
    }
    let Some(transport) = &msg.original_transport else {
        return Err(
            "no SentToFailureTransportStamp names the transport it failed on: use `bin/console messenger:failed:retry`"
                .into(),
        );
    };
    s.transport_queues.get(transport).map(String::as_str).ok_or_else(|| {
        format!("transport {transport:?} is not in tasks.transport_queues (its Doctrine queue_name): set it, or use `bin/console messenger:failed:retry`")
    })
}

/// `now` as the app's PHP writes a DATETIME column (Doctrine's `Y-m-d H:i:s` in its zone), as
/// SQL. Built from a clock reading only, so it is safe to inline.
fn time_literal(d: Dialect, times: TimeEncoding, now: DateTime<Utc>) -> String {
    match times {
        TimeEncoding::EpochSeconds => now.timestamp().to_string(),
        TimeEncoding::EpochMillis => now.timestamp_millis().to_string(),
        TimeEncoding::DateTime(zone) => {
            let text = now.with_timezone(&zone).format("%Y-%m-%d %H:%M:%S");
            match d {
                Dialect::Postgres => format!("CAST('{text}' AS TIMESTAMP)"),
                _ => format!("'{text}'"),
            }
        }
    }
}

fn brief_of(s: &SymfonySource, r: &AnyRow) -> StoreResult<(TaskBrief, MessengerMessage)> {
    let body = raw_text(r, "body")?.unwrap_or_default();
    let msg = read_message(&body, &raw_text(r, "headers")?.unwrap_or_default(), &s.member);
    let error = msg.error.as_deref().or(msg.unreadable.as_deref()).map(|e| SafeText::line(first_line(e)));
    let brief = TaskBrief {
        id: r.try_get("id")?,
        kind: SafeText::line(&msg.kind),
        member_id: msg.member_id.as_deref().map(MemberId::from_db),
        domain: None,
        status: SafeText::line("failed"),
        attempts: msg.retries,
        max_attempts: 0,
        last_error: error,
        failed_at: match r.try_get::<Option<i64>, _>("failed_ms")? {
            Some(v) => Some(instant("messenger_messages", v)?),
            None => None,
        },
    };
    Ok((brief, msg))
}
