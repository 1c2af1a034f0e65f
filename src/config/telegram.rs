//! `[telegram]`: the Telegram support bot. Its token is a secret and comes from
//! `B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN` only; without it the bot is off.

use serde::{Deserialize, Serialize};

use crate::model::Secret;

/// The environment variable holding the support bot's token.
pub const SUPPORT_BOT_TOKEN_VAR: &str = "B24OPS_TELEGRAM_SUPPORT_BOT_TOKEN";

/// `[telegram]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TelegramConfig {
    /// The Bot API server (`https://api.telegram.org`; a local `telegram-bot-api` or a test's
    /// stand-in otherwise).
    pub api_base: String,
    /// How long one `getUpdates` waits for a message (long polling), in seconds.
    pub poll_timeout_secs: u64,
    /// What the bot asks a new chat, once.
    pub portal_question: String,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            api_base: "https://api.telegram.org".into(),
            poll_timeout_secs: 30,
            portal_question: "Thanks, we have your message. Which Bitrix24 portal is it about? \
                              Please send its address, e.g. yourcompany.bitrix24.com"
                .into(),
        }
    }
}

impl TelegramConfig {
    /// The support bot's token from the environment; `None` when unset or empty.
    pub fn token(&self) -> Option<Secret> {
        std::env::var(SUPPORT_BOT_TOKEN_VAR)
            .ok()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .map(Secret::new)
    }
}
