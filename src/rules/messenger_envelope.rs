//! What b24ops reads from, and rewrites in, a Symfony Messenger message stored by the Doctrine
//! transport — pure, no IO.
//!
//! Two serializers write `messenger_messages` rows (symfony/messenger 5.4):
//! - `PhpSerializer` (the default): `body` is `addslashes(serialize($envelope))`, base64 when not
//!   UTF-8, and `headers` is `[]`; the stamps live inside the serialized `Envelope`
//!   (Transport/Serialization/PhpSerializer.php `encode`/`decode`).
//! - `Serializer` (symfony/serializer): `body` is the message alone, `headers` a JSON object with
//!   `type` (the class) and one `X-Message-Stamp-<class>` entry per stamp class, each a JSON array
//!   of that class's stamps (Transport/Serialization/Serializer.php `encodeStamps`).
//!
//! The stamps read: `ErrorDetailsStamp` (exceptionClass, exceptionMessage), `RedeliveryStamp`
//! (retryCount) and `SentToFailureTransportStamp` (originalReceiverName), as in Stamp/*.php.

use base64::Engine;
use serde_json::Value;

use super::php_serialized::{PhpKind, PhpValue, add_slashes, parse, strip_slashes};
use super::queue_payload::{MemberRule, member_in_serialized, member_in_text};

const STAMP_PREFIX: &str = "Symfony\\Component\\Messenger\\";
const ERROR_STAMP: &str = "Symfony\\Component\\Messenger\\Stamp\\ErrorDetailsStamp";
const REDELIVERY_STAMP: &str = "Symfony\\Component\\Messenger\\Stamp\\RedeliveryStamp";
const FAILURE_STAMP: &str = "Symfony\\Component\\Messenger\\Stamp\\SentToFailureTransportStamp";
const HEADER_PREFIX: &str = "X-Message-Stamp-";

/// What the Tasks tab shows of a failed message.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessengerMessage {
    /// The message class, or why the row cannot be read.
    pub kind: String,
    /// The portal, when the message names one.
    pub member_id: Option<String>,
    /// The last `ErrorDetailsStamp` as `Class: message`.
    pub error: Option<String>,
    /// The highest `RedeliveryStamp` retry count: the retries made before it failed.
    pub retries: i64,
    /// The transport it failed on (`SentToFailureTransportStamp`).
    pub original_transport: Option<String>,
    /// Stamp classes from outside symfony/messenger (the app's own), shown in the detail.
    pub unknown_stamps: Vec<String>,
    /// Why the row cannot be read, when it cannot: its restart is refused.
    pub unreadable: Option<String>,
}

/// Reads one row; never fails: a row that cannot be read says why.
pub fn read_message(body: &str, headers: &str, rule: &MemberRule) -> MessengerMessage {
    let headers: Value = serde_json::from_str(headers).unwrap_or(Value::Null);
    if let Some(class) = headers.get("type").and_then(Value::as_str) {
        return from_json_headers(class, body, &headers, rule);
    }
    match php_envelope(body) {
        Ok((text, env)) => from_envelope(&text, &env, rule),
        Err(why) => MessengerMessage {
            kind: "(message cannot be read)".into(),
            member_id: member_in_text(body, rule),
            unreadable: Some(why),
            ..MessengerMessage::default()
        },
    }
}

/// The stripped serialized text and its `Envelope`.
fn php_envelope(body: &str) -> Result<(String, PhpValue), String> {
    let raw = if body.ends_with('}') {
        body.to_owned()
    } else {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(body.trim())
            .map_err(|_| "the body is neither PHP-serialized nor base64".to_owned())?;
        String::from_utf8(bytes).map_err(|_| "the base64 body is not UTF-8 text".to_owned())?
    };
    let text = strip_slashes(&raw);
    let env = parse(&text).map_err(|e| format!("the body is {e}"))?;
    if env.class() != Some("Symfony\\Component\\Messenger\\Envelope") {
        return Err("the body is not a serialized Messenger Envelope".into());
    }
    Ok((text, env))
}

fn from_envelope(text: &str, env: &PhpValue, rule: &MemberRule) -> MessengerMessage {
    let message = env.prop("message");
    let mut out = MessengerMessage {
        kind: message.and_then(PhpValue::class).unwrap_or("(no message)").to_owned(),
        member_id: message
            .filter(|_| rule.path.is_none())
            .and_then(|m| member_in_serialized(&text[m.start..m.end], &rule.keys)),
        ..MessengerMessage::default()
    };
    let Some(PhpKind::Array(by_class)) = env.prop("stamps").map(|s| &s.kind) else { return out };
    for (class, list) in by_class {
        let class = class.as_str().unwrap_or_default();
        let PhpKind::Array(stamps) = &list.kind else { continue };
        for (_, stamp) in stamps {
            let text_of = |p: &str| stamp.prop(p).and_then(PhpValue::as_str).map(str::to_owned);
            match class {
                ERROR_STAMP => {
                    out.error = Some(format!(
                        "{}: {}",
                        text_of("exceptionClass").unwrap_or_default(),
                        text_of("exceptionMessage").unwrap_or_default()
                    ))
                }
                REDELIVERY_STAMP => {
                    out.retries = out.retries.max(stamp.prop("retryCount").and_then(PhpValue::as_int).unwrap_or(0))
                }
                FAILURE_STAMP => out.original_transport = text_of("originalReceiverName"),
                _ => {}
            }
        }
        if !class.starts_with(STAMP_PREFIX) {
            out.unknown_stamps.push(class.to_owned());
        }
    }
    out
}

fn from_json_headers(class: &str, body: &str, headers: &Value, rule: &MemberRule) -> MessengerMessage {
    let member_id = match &rule.path {
        Some(p) => serde_json::from_str::<Value>(body)
            .ok()
            .and_then(|v| v.pointer(p).and_then(Value::as_str).map(str::to_owned)),
        None => member_in_text(body, rule),
    };
    let mut out = MessengerMessage { kind: class.to_owned(), member_id, ..MessengerMessage::default() };
    let Some(map) = headers.as_object() else { return out };
    for (name, value) in map {
        let Some(stamp_class) = name.strip_prefix(HEADER_PREFIX) else { continue };
        let stamps: Vec<Value> = value.as_str().and_then(|s| serde_json::from_str(s).ok()).unwrap_or_default();
        for s in &stamps {
            let text_of = |p: &str| s.get(p).and_then(Value::as_str).unwrap_or_default().to_owned();
            match stamp_class {
                ERROR_STAMP => {
                    out.error = Some(format!("{}: {}", text_of("exceptionClass"), text_of("exceptionMessage")))
                }
                REDELIVERY_STAMP => {
                    out.retries = out.retries.max(s.get("retryCount").and_then(Value::as_i64).unwrap_or(0))
                }
                FAILURE_STAMP => out.original_transport = Some(text_of("originalReceiverName")),
                _ => {}
            }
        }
        if !stamp_class.starts_with(STAMP_PREFIX) {
            out.unknown_stamps.push(stamp_class.to_owned());
        }
    }
    out
}

/// The row as it goes back on its original queue: the same message and stamps less the
/// `SentToFailureTransportStamp`. Kept, it would make a second failure vanish:
/// `SendFailedMessageToFailureTransportListener` skips an envelope that has one ("avoid
/// re-sending to the failed sender"), so the message would be neither retried nor failed again.
pub fn retry_row(body: &str, headers: &str) -> Result<(String, String), String> {
    let mut h: Value = serde_json::from_str(headers).unwrap_or(Value::Null);
    if h.get("type").is_some() {
        if let Some(map) = h.as_object_mut() {
            map.remove(&format!("{HEADER_PREFIX}{FAILURE_STAMP}"));
        }
        return Ok((body.to_owned(), h.to_string()));
    }
    let (text, env) = php_envelope(body)?;
    let Some(stamps) = env.prop("stamps") else { return Ok((body.to_owned(), headers.to_owned())) };
    let PhpKind::Array(by_class) = &stamps.kind else { return Err("the Envelope's stamps are not an array".into()) };
    let kept: Vec<&(PhpValue, PhpValue)> = by_class.iter().filter(|(k, _)| k.as_str() != Some(FAILURE_STAMP)).collect();
    let mut rebuilt = String::with_capacity(stamps.end - stamps.start);
    rebuilt.push_str(&text[..stamps.start]);
    rebuilt.push_str("a:");
    rebuilt.push_str(&kept.len().to_string());
    rebuilt.push_str(":{");
    for (k, v) in kept {
        rebuilt.push_str(&text[k.start..v.end]);
    }
    rebuilt.push('}');
    rebuilt.push_str(&text[stamps.end..]);
    let slashed = add_slashes(&rebuilt);
    // PhpSerializer::encode: base64 only when the text is not UTF-8, which a Rust string always is;
    // a body that came as base64 is written back the same way.
    let out = if body.ends_with('}') { slashed } else { base64::engine::general_purpose::STANDARD.encode(slashed) };
    Ok((out, headers.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> MemberRule {
        MemberRule { path: None, keys: vec!["memberId".into(), "member_id".into()] }
    }

    fn envelope(extra_stamp: &str) -> String {
        let m = "0123456789abcdef0123456789abcdef";
        let e = "\0Symfony\\Component\\Messenger\\Stamp\\ErrorDetailsStamp\0";
        let raw = format!(
            "O:36:\"Symfony\\Component\\Messenger\\Envelope\":2:{{s:44:\"\0Symfony\\Component\\Messenger\\Envelope\0stamps\";a:{n}:{{\
s:51:\"{ERROR_STAMP}\";a:1:{{i:0;O:51:\"{ERROR_STAMP}\":2:{{s:{l1}:\"{e}exceptionClass\";s:16:\"RuntimeException\";s:{l2}:\"{e}exceptionMessage\";s:4:\"boom\";}}}}\
s:49:\"{REDELIVERY_STAMP}\";a:2:{{i:0;O:49:\"{REDELIVERY_STAMP}\":1:{{s:61:\"\0{REDELIVERY_STAMP}\0retryCount\";i:1;}}i:1;O:49:\"{REDELIVERY_STAMP}\":1:{{s:61:\"\0{REDELIVERY_STAMP}\0retryCount\";i:0;}}}}\
s:61:\"{FAILURE_STAMP}\";a:1:{{i:0;O:61:\"{FAILURE_STAMP}\":1:{{s:83:\"\0{FAILURE_STAMP}\0originalReceiverName\";s:5:\"async\";}}}}{extra_stamp}}}\
s:45:\"\0Symfony\\Component\\Messenger\\Envelope\0message\";O:13:\"App\\SyncDeals\":1:{{s:8:\"memberId\";s:32:\"{m}\";}}}}",
            n = if extra_stamp.is_empty() { 3 } else { 4 },
            l1 = e.len() + 14,
            l2 = e.len() + 16,
        );
        add_slashes(&raw)
    }

    #[test]
    fn a_php_serialized_envelope_names_class_portal_error_retries_and_transport() {
        let m = read_message(&envelope(""), "[]", &rule());
        assert_eq!(m.unreadable, None, "{m:?}");
        assert_eq!(m.kind, "App\\SyncDeals");
        assert_eq!(m.member_id.as_deref(), Some("0123456789abcdef0123456789abcdef"));
        assert_eq!(m.error.as_deref(), Some("RuntimeException: boom"));
        assert_eq!((m.retries, m.original_transport.as_deref()), (1, Some("async")));
        assert!(m.unknown_stamps.is_empty());
        let b64 = base64::engine::general_purpose::STANDARD.encode(envelope(""));
        assert_eq!(read_message(&b64, "[]", &rule()).kind, "App\\SyncDeals");
    }

    #[test]
    fn unknown_stamps_are_named_and_broken_bodies_say_why() {
        let app = "s:11:\"App\\TraceId\";a:1:{i:0;O:11:\"App\\TraceId\":0:{}}";
        let m = read_message(&envelope(app), "[]", &rule());
        assert_eq!(m.unknown_stamps, vec!["App\\TraceId".to_owned()]);
        assert_eq!(m.kind, "App\\SyncDeals");
        let broken = read_message("O:36:\"Symfony\\\\Component\\\\Messenger\\\\Envelope\":2:{", "[]", &rule());
        assert!(broken.unreadable.is_some() && broken.kind.contains("cannot be read"));
        assert!(read_message("not a message", "[]", &rule()).unreadable.unwrap().contains("base64"));
        assert!(retry_row("not a message", "[]").is_err());
    }

    #[test]
    fn retry_drops_only_the_failure_stamp() {
        let (body, headers) = retry_row(&envelope(""), "[]").unwrap();
        let m = read_message(&body, &headers, &rule());
        assert_eq!(m.original_transport, None);
        assert_eq!(
            (m.kind.as_str(), m.retries, m.error.as_deref()),
            ("App\\SyncDeals", 1, Some("RuntimeException: boom"))
        );
        assert!(body.contains("\\0Symfony"), "written back with addslashes as PhpSerializer does");
    }

    #[test]
    fn the_json_serializer_keeps_stamps_in_headers() {
        let headers = serde_json::json!({
            "type": "App\\SyncDeals",
            "X-Message-Stamp-Symfony\\Component\\Messenger\\Stamp\\ErrorDetailsStamp": r#"[{"exceptionClass":"RuntimeException","exceptionMessage":"boom"}]"#,
            "X-Message-Stamp-Symfony\\Component\\Messenger\\Stamp\\RedeliveryStamp": r#"[{"retryCount":2}]"#,
            "X-Message-Stamp-Symfony\\Component\\Messenger\\Stamp\\SentToFailureTransportStamp": r#"[{"originalReceiverName":"async"}]"#,
        })
        .to_string();
        let body = r#"{"memberId":"0123456789abcdef0123456789abcdef"}"#;
        let m = read_message(body, &headers, &rule());
        assert_eq!((m.kind.as_str(), m.retries, m.original_transport.as_deref()), ("App\\SyncDeals", 2, Some("async")));
        assert_eq!(m.member_id.as_deref(), Some("0123456789abcdef0123456789abcdef"));
        let (_, h) = retry_row(body, &headers).unwrap();
        assert_eq!(read_message(body, &h, &rule()).original_transport, None);
    }
}
