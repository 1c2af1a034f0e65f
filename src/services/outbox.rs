//! Delivering queued replies: one pass claims what is due, sends each, and marks it sent or failed
//! (retried with backoff). Run by the console, `serve` and `watch` every few seconds, and by
//! `b24ops tickets deliver` once; the claim in the store keeps them from sending a reply twice.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

pub use super::background::Background as Deliverer;
use super::chat_reply::{CHANNEL as CHAT_CHANNEL, ChatSender};
use super::reply_mail::ReplyMailer;
use super::telegram_intake::SupportBot;
use super::telegram_reply::TelegramSender;
use super::tokens::{TokenService, TokenSettings};
use crate::clock::Clock;
use crate::config::{SUPPORT_BOT_TOKEN_VAR, TelegramConfig};
use crate::rules::outbox_backoff::retry_delay;
use crate::store::{OutboxItem, Store, StoreError, TELEGRAM_CHANNEL};

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
    /// The same counts per channel (`email`, `imbot`, `telegram`).
    pub channels: BTreeMap<String, ChannelTally>,
}

/// One channel's part of a pass.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ChannelTally {
    /// Replies the channel took.
    pub sent: usize,
    /// Replies that failed and will be tried again.
    pub failed: usize,
    /// Replies that failed for the last time.
    pub gave_up: usize,
}

/// The channels a deliverer can send on: email when SMTP is set up, the Bitrix24 bot with the
/// portals' tokens, Telegram when the support bot's token is set. A reply on a channel it lacks is
/// left for one that has it.
#[derive(Clone, Debug, Default)]
pub struct Channels {
    /// Email replies.
    pub mail: Option<ReplyMailer>,
    /// Replies to chat tickets, through the app's bot.
    pub chat: Option<ChatSender>,
    /// Replies to Telegram tickets, through the support bot.
    pub telegram: Option<TelegramSender>,
}

/// What delivering replies reads of the configuration (`services::settings::outbox_settings`
/// builds it): a deliverer never sees settings it does not use.
#[derive(Clone, Debug)]
pub struct OutboxSettings {
    /// The From of email replies (`[tickets] reply_from`).
    pub reply_from: String,
    /// The support bot (`[telegram]`; its token comes from the environment).
    pub telegram: TelegramConfig,
    /// The token service's settings for the Bitrix24 bot, or why they cannot be read.
    pub tokens: Result<TokenSettings, String>,
    /// The pause between passes of a background deliverer.
    pub every: Duration,
    /// Read-only mode: no background deliverer runs.
    pub read_only: bool,
}

/// A channel this deliverer cannot send on, and why (`email`, "set B24OPS_SMTP_URL …").
pub type ChannelOff = (&'static str, String);

impl Channels {
    /// Every channel the configuration sets up, sharing `tokens` for the Bitrix24 bot, and the
    /// ones it does not with the reason. The one place the console, `serve`, `watch` and
    /// `tickets deliver` get their channels from.
    pub fn configured_with(
        settings: &OutboxSettings,
        tokens: Result<Arc<TokenService>, String>,
    ) -> (Channels, Vec<ChannelOff>) {
        let mut off: Vec<ChannelOff> = Vec::new();
        let mail = ReplyMailer::from_env(&settings.reply_from).map_err(|why| off.push(("email", why.to_string()))).ok();
        let chat = tokens.map(ChatSender::new).map_err(|why| off.push((CHAT_CHANNEL, why))).ok();
        let telegram = match SupportBot::from_config(&settings.telegram) {
            Ok(Some(bot)) => Some(TelegramSender::new(bot.api)),
            Ok(None) => {
                off.push((TELEGRAM_CHANNEL, format!("set {SUPPORT_BOT_TOKEN_VAR}")));
                None
            }
            Err(why) => {
                off.push((TELEGRAM_CHANNEL, why));
                None
            }
        };
        (Channels { mail, chat, telegram }, off)
    }

    /// [`Channels::configured_with`] with a token service of its own (without one, when the app's
    /// keys cannot be read, the Bitrix24 bot is off and the other channels still deliver).
    pub fn configured(store: &Store, settings: &OutboxSettings, clock: Clock) -> (Channels, Vec<ChannelOff>) {
        Self::configured_with(settings, own_tokens(store, settings, clock))
    }

    fn names(&self) -> Vec<&'static str> {
        let mut v = Vec::new();
        if self.mail.is_some() {
            v.push("email");
        }
        if self.chat.is_some() {
            v.push(CHAT_CHANNEL);
        }
        if self.telegram.is_some() {
            v.push(TELEGRAM_CHANNEL);
        }
        v
    }

    async fn send(&self, store: &Store, item: &OutboxItem) -> Result<Result<(), String>, StoreError> {
        match item.channel.as_str() {
            CHAT_CHANNEL => match &self.chat {
                Some(chat) => Ok(chat.send(item).await),
                None => Ok(Err(format!("no {CHAT_CHANNEL} deliverer here"))),
            },
            TELEGRAM_CHANNEL => match &self.telegram {
                Some(t) => Ok(t.send(item).await),
                None => Ok(Err(format!("no {TELEGRAM_CHANNEL} deliverer here"))),
            },
            _ => match &self.mail {
                Some(mailer) => {
                    store.set_reply_message_id(item, &mailer.message_id(item)).await?;
                    Ok(mailer.send(item).await)
                }
                None => Ok(Err(format!("no {} deliverer here", item.channel))),
            },
        }
    }
}

/// One email delivery pass at `now`.
pub async fn deliver_pass(store: &Store, mailer: &ReplyMailer, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
    deliver_on(store, &Channels { mail: Some(mailer.clone()), ..Channels::default() }, now).await
}

/// One delivery pass at `now` on every channel of `channels`.
pub async fn deliver_on(store: &Store, channels: &Channels, now: DateTime<Utc>) -> Result<PassReport, StoreError> {
    let claim = format!("{:016x}", rand::random::<u64>());
    let stale = now - chrono::Duration::minutes(STALE_CLAIM_MINUTES);
    let items = store.claim_due_replies(&claim, now, stale, &channels.names(), PASS_LIMIT).await?;
    let mut report = PassReport::default();
    for item in items {
        let mut tally = ChannelTally::default();
        match channels.send(store, &item).await? {
            Ok(()) => {
                if store.mark_reply_sent(&item, now).await? {
                    tally.sent += 1;
                    tracing::info!(ticket = item.ticket_id, channel = item.channel.as_str(), "reply delivered");
                }
            }
            Err(why) => {
                let retry = retry_delay(item.attempts + 1).map(|d| now + d);
                if store.mark_reply_failed(&item, &why, retry).await? {
                    if retry.is_some() {
                        tally.failed += 1;
                    } else {
                        tally.gave_up += 1;
                    }
                    tracing::warn!(ticket = item.ticket_id, attempts = item.attempts + 1, "reply not delivered: {why}");
                    report.errors.push(format!("#{} ({}): {why}", item.ticket_id, item.channel));
                }
            }
        }
        report.sent += tally.sent;
        report.failed += tally.failed;
        report.gave_up += tally.gave_up;
        let t = report.channels.entry(item.channel.clone()).or_default();
        t.sent += tally.sent;
        t.failed += tally.failed;
        t.gave_up += tally.gave_up;
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

/// A token service of the deliverer's own for the Bitrix24 bot, or why there is none.
fn own_tokens(store: &Store, settings: &OutboxSettings, clock: Clock) -> Result<Arc<TokenService>, String> {
    let s = settings.tokens.clone()?;
    TokenService::new(store.clone(), s, clock).map(Arc::new).map_err(|e| format!("{e}"))
}

/// Starts [`run_deliverer`] in the background on every channel `settings` sets up (logging the
/// ones it does not). Read-only mode delivers nothing.
pub fn spawn_deliverer(store: &Store, settings: &OutboxSettings, clock: Clock) -> Deliverer {
    if settings.read_only {
        return Deliverer::idle();
    }
    spawn_on(store, settings, clock, own_tokens(store, settings, clock))
}

/// [`spawn_deliverer`] sharing the caller's token service (`serve` holds one already).
pub fn spawn_deliverer_with(
    store: &Store,
    settings: &OutboxSettings,
    clock: Clock,
    tokens: Arc<TokenService>,
) -> Deliverer {
    spawn_on(store, settings, clock, Ok(tokens))
}

fn spawn_on(
    store: &Store,
    settings: &OutboxSettings,
    clock: Clock,
    tokens: Result<Arc<TokenService>, String>,
) -> Deliverer {
    if settings.read_only {
        return Deliverer::idle();
    }
    let (channels, off) = Channels::configured_with(settings, tokens);
    for (channel, why) in off {
        tracing::info!(channel, "reply delivery off on this channel: {why}");
    }
    Deliverer::spawn(run_deliverer(store.clone(), channels, settings.every, clock))
}
