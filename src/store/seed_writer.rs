//! Bulk writes: the seeder and the live-traffic simulator load rows through here, in batched
//! multi-row INSERTs inside transactions.

use chrono::{DateTime, Utc};
use sqlx::Any;
use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::codec::ms;
use super::dialect::insert_returning_id;
use super::intake_keys::{self, IntakeKey};
use super::{Store, StoreResult};
use crate::model::{NewApiCall, NewAppError};

/// Rows per INSERT statement (11 binds each stays far below every backend's parameter limit).
const ROWS_PER_STATEMENT: usize = 400;

/// A background task row to write.
#[derive(Clone, Debug, PartialEq)]
pub struct TaskRecord {
    /// Task kind.
    pub kind: String,
    /// Portal it works for.
    pub member_id: Option<String>,
    /// queued / running / failed / done / discarded.
    pub status: &'static str,
    /// Attempts made.
    pub attempts: i64,
    /// Attempts allowed.
    pub max_attempts: i64,
    /// The last error.
    pub last_error: Option<String>,
    /// JSON payload (or anything the app stored).
    pub payload: Option<String>,
    /// When it is due.
    pub run_at: DateTime<Utc>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it last failed.
    pub failed_at: Option<DateTime<Utc>>,
}

/// A ticket row with its first message.
#[derive(Clone, Debug, PartialEq)]
pub struct TicketRecord {
    /// email / form / chat / console / api.
    pub channel: &'static str,
    /// Portal, when known.
    pub member_id: Option<String>,
    /// Domain as the requester gave it.
    pub domain: Option<String>,
    /// Subject.
    pub subject: String,
    /// Requester's name.
    pub requester_name: String,
    /// Requester's email.
    pub requester_email: String,
    /// low / normal / high / critical.
    pub priority: &'static str,
    /// Status history, oldest first, as (time, status); the last is the current status.
    pub history: Vec<(DateTime<Utc>, &'static str)>,
    /// Assignee.
    pub assignee: Option<String>,
    /// Opened at.
    pub created_at: DateTime<Utc>,
    /// First reply at.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Solved at.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Messages as (time, author, direction, body).
    pub messages: Vec<(DateTime<Utc>, String, &'static str, String)>,
}

/// A Marketplace review row.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewRecord {
    /// The Marketplace's id for the review.
    pub source_id: String,
    /// Portal, when known.
    pub member_id: Option<String>,
    /// Reviewer.
    pub author: String,
    /// 1–5.
    pub rating: i64,
    /// Review text.
    pub text: String,
    /// Submitted at.
    pub submitted_at: DateTime<Utc>,
    /// Draft reply.
    pub reply_draft: Option<String>,
    /// none / draft / ready / published / outdated.
    pub reply_status: &'static str,
    /// When the reply was published.
    pub published_at: Option<DateTime<Utc>>,
    /// When the reviewer last edited it.
    pub edited_at: Option<DateTime<Utc>>,
}

/// Writes batches of rows.
pub struct SeedWriter<'a> {
    store: &'a Store,
}

impl Store {
    /// A bulk writer on this store.
    pub fn seed_writer(&self) -> SeedWriter<'_> {
        SeedWriter { store: self }
    }
}

impl SeedWriter<'_> {
    /// Writes calls in one transaction, several hundred rows per statement.
    pub async fn calls(&self, calls: &[NewApiCall]) -> StoreResult<()> {
        self.calls_once(calls, None, Utc::now()).await
    }

    /// [`SeedWriter::calls`], storing `key` in the same transaction when one is given: a key
    /// already kept fails the whole transaction ([`super::StoreError::is_duplicate_key`]).
    pub async fn calls_once(
        &self,
        calls: &[NewApiCall],
        key: Option<&IntakeKey>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let mut tx = self.store.begin_write().await?;
        self.call_rows(&mut tx, calls).await?;
        if let Some(k) = key {
            intake_keys::claim(&mut tx, self.store, k, now).await?;
        }
        self.store.commit_write(tx).await
    }

    async fn call_rows(&self, tx: &mut sqlx::Transaction<'static, Any>, calls: &[NewApiCall]) -> StoreResult<()> {
        let d = self.store.dialect();
        for chunk in calls.chunks(ROWS_PER_STATEMENT) {
            let row = format!("(?, ?, ?, ?, ?, ?, ?, {}, ?, ?, ?)", d.float_param());
            let sql = d.sql(&multi_insert(
                "b24ops_api_calls (ts, member_id, method, http_status, error_code, error_description, duration_ms, operating, request_id, task_id, source)",
                &row,
                chunk.len(),
            ))
            .into_owned();
            let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
            for c in chunk {
                q = q
                    .bind(ms(c.ts))
                    .bind(c.member_id.clone())
                    .bind(c.method.clone())
                    .bind(c.http_status)
                    .bind(c.error_code.clone())
                    .bind(c.error_description.clone())
                    .bind(c.duration_ms)
                    .bind(c.operating.map(|o| o.to_string()))
                    .bind(c.request_id.clone())
                    .bind(c.task_id)
                    .bind(c.source.clone());
            }
            q.execute(&mut **tx).await?;
        }
        Ok(())
    }

    /// Writes app errors in one transaction.
    pub async fn app_errors(&self, errors: &[NewAppError]) -> StoreResult<()> {
        self.app_errors_once(errors, None, Utc::now()).await
    }

    /// [`SeedWriter::app_errors`], storing `key` in the same transaction when one is given.
    pub async fn app_errors_once(
        &self,
        errors: &[NewAppError],
        key: Option<&IntakeKey>,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let d = self.store.dialect();
        let mut tx = self.store.begin_write().await?;
        for chunk in errors.chunks(ROWS_PER_STATEMENT) {
            let sql = d
                .sql(&multi_insert(
                    "b24ops_app_errors (ts, member_id, error_type, message, context, source)",
                    "(?, ?, ?, ?, ?, ?)",
                    chunk.len(),
                ))
                .into_owned();
            let mut q: Query<'_, Any, AnyArguments<'_>> = sqlx::query(&sql);
            for e in chunk {
                q = q
                    .bind(ms(e.ts))
                    .bind(e.member_id.clone())
                    .bind(e.error_type.clone())
                    .bind(e.message.clone())
                    .bind(e.context.clone())
                    .bind(e.source.clone());
            }
            q.execute(&mut *tx).await?;
        }
        if let Some(k) = key {
            intake_keys::claim(&mut tx, self.store, k, now).await?;
        }
        self.store.commit_write(tx).await
    }

    /// Writes one task; returns its id.
    pub async fn task(&self, t: &TaskRecord) -> StoreResult<i64> {
        let t = t.clone();
        let id = insert_returning_id(
            self.store.dialect(),
            self.store.pool(),
            "INSERT INTO b24ops_tasks (kind, member_id, status, attempts, max_attempts, last_error, payload, run_at, created_at, updated_at, failed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            move |q| {
                q.bind(t.kind)
                    .bind(t.member_id)
                    .bind(t.status)
                    .bind(t.attempts)
                    .bind(t.max_attempts)
                    .bind(t.last_error)
                    .bind(t.payload)
                    .bind(ms(t.run_at))
                    .bind(ms(t.created_at))
                    .bind(ms(t.failed_at.unwrap_or(t.created_at)))
                    .bind(t.failed_at.map(ms))
            },
        )
        .await?;
        Ok(id)
    }

    /// Writes one ticket with its messages and status history; returns its id.
    pub async fn ticket(&self, t: &TicketRecord) -> StoreResult<i64> {
        let d = self.store.dialect();
        let mut tx = self.store.pool().begin().await?;
        let status = t.history.last().map(|h| h.1).unwrap_or("new");
        let updated = t.history.last().map(|h| h.0).unwrap_or(t.created_at);
        let row = t.clone();
        let id = insert_returning_id(
            d,
            &mut *tx,
            "INSERT INTO b24ops_tickets (channel, member_id, domain, subject, requester_name, requester_email, priority, status,
                assignee, created_at, updated_at, first_response_at, resolved_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            move |q| {
                q.bind(row.channel)
                    .bind(row.member_id)
                    .bind(row.domain)
                    .bind(row.subject)
                    .bind(row.requester_name)
                    .bind(row.requester_email)
                    .bind(row.priority)
                    .bind(status)
                    .bind(row.assignee)
                    .bind(ms(row.created_at))
                    .bind(ms(updated))
                    .bind(row.first_response_at.map(ms))
                    .bind(row.resolved_at.map(ms))
            },
        )
        .await?;
        let hist = d.sql("INSERT INTO b24ops_ticket_status_history (ticket_id, ts, from_status, to_status, actor) VALUES (?, ?, ?, ?, ?)");
        let mut prev: Option<&str> = None;
        for (ts, to) in &t.history {
            sqlx::query(&hist).bind(id).bind(ms(*ts)).bind(prev).bind(*to).bind("seed").execute(&mut *tx).await?;
            prev = Some(to);
        }
        let msg =
            d.sql("INSERT INTO b24ops_ticket_messages (ticket_id, ts, author, direction, body) VALUES (?, ?, ?, ?, ?)");
        for (ts, author, dir, body) in &t.messages {
            sqlx::query(&msg).bind(id).bind(ms(*ts)).bind(author).bind(*dir).bind(body).execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// Writes one review.
    pub async fn review(&self, r: &ReviewRecord, now: DateTime<Utc>) -> StoreResult<()> {
        let sql = self.store.dialect().sql(
            "INSERT INTO b24ops_reviews (source_id, member_id, author, rating, text, submitted_at, reply_draft, reply_status,
                reply_updated_at, published_at, edited_at, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        );
        sqlx::query(&sql)
            .bind(&r.source_id)
            .bind(&r.member_id)
            .bind(&r.author)
            .bind(r.rating)
            .bind(&r.text)
            .bind(ms(r.submitted_at))
            .bind(&r.reply_draft)
            .bind(r.reply_status)
            .bind(r.reply_draft.as_ref().map(|_| ms(now)))
            .bind(r.published_at.map(ms))
            .bind(r.edited_at.map(ms))
            .bind(ms(now))
            .execute(self.store.pool())
            .await?;
        Ok(())
    }
}

/// `INSERT INTO table (cols) VALUES row, row …` with `rows` copies of the placeholder `row`.
fn multi_insert(table_and_cols: &str, row: &str, rows: usize) -> String {
    let mut sql = format!("INSERT INTO {table_and_cols} VALUES ");
    sql.push_str(&vec![row; rows].join(", "));
    sql
}
