//! `[chatbot]`: the app's support bot in the customer's Bitrix24 — where Bitrix24 posts its
//! events (serve's public address) and how the bot is named.

use serde::{Deserialize, Serialize};

/// `[chatbot]`
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct ChatbotConfig {
    /// The public base URL of `b24ops serve` (`https://support.vendor.example`); the bot's
    /// webhook is this plus `/b24/imbot`.
    pub public_url: String,
    /// The bot's code, unique within the app (registering again with it returns the same bot).
    pub code: String,
    /// The name customers see.
    pub name: String,
}

impl Default for ChatbotConfig {
    fn default() -> Self {
        ChatbotConfig { public_url: String::new(), code: "b24ops_support".into(), name: "Support".into() }
    }
}

impl ChatbotConfig {
    /// The webhook Bitrix24 posts the bot's events to; `None` without a public URL.
    pub fn webhook_url(&self) -> Option<String> {
        let base = self.public_url.trim().trim_end_matches('/');
        (base.starts_with("https://") || base.starts_with("http://")).then(|| format!("{base}/b24/imbot"))
    }
}
