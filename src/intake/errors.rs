//! One app-error record as JSON, validated into a row for `b24ops_app_errors`.
//!
//! ```json
//! {"ts":"2026-11-24T12:00:00Z","member_id":"0a1b…","error_type":"PDOException","message":"Deadlock",
//!  "context":{"deal":42},"source":"worker"}
//! ```

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::calls::parse_ts;
use crate::model::{MemberId, NewAppError};
use crate::rules::intake_values::{check_storable, check_ts};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    ts: serde_json::Value,
    member_id: Option<String>,
    error_type: String,
    #[serde(default)]
    message: String,
    context: Option<serde_json::Value>,
    source: Option<String>,
}

/// Parses one JSON object into an app error, or says what is wrong with it; `now` bounds its
/// time.
pub fn parse_app_error(json: &str, now: DateTime<Utc>) -> Result<NewAppError, String> {
    let w: Wire = serde_json::from_str(json).map_err(|e| format!("not an error record: {e}"))?;
    let ts = parse_ts(&w.ts)?;
    check_ts("ts", ts, now)?;
    check_storable("error_type", &w.error_type)?;
    check_storable("message", &w.message)?;
    let member_id = match w.member_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(m) => Some(MemberId::parse(m).map_err(|e| e.to_string())?.as_str().to_owned()),
    };
    let error_type = w.error_type.trim();
    if error_type.is_empty() || error_type.len() > 255 {
        return Err("error_type must be 1–255 characters".into());
    }
    if w.message.len() > 64 * 1024 {
        return Err("message is longer than 64 KiB".into());
    }
    let context = w.context.map(|c| c.to_string());
    if context.as_ref().is_some_and(|c| c.len() > 256 * 1024) {
        return Err("context is larger than 256 KiB".into());
    }
    let source = w.source.filter(|s| !s.is_empty()).unwrap_or_else(|| "app".into());
    check_storable("source", &source)?;
    if source.len() > 64 {
        return Err("source is longer than 64 bytes".into());
    }
    Ok(NewAppError { ts, member_id, error_type: error_type.to_owned(), message: w.message, context, source })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let now = "2026-11-24T12:00:00Z".parse().unwrap();
        let parse = |json: &str| parse_app_error(json, now);
        let e = parse(r#"{"ts":1795521600000,"error_type":"TypeError","context":{"a":[1]}}"#).unwrap();
        assert_eq!(e.context.as_deref(), Some(r#"{"a":[1]}"#));
        assert_eq!(e.member_id, None);
        assert!(parse(r#"{"ts":1795521600000,"error_type":""}"#).unwrap_err().contains("error_type"));
        assert!(parse(r#"{"ts":1795521600000,"error_type":"x","member_id":"a b"}"#).is_err());
        assert!(parse(r#"{"ts":1,"error_type":"x"}"#).unwrap_err().contains("window"));
        assert!(parse(r#"{"ts":1795521600000,"error_type":"x","message":"a\u0000"}"#).unwrap_err().contains("NUL"));
    }
}
