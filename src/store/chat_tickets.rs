//! Tickets that came from the app's bot in the customer's Bitrix24: each remembers its portal,
//! dialog and bot, so the customer's next message threads into the open ticket of that dialog
//! and the operator's reply goes back to it.

use sqlx::Row;

use super::codec::raw_text;
use super::{Store, StoreResult};

/// Where a chat ticket's replies go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatTarget {
    /// The portal.
    pub member_id: String,
    /// The Bitrix24 dialog (`chat5` for a group chat, the user's id for a personal one).
    pub dialog_id: String,
    /// The bot the customer wrote to.
    pub bot_id: i64,
}

impl Store {
    /// The open (not solved or closed) chat ticket of a portal's dialog, newest first.
    pub async fn open_chat_ticket(&self, member_id: &str, dialog_id: &str) -> StoreResult<Option<i64>> {
        let sql = self.dialect().sql(
            "SELECT id FROM b24ops_tickets WHERE channel = 'chat' AND member_id = ? AND chat_dialog_id = ?
             AND status NOT IN ('solved', 'closed') ORDER BY id DESC LIMIT 1",
        );
        let row = sqlx::query(&sql).bind(member_id).bind(dialog_id).fetch_optional(self.pool()).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("id")?),
            None => None,
        })
    }

    /// Remembers the dialog and bot of a chat ticket just opened.
    pub async fn set_chat_target(&self, ticket_id: i64, dialog_id: &str, bot_id: i64) -> StoreResult<()> {
        let sql = self.dialect().sql("UPDATE b24ops_tickets SET chat_dialog_id = ?, chat_bot_id = ? WHERE id = ?");
        sqlx::query(&sql)
            .bind(super::limits::cut(dialog_id, super::limits::DIALOG_MAX))
            .bind(bot_id)
            .bind(ticket_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Where a chat ticket's replies go; `None` for a ticket that did not come from a bot.
    pub async fn chat_target(&self, ticket_id: i64) -> StoreResult<Option<ChatTarget>> {
        let sql = self.dialect().sql("SELECT member_id, chat_dialog_id, chat_bot_id FROM b24ops_tickets WHERE id = ?");
        let Some(r) = sqlx::query(&sql).bind(ticket_id).fetch_optional(self.pool()).await? else { return Ok(None) };
        let member_id = raw_text(&r, "member_id")?.unwrap_or_default();
        let dialog_id = raw_text(&r, "chat_dialog_id")?.unwrap_or_default();
        let bot_id: Option<i64> = r.try_get("chat_bot_id")?;
        Ok(match bot_id {
            Some(bot_id) if !member_id.is_empty() && !dialog_id.is_empty() => {
                Some(ChatTarget { member_id, dialog_id, bot_id })
            }
            _ => None,
        })
    }
}

/// Where a reply to a chat ticket goes, read inside the reply's transaction: the outbox channel
/// (`imbot` for the app's bot in the customer's Bitrix24, `telegram` for the Telegram support bot)
/// and the dialog or chat id.
pub(crate) async fn reply_dialog(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    d: super::Dialect,
    ticket_id: i64,
) -> StoreResult<Option<(&'static str, String)>> {
    let sql = d.sql_owned(format!(
        "SELECT {} AS channel, chat_dialog_id FROM b24ops_tickets WHERE id = ? AND channel IN ('chat', 'telegram')",
        d.text_prefix("channel", 16)
    ));
    let Some(r) = sqlx::query(&sql).bind(ticket_id).fetch_optional(&mut **tx).await? else { return Ok(None) };
    let channel = match raw_text(&r, "channel")?.as_deref() {
        Some("telegram") => super::telegram::TELEGRAM_CHANNEL,
        _ => "imbot",
    };
    Ok(raw_text(&r, "chat_dialog_id")?.filter(|s| !s.is_empty()).map(|dialog| (channel, dialog)))
}
