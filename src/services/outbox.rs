//! Delivering queued replies: one pass claims what is due, sends each, and marks it sent or failed
//! (retried with backoff). Run by the console, `serve` and `watch` every few seconds, and by
//! `b24ops tickets deliver` once; the claim in the store keeps them from sending a reply twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::reply_mail::ReplyMailer;
use crate::clock::Clock;
use crate::config::TicketsConfig;
use crate::rules::outbox_backoff::retry_delay;
use crate::store::{Store, StoreError};

/// A claim older than this belongs to a deliverer that died mid-send: the reply is tried again
/// (with the same Message-ID, so a mail that did leave is recognisably the same one).
const STALE_CLAIM_MINUTES: i64 = 15;
/// Replies one pass takes at most.
const PASS_LIMIT: i64 = 50;

/// What one pass did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PassReport {
    /// Replies the channel took.
    pub sent: usize,
    /// Replies that failed and will be tried again.
    pub failed: usize,
    /// Replies that failed for the last time.
    pub gave_up: usize,
    /// Failures, one line each (`#ticket: why`).
    pub errors: Vec<String>,
}

/// One delivery pass at `now`.
pub async fn deliver_pass(store: &Store, mailer: &ReplyMailer, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
    let claim = format!("{:016x}", rand::random::<u64>());
    let stale = now - chrono::Duration::minutes(STALE_CLAIM_MINUTES);
    let items = store.claim_due_replies(&claim, now, stale, PASS_LIMIT).await?;
    let mut report = PassReport::default();
    for item in items {
        store.set_reply_message_id(&item, &mailer.message_id(&item)).await?;
        match mailer.send(&item).await {
            Ok(()) => {
                if store.mark_reply_sent(&item, now).await? {
                    report.sent += 1;
                    tracing::info!(ticket = item.ticket_id, "reply delivered");
                }
            }
            Err(why) => {
                let retry = retry_delay(item.attempts + 1).map(|d| now + d);
                if store.mark_reply_failed(&item, &why, retry).await? {
                    if retry.is_some() {
                        report.failed += 1;
                    } else {
                        report.gave_up += 1;
                    }
                    tracing::warn!(ticket = item.ticket_id, attempts = item.attempts + 1, "reply not delivered: {why}");
                    report.errors.push(format!("#{}: {why}", item.ticket_id));
                }
            }
        }
    }
    Ok(report)
}

/// Delivers every `every` until the task is dropped; a failing database is logged and retried.
pub async fn run_deliverer(store: Store, mailer: ReplyMailer, every: Duration, clock: Clock) {
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = deliver_pass(&store, &mailer, clock.now()).await {
            tracing::warn!(error = %e, "reply delivery: the database failed; trying again next pass");
        }
    }
}

/// The background deliverer of the console, `serve` or `watch`: stops when dropped.
#[derive(Debug)]
pub struct Deliverer(Option<tokio::task::JoinHandle<()>>);

impl Drop for Deliverer {
    fn drop(&mut self) {
        if let Some(h) = self.0.take() {
            h.abort();
        }
    }
}

/// Starts [`run_deliverer`] in the background when mailing is configured (logging why not
/// otherwise). Read-only mode delivers nothing.
pub fn spawn_deliverer(store: &Store, cfg: &TicketsConfig, clock: Clock, read_only: bool) -> Deliverer {
    if read_only {
        return Deliverer(None);
    }
    match ReplyMailer::from_env(&cfg.reply_from) {
        Ok(mailer) => Deliverer(Some(tokio::spawn(run_deliverer(
            store.clone(),
            mailer,
            Duration::from_secs(cfg.deliver_every_secs),
            clock,
        )))),
        Err(why) => {
            tracing::info!("reply delivery off: {why}");
            Deliverer(None)
        }
    }
}
