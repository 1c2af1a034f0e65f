//! A customer's message to the app's bot in their Bitrix24 (`ONIMBOTV2MESSAGEADD`) becomes a
//! chat ticket attached to the portal, or threads into that dialog's open ticket.
//!
//! As documented (bitrix24/b24restdocs, `api-reference/chat-bots/chat-bots-v2/imbot.v2/events/events.md`):
//! the webhook is form-encoded like every Bitrix24 event (`data[message][text]`,
//! `data[chat][dialogId]`, `data[user][name]`, `data[bot][id]`, every scalar a string), and its
//! authenticity is the **top-level** `auth[application_token]`, not `data[bot][auth][…]`. It is
//! compared with the token stored for the portal at install, like the application events.

use chrono::{DateTime, Utc};

use super::app_events::{EventError as ChatError, same};
use crate::model::{MemberId, NewTicket, SafeText, Secret};
use crate::store::Store;

/// The message event.
pub const MESSAGE_EVENT: &str = "ONIMBOTV2MESSAGEADD";
/// The subject of a chat ticket: the first line of the message, this long at most.
const SUBJECT_CHARS: usize = 80;

/// One message to the bot, as posted.
#[derive(Clone, Debug)]
pub struct BotMessage {
    /// `auth[member_id]`.
    pub member_id: MemberId,
    /// `auth[domain]`.
    pub domain: Option<String>,
    /// `auth[application_token]` (top level).
    pub application_token: Option<Secret>,
    /// `data[bot][id]`.
    pub bot_id: i64,
    /// `data[chat][dialogId]`.
    pub dialog_id: String,
    /// `data[user][name]`, or the user's id.
    pub author: String,
    /// `data[message][text]`, sanitized (controls made visible) and cut.
    pub text: SafeText,
}

/// Reads the form fields of a bot event.
pub fn parse_message(fields: &[(String, String)]) -> Result<BotMessage, ChatError> {
    let get = |k: &str| fields.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    let bad = |why: &str| ChatError::Malformed(why.to_owned());
    let event = get("event").unwrap_or_default().trim().to_uppercase();
    if event != MESSAGE_EVENT {
        return Err(ChatError::Malformed(format!("{:?} is not {MESSAGE_EVENT}", SafeText::line(&event).as_str())));
    }
    let member_id = MemberId::parse(get("auth[member_id]").unwrap_or_default())
        .map_err(|_| bad("auth[member_id] is missing or not a member_id"))?;
    let bot_id = get("data[bot][id]")
        .and_then(|v| v.trim().parse::<i64>().ok())
        .ok_or_else(|| bad("data[bot][id] is missing or not a number"))?;
    let dialog_id = get("data[chat][dialogId]").unwrap_or_default().trim().to_owned();
    let dialog_ok = !dialog_id.is_empty()
        && dialog_id.len() <= crate::store::limits::DIALOG_MAX
        && dialog_id.chars().all(|c| c.is_ascii_alphanumeric());
    if !dialog_ok {
        return Err(bad("data[chat][dialogId] is missing or not a Bitrix24 dialog id"));
    }
    let user = get("data[user][name]").filter(|n| !n.trim().is_empty()).or(get("data[user][id]")).unwrap_or("user");
    Ok(BotMessage {
        member_id,
        domain: get("auth[domain]").map(|d| SafeText::line(d).as_str().to_owned()).filter(|d| !d.is_empty()),
        application_token: get("auth[application_token]").filter(|t| !t.is_empty()).map(Secret::new),
        bot_id,
        dialog_id,
        author: SafeText::line(user).as_str().to_owned(),
        text: SafeText::block(get("data[message][text]").unwrap_or_default()),
    })
}

/// What a taken message did.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Taken {
    /// The ticket it opened or threaded into.
    pub ticket_id: i64,
    /// A new ticket.
    pub opened: bool,
}

/// Checks the token and opens or threads the ticket.
pub async fn take_message(
    store: &Store,
    m: BotMessage,
    now: DateTime<Utc>,
    read_only: bool,
) -> Result<Taken, ChatError> {
    if read_only {
        return Err(ChatError::ReadOnly);
    }
    let stored = store.application_token(&m.member_id).await?;
    let proven = matches!((&stored, &m.application_token), (Some(s), Some(p)) if same(s, p));
    if !proven {
        return Err(ChatError::Unauthorized(format!(
            "{MESSAGE_EVENT} for {}: {} application_token: refused, nothing changed",
            m.member_id.as_str(),
            if stored.is_none() { "no stored" } else { "a wrong" }
        )));
    }
    let member = m.member_id.as_str().to_owned();
    if let Some(id) = store.open_chat_ticket(&member, &m.dialog_id).await? {
        store.customer_message(id, &m.author, m.text.as_str(), None, now).await?;
        return Ok(Taken { ticket_id: id, opened: false });
    }
    let domain = match store.portal(&m.member_id).await? {
        Some(p) => Some(p.domain.as_str().to_owned()),
        None => m.domain.clone(),
    };
    let first_line = m.text.as_str().lines().find(|l| !l.trim().is_empty()).unwrap_or("(empty message)");
    let subject = crate::model::ellipsize(first_line.trim(), SUBJECT_CHARS);
    let t = NewTicket {
        channel: "chat".into(),
        member_id: Some(member),
        domain,
        subject: format!("Chat: {subject}"),
        requester_name: Some(m.author.clone()),
        requester_email: None,
        priority: "normal".into(),
        body: m.text.as_str().to_owned(),
        message_id: None,
        claimed_thread_of: None,
    };
    let id = store.create_ticket(&t, now).await?;
    store.set_chat_target(id, &m.dialog_id, m.bot_id).await?;
    Ok(Taken { ticket_id: id, opened: true })
}
