//! A Sentry event payload turned into an app error: the exception's type (module-qualified when
//! the SDK gives a module) and value, the portal from a tag, and a compact context — release,
//! environment, the newest frames of the stack, and the request URL with its secrets masked.
//! An SDK's text cannot be sent back for fixing, so what no backend stores (NUL) is replaced,
//! and what is too long is cut, rather than the event refused.

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Map, Value, json};

use crate::model::{MemberId, NewAppError, scrub};
use crate::rules::intake_values::check_ts;

/// Frames kept in the context, newest first.
pub const FRAMES_KEPT: usize = 10;
/// The longest message kept.
const MESSAGE_MAX: usize = 64 * 1024;
/// The longest error type kept (the column's size).
const TYPE_MAX: usize = 255;
/// The longest single context string kept.
const FIELD_MAX: usize = 1024;

/// An app error read from a Sentry event, with the id duplicates are recognised by.
#[derive(Clone, Debug, PartialEq)]
pub struct SentryError {
    /// The event's id: 32 lowercase hex digits, when the event has a valid one.
    pub event_id: Option<String>,
    /// The row to write.
    pub error: NewAppError,
}

/// Reads one event. `member_tags` are the tag names that carry the portal's member_id, first
/// match wins; `fallback_id` is the envelope header's event id; `now` stands in for a missing or
/// implausible timestamp.
pub fn error_from_event(
    payload: &[u8],
    member_tags: &[String],
    fallback_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<SentryError, String> {
    let v: Value = serde_json::from_slice(payload).map_err(|e| format!("the event is not JSON: {e}"))?;
    let Value::Object(ev) = v else { return Err("the event is not a JSON object".into()) };
    let event_id = ev.get("event_id").and_then(Value::as_str).or(fallback_id).and_then(normal_id);
    let ts = timestamp(ev.get("timestamp")).filter(|t| check_ts("timestamp", *t, now).is_ok()).unwrap_or(now);
    let exception = last_exception(&ev);
    let error_type = match exception.map(qualified_type) {
        Some(t) if !t.is_empty() => t,
        _ => "message".to_owned(),
    };
    let message = exception
        .and_then(|x| x.get("value"))
        .and_then(Value::as_str)
        .map(str::to_owned)
        .or_else(|| log_message(&ev))
        .unwrap_or_default();
    let member_id = tag(&ev, member_tags).and_then(|m| MemberId::parse(m.trim()).ok()).map(|m| m.as_str().to_owned());
    let sdk = ev.get("sdk").and_then(|s| s.get("name")).and_then(Value::as_str).unwrap_or("sentry");
    Ok(SentryError {
        event_id,
        error: NewAppError {
            ts,
            member_id,
            error_type: clean(&error_type, TYPE_MAX),
            message: clean(&message, MESSAGE_MAX),
            context: Some(context(&ev, exception).to_string()),
            source: clean(sdk, 64),
        },
    })
}

/// An event id as 32 lowercase hex digits (SDKs send a UUID with or without dashes).
pub fn normal_id(raw: &str) -> Option<String> {
    let hex: String = raw.chars().filter(|c| *c != '-').collect::<String>().to_ascii_lowercase();
    (hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_hexdigit())).then_some(hex)
}

/// RFC 3339 text or (fractional) epoch seconds, as the protocol allows both.
fn timestamp(v: Option<&Value>) -> Option<DateTime<Utc>> {
    match v? {
        Value::String(s) => DateTime::parse_from_rfc3339(s).ok().map(|t| t.with_timezone(&Utc)).or_else(|| {
            // Python's SDK once sent naive ISO times, meaning UTC.
            chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f").ok().map(|n| n.and_utc())
        }),
        Value::Number(n) => {
            let secs = n.as_f64()?;
            (secs.is_finite() && secs.abs() < 1e12)
                .then(|| Utc.timestamp_millis_opt((secs * 1000.0) as i64).single())?
        }
        _ => None,
    }
}

/// The exception that was raised last: the protocol lists chained exceptions oldest first,
/// under `exception.values` (or, in old SDKs, as a bare list).
fn last_exception(ev: &Map<String, Value>) -> Option<&Map<String, Value>> {
    let list = match ev.get("exception")? {
        Value::Object(o) => o.get("values")?.as_array()?,
        Value::Array(a) => a,
        _ => return None,
    };
    list.iter().rev().find_map(Value::as_object)
}

fn qualified_type(x: &Map<String, Value>) -> String {
    let ty = x.get("type").and_then(Value::as_str).unwrap_or("").trim();
    match x.get("module").and_then(Value::as_str).map(str::trim) {
        Some(m) if !m.is_empty() && !ty.is_empty() && !matches!(m, "builtins" | "__builtin__" | "exceptions") => {
            format!("{m}.{ty}")
        }
        _ => ty.to_owned(),
    }
}

fn log_message(ev: &Map<String, Value>) -> Option<String> {
    let from = |v: &Value| match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("formatted").or_else(|| o.get("message")).and_then(Value::as_str).map(str::to_owned),
        _ => None,
    };
    ev.get("logentry").and_then(from).or_else(|| ev.get("message").and_then(from))
}

/// The first of `names` among the event's tags, which SDKs send as an object or as pairs.
fn tag<'a>(ev: &'a Map<String, Value>, names: &[String]) -> Option<&'a str> {
    let tags = ev.get("tags")?;
    names.iter().find_map(|name| match tags {
        Value::Object(o) => o.get(name.as_str()).and_then(Value::as_str),
        Value::Array(pairs) => pairs.iter().find_map(|p| match p.as_array().map(Vec::as_slice) {
            Some([Value::String(k), Value::String(v)]) if k == name => Some(v.as_str()),
            _ => None,
        }),
        _ => None,
    })
}

fn context(ev: &Map<String, Value>, exception: Option<&Map<String, Value>>) -> Value {
    let text = |k: &str| ev.get(k).and_then(Value::as_str).map(|s| clean(s, FIELD_MAX));
    let url = ev.get("request").and_then(|r| r.get("url")).and_then(Value::as_str).map(safe_url);
    let frames: Vec<Value> = exception.map(frames).unwrap_or_default();
    let mut c = Map::new();
    for (k, v) in [
        ("event_id", ev.get("event_id").and_then(Value::as_str).and_then(normal_id)),
        ("level", text("level")),
        ("platform", text("platform")),
        ("release", text("release")),
        ("environment", text("environment")),
        ("server_name", text("server_name")),
        ("transaction", text("transaction")),
        ("url", url),
    ] {
        if let Some(v) = v {
            c.insert(k.into(), Value::String(v));
        }
    }
    if !frames.is_empty() {
        c.insert("frames".into(), Value::Array(frames));
    }
    json!({ "sentry": c })
}

/// The newest frames first, each as `function (file:line)`; the protocol orders them oldest
/// first.
fn frames(x: &Map<String, Value>) -> Vec<Value> {
    let Some(list) = x.get("stacktrace").and_then(|s| s.get("frames")).and_then(Value::as_array) else {
        return Vec::new();
    };
    list.iter()
        .rev()
        .filter_map(Value::as_object)
        .take(FRAMES_KEPT)
        .map(|f| {
            let s = |k: &str| f.get(k).and_then(Value::as_str).filter(|s| !s.is_empty());
            let function = s("function").unwrap_or("?");
            let file = s("filename").or_else(|| s("abs_path")).or_else(|| s("module")).unwrap_or("?");
            let at = match f.get("lineno").and_then(Value::as_i64) {
                Some(n) => format!("{function} ({file}:{n})"),
                None => format!("{function} ({file})"),
            };
            Value::String(clean(&at, FIELD_MAX))
        })
        .collect()
}

/// A request URL fit to keep: no fragment, secret-named query values and URL passwords masked.
fn safe_url(url: &str) -> String {
    let url = url.split('#').next().unwrap_or("");
    clean(&scrub(url, &[]), FIELD_MAX)
}

/// `s` with NUL replaced (no backend stores it faithfully) and cut to `max` bytes on a
/// character boundary. Other control characters are kept as sent: every screen and output
/// path draws stored text through the sanitizer.
fn clean(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for c in s.chars().map(|c| if c == '\0' { char::REPLACEMENT_CHARACTER } else { c }) {
        if out.len() + c.len_utf8() > max {
            break;
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    fn tags() -> Vec<String> {
        vec!["member_id".into(), "b24.member_id".into()]
    }

    #[test]
    fn a_python_exception() {
        let ev = br#"{"event_id":"9EC79C33-EC99-42AB-8353-589FCB2E04DC","timestamp":"2026-11-24T11:59:00.5Z",
            "platform":"python","release":"app@1.2","environment":"prod","tags":{"b24.member_id":"abc123"},
            "sdk":{"name":"sentry.python","version":"2.75.0"},
            "request":{"url":"https://app.example.com/hook?auth=SECRET&x=1#frag"},
            "exception":{"values":[{"type":"KeyError","value":"inner"},
              {"type":"DealError","module":"myapp.crm","value":"deal 42 is gone",
               "stacktrace":{"frames":[{"function":"main","filename":"app.py","lineno":3},
                                       {"function":"load","filename":"crm.py","lineno":17}]}}]}}"#;
        let e = error_from_event(ev, &tags(), None, now()).unwrap();
        assert_eq!(e.event_id.as_deref(), Some("9ec79c33ec9942ab8353589fcb2e04dc"));
        assert_eq!(e.error.error_type, "myapp.crm.DealError");
        assert_eq!(e.error.message, "deal 42 is gone");
        assert_eq!(e.error.member_id.as_deref(), Some("abc123"));
        assert_eq!(e.error.source, "sentry.python");
        assert_eq!(e.error.ts.timestamp_millis(), now().timestamp_millis() - 59_500);
        let c: Value = serde_json::from_str(e.error.context.as_deref().unwrap()).unwrap();
        assert_eq!(c["sentry"]["frames"], json!(["load (crm.py:17)", "main (app.py:3)"]));
        assert_eq!(c["sentry"]["release"], "app@1.2");
        let url = c["sentry"]["url"].as_str().unwrap();
        assert!(!url.contains("SECRET") && !url.contains("frag") && url.contains("x=1"), "{url}");
    }

    #[test]
    fn builtins_stay_bare_and_messages_have_a_type() {
        let e = error_from_event(
            br#"{"exception":[{"type":"ValueError","module":"builtins","value":"v"}],"tags":[["member_id","m1"]],"timestamp":1795521500.25}"#,
            &tags(),
            Some("00000000000000000000000000000001"),
            now(),
        )
        .unwrap();
        assert_eq!((e.error.error_type.as_str(), e.error.member_id.as_deref()), ("ValueError", Some("m1")));
        assert_eq!(e.event_id.as_deref(), Some("00000000000000000000000000000001"));
        assert_eq!(e.error.ts.timestamp_millis(), 1_795_521_500_250);
        let m =
            error_from_event(br#"{"logentry":{"formatted":"disk full"},"timestamp":1}"#, &tags(), None, now()).unwrap();
        assert_eq!(
            (m.error.error_type.as_str(), m.error.message.as_str(), m.error.ts),
            ("message", "disk full", now())
        );
        assert_eq!((m.event_id, m.error.member_id), (None, None));
    }

    #[test]
    fn hostile_text_is_kept_storable() {
        let e = error_from_event(
            br#"{"exception":{"values":[{"type":"E\u0000","value":"\u001b[2J\u001b]0;pwn\u0007 boom\u0000"}]},"tags":{"member_id":"bad id!"}}"#,
            &tags(),
            None,
            now(),
        )
        .unwrap();
        assert!(!e.error.error_type.contains('\0') && !e.error.message.contains('\0'));
        assert_eq!(e.error.member_id, None, "a member_id that is not one is left out, the event kept");
        assert!(error_from_event(b"[1]", &tags(), None, now()).unwrap_err().contains("not a JSON object"));
        assert!(error_from_event(b"{", &tags(), None, now()).unwrap_err().contains("not JSON"));
    }
}
