//! Registering the app's support bot on a portal with the portal's own tokens:
//! `imbot.v2.Bot.register` (scope `imbot`) with `fields.code`, `fields.properties.name`,
//! `fields.eventMode = "webhook"` and `fields.webhookUrl` pointing at serve's `/b24/imbot`
//! (bitrix24/b24restdocs, `api-reference/chat-bots/chat-bots-v2/imbot.v2/bots/bot-register.md`).
//! The method is idempotent per code and application, so registering again is safe; Bitrix24
//! then posts `ONIMBOTV2*` events to the webhook itself, no `event.bind` needed.

use serde::Serialize;
use serde_json::json;

use super::tasks::Actor;
use super::tokens::{TokenError, TokenService};
use crate::config::ChatbotConfig;
use crate::model::MemberId;

/// The documented registration method.
pub const REGISTER_METHOD: &str = "imbot.v2.Bot.register";

/// Why the bot cannot be registered at all.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// No public URL for the webhook.
    #[error("[chatbot] public_url is not set (the https:// address Bitrix24 reaches b24ops serve at)")]
    NoPublicUrl,
    /// Read-only mode.
    #[error("refused: b24ops is in read-only mode")]
    ReadOnly,
}

/// What registering on one portal gave.
#[derive(Clone, Debug, Serialize)]
pub struct Registered {
    /// The portal.
    pub member_id: String,
    /// The bot's id on that portal, when registered.
    pub bot_id: Option<i64>,
    /// Why not, in one line.
    pub error: Option<String>,
}

/// Registers the bot on each portal; one portal's failure does not stop the others.
pub async fn register(
    tokens: &TokenService,
    cfg: &ChatbotConfig,
    actor: &Actor,
    members: &[MemberId],
) -> Result<Vec<Registered>, RegisterError> {
    if actor.read_only {
        return Err(RegisterError::ReadOnly);
    }
    let webhook = cfg.webhook_url().ok_or(RegisterError::NoPublicUrl)?;
    let params = json!({"fields": {
        "code": cfg.code,
        "type": "bot",
        "eventMode": "webhook",
        "webhookUrl": webhook,
        "properties": {"name": cfg.name},
    }});
    let mut out = Vec::new();
    for m in members {
        let answer = tokens.call(actor, m, REGISTER_METHOD, &params).await;
        out.push(match answer.map(|env| bot_id(&env.result)) {
            Ok(Some(id)) => Registered { member_id: m.as_str().to_owned(), bot_id: Some(id), error: None },
            Ok(None) => failed(m, "Bitrix24 answered without a bot id".into()),
            Err(e) => failed(m, describe(&e)),
        });
    }
    Ok(out)
}

fn failed(m: &MemberId, why: String) -> Registered {
    Registered { member_id: m.as_str().to_owned(), bot_id: None, error: Some(why) }
}

fn describe(e: &TokenError) -> String {
    crate::model::SafeText::line(&e.to_string()).as_str().to_owned()
}

/// `result.bot.id`, a number or (in some answers) a numeric string.
fn bot_id(result: &serde_json::Value) -> Option<i64> {
    let id = &result["bot"]["id"];
    id.as_i64().or_else(|| id.as_str().and_then(|s| s.parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bot_id_is_read_as_documented() {
        assert_eq!(bot_id(&json!({"bot": {"id": 456, "code": "support_bot"}})), Some(456));
        assert_eq!(bot_id(&json!({"bot": {"id": "456"}})), Some(456));
        assert_eq!(bot_id(&json!({"id": 456})), None);
    }

    #[test]
    fn the_webhook_is_serves_route() {
        let c = ChatbotConfig { public_url: "https://support.example/".into(), ..ChatbotConfig::default() };
        assert_eq!(c.webhook_url().as_deref(), Some("https://support.example/b24/imbot"));
        assert_eq!(ChatbotConfig::default().webhook_url(), None);
    }
}
