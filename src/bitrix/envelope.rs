//! Reading a Bitrix24 answer: the success envelope, an error object, or something else entirely.

use serde::Serialize;
use serde_json::Value;

use super::error::{BitrixError, ErrorKind};

/// `time` in a success envelope (reference §2.2).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CallTime {
    /// Seconds the portal spent, start to finish.
    pub duration: Option<f64>,
    /// Seconds the method's handler spent.
    pub processing: Option<f64>,
    /// Seconds this method used in the current 10-minute operating window.
    pub operating: Option<f64>,
    /// Unix time at which the oldest operating bucket drops out.
    pub operating_reset_at: Option<i64>,
    /// The portal's clock at the start, as written (ISO 8601 with offset).
    pub date_start: Option<String>,
}

/// A successful answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Envelope {
    /// `result`.
    pub result: Value,
    /// Offset of the next page of a list method.
    pub next: Option<i64>,
    /// Total rows of a list method.
    pub total: Option<i64>,
    /// Timing and limiter figures.
    pub time: CallTime,
}

/// What the HTTP layer saw.
#[derive(Clone, Copy, Debug)]
pub struct RawAnswer<'a> {
    /// HTTP status.
    pub status: u16,
    /// `Content-Type`, if any.
    pub content_type: Option<&'a str>,
    /// `Location`, if any.
    pub location: Option<&'a str>,
    /// The body.
    pub body: &'a [u8],
}

/// How an answer reads.
#[derive(Clone, Debug, PartialEq)]
pub enum Answer {
    /// A success envelope.
    Ok(Envelope),
    /// A redirect to the portal's new address.
    Redirect(String),
    /// A failure.
    Err(BitrixError),
}

/// Reads an answer. Never panics on any input.
pub fn read(raw: RawAnswer<'_>) -> Answer {
    if (300..400).contains(&raw.status) {
        return match raw.location.filter(|l| !l.trim().is_empty()) {
            Some(l) => Answer::Redirect(l.trim().to_owned()),
            None => Answer::Err(BitrixError {
                kind: ErrorKind::Moved,
                status: Some(raw.status),
                code: "redirect".into(),
                description: "a redirect without a Location".into(),
                free_at: None,
            }),
        };
    }
    let json: Option<Value> = serde_json::from_slice(raw.body).ok();
    let Some(Value::Object(map)) = json else {
        return Answer::Err(not_json(raw));
    };
    if let Some(code) = map.get("error") {
        let code = match code {
            Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        let description = map.get("error_description").and_then(Value::as_str).unwrap_or("");
        let mut e = BitrixError::from_answer(raw.status, &code, description);
        // Should a 429 carry the limiter's figures, they say when the method is free again.
        e.free_at = map.get("time").and_then(|t| t.get("operating_reset_at")).and_then(as_i64);
        return Answer::Err(e);
    }
    if raw.status >= 400 {
        return Answer::Err(BitrixError::from_answer(raw.status, "", "an error status without an error code"));
    }
    let Some(result) = map.get("result") else {
        return Answer::Err(BitrixError {
            kind: ErrorKind::NotJson,
            status: Some(raw.status),
            code: "no_result".into(),
            description: "JSON without `result` or `error`".into(),
            free_at: None,
        });
    };
    let time = map.get("time").map(read_time).unwrap_or_default();
    Answer::Ok(Envelope {
        result: result.clone(),
        next: map.get("next").and_then(as_i64),
        total: map.get("total").and_then(as_i64),
        time,
    })
}

fn as_i64(v: &Value) -> Option<i64> {
    v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)).or_else(|| v.as_str().and_then(|s| s.parse().ok()))
}

fn read_time(v: &Value) -> CallTime {
    let f = |k: &str| v.get(k).and_then(Value::as_f64);
    CallTime {
        duration: f("duration"),
        processing: f("processing"),
        operating: f("operating"),
        operating_reset_at: v.get("operating_reset_at").and_then(as_i64),
        date_start: v.get("date_start").and_then(Value::as_str).map(str::to_owned),
    }
}

fn not_json(raw: RawAnswer<'_>) -> BitrixError {
    let what = if raw.body.iter().all(u8::is_ascii_whitespace) {
        "an empty body".to_owned()
    } else {
        let ct = raw.content_type.unwrap_or("no content type");
        let head: String = String::from_utf8_lossy(&raw.body[..raw.body.len().min(80)])
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        format!("{ct}: {}", head.trim())
    };
    // A proxy's HTML 502/504 is as transient as any 5xx; an HTML 200 is a portal that is not Bitrix24.
    let kind = if raw.status >= 500 { ErrorKind::ServerError } else { ErrorKind::NotJson };
    BitrixError {
        kind,
        status: Some(raw.status),
        code: "not_json".into(),
        description: format!("expected JSON, got {what}"),
        free_at: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(status: u16, body: &str) -> RawAnswer<'_> {
        RawAnswer { status, content_type: Some("application/json"), location: None, body: body.as_bytes() }
    }

    #[test]
    fn a_list_page_lifts_next_total_and_time() {
        let a = read(raw(
            200,
            r#"{"result":[{"ID":"1"}],"next":50,"total":120,"time":{"start":1.0,"finish":1.2,"duration":0.2,"processing":0.1,"date_start":"2026-11-25T10:00:00+00:00","operating":3.5,"operating_reset_at":1778747792}}"#,
        ));
        let Answer::Ok(e) = a else { panic!("{a:?}") };
        assert_eq!(e.next, Some(50));
        assert_eq!(e.total, Some(120));
        assert_eq!(e.time.operating, Some(3.5));
        assert_eq!(e.time.operating_reset_at, Some(1778747792));
    }

    #[test]
    fn errors_html_empty_and_redirects_are_told_apart() {
        let Answer::Err(e) =
            read(raw(401, r#"{"error":"expired_token","error_description":"The access token provided has expired"}"#))
        else {
            panic!()
        };
        assert_eq!(e.kind, ErrorKind::ExpiredToken);
        let html = RawAnswer {
            status: 502,
            content_type: Some("text/html"),
            location: None,
            body: b"<html><body>Bad Gateway</body></html>",
        };
        let Answer::Err(e) = read(html) else { panic!() };
        assert_eq!(e.kind, ErrorKind::ServerError);
        assert!(e.description.contains("text/html"), "{}", e.description);
        let Answer::Err(e) = read(raw(200, "")) else { panic!() };
        assert_eq!(e.kind, ErrorKind::NotJson);
        assert!(e.description.contains("empty body"));
        let Answer::Err(e) = read(raw(200, "<html>\u{1b}[31m</html>")) else { panic!() };
        assert!(!e.description.contains('\u{1b}'));
        let moved = RawAnswer {
            status: 302,
            content_type: None,
            location: Some("https://new.bitrix24.com/rest/profile"),
            body: b"",
        };
        assert_eq!(read(moved), Answer::Redirect("https://new.bitrix24.com/rest/profile".into()));
        let Answer::Err(e) = read(raw(200, r#"{"error":0}"#)) else { panic!() };
        assert_eq!(e.code, "0");
    }
}
