//! Reading the Telegram Bot API's answers, without IO: the envelope every method answers with,
//! the updates `getUpdates` returns, and a portal address typed by a customer.
//!
//! Shapes as documented at <https://core.telegram.org/bots/api>:
//! - "Making requests": every answer is `{"ok": true, "result": …}` or `{"ok": false,
//!   "error_code": 401, "description": "Unauthorized", "parameters": {"retry_after": 5}}`.
//! - "getUpdates": returns an array of `Update`; "an update is considered confirmed as soon as
//!   getUpdates is called with an offset higher than its update_id", so the next offset is the
//!   `update_id` handled plus one — for every update, whatever its kind. Updates are kept on the
//!   server at most 24 hours.
//! - "Update": identifiers increase sequentially, but "if there are no new updates for at least a
//!   week, then identifier of the next update will be chosen randomly instead of sequentially".
//! - "Update": `update_id` plus at most one of `message`, `edited_message`, `channel_post`,
//!   `callback_query`, …; a `Message` has `chat.id` (up to 52 significant bits), `from`
//!   (`first_name`, `last_name`, `username`, `is_bot`), and `text` or, for media, `caption`.

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;

/// One update, as far as the support bot cares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Update {
    /// A new message in a chat with the bot.
    Message {
        /// `update_id`.
        update_id: i64,
        /// `message.chat.id`, as text (it is the outbox recipient and the ticket's dialog id).
        chat_id: String,
        /// Who wrote it: the sender's name, else `@username`, else the chat's id.
        author: String,
        /// `message.text`, else `message.caption`, else a note naming what was sent. Raw: the
        /// caller sanitizes it.
        text: String,
    },
    /// Anything else (an edit, a button press, a bot's own message, …): skipped, but confirmed.
    Skipped {
        /// `update_id`.
        update_id: i64,
        /// Its kind, for the log (`edited_message`, `callback_query`, `message from a bot`).
        kind: String,
    },
}

impl Update {
    /// `update_id`.
    pub fn id(&self) -> i64 {
        match self {
            Update::Message { update_id, .. } | Update::Skipped { update_id, .. } => *update_id,
        }
    }
}

/// Why the Bot API did not do what was asked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiRefusal {
    /// `error_code` (the HTTP status when the body says nothing).
    pub code: u16,
    /// `description`, sanitized later.
    pub description: String,
    /// `parameters.retry_after` (seconds), for flood control (429).
    pub retry_after: Option<u64>,
}

/// The `result` of an answer, or why it was refused. `status` is the HTTP status.
pub fn envelope(status: u16, body: &[u8]) -> Result<Value, ApiRefusal> {
    let parsed: Option<Value> = serde_json::from_slice(body).ok();
    let refused = |description: String, v: Option<&Value>| ApiRefusal {
        code: v.and_then(|v| v["error_code"].as_u64()).and_then(|c| u16::try_from(c).ok()).unwrap_or(status),
        description,
        retry_after: v.and_then(|v| v["parameters"]["retry_after"].as_u64()),
    };
    match parsed {
        Some(v) if v["ok"] == Value::Bool(true) && (200..300).contains(&status) => Ok(v["result"].clone()),
        Some(v) if v.is_object() => {
            let description = v["description"].as_str().unwrap_or("no description").to_owned();
            Err(refused(description, Some(&v)))
        }
        _ => Err(refused("the answer is not the Bot API's JSON".into(), None)),
    }
}

fn author_of(m: &Value) -> String {
    let from = &m["from"];
    let name = [from["first_name"].as_str(), from["last_name"].as_str()]
        .into_iter()
        .flatten()
        .filter(|s| !s.trim().is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    if !name.is_empty() {
        return name;
    }
    match from["username"].as_str() {
        Some(u) if !u.is_empty() => format!("@{u}"),
        _ => format!("Telegram chat {}", m["chat"]["id"]),
    }
}

fn text_of(m: &Value) -> String {
    if let Some(t) = m["text"].as_str().or(m["caption"].as_str()) {
        return t.to_owned();
    }
    let kind = ["photo", "document", "sticker", "voice", "video", "audio", "location", "contact"]
        .into_iter()
        .find(|k| !m[*k].is_null())
        .unwrap_or("message");
    format!("(a {kind} without text; open Telegram to see it)")
}

/// The updates of a `getUpdates` result. An update without an `update_id` cannot be confirmed
/// and is dropped; everything else is a message or skipped.
pub fn updates(result: &Value) -> Vec<Update> {
    let Some(list) = result.as_array() else { return Vec::new() };
    list.iter()
        .filter_map(|u| {
            let update_id = u["update_id"].as_i64()?;
            let m = &u["message"];
            let chat = &m["chat"]["id"];
            let kind = u.as_object().and_then(|o| o.keys().find(|k| *k != "update_id").cloned());
            Some(if !m.is_object() || !(chat.is_i64() || chat.is_string()) {
                Update::Skipped { update_id, kind: kind.unwrap_or_else(|| "empty update".into()) }
            } else if m["from"]["is_bot"] == Value::Bool(true) {
                Update::Skipped { update_id, kind: "message from a bot".into() }
            } else {
                let chat_id = chat.as_i64().map(|i| i.to_string()).or(chat.as_str().map(str::to_owned));
                Update::Message {
                    update_id,
                    chat_id: chat_id.unwrap_or_default(),
                    author: author_of(m),
                    text: text_of(m),
                }
            })
        })
        .collect()
}

/// The offset to ask from next, given the one stored and when (`None`: never). The Bot API keeps
/// an update at most 24 hours and, after a week without any, numbers the next from a random id —
/// possibly below the stored offset, which would confirm it unseen. So a stored offset older than
/// a day is not sent: the Bot API then starts from the earliest update not yet confirmed, which
/// is exactly what is new (a repeat is caught by its filing key).
pub fn offset_to_ask(stored: Option<(i64, DateTime<Utc>)>, now: DateTime<Utc>) -> Option<i64> {
    stored.filter(|(_, at)| now - *at < Duration::hours(24)).map(|(o, _)| o)
}

/// The portal domain a customer typed (`acme.bitrix24.com`, `https://Acme.Bitrix24.com/crm/`,
/// "it is acme.bitrix24.de"), lower-cased; `None` when no word looks like a domain.
pub fn portal_domain(answer: &str) -> Option<String> {
    answer
        .split_whitespace()
        .map(|w| {
            let w = w.trim_matches(|c: char| matches!(c, '"' | '\'' | '<' | '>' | ',' | ';' | '(' | ')'));
            let w = w.split_once("://").map_or(w, |(_, rest)| rest);
            let host = w.split(['/', '?', '#']).next().unwrap_or_default();
            host.trim_end_matches('.').to_lowercase()
        })
        .find(|h| {
            h.len() <= 253
                && h.contains('.')
                && h.split('.')
                    .all(|l| !l.is_empty() && l.len() <= 63 && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
                && h.rsplit('.').next().is_some_and(|tld| tld.chars().any(|c| c.is_ascii_alphabetic()))
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_envelope_gives_the_result_or_the_refusal() {
        assert_eq!(envelope(200, br#"{"ok":true,"result":[]}"#), Ok(json!([])));
        let r = envelope(401, br#"{"ok":false,"error_code":401,"description":"Unauthorized"}"#).unwrap_err();
        assert_eq!((r.code, r.description.as_str(), r.retry_after), (401, "Unauthorized", None));
        let r = envelope(429, br#"{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 7","parameters":{"retry_after":7}}"#)
            .unwrap_err();
        assert_eq!(r.retry_after, Some(7));
        let r = envelope(502, b"<html>Bad Gateway</html>").unwrap_err();
        assert_eq!(r.code, 502);
    }

    #[test]
    fn messages_are_read_and_other_kinds_skipped_but_counted() {
        let got = updates(&json!([
            {"update_id": 10, "message": {"message_id": 1, "chat": {"id": 555, "type": "private"},
              "from": {"id": 555, "is_bot": false, "first_name": "Olga", "last_name": "K"}, "text": "Export fails"}},
            {"update_id": 11, "edited_message": {"chat": {"id": 555}, "text": "Export fails!"}},
            {"update_id": 12, "message": {"chat": {"id": -100123}, "from": {"is_bot": false, "username": "ivan"}, "photo": [{}], "caption": "see"}},
            {"update_id": 13, "message": {"chat": {"id": 7}, "from": {"is_bot": false, "first_name": "Bo"}, "sticker": {}}},
            {"update_id": 14, "message": {"chat": {"id": 7}, "from": {"is_bot": true, "first_name": "Other bot"}, "text": "hi"}},
            {"message": {"chat": {"id": 7}}}
        ]));
        assert_eq!(got.len(), 5);
        assert_eq!(
            got[0],
            Update::Message {
                update_id: 10,
                chat_id: "555".into(),
                author: "Olga K".into(),
                text: "Export fails".into()
            }
        );
        assert_eq!(got[1], Update::Skipped { update_id: 11, kind: "edited_message".into() });
        assert!(
            matches!(&got[2], Update::Message { chat_id, author, text, .. } if chat_id == "-100123" && author == "@ivan" && text == "see")
        );
        assert!(matches!(&got[3], Update::Message { text, .. } if text.contains("sticker")));
        assert!(matches!(&got[4], Update::Skipped { .. }));
    }

    #[test]
    fn a_stored_offset_is_asked_from_for_a_day() {
        let at: DateTime<Utc> = "2026-11-30T10:00:00Z".parse().unwrap();
        assert_eq!(offset_to_ask(Some((15, at)), at + Duration::hours(23)), Some(15));
        assert_eq!(offset_to_ask(Some((15, at)), at + Duration::hours(25)), None, "the Bot API may have renumbered");
        assert_eq!(offset_to_ask(None, at), None);
    }

    #[test]
    fn a_typed_portal_address_is_found() {
        assert_eq!(portal_domain("acme.bitrix24.com").as_deref(), Some("acme.bitrix24.com"));
        assert_eq!(
            portal_domain("It is https://Acme.Bitrix24.DE/crm/deal/ thanks").as_deref(),
            Some("acme.bitrix24.de")
        );
        assert_eq!(portal_domain("\"portal.example.org.\"").as_deref(), Some("portal.example.org"));
        assert_eq!(portal_domain("version 2.4.1 fails"), None);
        assert_eq!(portal_domain("no idea"), None);
        assert_eq!(portal_domain("\u{1b}[31mevil.example\u{1b}[0m"), None);
    }
}
