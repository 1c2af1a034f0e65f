//! A public reply to a chat ticket, sent back to the Bitrix24 dialog it came from by the app's
//! bot: `imbot.v2.Chat.Message.send` with `botId`, `dialogId` and `fields.message`, called with
//! the portal's own OAuth tokens (bitrix24/b24restdocs,
//! `api-reference/chat-bots/chat-bots-v2/imbot.v2/messages/chat-message-send.md`; `botToken` is
//! only for webhook authorization, not OAuth).

use std::sync::Arc;

use serde_json::json;

use super::tasks::Actor;
use super::tokens::TokenService;
use crate::model::MemberId;
use crate::store::OutboxItem;

/// The outbox channel of replies that go back through the app's bot.
pub const CHANNEL: &str = "imbot";
/// The documented send method.
pub const SEND_METHOD: &str = "imbot.v2.Chat.Message.send";
/// The longest message the method takes; Bitrix24 would cut a longer one itself with ` (...)`.
const MESSAGE_MAX: usize = 20_000;

/// Sends chat replies with each portal's tokens.
#[derive(Clone)]
pub struct ChatSender {
    tokens: Arc<TokenService>,
}

impl std::fmt::Debug for ChatSender {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatSender").finish_non_exhaustive()
    }
}

impl ChatSender {
    /// A sender calling through `tokens` (which refreshes an expired access token once).
    pub fn new(tokens: Arc<TokenService>) -> Self {
        ChatSender { tokens }
    }

    /// Sends one reply; the error says why in one line.
    pub async fn send(&self, item: &OutboxItem) -> Result<(), String> {
        let target = self
            .tokens
            .store()
            .chat_target(item.ticket_id)
            .await
            .map_err(|e| format!("the database failed: {e}"))?
            .ok_or_else(|| "the ticket has no Bitrix24 dialog to answer".to_owned())?;
        let member =
            MemberId::parse(&target.member_id).map_err(|_| "the ticket's portal is not a member_id".to_owned())?;
        let actor = Actor { operator: "b24ops".into(), read_only: false };
        let params = json!({
            "botId": target.bot_id,
            "dialogId": target.dialog_id,
            "fields": {"message": crate::store::limits::cut(&item.body, MESSAGE_MAX)},
        });
        let env = self
            .tokens
            .call(&actor, &member, SEND_METHOD, &params)
            .await
            .map_err(|e| format!("Bitrix24 did not take the message: {e}"))?;
        if env.result.get("id").is_none() {
            return Err("Bitrix24 answered without a message id".into());
        }
        Ok(())
    }
}
