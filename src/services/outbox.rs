//! Delivering queued replies: one pass claims what is due, sends each, and marks it sent or failed
//! (retried with backoff). Run by the console, `serve` and `watch` every few seconds, and by
//! `b24ops tickets deliver` once; the claim in the store keeps them from sending a reply twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::chat_reply::{CHANNEL as CHAT_CHANNEL, ChatSender};
use super::reply_mail::ReplyMailer;
use crate::clock::Clock;
use crate::config::TicketsConfig;
use crate::rules::outbox_backoff::retry_delay;
use crate::store::{OutboxItem, Store, StoreError};

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

/// The channels a deliverer can send on: email when SMTP is set up, the Bitrix24 bot when the
/// deliverer holds the portals' tokens (`serve`). A reply on a channel it lacks is left for one
/// that has it.
#[derive(Clone, Debug, Default)]
pub struct Channels {
    /// Email replies.
    pub mail: Option<ReplyMailer>,
    /// Replies to chat tickets, through the app's bot.
    pub chat: Option<ChatSender>,
}

impl Channels {
    fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.mail.is_some() {
            v.push("email");
        }
        if self.chat.is_some() {
            v.push(CHAT_CHANNEL);
        }
        v
    }

    async fn send(&self, store: &Store, item: &OutboxItem) -> Result<Result<(), String>, StoreError> {
        match (&self.chat, &self.mail) {
            (Some(chat), _) if item.channel == CHAT_CHANNEL => Ok(chat.send(item).await),
            (_, Some(mailer)) if item.channel != CHAT_CHANNEL => {
                store.set_reply_message_id(item, &mailer.message_id(item)).await?;
                Ok(mailer.send(item).await)
            }
            _ => Ok(Err(format!("no {} deliverer here", item.channel))),
        }
    }
}

/// One email delivery pass at `now`.
pub async fn deliver_pass(store: &Store, mailer: &ReplyMailer, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
    deliver_on(store, &Channels { mail: Some(mailer.clone()), chat: None }, now).await
}

/// One delivery pass at `now` on every channel of `channels`.
pub async fn deliver_on(store: &Store, channels: &Channels, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
    let claim = format!("{:016x}", rand::random::<u64>());
    let stale = now - chrono::Duration::minutes(STALE_CLAIM_MINUTES);
    let items = store.claim_due_replies(&claim, now, stale, &channels.names(), PASS_LIMIT).await?;
    let mut report = PassReport::default();
    for item in items {
        match channels.send(store, &item).await? {
            Ok(()) => {
                if store.mark_reply_sent(&item, now).await? {
                    report.sent += 1;
                    tracing::info!(ticket = item.ticket_id, channel = item.channel.as_str(), "reply delivered");
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
pub async fn run_deliverer(store: Store, channels: Channels, every: Duration, clock: Clock) {
    let mut tick = tokio::time::interval(every.max(Duration::from_secs(1)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        if let Err(e) = deliver_on(&store, &channels, clock.now()).await {
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

/// Starts [`run_deliverer`] in the background for email when mailing is configured (logging why
/// not otherwise). Read-only mode delivers nothing.
pub fn spawn_deliverer(store: &Store, cfg: &TicketsConfig, clock: Clock, read_only: bool) -> Deliverer {
    spawn_deliverer_with(store, cfg, clock, read_only, None)
}

/// [`spawn_deliverer`], also answering chat tickets through `chat` when given.
pub fn spawn_deliverer_with(
    store: &Store,
    cfg: &TicketsConfig,
    clock: Clock,
    read_only: bool,
    chat: Option<ChatSender>,
) -> Deliverer {
    if read_only {
        return Deliverer(None);
    }
    let mail = match ReplyMailer::from_env(&cfg.reply_from) {
        Ok(m) => Some(m),
        Err(why) => {
            tracing::info!("email reply delivery off: {why}");
            None
        }
    };
    let channels = Channels { mail, chat };
    if channels.names().is_empty() {
        return Deliverer(None);
    }
    let every = Duration::from_secs(cfg.deliver_every_secs);
    Deliverer(Some(tokio::spawn(run_deliverer(store.clone(), channels, every, clock))))
}
