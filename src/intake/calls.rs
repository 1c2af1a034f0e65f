//! One REST-call record as JSON, validated into a row for `b24ops_api_calls`.
//!
//! ```json
//! {"ts":"2026-11-24T12:00:00.123Z","member_id":"0a1b…","method":"crm.item.list","http_status":503,
//!  "error_code":"QUERY_LIMIT_EXCEEDED","error_description":"Too many requests","duration_ms":31}
//! ```
//! `ts` may also be epoch milliseconds; `source` defaults to `app`.

use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::model::{MemberId, NewApiCall};
use crate::rules::intake_values::{check_duration_ms, check_operating, check_storable, check_ts};

/// The largest text field accepted (longer descriptions are cut, not refused).
const TEXT_MAX: usize = 64 * 1024;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Wire {
    ts: serde_json::Value,
    member_id: String,
    method: String,
    http_status: Option<i64>,
    error_code: Option<String>,
    error_description: Option<String>,
    duration_ms: Option<i64>,
    operating: Option<f64>,
    request_id: Option<String>,
    task_id: Option<i64>,
    source: Option<String>,
}

/// Parses one JSON object into a call, or says what is wrong with it; `now` bounds its time.
pub fn parse_call(json: &str, now: DateTime<Utc>) -> Result<NewApiCall, String> {
    let w: Wire = serde_json::from_str(json).map_err(|e| format!("not a call record: {e}"))?;
    let ts = parse_ts(&w.ts)?;
    check_ts("ts", ts, now)?;
    let member_id = MemberId::parse(&w.member_id).map_err(|e| e.to_string())?;
    let method = w.method.trim();
    if method.is_empty() || method.len() > 255 || method.chars().any(char::is_control) {
        return Err("method must be 1–255 printable characters".into());
    }
    if let Some(s) = w.http_status
        && !(100..=599).contains(&s)
    {
        return Err(format!("http_status {s} is not an HTTP status"));
    }
    if let Some(d) = w.duration_ms {
        check_duration_ms(d)?;
    }
    if let Some(o) = w.operating {
        check_operating(o)?;
    }
    let short = |name: &str, v: Option<String>, max: usize| -> Result<Option<String>, String> {
        if let Some(s) = &v {
            check_storable(name, s)?;
        }
        match v {
            Some(s) if s.len() > max => Err(format!("{name} is longer than {max} bytes")),
            Some(s) if s.is_empty() => Ok(None),
            other => Ok(other),
        }
    };
    Ok(NewApiCall {
        ts,
        member_id: member_id.as_str().to_owned(),
        method: method.to_owned(),
        http_status: w.http_status,
        error_code: short("error_code", w.error_code, 128)?,
        error_description: match w.error_description {
            Some(d) => {
                check_storable("error_description", &d)?;
                Some(cut(d, TEXT_MAX))
            }
            None => None,
        },
        duration_ms: w.duration_ms,
        operating: w.operating,
        request_id: short("request_id", w.request_id, 128)?,
        task_id: w.task_id,
        source: short("source", w.source, 64)?.unwrap_or_else(|| "app".into()),
    })
}

pub(crate) fn parse_ts(v: &serde_json::Value) -> Result<DateTime<Utc>, String> {
    match v {
        serde_json::Value::String(s) => DateTime::parse_from_rfc3339(s)
            .map(|t| t.with_timezone(&Utc))
            .map_err(|e| format!("ts {s:?} is not RFC 3339: {e}")),
        serde_json::Value::Number(n) => n
            .as_i64()
            .and_then(|ms| Utc.timestamp_millis_opt(ms).single())
            .ok_or_else(|| format!("ts {n} is not epoch milliseconds")),
        _ => Err("ts must be an RFC 3339 string or epoch milliseconds".into()),
    }
}

/// `s` cut to at most `max` bytes on a character boundary. The cut copy is fresh: truncating in
/// place would keep a 1 MB line's whole allocation alive behind 64 KiB of text.
pub(crate) fn cut(s: String, max: usize) -> String {
    if s.len() <= max {
        return s;
    }
    let mut at = max;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    s[..at].to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    fn parse(json: &str) -> Result<NewApiCall, String> {
        parse_call(json, now())
    }

    #[test]
    fn a_full_record_parses() {
        let c = parse(
            r#"{"ts":"2026-11-24T12:00:00.123Z","member_id":"abc","method":"crm.item.list","http_status":503,
                "error_code":"QUERY_LIMIT_EXCEEDED","duration_ms":31,"operating":1.5}"#,
        )
        .unwrap();
        assert_eq!(c.ts.timestamp_millis(), 1_795_521_600_123);
        assert_eq!(c.error_code.as_deref(), Some("QUERY_LIMIT_EXCEEDED"));
        assert_eq!(c.source, "app");
        let ms = parse(r#"{"ts":1795521600123,"member_id":"abc","method":"x"}"#).unwrap();
        assert_eq!(ms.ts, c.ts);
    }

    #[test]
    fn bad_records_say_why() {
        for (line, why) in [
            ("not json", "not a call record"),
            (r#"{"ts":"yesterday","member_id":"a","method":"m"}"#, "RFC 3339"),
            (r#"{"ts":1795521600000,"member_id":"a b","method":"m"}"#, "member_id"),
            (r#"{"ts":1795521600000,"member_id":"a","method":""}"#, "method"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","http_status":42}"#, "HTTP status"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","colour":"red"}"#, "unknown field"),
            (r#"{"ts":-1,"member_id":"a","method":"m"}"#, "outside the accepted window"),
            (r#"{"ts":8000000000000000,"member_id":"a","method":"m"}"#, "outside the accepted window"),
            (r#"{"ts":"9999-01-01T00:00:00Z","member_id":"a","method":"m"}"#, "outside the accepted window"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","duration_ms":9223372036854775807}"#, "duration_ms"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","duration_ms":-5}"#, "duration_ms"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","operating":-1.0}"#, "operating"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","error_description":"x\u0000y"}"#, "NUL"),
            (r#"{"ts":1795521600000,"member_id":"a","method":"m","error_code":"\u0000"}"#, "NUL"),
        ] {
            let err = parse(line).unwrap_err();
            assert!(err.contains(why), "{line}: {err}");
        }
    }

    #[test]
    fn a_long_description_is_cut_and_its_memory_given_back() {
        let long = "é".repeat(500_000);
        let line = format!(r#"{{"ts":1795521600000,"member_id":"a","method":"m","error_description":"{long}"}}"#);
        let d = parse(&line).unwrap().error_description.unwrap();
        assert!(d.len() <= TEXT_MAX && d.len() > TEXT_MAX - 4);
        assert!(d.capacity() <= TEXT_MAX, "capacity {} keeps the whole line alive", d.capacity());
    }
}
