//! The emulated portal's chat bots, as the v2 bot API documents them (bitrix24/b24restdocs,
//! `api-reference/chat-bots/chat-bots-v2/`): `imbot.v2.Bot.register` stores a bot (idempotent
//! per code and application), `imbot.v2.Chat.Message.send` records what a bot sent, and a test
//! "user" writing to a bot makes the portal post `ONIMBOTV2MESSAGEADD` to the bot's webhook,
//! form-encoded, with the top-level `auth[application_token]` and the bot's own `data[bot][auth]`.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::auth::EmuError;
use super::bots::{BotSent, EmuBot};
use super::events::Outgoing;
use super::params;
use super::state::World;

/// The longest message `imbot.v2.Chat.Message.send` keeps; longer text is cut with ` (...)`.
const MESSAGE_MAX: usize = 20_000;
/// Bot ids start here, beside the portal's users.
const FIRST_BOT_ID: i64 = 456;

fn field<'a>(p: &'a Value, name: &str) -> Option<&'a Value> {
    params::get(p, "fields").and_then(|f| params::get(f, name))
}

fn text_of(v: Option<&Value>) -> String {
    match v {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    }
}

fn bot_json(b: &EmuBot) -> Value {
    json!({
        "bot": {"id": b.id, "code": b.code, "type": "bot", "isHidden": false, "eventMode": b.event_mode,
                "moduleId": "rest", "language": "en"},
        "users": [{"id": b.id, "active": true, "name": b.name, "bot": true, "externalAuthId": "bot"}],
    })
}

/// `imbot.v2.Bot.register`.
pub fn register(w: &mut World, member_id: &str, p: &Value) -> Result<Value, EmuError> {
    let code = text_of(field(p, "code"));
    if code.trim().is_empty() {
        return Err(EmuError::new(400, "BOT_CODE_REQUIRED", "Field 'code' is required"));
    }
    if let Some(b) = w.bots.iter().find(|b| b.member_id == member_id && b.code == code) {
        return Ok(bot_json(b));
    }
    let name = field(p, "properties").map(|pr| text_of(params::get(pr, "name"))).unwrap_or_default();
    if name.trim().is_empty() {
        return Err(EmuError::new(400, "BOT_NAME_REQUIRED", "Field 'properties.name' is required"));
    }
    let event_mode = Some(text_of(field(p, "eventMode"))).filter(|m| !m.is_empty()).unwrap_or_else(|| "fetch".into());
    let webhook_url = text_of(field(p, "webhookUrl"));
    match event_mode.as_str() {
        "fetch" => {}
        "webhook" if webhook_url.starts_with("http://") || webhook_url.starts_with("https://") => {}
        "webhook" => return Err(EmuError::new(400, "WEBHOOK_URL_REQUIRED", "webhookUrl is required for webhook mode")),
        _ => return Err(EmuError::new(400, "EVENT_MODE_INVALID", "eventMode must be fetch or webhook")),
    }
    let id = FIRST_BOT_ID + w.bots.len() as i64;
    let bot = EmuBot { member_id: member_id.to_owned(), id, code, name, event_mode, webhook_url };
    let out = bot_json(&bot);
    w.bots.push(bot);
    Ok(out)
}

/// `imbot.v2.Chat.Message.send`: only the app's own bot may send.
pub fn send(w: &mut World, member_id: &str, p: &Value, now: DateTime<Utc>) -> Result<Value, EmuError> {
    let Some(bot_id) = params::int(p, "botId") else {
        return Err(EmuError::new(400, "BOT_ID_REQUIRED", "botId is required"));
    };
    if !w.bots.iter().any(|b| b.member_id == member_id && b.id == bot_id) {
        return Err(EmuError::new(400, "BOT_NOT_FOUND", "Bot not found"));
    }
    let dialog_id = params::text(p, "dialogId").unwrap_or_default();
    if dialog_id.trim().is_empty() {
        return Err(EmuError::new(400, "DIALOG_ID_REQUIRED", "dialogId is required"));
    }
    let mut message = text_of(field(p, "message"));
    if message.trim().is_empty() {
        return Err(EmuError::new(400, "MESSAGE_EMPTY", "Message text empty"));
    }
    if message.chars().count() > MESSAGE_MAX {
        message = message.chars().take(MESSAGE_MAX).collect::<String>() + " (...)";
    }
    let id = 789 + w.bot_sent.len() as i64;
    w.bot_sent.push(BotSent { member_id: member_id.to_owned(), bot_id, dialog_id, message, id, at: now });
    Ok(json!({"id": id, "uuidMap": {}}))
}

/// What a test user writes to a bot.
#[derive(Clone, Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserMessage {
    /// Portal.
    pub member_id: String,
    /// The bot (default: the portal's first).
    pub bot_id: Option<i64>,
    /// The writing user (default 1).
    pub user_id: Option<i64>,
    /// A group chat's id; absent for the user's personal dialog with the bot.
    pub chat_id: Option<i64>,
    /// The text.
    pub text: String,
}

/// `ONIMBOTV2MESSAGEADD` for `m`, addressed to the bot's webhook; `Err` says why none is sent.
pub fn message_event(w: &mut World, m: &UserMessage, base: &str, now: DateTime<Utc>) -> Result<Outgoing, String> {
    let bot = w
        .bots
        .iter()
        .find(|b| b.member_id == m.member_id && m.bot_id.is_none_or(|id| id == b.id))
        .cloned()
        .ok_or("no such bot on that portal")?;
    if bot.event_mode != "webhook" {
        return Err("the bot fetches its events (eventMode fetch): nothing is posted".into());
    }
    let p = w.portals.get(&m.member_id).ok_or("no such portal")?;
    let domain = p.spec.domain.clone();
    let user_id = m.user_id.unwrap_or(1);
    let user = p.users.iter().find(|u| u.id == user_id).ok_or("no such user on that portal")?;
    let user_name = format!("{} {}", user.name, user.last_name).trim().to_owned();
    let (dialog_id, chat_id, chat_type) = match m.chat_id {
        Some(c) => (format!("chat{c}"), c, "chat"),
        None => (user_id.to_string(), 1000 + user_id, "private"),
    };
    let app_token = w.app_tokens.get(&m.member_id).cloned().unwrap_or_default();
    let (access, refresh) = w.issue(&m.member_id, bot.id, now);
    let message_id = 10_000 + w.bot_sent.len() as i64 + now.timestamp_subsec_micros() as i64;
    let client_endpoint = format!("{base}/{domain}/rest/");
    let s = |k: &str, v: String| (k.to_owned(), v);
    let form = vec![
        s("event", "ONIMBOTV2MESSAGEADD".into()),
        s("event_handler_id", "1".into()),
        s("data[bot][id]", bot.id.to_string()),
        s("data[bot][code]", bot.code.clone()),
        s("data[bot][auth][access_token]", access),
        s("data[bot][auth][refresh_token]", refresh),
        s("data[bot][auth][expires_in]", "3600".into()),
        s("data[bot][auth][scope]", "imbot".into()),
        s("data[bot][auth][domain]", domain.clone()),
        s("data[bot][auth][client_endpoint]", client_endpoint.clone()),
        s("data[bot][auth][member_id]", m.member_id.clone()),
        s("data[bot][auth][user_id]", bot.id.to_string()),
        s("data[bot][auth][application_token]", app_token.clone()),
        s("data[message][id]", message_id.to_string()),
        s("data[message][chatId]", chat_id.to_string()),
        s("data[message][authorId]", user_id.to_string()),
        s("data[message][date]", now.to_rfc3339()),
        s("data[message][text]", m.text.clone()),
        s("data[message][isSystem]", "0".into()),
        s("data[chat][id]", chat_id.to_string()),
        s("data[chat][dialogId]", dialog_id),
        s("data[chat][type]", chat_type.into()),
        s("data[user][id]", user_id.to_string()),
        s("data[user][active]", "1".into()),
        s("data[user][name]", user_name),
        s("data[language]", "en".into()),
        s("ts", now.timestamp().to_string()),
        s("auth[domain]", domain),
        s("auth[client_endpoint]", client_endpoint),
        s("auth[server_endpoint]", format!("{base}/rest/")),
        s("auth[member_id]", m.member_id.clone()),
        s("auth[application_token]", app_token),
    ];
    Ok(Outgoing { url: bot.webhook_url, form })
}
