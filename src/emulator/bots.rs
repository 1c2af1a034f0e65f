//! The chat bots an emulated portal holds and what they sent, kept in the world.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// A registered bot.
#[derive(Clone, Debug, Serialize)]
pub struct EmuBot {
    /// Portal.
    pub member_id: String,
    /// The bot's id (also its user id on the portal).
    pub id: i64,
    /// `fields.code`.
    pub code: String,
    /// `fields.properties.name`.
    pub name: String,
    /// `fetch` or `webhook`.
    pub event_mode: String,
    /// Where events go in webhook mode.
    pub webhook_url: String,
}

/// A message a bot sent.
#[derive(Clone, Debug, Serialize)]
pub struct BotSent {
    /// Portal.
    pub member_id: String,
    /// The bot.
    pub bot_id: i64,
    /// The dialog.
    pub dialog_id: String,
    /// The text.
    pub message: String,
    /// The message id the portal gave it.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
}
