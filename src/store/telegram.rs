//! The Telegram support bot's own state: the next `getUpdates` offset per bot, and what the bot
//! knows of each chat (whether it was asked for its portal, and the portal it named). The chat's
//! tickets themselves are ordinary tickets with channel `telegram` and the chat id in
//! `chat_dialog_id`.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::codec::{ms, opt_instant, raw_text, req_instant};
use super::limits::{DIALOG_MAX, DOMAIN_MAX, cut};
use super::{Dialect, Store, StoreResult};

/// The channel of tickets (and of their replies in the outbox) that came through Telegram.
pub const TELEGRAM_CHANNEL: &str = "telegram";

/// What the bot knows of one chat.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TelegramChat {
    /// When the bot asked the chat for its portal address (`None`: not yet).
    pub asked_at: Option<DateTime<Utc>>,
    /// The portal its answer named, once matched.
    pub member_id: Option<String>,
    /// That portal's domain.
    pub domain: Option<String>,
}

fn insert_ignore(d: Dialect, table_and_columns: &str, marks: &str) -> String {
    d.sql_owned(match d {
        Dialect::MySql => format!("INSERT IGNORE INTO {table_and_columns} VALUES ({marks})"),
        _ => format!("INSERT INTO {table_and_columns} VALUES ({marks}) ON CONFLICT DO NOTHING"),
    })
}

impl Store {
    /// The offset the next `getUpdates` of bot `bot_id` asks from, and when it was stored; `None`
    /// before its first update.
    pub async fn telegram_offset(&self, bot_id: &str) -> StoreResult<Option<(i64, DateTime<Utc>)>> {
        let sql = self.dialect().sql("SELECT next_offset, updated_at FROM b24ops_telegram_offsets WHERE bot_id = ?");
        let Some(r) = sqlx::query(&sql).bind(bot_id).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some((r.try_get("next_offset")?, req_instant(&r, "b24ops_telegram_offsets", "updated_at")?)))
    }

    /// Stores the next offset of bot `bot_id` (the update just handled plus one). It may go down:
    /// after a quiet week the Bot API numbers updates afresh, from a random id.
    pub async fn set_telegram_offset(&self, bot_id: &str, next: i64, now: DateTime<Utc>) -> StoreResult<()> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let insert = insert_ignore(d, "b24ops_telegram_offsets (bot_id, next_offset, updated_at)", "?, ?, ?");
        sqlx::query(&insert).bind(bot_id).bind(next).bind(ms(now)).execute(&mut *tx).await?;
        let update = d.sql("UPDATE b24ops_telegram_offsets SET next_offset = ?, updated_at = ? WHERE bot_id = ?");
        sqlx::query(&update).bind(next).bind(ms(now)).bind(bot_id).execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// What the bot knows of `chat_id`; `None` for a chat it never saw.
    pub async fn telegram_chat(&self, chat_id: &str) -> StoreResult<Option<TelegramChat>> {
        let sql = self.dialect().sql("SELECT asked_at, member_id, domain FROM b24ops_telegram_chats WHERE chat_id = ?");
        let Some(r) = sqlx::query(&sql).bind(chat_id).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(TelegramChat {
            asked_at: opt_instant(&r, "b24ops_telegram_chats", "asked_at")?,
            member_id: raw_text(&r, "member_id")?.filter(|m| !m.is_empty()),
            domain: raw_text(&r, "domain")?.filter(|m| !m.is_empty()),
        }))
    }

    /// Remembers that the bot asked `chat_id` for its portal (once: a second call changes nothing).
    pub async fn note_telegram_chat_asked(&self, chat_id: &str, now: DateTime<Utc>) -> StoreResult<()> {
        let d = self.dialect();
        let insert = insert_ignore(d, "b24ops_telegram_chats (chat_id, created_at) ", "?, ?");
        sqlx::query(&insert).bind(cut(chat_id, DIALOG_MAX)).bind(ms(now)).execute(self.pool()).await?;
        let sql = d.sql("UPDATE b24ops_telegram_chats SET asked_at = COALESCE(asked_at, ?) WHERE chat_id = ?");
        sqlx::query(&sql).bind(ms(now)).bind(cut(chat_id, DIALOG_MAX)).execute(self.pool()).await?;
        Ok(())
    }

    /// Remembers the portal `chat_id` named, so its next tickets are attached from the start.
    pub async fn set_telegram_chat_portal(&self, chat_id: &str, member_id: &str, domain: &str) -> StoreResult<()> {
        let sql = self.dialect().sql("UPDATE b24ops_telegram_chats SET member_id = ?, domain = ? WHERE chat_id = ?");
        sqlx::query(&sql)
            .bind(member_id)
            .bind(cut(domain, DOMAIN_MAX))
            .bind(cut(chat_id, DIALOG_MAX))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// The open (not solved or closed) Telegram ticket of `chat_id`, newest first.
    pub async fn open_telegram_ticket(&self, chat_id: &str) -> StoreResult<Option<i64>> {
        let sql = self.dialect().sql(
            "SELECT id FROM b24ops_tickets WHERE channel = 'telegram' AND chat_dialog_id = ?
             AND status NOT IN ('solved', 'closed') ORDER BY id DESC LIMIT 1",
        );
        let row = sqlx::query(&sql).bind(cut(chat_id, DIALOG_MAX)).fetch_optional(self.pool()).await?;
        Ok(match row {
            Some(r) => Some(r.try_get("id")?),
            None => None,
        })
    }
}
