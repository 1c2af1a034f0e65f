//! A public reply to a Telegram ticket, sent back to the chat it came from with the support
//! bot's `sendMessage` (<https://core.telegram.org/bots/api#sendmessage>: `chat_id`, `text` of
//! 1–4096 characters; a longer reply is cut there, the whole of it stays in the ticket).

use super::telegram_api::BotApi;
use crate::store::OutboxItem;

/// The outbox channel of replies that go back through the Telegram support bot.
pub use crate::store::TELEGRAM_CHANNEL as CHANNEL;

/// Sends Telegram replies through one bot.
#[derive(Clone, Debug)]
pub struct TelegramSender {
    api: BotApi,
}

impl TelegramSender {
    /// A sender through `api`.
    pub fn new(api: BotApi) -> Self {
        TelegramSender { api }
    }

    /// Sends one reply to its chat (the outbox row's recipient); the error says why in one line.
    pub async fn send(&self, item: &OutboxItem) -> Result<(), String> {
        if item.recipient.trim().is_empty() {
            return Err("the ticket has no Telegram chat to answer".into());
        }
        self.api.send_message(item.recipient.trim(), &item.body).await.map_err(|e| e.to_string())
    }
}
