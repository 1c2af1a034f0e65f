//! The Telegram support bot: long polling of `getUpdates` turns a customer's messages into
//! tickets with channel `telegram`.
//!
//! A chat the bot has not met opens a ticket at once (the clock runs from the customer's first
//! message) and is asked, once, which Bitrix24 portal it is about; a later message that names a
//! known portal's domain attaches the ticket, and the chat's next tickets start attached. Every
//! message threads into the chat's open ticket. The offset of the next `getUpdates` (the last
//! `update_id` plus one, <https://core.telegram.org/bots/api#getupdates>) is stored after each
//! update and asked from for a day (see `rules::telegram_updates::offset_to_ask`); a message is filed with a key made of the bot and its `update_id`, so an update handled
//! again after a crash between the two writes is recognised and not filed twice.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::background::Background;
use super::telegram_api::{ApiError, BotApi};
use crate::clock::Clock;
use crate::config::TelegramConfig;
use crate::model::{NewTicket, SafeText};
use crate::rules::telegram_updates::{Update, offset_to_ask, portal_domain};
use crate::store::{Store, StoreError, TELEGRAM_CHANNEL, TicketChange};

/// The subject of a Telegram ticket: the first line of the message, this long at most.
const SUBJECT_CHARS: usize = 80;
/// The longest wait between failed polls.
const BACKOFF_MAX: Duration = Duration::from_secs(300);

/// What one poll did.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct PollReport {
    /// Updates received.
    pub updates: usize,
    /// Tickets opened.
    pub opened: usize,
    /// Messages threaded into an open ticket.
    pub threaded: usize,
    /// Chats asked for their portal.
    pub asked: usize,
    /// Tickets attached to a portal by the chat's answer.
    pub attached: usize,
    /// Updates skipped: other kinds, or already filed.
    pub skipped: usize,
    /// The offset the next poll asks from.
    pub next_offset: Option<i64>,
    /// Messages to a chat that did not go out (the portal question), one line each.
    pub errors: Vec<String>,
}

/// Why a poll stopped.
#[derive(Debug, thiserror::Error)]
pub enum PollError {
    /// The Bot API did not answer `getUpdates`.
    #[error("Telegram getUpdates: {0}")]
    Api(ApiError),
    /// The database failed.
    #[error("Telegram support bot: {0}")]
    Store(#[from] StoreError),
}

impl PollError {
    /// How long to wait before polling again after this error, `backoff` being the current wait.
    pub fn wait(&self, backoff: Duration) -> Duration {
        match self {
            PollError::Api(e) => e.retry_after().unwrap_or(backoff),
            PollError::Store(_) => backoff,
        }
    }
}

/// The support bot: its API client and what it says.
#[derive(Clone, Debug)]
pub struct SupportBot {
    /// The Bot API.
    pub api: BotApi,
    /// The question a new chat is asked.
    pub question: String,
    /// Seconds one `getUpdates` waits.
    pub timeout_secs: u64,
}

impl SupportBot {
    /// The bot configured by `cfg` and `B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN`; `None` without a token.
    pub fn from_config(cfg: &TelegramConfig) -> Result<Option<Self>, String> {
        let Some(token) = cfg.token() else { return Ok(None) };
        let api = BotApi::new(&cfg.api_base, token, Duration::from_secs(cfg.poll_timeout_secs))?;
        Ok(Some(SupportBot { api, question: cfg.portal_question.clone(), timeout_secs: cfg.poll_timeout_secs }))
    }
}

/// One `getUpdates` (waiting up to `timeout_secs`) and every update in it handled.
pub async fn poll_once(
    store: &Store,
    bot: &SupportBot,
    timeout_secs: u64,
    clock: Clock,
) -> Result<PollReport, PollError> {
    let bot_id = bot.api.bot_id();
    let offset = offset_to_ask(store.telegram_offset(&bot_id).await?, clock.now());
    let updates = bot.api.get_updates(offset, timeout_secs).await.map_err(PollError::Api)?;
    // Filed at the time the long poll returned, not when it began.
    let now = clock.now();
    let mut report = PollReport { updates: updates.len(), next_offset: offset, ..PollReport::default() };
    for u in &updates {
        match u {
            Update::Message { update_id, chat_id, author, text } => {
                take_message(store, bot, &bot_id, *update_id, chat_id, author, text, now, &mut report).await?;
            }
            Update::Skipped { update_id, kind } => {
                tracing::info!(update_id, kind = kind.as_str(), "telegram: update skipped");
                report.skipped += 1;
            }
        }
        // Confirmed after it is filed: a crash in between repeats the update, never loses it,
        // and the filing key keeps the repeat out of the thread.
        let next = u.id().saturating_add(1);
        store.set_telegram_offset(&bot_id, next, now).await?;
        report.next_offset = Some(next);
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn take_message(
    store: &Store,
    bot: &SupportBot,
    bot_id: &str,
    update_id: i64,
    chat_id: &str,
    author: &str,
    text: &str,
    now: DateTime<Utc>,
    report: &mut PollReport,
) -> Result<(), StoreError> {
    let key = format!("telegram-{bot_id}-{update_id}");
    if store.ticket_by_message_id(std::slice::from_ref(&key)).await?.is_some() {
        report.skipped += 1;
        return Ok(());
    }
    // Stored sanitized: controls such as ESC become visible, and the text is cut with a note.
    let text = SafeText::block(text);
    let author = SafeText::line(author);
    let chat = store.telegram_chat(chat_id).await?.unwrap_or_default();
    let named = match portal_domain(text.as_str()) {
        Some(d) => store.portal_by_domain(&d).await?,
        None => None,
    };
    let id = match store.open_telegram_ticket(chat_id).await? {
        Some(id) => {
            store.customer_message(id, author.as_str(), text.as_str(), Some(&key), now).await?;
            report.threaded += 1;
            id
        }
        None => {
            let first_line = text.as_str().lines().find(|l| !l.trim().is_empty()).unwrap_or("(empty message)");
            let t = NewTicket {
                channel: TELEGRAM_CHANNEL.into(),
                member_id: chat.member_id.clone(),
                domain: chat.domain.clone(),
                subject: format!("Telegram: {}", crate::model::ellipsize(first_line.trim(), SUBJECT_CHARS)),
                requester_name: Some(author.as_str().to_owned()),
                requester_email: None,
                priority: "normal".into(),
                body: text.as_str().to_owned(),
                message_id: Some(key.clone()),
                claimed_thread_of: None,
            };
            let id = store.create_ticket(&t, now).await?;
            store.set_chat_target(id, chat_id, bot_id.parse().unwrap_or(0)).await?;
            report.opened += 1;
            id
        }
    };
    if chat.member_id.is_some() {
        return Ok(());
    }
    if let Some(p) = named {
        let unattached = store.ticket(id).await?.is_some_and(|t| t.member_id.is_none());
        if unattached {
            let change = TicketChange::Attach {
                member_id: p.member_id.as_str().to_owned(),
                domain: p.domain.as_str().to_owned(),
            };
            store.change_ticket(id, &change, "telegram bot", now).await?;
            report.attached += 1;
        }
        store.note_telegram_chat_asked(chat_id, now).await?;
        store.set_telegram_chat_portal(chat_id, p.member_id.as_str(), p.domain.as_str()).await?;
        return Ok(());
    }
    if chat.asked_at.is_none() {
        // Asked once: when the question does not go out, the next message asks again.
        match bot.api.send_message(chat_id, &bot.question).await {
            Ok(()) => {
                store.note_telegram_chat_asked(chat_id, now).await?;
                report.asked += 1;
            }
            Err(e) => {
                tracing::warn!(ticket = id, "telegram: the portal question did not go out: {e}");
                report.errors.push(format!("#{id}: the portal question did not go out: {e}"));
            }
        }
    }
    Ok(())
}

/// Polls until the task is dropped. A failed poll is logged and retried after a wait that doubles
/// from a second up to five minutes (or as long as the Bot API asked, for flood control).
pub async fn run_poller(store: Store, bot: SupportBot, clock: Clock) {
    let mut backoff = Duration::from_secs(1);
    loop {
        match poll_once(&store, &bot, bot.timeout_secs, clock).await {
            Ok(r) => {
                backoff = Duration::from_secs(1);
                if r.opened + r.threaded > 0 {
                    tracing::info!(
                        opened = r.opened,
                        threaded = r.threaded,
                        attached = r.attached,
                        "telegram: messages filed"
                    );
                }
                if r.updates == 0 {
                    // A Bot API that answers at once (short polling) is not asked in a busy loop.
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
            }
            Err(e) => {
                let wait = e.wait(backoff);
                tracing::warn!(wait_secs = wait.as_secs(), "{e}");
                tokio::time::sleep(wait).await;
                backoff = (backoff * 2).min(BACKOFF_MAX);
            }
        }
    }
}

/// Starts [`run_poller`] in the background when the support bot's token is set (`serve`);
/// `None` when it is not, or in read-only mode. It stops when dropped.
pub fn spawn_poller(
    store: &Store,
    cfg: &TelegramConfig,
    clock: Clock,
    read_only: bool,
) -> Result<Option<Background>, String> {
    if read_only {
        return Ok(None);
    }
    let Some(bot) = SupportBot::from_config(cfg)? else { return Ok(None) };
    Ok(Some(Background::spawn(run_poller(store.clone(), bot, clock))))
}
