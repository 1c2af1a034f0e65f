//! `b24ops_tickets` and their messages and status history: the queue, one thread, and the
//! changes support makes — each conditional, in one transaction, with its audit row.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{line, member, ms, opt_instant, opt_line, raw_text, req_instant};
use super::dialect::insert_returning_id;
use super::limits::{AUTHOR_MAX, BODY_MAX, DOMAIN_MAX, EMAIL_MAX, MESSAGE_ID_MAX, NAME_MAX, SUBJECT_MAX, cut, cut_opt};
use super::tasks::WriteOutcome;
use super::{Store, StoreResult};
use crate::model::{NewTicket, SafeText, Ticket, TicketMessage};
use crate::rules::search::Search;

const TABLE: &str = "b24ops_tickets";

/// Which tickets the queue lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketScope {
    /// Not solved or closed, oldest first.
    Open,
    /// Every ticket, newest first.
    All,
}

/// A change to a ticket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TicketChange {
    /// A public reply: stops the first-response clock, moves `new` to `open`.
    Reply(String),
    /// An internal note.
    Note(String),
    /// A new status.
    Status(String),
    /// A new priority.
    Priority(String),
    /// A new assignee.
    Assign(String),
    /// Attach to a portal.
    Attach {
        /// The portal.
        member_id: String,
        /// Its domain.
        domain: String,
    },
}

impl Store {
    fn ticket_columns(&self) -> String {
        let d = self.dialect();
        format!(
            "id, created_at, updated_at, first_response_at, resolved_at, {} AS channel, {} AS member_id, {} AS domain,
             {} AS subject, {} AS requester_name, {} AS requester_email, {} AS priority, {} AS status, {} AS assignee, claimed_thread_of",
            d.text_prefix("channel", 16),
            d.text_prefix("member_id", 64),
            d.text_prefix("domain", 253),
            d.text_prefix("subject", 300),
            d.text_prefix("requester_name", 200),
            d.text_prefix("requester_email", 254),
            d.text_prefix("priority", 16),
            d.text_prefix("status", 16),
            d.text_prefix("assignee", 128),
        )
    }

    /// The queue: at most `limit` tickets with their status histories.
    pub async fn tickets(&self, scope: TicketScope, limit: i64) -> StoreResult<Vec<Ticket>> {
        self.tickets_matching(scope, &Search::default(), limit).await
    }

    /// [`Store::tickets`] narrowed by the shared `/` filter: a portal piece (the ticket's portal),
    /// and words found in the subject, the requester, the assignee or the portal.
    pub async fn tickets_matching(&self, scope: TicketScope, search: &Search, limit: i64) -> StoreResult<Vec<Ticket>> {
        let cols = ["subject", "requester_email", "assignee", "domain"];
        let (mut wh, binds) = self.search_where(search, "member_id", &cols);
        let order = match scope {
            TicketScope::Open => {
                wh.insert(0, "status IN ('new', 'open', 'pending', 'on_hold')".into());
                "ORDER BY created_at, id"
            }
            TicketScope::All => "ORDER BY created_at DESC, id DESC",
        };
        let filter = if wh.is_empty() { order.to_owned() } else { format!("WHERE {} {order}", wh.join(" AND ")) };
        let sql =
            self.dialect().sql_owned(format!("SELECT {} FROM b24ops_tickets {filter} LIMIT ?", self.ticket_columns()));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        let mut tickets: Vec<Ticket> = rows.iter().map(decode).collect::<StoreResult<_>>()?;
        self.fill_histories(&mut tickets).await?;
        Ok(tickets)
    }

    /// One ticket with its history.
    pub async fn ticket(&self, id: i64) -> StoreResult<Option<Ticket>> {
        let sql =
            self.dialect().sql_owned(format!("SELECT {} FROM b24ops_tickets WHERE id = ?", self.ticket_columns()));
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        let mut t = vec![decode(&row)?];
        self.fill_histories(&mut t).await?;
        Ok(t.pop())
    }

    async fn fill_histories(&self, tickets: &mut [Ticket]) -> StoreResult<()> {
        for chunk in tickets.chunks_mut(200) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = self.dialect().sql_owned(format!(
                "SELECT ticket_id, ts, {} AS to_status FROM b24ops_ticket_status_history WHERE ticket_id IN ({marks}) ORDER BY ticket_id, ts, id",
                self.dialect().text_prefix("to_status", 16)
            ));
            let mut q = sqlx::query(&sql);
            for t in chunk.iter() {
                q = q.bind(t.id);
            }
            for r in q.fetch_all(self.pool()).await? {
                let id: i64 = r.try_get("ticket_id")?;
                let ts = req_instant(&r, "b24ops_ticket_status_history", "ts")?;
                let to = line(&r, "to_status")?.as_str().to_owned();
                if let Some(t) = chunk.iter_mut().find(|t| t.id == id) {
                    t.history.push((ts, to));
                }
            }
        }
        Ok(())
    }

    /// A ticket's thread, oldest first (its newest `limit` messages).
    pub async fn ticket_messages(&self, id: i64, limit: i64) -> StoreResult<Vec<TicketMessage>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT id, ts, {} AS author, {} AS direction, {} AS body FROM b24ops_ticket_messages
             WHERE ticket_id = ? ORDER BY ts DESC, id DESC LIMIT ?",
            d.text_prefix("author", 200),
            d.text_prefix("direction", 8),
            d.text_prefix("body", 64 * 1024),
        ));
        let rows = sqlx::query(&sql).bind(id).bind(limit).fetch_all(self.pool()).await?;
        let mut out: Vec<TicketMessage> = rows
            .iter()
            .map(|r| {
                Ok(TicketMessage {
                    id: r.try_get("id")?,
                    ts: req_instant(r, "b24ops_ticket_messages", "ts")?,
                    author: line(r, "author")?,
                    direction: line(r, "direction")?,
                    body: SafeText::block(&raw_text(r, "body")?.unwrap_or_default()),
                    delivery: None,
                })
            })
            .collect::<StoreResult<_>>()?;
        out.reverse();
        let mut deliveries = self.deliveries_of(id).await?;
        for m in out.iter_mut().filter(|m| m.direction.as_str() == "out") {
            if let Some(i) = deliveries.iter().position(|(row, _)| *row == m.id) {
                m.delivery = Some(deliveries.swap_remove(i).1);
            }
        }
        Ok(out)
    }

    /// Opens a ticket with its first message and history row; returns its id.
    pub async fn create_ticket(&self, t: &NewTicket, now: DateTime<Utc>) -> StoreResult<i64> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let id = insert_returning_id(
            d,
            &mut *tx,
            "INSERT INTO b24ops_tickets (channel, member_id, domain, subject, requester_name, requester_email, priority, status, created_at, updated_at, claimed_thread_of)
             VALUES (?, ?, ?, ?, ?, ?, ?, 'new', ?, ?, ?)",
            |q| {
                q.bind(t.channel.clone())
                    .bind(t.member_id.clone())
                    .bind(cut_opt(t.domain.as_deref(), DOMAIN_MAX).map(str::to_owned))
                    .bind(cut(&t.subject, SUBJECT_MAX).to_owned())
                    .bind(cut_opt(t.requester_name.as_deref(), NAME_MAX).map(str::to_owned))
                    .bind(cut_opt(t.requester_email.as_deref(), EMAIL_MAX).map(str::to_owned))
                    .bind(t.priority.clone())
                    .bind(ms(now))
                    .bind(ms(now))
                    .bind(t.claimed_thread_of)
            },
        )
        .await?;
        let author =
            t.requester_name.clone().or_else(|| t.requester_email.clone()).unwrap_or_else(|| "customer".into());
        let msg = d.sql("INSERT INTO b24ops_ticket_messages (ticket_id, ts, author, direction, body, message_id) VALUES (?, ?, ?, 'in', ?, ?)");
        sqlx::query(&msg)
            .bind(id)
            .bind(ms(now))
            .bind(cut(&author, AUTHOR_MAX))
            .bind(cut(&t.body, BODY_MAX))
            .bind(cut_opt(t.message_id.as_deref(), MESSAGE_ID_MAX))
            .execute(&mut *tx)
            .await?;
        let hist = d.sql("INSERT INTO b24ops_ticket_status_history (ticket_id, ts, from_status, to_status, actor) VALUES (?, ?, NULL, 'new', ?)");
        sqlx::query(&hist).bind(id).bind(ms(now)).bind(&t.channel).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The ticket a Message-ID belongs to, if any (compared as stored: cut to the column).
    pub async fn ticket_by_message_id(&self, message_ids: &[String]) -> StoreResult<Option<i64>> {
        for m in message_ids.iter().filter(|m| !m.is_empty()).take(50) {
            let sql = self.dialect().sql("SELECT ticket_id FROM b24ops_ticket_messages WHERE message_id = ? LIMIT 1");
            if let Some(r) = sqlx::query(&sql).bind(cut(m, MESSAGE_ID_MAX)).fetch_optional(self.pool()).await? {
                return Ok(Some(r.try_get("ticket_id")?));
            }
        }
        Ok(None)
    }

    /// A customer's follow-up: added to the thread; a ticket waiting on the customer or solved
    /// opens again. Author, body and Message-ID are cut to the limits a new ticket gets.
    pub async fn customer_message(
        &self,
        id: i64,
        author: &str,
        body: &str,
        message_id: Option<&str>,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let Some(status) = current_status(&mut tx, d, id).await? else { return Ok(WriteOutcome::Missing) };
        let msg = d.sql("INSERT INTO b24ops_ticket_messages (ticket_id, ts, author, direction, body, message_id) VALUES (?, ?, ?, 'in', ?, ?)");
        let author = cut(author, AUTHOR_MAX);
        sqlx::query(&msg)
            .bind(id)
            .bind(ms(now))
            .bind(author)
            .bind(cut(body, BODY_MAX))
            .bind(cut_opt(message_id, MESSAGE_ID_MAX))
            .execute(&mut *tx)
            .await?;
        if matches!(status.as_str(), "pending" | "on_hold" | "solved") {
            set_status(&mut tx, d, id, &status, "open", author, now).await?;
        } else {
            touch(&mut tx, d, id, now).await?;
        }
        tx.commit().await?;
        Ok(WriteOutcome::Changed)
    }

    /// Applies a change made by `operator`, audited. `Unchanged` when it would change nothing.
    pub async fn change_ticket(
        &self,
        id: i64,
        change: &TicketChange,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<WriteOutcome> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let sql = d.sql_owned(format!("SELECT {} FROM b24ops_tickets WHERE id = ?", self.ticket_columns()));
        let Some(row) = sqlx::query(&sql).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(WriteOutcome::Missing);
        };
        let t = decode(&row)?;
        let status = t.status.as_str().to_owned();
        let (action, before, after) = match change {
            TicketChange::Reply(body) | TicketChange::Note(body) => {
                let public = matches!(change, TicketChange::Reply(_));
                let row = insert_returning_id(
                    d,
                    &mut *tx,
                    "INSERT INTO b24ops_ticket_messages (ticket_id, ts, author, direction, body) VALUES (?, ?, ?, ?, ?)",
                    |q| {
                        q.bind(id)
                            .bind(ms(now))
                            .bind(operator.to_owned())
                            .bind(if public { "out" } else { "note" })
                            .bind(body.clone())
                    },
                )
                .await?;
                // Internal notes never leave; a public reply goes to the address the customer gave.
                let mut queued = false;
                if public && let Some(to) = reply_address(&t) {
                    super::outbox::queue_reply(&mut tx, d, id, row, "email", &to, now).await?;
                    queued = true;
                } else if public
                    && let Some((channel, dialog)) = super::chat_tickets::reply_dialog(&mut tx, d, id).await?
                {
                    super::outbox::queue_reply(&mut tx, d, id, row, channel, &dialog, now).await?;
                    queued = true;
                }
                // A reply that goes through the outbox stops the first-response clock when it is
                // delivered (`mark_reply_sent`); one with nowhere to go stops it when written.
                if public && !queued {
                    let first = d.sql(
                        "UPDATE b24ops_tickets SET first_response_at = COALESCE(first_response_at, ?) WHERE id = ?",
                    );
                    sqlx::query(&first).bind(ms(now)).bind(id).execute(&mut *tx).await?;
                }
                if public && status == "new" {
                    set_status(&mut tx, d, id, &status, "open", operator, now).await?;
                } else {
                    touch(&mut tx, d, id, now).await?;
                }
                let words = body.split_whitespace().count();
                (if public { "ticket.reply" } else { "ticket.note" }, None, Some(format!("{words} words")))
            }
            TicketChange::Status(to) => {
                if *to == status {
                    return Ok(WriteOutcome::Unchanged(status));
                }
                set_status(&mut tx, d, id, &status, to, operator, now).await?;
                ("ticket.status", Some(status.clone()), Some(to.clone()))
            }
            TicketChange::Priority(to) => {
                if t.priority.as_str() == to {
                    return Ok(WriteOutcome::Unchanged(to.clone()));
                }
                let sql = d.sql("UPDATE b24ops_tickets SET priority = ?, updated_at = ? WHERE id = ?");
                sqlx::query(&sql).bind(to).bind(ms(now)).bind(id).execute(&mut *tx).await?;
                ("ticket.priority", Some(t.priority.as_str().to_owned()), Some(to.clone()))
            }
            TicketChange::Assign(who) => {
                if t.assignee.as_ref().map(|a| a.as_str()) == Some(who.as_str()) {
                    return Ok(WriteOutcome::Unchanged(who.clone()));
                }
                let sql = d.sql("UPDATE b24ops_tickets SET assignee = ?, updated_at = ? WHERE id = ?");
                sqlx::query(&sql).bind(who).bind(ms(now)).bind(id).execute(&mut *tx).await?;
                ("ticket.assign", t.assignee.as_ref().map(|a| a.as_str().to_owned()), Some(who.clone()))
            }
            TicketChange::Attach { member_id, domain } => {
                let sql = d.sql("UPDATE b24ops_tickets SET member_id = ?, domain = ?, updated_at = ? WHERE id = ?");
                sqlx::query(&sql).bind(member_id).bind(domain).bind(ms(now)).bind(id).execute(&mut *tx).await?;
                (
                    "ticket.attach",
                    t.member_id.as_ref().map(|m| m.as_str().to_owned()),
                    Some(format!("{member_id} ({domain})")),
                )
            }
        };
        let member_id = match change {
            TicketChange::Attach { member_id, .. } => Some(member_id.clone()),
            _ => t.member_id.as_ref().map(|m| m.as_str().to_owned()),
        };
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: action.into(),
            target: format!("ticket #{id}"),
            member_id,
            before,
            after,
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(WriteOutcome::Changed)
    }
}

async fn current_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: super::Dialect,
    id: i64,
) -> StoreResult<Option<String>> {
    let sql = d.sql_owned(format!("SELECT {} AS status FROM b24ops_tickets WHERE id = ?", d.text_prefix("status", 16)));
    let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(&mut **tx).await? else { return Ok(None) };
    raw_text(&r, "status")
}

async fn touch(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: super::Dialect,
    id: i64,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    sqlx::query(&d.sql("UPDATE b24ops_tickets SET updated_at = ? WHERE id = ?"))
        .bind(ms(now))
        .bind(id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

async fn set_status(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: super::Dialect,
    id: i64,
    from: &str,
    to: &str,
    actor: &str,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let solved = matches!(to, "solved" | "closed");
    let sql = d.sql(
        "UPDATE b24ops_tickets SET status = ?, updated_at = ?,
            resolved_at = CASE WHEN ? = 1 THEN COALESCE(resolved_at, ?) ELSE NULL END WHERE id = ?",
    );
    sqlx::query(&sql).bind(to).bind(ms(now)).bind(i64::from(solved)).bind(ms(now)).bind(id).execute(&mut **tx).await?;
    let hist = d.sql("INSERT INTO b24ops_ticket_status_history (ticket_id, ts, from_status, to_status, actor) VALUES (?, ?, ?, ?, ?)");
    sqlx::query(&hist).bind(id).bind(ms(now)).bind(from).bind(to).bind(actor).execute(&mut **tx).await?;
    Ok(())
}

/// Where a public reply to `t` goes: the requester's address, on any channel that has one.
fn reply_address(t: &Ticket) -> Option<String> {
    t.requester_email.as_ref().map(|e| e.as_str().trim().to_owned()).filter(|e| e.contains('@'))
}

fn decode(r: &AnyRow) -> StoreResult<Ticket> {
    Ok(Ticket {
        id: r.try_get("id")?,
        channel: line(r, "channel")?,
        member_id: member(r, "member_id")?,
        domain: opt_line(r, "domain")?,
        subject: line(r, "subject")?,
        requester_name: opt_line(r, "requester_name")?,
        requester_email: opt_line(r, "requester_email")?,
        priority: line(r, "priority")?,
        status: line(r, "status")?,
        assignee: opt_line(r, "assignee")?,
        created_at: req_instant(r, TABLE, "created_at")?,
        updated_at: req_instant(r, TABLE, "updated_at")?,
        first_response_at: opt_instant(r, TABLE, "first_response_at")?,
        resolved_at: opt_instant(r, TABLE, "resolved_at")?,
        history: Vec::new(),
        claimed_thread_of: r.try_get("claimed_thread_of")?,
    })
}
