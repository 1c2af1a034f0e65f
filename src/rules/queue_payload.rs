//! What b24ops reads from, and rewrites in, a framework queue's job payload — pure, no IO.
//!
//! A Laravel payload is JSON (`displayName`, `attempts`, `retryUntil`, `data.command` holding the
//! PHP-serialized job object); a Symfony Messenger message is a serialized envelope. The portal is
//! a property of the job object, found by name in the serialized text (`s:8:"memberId";s:32:"…"`)
//! or at a JSON pointer.

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Where a job names its portal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberRule {
    /// A JSON pointer into the payload; when set, only it is looked at.
    pub path: Option<String>,
    /// Property names of the serialized job object.
    pub keys: Vec<String>,
}

/// What the Tasks tab shows of a Laravel job.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LaravelJob {
    /// `displayName` (the job class), or a placeholder when the payload has none.
    pub kind: String,
    /// The portal, when the payload names one.
    pub member_id: Option<String>,
    /// Attempts recorded in the payload (the redis driver keeps them there).
    pub attempts: i64,
    /// `maxTries`, when the job sets it.
    pub max_tries: Option<i64>,
    /// True when the payload is not JSON.
    pub invalid_json: bool,
}

/// Reads a Laravel payload; never fails: a broken payload is shown as such.
pub fn laravel_job(payload: &str, rule: &MemberRule) -> LaravelJob {
    let Ok(v) = serde_json::from_str::<Value>(payload) else {
        return LaravelJob {
            kind: "(payload is not JSON)".into(),
            member_id: member_in_text(payload, rule),
            attempts: 0,
            max_tries: None,
            invalid_json: true,
        };
    };
    let kind = v
        .get("displayName")
        .and_then(Value::as_str)
        .or_else(|| v.get("job").and_then(Value::as_str))
        .unwrap_or("(no displayName)")
        .to_owned();
    let member_id = match &rule.path {
        Some(p) => v.pointer(p).and_then(scalar_text).filter(|m| valid_member(m)),
        None => {
            let command = v.pointer("/data/command").and_then(Value::as_str).unwrap_or("");
            member_in_serialized(command, &rule.keys).or_else(|| member_in_json(&v, &rule.keys))
        }
    };
    LaravelJob {
        kind,
        member_id,
        attempts: v.get("attempts").and_then(Value::as_i64).unwrap_or(0),
        max_tries: v.get("maxTries").and_then(Value::as_i64),
        invalid_json: false,
    }
}

/// The member_id in any text: the serialized form first, then a JSON property.
pub fn member_in_text(text: &str, rule: &MemberRule) -> Option<String> {
    if rule.path.is_some() {
        return None;
    }
    member_in_serialized(text, &rule.keys)
        .or_else(|| serde_json::from_str::<Value>(text).ok().and_then(|v| member_in_json(&v, &rule.keys)))
}

/// `…"KEY";s:N:"VALUE"…` in PHP's `serialize()` output (also a protected or private property,
/// whose name is prefixed by NUL-framed class markers).
pub fn member_in_serialized(text: &str, keys: &[String]) -> Option<String> {
    for key in keys.iter().map(|k| k.trim()).filter(|k| !k.is_empty()) {
        let needle = format!("{key}\";s:");
        let mut from = 0;
        while let Some(at) = text[from..].find(&needle) {
            let rest = &text[from + at + needle.len()..];
            from += at + needle.len();
            let Some((len, tail)) = rest.split_once(":\"") else { continue };
            let Ok(n) = len.parse::<usize>() else { continue };
            if let Some(value) = tail.get(..n).filter(|v| valid_member(v)) {
                return Some(value.to_owned());
            }
        }
    }
    None
}

fn member_in_json(v: &Value, keys: &[String]) -> Option<String> {
    match v {
        Value::Object(map) => keys
            .iter()
            .find_map(|k| map.get(k.trim()).and_then(scalar_text).filter(|m| valid_member(m)))
            .or_else(|| map.values().find_map(|x| member_in_json(x, keys))),
        Value::Array(items) => items.iter().find_map(|x| member_in_json(x, keys)),
        _ => None,
    }
}

fn scalar_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn valid_member(m: &str) -> bool {
    crate::model::MemberId::parse(m).is_ok_and(|p| p.as_str() == m)
}

/// Why a payload cannot be restarted as the framework would.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum RetryRefusal {
    /// Not JSON: Laravel's own `queue:retry` would push `null`.
    #[error("the payload is not JSON, so it cannot be pushed back as the worker reads it")]
    NotJson,
    /// The job has a `retryUntil()`, whose window b24ops was not told.
    #[error(
        "the job has a retryUntil deadline and b24ops cannot call the job's retryUntil(): set tasks.retry_until_secs, or use `php artisan queue:retry`"
    )]
    RetryUntilUnknown,
}

/// The payload `php artisan queue:retry` pushes back: `attempts` reset to 0 where the payload
/// keeps it, and a set `retryUntil` moved to `now + retry_until_secs` — what the job's own
/// `retryUntil()` returns when it is a fixed window from now.
/// (Illuminate/Queue/Console/RetryCommand.php: resetAttempts, refreshRetryUntil.)
pub fn laravel_retry_payload(payload: &str, now: DateTime<Utc>, retry_until_secs: i64) -> Result<String, RetryRefusal> {
    let mut v: Value = serde_json::from_str(payload).map_err(|_| RetryRefusal::NotJson)?;
    let Some(obj) = v.as_object_mut() else { return Err(RetryRefusal::NotJson) };
    if obj.get("attempts").is_some_and(|a| !a.is_null()) {
        obj.insert("attempts".into(), Value::from(0));
    }
    let has_command = obj.get("data").and_then(|d| d.get("command")).is_some_and(|c| !c.is_null());
    if has_command && obj.get("retryUntil").is_some_and(|r| !r.is_null()) {
        if retry_until_secs <= 0 {
            return Err(RetryRefusal::RetryUntilUnknown);
        }
        obj.insert("retryUntil".into(), Value::from(now.timestamp() + retry_until_secs));
    }
    Ok(v.to_string())
}

/// The first line of an exception text, for the list (the detail pane shows it whole).
pub fn first_line(text: &str) -> &str {
    text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule() -> MemberRule {
        MemberRule { path: None, keys: vec!["memberId".into(), "member_id".into()] }
    }

    const PAYLOAD: &str = r#"{"uuid":"u1","displayName":"App\\Jobs\\SyncDeals","maxTries":1,"retryUntil":1796304562,"attempts":3,
        "data":{"commandName":"App\\Jobs\\SyncDeals","command":"O:18:\"App\\Jobs\\SyncDeals\":2:{s:5:\"tries\";i:1;s:8:\"memberId\";s:32:\"fedcba9876543210fedcba9876543210\";}"}}"#;

    #[test]
    fn a_laravel_payload_names_its_class_and_portal() {
        let j = laravel_job(PAYLOAD, &rule());
        assert_eq!(j.kind, "App\\Jobs\\SyncDeals");
        assert_eq!(j.member_id.as_deref(), Some("fedcba9876543210fedcba9876543210"));
        assert_eq!((j.attempts, j.max_tries, j.invalid_json), (3, Some(1), false));
    }

    #[test]
    fn a_protected_property_and_a_pointer_are_found_and_nothing_is_invented() {
        let protected = "O:3:\"Job\":1:{s:11:\"\0*\0member_id\";s:4:\"abcd\";}";
        assert_eq!(member_in_serialized(protected, &rule().keys).as_deref(), Some("abcd"));
        let none = r#"{"displayName":"App\\Jobs\\Cleanup","data":{"command":"O:11:\"App\\Cleanup\":0:{}"}}"#;
        assert_eq!(laravel_job(none, &rule()).member_id, None);
        let bad = r#"{"data":{"command":"s:8:\"memberId\";s:9:\"x'; DROP \";"}}"#;
        assert_eq!(laravel_job(bad, &rule()).member_id, None, "a value that is no member_id is not taken");
        let by_path = MemberRule { path: Some("/data/portal".into()), keys: vec![] };
        assert_eq!(laravel_job(r#"{"data":{"portal":"m9"}}"#, &by_path).member_id.as_deref(), Some("m9"));
        let broken = laravel_job("not json", &rule());
        assert!(broken.invalid_json && broken.kind.contains("not JSON"));
    }

    #[test]
    fn retry_resets_attempts_and_refreshes_retry_until_or_refuses() {
        let now: DateTime<Utc> = "2026-11-24T12:00:00Z".parse().unwrap();
        let out: Value = serde_json::from_str(&laravel_retry_payload(PAYLOAD, now, 600).unwrap()).unwrap();
        assert_eq!(out["attempts"], 0);
        assert_eq!(out["retryUntil"], now.timestamp() + 600);
        assert_eq!(out["data"]["command"], serde_json::from_str::<Value>(PAYLOAD).unwrap()["data"]["command"]);
        assert_eq!(laravel_retry_payload(PAYLOAD, now, 0), Err(RetryRefusal::RetryUntilUnknown));
        let plain = r#"{"displayName":"X","retryUntil":null,"attempts":1,"data":{"command":"O:1:\"X\":0:{}"}}"#;
        let out: Value = serde_json::from_str(&laravel_retry_payload(plain, now, 0).unwrap()).unwrap();
        assert!(out["retryUntil"].is_null() && out["attempts"] == 0);
        assert_eq!(laravel_retry_payload("{oops", now, 60), Err(RetryRefusal::NotJson));
    }

    #[test]
    fn the_first_line_skips_blank_lines() {
        assert_eq!(
            first_line("\n  RuntimeException: boom in /x.php:3\nStack trace:"),
            "RuntimeException: boom in /x.php:3"
        );
    }
}
