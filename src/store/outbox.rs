//! `b24ops_outbox`: public replies on their way to the customer. A reply is queued in the same
//! transaction that stores it; a deliverer claims a due row by compare-and-swap on the state it
//! read, so the console, `serve` and `watch` delivering at once still send each reply once.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{line, ms, opt_instant, opt_line, raw_text, req_instant};
use super::limits::{EMAIL_MAX, MESSAGE_ID_MAX, cut};
use super::{Dialect, Store, StoreResult};
use crate::model::{MessageDelivery, SafeText};

const TABLE: &str = "b24ops_outbox";
/// The longest failure reason kept (`VARCHAR(500)`).
const ERROR_MAX: usize = 500;

/// A claimed reply, with what sending it needs.
#[derive(Clone, Debug)]
pub struct OutboxItem {
    /// Outbox row.
    pub id: i64,
    /// The idempotent key of this delivery; our Message-ID is built from it.
    pub delivery_key: String,
    /// The claim this deliverer holds.
    pub claim: String,
    /// The ticket.
    pub ticket_id: i64,
    /// The reply's message row.
    pub message_row: i64,
    /// email, imbot or telegram.
    pub channel: String,
    /// Where it goes.
    pub recipient: String,
    /// Tries before this one.
    pub attempts: i64,
    /// The ticket's subject.
    pub subject: String,
    /// The reply's text.
    pub body: String,
    /// Who wrote it.
    pub author: String,
    /// The Message-IDs of the thread before this reply, oldest first, and whether each came from
    /// the customer: the last customer one is In-Reply-To, all are References.
    pub thread_ids: Vec<(String, bool)>,
}

/// Queues the public reply `message_row` of ticket `ticket_id` on `channel` (`email`, or `imbot`
/// for the app's bot in the customer's Bitrix24) inside the writer's transaction.
pub(crate) async fn queue_reply(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: Dialect,
    ticket_id: i64,
    message_row: i64,
    channel: &str,
    recipient: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    // The key is unique across installations too: a customer who writes to two vendors' desks
    // never gets a Message-ID that collides.
    let key = format!("b24ops-{ticket_id}-{message_row}-{:016x}", rand::random::<u64>());
    let sql = d.sql(
        "INSERT INTO b24ops_outbox (delivery_key, ticket_id, message_row, channel, recipient, state, attempts, next_attempt_at, created_at)
         VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
    );
    sqlx::query(&sql)
        .bind(key)
        .bind(ticket_id)
        .bind(message_row)
        .bind(channel)
        .bind(cut(recipient, EMAIL_MAX))
        .bind(ms(now))
        .bind(ms(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

fn delivery(r: &AnyRow) -> StoreResult<MessageDelivery> {
    Ok(MessageDelivery {
        channel: line(r, "channel")?,
        recipient: line(r, "recipient")?,
        state: line(r, "state")?,
        attempts: r.try_get("attempts")?,
        next_attempt_at: opt_instant(r, TABLE, "next_attempt_at")?,
        last_error: opt_line(r, "last_error")?,
        sent_at: opt_instant(r, TABLE, "sent_at")?,
    })
}

impl Store {
    /// The delivery state of each queued reply of a ticket, by message row.
    pub async fn deliveries_of(&self, ticket_id: i64) -> StoreResult<Vec<(i64, MessageDelivery)>> {
        let sql = self.dialect().sql(
            "SELECT message_row, channel, recipient, state, attempts, next_attempt_at, last_error, sent_at
             FROM b24ops_outbox WHERE ticket_id = ? ORDER BY id",
        );
        let rows = sqlx::query(&sql).bind(ticket_id).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((r.try_get("message_row")?, delivery(r)?))).collect()
    }

    /// Claims up to `limit` replies on `channels` due at `now` (queued or failed and due, or left `sending`
    /// since before `stale_before` by a deliverer that died) for `claim`. Each row is taken by a
    /// compare-and-swap on the state, attempts and claim time read, so of two deliverers racing
    /// for a row exactly one gets it.
    pub async fn claim_due_replies(
        &self,
        claim: &str,
        now: DateTime<Utc>,
        stale_before: DateTime<Utc>,
        channels: &[&str],
        limit: i64,
    ) -> StoreResult<Vec<OutboxItem>> {
        let d = self.dialect();
        if channels.is_empty() {
            return Ok(Vec::new());
        }
        // A deliverer takes only the channels it can send on: a reply for a channel nobody here
        // sends waits instead of burning its tries.
        let marks = vec!["?"; channels.len()].join(", ");
        let sql = d.sql_owned(format!(
            "SELECT id, state, attempts, claimed_at FROM b24ops_outbox
             WHERE ((state IN ('queued', 'failed') AND next_attempt_at <= ?) OR (state = 'sending' AND claimed_at < ?))
             AND channel IN ({marks}) ORDER BY id LIMIT ?"
        ));
        let mut q = sqlx::query(&sql).bind(ms(now)).bind(ms(stale_before));
        for c in channels {
            q = q.bind(*c);
        }
        let due = q.bind(limit).fetch_all(self.pool()).await?;
        let mut out = Vec::new();
        for r in due {
            let id: i64 = r.try_get("id")?;
            let state = raw_text(&r, "state")?.unwrap_or_default();
            let attempts: i64 = r.try_get("attempts")?;
            let claimed_at: Option<i64> = r.try_get("claimed_at")?;
            let cas = d.sql(
                "UPDATE b24ops_outbox SET state = 'sending', claim = ?, claimed_at = ?
                 WHERE id = ? AND state = ? AND attempts = ? AND COALESCE(claimed_at, -1) = ?",
            );
            let won = sqlx::query(&cas)
                .bind(claim)
                .bind(ms(now))
                .bind(id)
                .bind(&state)
                .bind(attempts)
                .bind(claimed_at.unwrap_or(-1))
                .execute(self.pool())
                .await?
                .rows_affected()
                == 1;
            if won && let Some(item) = self.outbox_item(id, claim).await? {
                out.push(item);
            }
        }
        Ok(out)
    }

    async fn outbox_item(&self, id: i64, claim: &str) -> StoreResult<Option<OutboxItem>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT o.id, o.delivery_key, o.ticket_id, o.message_row, o.channel, o.recipient, o.attempts,
                    {} AS subject, {} AS body, {} AS author, m.ts AS ts
             FROM b24ops_outbox o JOIN b24ops_tickets t ON t.id = o.ticket_id
             JOIN b24ops_ticket_messages m ON m.id = o.message_row WHERE o.id = ? AND o.claim = ?",
            d.text_prefix("t.subject", 300),
            d.text("m.body"),
            d.text("m.author"),
        ));
        let Some(r) = sqlx::query(&sql).bind(id).bind(claim).fetch_optional(self.pool()).await? else {
            return Ok(None);
        };
        let ticket_id: i64 = r.try_get("ticket_id")?;
        let message_row: i64 = r.try_get("message_row")?;
        let ts = req_instant(&r, "b24ops_ticket_messages", "ts")?;
        let ids = d.sql(
            "SELECT message_id, direction FROM b24ops_ticket_messages
             WHERE ticket_id = ? AND message_id IS NOT NULL AND (ts < ? OR (ts = ? AND id < ?)) ORDER BY ts, id",
        );
        let thread_ids = sqlx::query(&ids)
            .bind(ticket_id)
            .bind(ms(ts))
            .bind(ms(ts))
            .bind(message_row)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|m| {
                let id = raw_text(m, "message_id")?.unwrap_or_default();
                Ok((id, raw_text(m, "direction")?.as_deref() == Some("in")))
            })
            .collect::<StoreResult<Vec<_>>>()?;
        Ok(Some(OutboxItem {
            id,
            delivery_key: raw_text(&r, "delivery_key")?.unwrap_or_default(),
            claim: claim.to_owned(),
            ticket_id,
            message_row,
            channel: raw_text(&r, "channel")?.unwrap_or_default(),
            recipient: raw_text(&r, "recipient")?.unwrap_or_default(),
            attempts: r.try_get("attempts")?,
            subject: raw_text(&r, "subject")?.unwrap_or_default(),
            body: raw_text(&r, "body")?.unwrap_or_default(),
            author: raw_text(&r, "author")?.unwrap_or_default(),
            thread_ids,
        }))
    }

    /// Remembers the Message-ID a reply goes out with, so the customer's answer threads back.
    /// Written before sending: the same id on every try, so a retry is recognisably the same mail.
    pub async fn set_reply_message_id(&self, item: &OutboxItem, message_id: &str) -> StoreResult<()> {
        let sql = self.dialect().sql("UPDATE b24ops_ticket_messages SET message_id = ? WHERE id = ?");
        sqlx::query(&sql).bind(cut(message_id, MESSAGE_ID_MAX)).bind(item.message_row).execute(self.pool()).await?;
        Ok(())
    }

    /// Marks a claimed reply sent; false when the claim was lost (nothing changed). The first
    /// reply to reach the customer stops the ticket's first-response clock at `now`, in the same
    /// transaction: a reply still queued has not answered anyone.
    pub async fn mark_reply_sent(&self, item: &OutboxItem, now: DateTime<Utc>) -> StoreResult<bool> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let sql = d.sql(
            "UPDATE b24ops_outbox SET state = 'sent', sent_at = ?, attempts = attempts + 1, next_attempt_at = NULL,
                    last_error = NULL WHERE id = ? AND claim = ? AND state = 'sending'",
        );
        let n = sqlx::query(&sql).bind(ms(now)).bind(item.id).bind(&item.claim).execute(&mut *tx).await?;
        if n.rows_affected() != 1 {
            return Ok(false);
        }
        let first = d.sql("UPDATE b24ops_tickets SET first_response_at = COALESCE(first_response_at, ?) WHERE id = ?");
        sqlx::query(&first).bind(ms(now)).bind(item.ticket_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Marks a claimed reply failed with `why`, to be tried again at `retry_at` (`None`: given up).
    pub async fn mark_reply_failed(
        &self,
        item: &OutboxItem,
        why: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<bool> {
        let sql = self.dialect().sql(
            "UPDATE b24ops_outbox SET state = 'failed', last_error = ?, attempts = attempts + 1, next_attempt_at = ?
             WHERE id = ? AND claim = ? AND state = 'sending'",
        );
        let n = sqlx::query(&sql)
            .bind(SafeText::line(cut(why, ERROR_MAX)).as_str().to_owned())
            .bind(retry_at.map(ms))
            .bind(item.id)
            .bind(&item.claim)
            .execute(self.pool())
            .await?;
        Ok(n.rows_affected() == 1)
    }

    /// How many replies wait (queued, sending or failed and still retried).
    pub async fn replies_waiting(&self) -> StoreResult<i64> {
        Ok(self.replies_waiting_by_channel().await?.iter().map(|(_, n)| n).sum())
    }

    /// The tickets with a public reply still on its way (queued, sending, or failed and retried):
    /// their first-response clock runs until it is delivered.
    pub async fn tickets_with_replies_waiting(&self) -> StoreResult<std::collections::BTreeSet<i64>> {
        let sql = "SELECT DISTINCT ticket_id FROM b24ops_outbox
                   WHERE state IN ('queued', 'sending') OR (state = 'failed' AND next_attempt_at IS NOT NULL)";
        let rows = sqlx::query(sql).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok(r.try_get("ticket_id")?)).collect()
    }

    /// [`Store::replies_waiting`] per channel (`email`, `imbot`, `telegram`), by name.
    pub async fn replies_waiting_by_channel(&self) -> StoreResult<Vec<(String, i64)>> {
        let sql = self.dialect().sql_owned(format!(
            "SELECT {} AS channel, COUNT(*) AS n FROM b24ops_outbox
             WHERE state IN ('queued', 'sending') OR (state = 'failed' AND next_attempt_at IS NOT NULL)
             GROUP BY channel ORDER BY channel",
            self.dialect().text_prefix("channel", 16)
        ));
        let rows = sqlx::query(&sql).fetch_all(self.pool()).await?;
        rows.iter().map(|r| Ok((raw_text(r, "channel")?.unwrap_or_default(), r.try_get("n")?))).collect()
    }
}
