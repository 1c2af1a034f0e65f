//! A secret string (a token, a client secret) that never prints itself, and the scrubber that
//! masks secrets inside text a third party wrote (an OAuth server echoing the posted form in its
//! `error_description`, a portal quoting a URL), before that text is stored or shown.

use std::fmt::Write as _;

/// A secret: `Debug` and `Display` show `***`, so it cannot leak into a log line or onto a screen by
/// accident; [`Secret::expose`] is the one deliberate way to read it.
#[derive(Clone, PartialEq, Eq, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The value itself, for the one place that must send it.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// True when no value is held.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// A hint for people comparing two secrets: the last four characters, the rest masked.
    pub fn hint(&self) -> String {
        let n = self.0.chars().count();
        if n < 12 {
            return "***".into();
        }
        let tail: String = self.0.chars().skip(n - 4).collect();
        format!("***{tail}")
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("***")
    }
}

/// What a masked secret is replaced with.
pub const MASK: &str = "***";

/// Names whose value is a secret wherever they appear as `name=value` or `"name": "value"`.
/// Bitrix24's own names come first: `AUTH_ID` and `REFRESH_ID` carry the access and refresh
/// tokens on every placement and install request, `application_token` signs its events.
const SECRET_NAMES: [&str; 12] = [
    "auth_id",
    "refresh_id",
    "application_token",
    "client_secret",
    "refresh_token",
    "access_token",
    "password",
    "passwd",
    "api_key",
    "apikey",
    "auth",
    "token",
];

/// `text` with every `known` secret masked — as written, form-encoded or JSON-escaped — and
/// every value of a secret-named field (`client_secret=…`, `"refresh_token":"…"`) and every URL
/// password (`scheme://user:password@host`) masked too, for secrets nobody told us about.
pub fn scrub(text: &str, known: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in known.iter().map(|s| s.expose()).filter(|s| s.len() >= 4) {
        for form in [secret.to_owned(), form_encoded(secret), secret.replace('/', "\\/")] {
            if out.contains(&form) {
                out = out.replace(&form, MASK);
            }
        }
    }
    mask_url_passwords(&mask_named_values(&out))
}

fn form_encoded(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => out.push(b as char),
            b' ' => out.push('+'),
            b => {
                let _ = write!(out, "%{b:02X}");
            }
        }
    }
    out
}

/// Masks the value after each secret name followed by `=` or `":` (with optional spaces and an
/// opening quote), up to the next delimiter.
fn mask_named_values(text: &str) -> String {
    // Byte-wise: the lowercase copy has the same byte offsets, and every index kept for slicing
    // `text` sits next to an ASCII byte, so on a character boundary.
    let lower = text.to_ascii_lowercase().into_bytes();
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        let name = SECRET_NAMES.iter().find(|n| {
            let starts = at == 0 || !is_word(bytes[at - 1]) || (at >= 3 && lower[at - 3..at] == *b"%5b");
            lower[at..].starts_with(n.as_bytes()) && starts && {
                let after = at + n.len();
                after >= bytes.len() || !is_word(bytes[after])
            }
        });
        let Some(name) = name else {
            at += 1;
            continue;
        };
        let mut v = at + name.len();
        // A bracketed form field, as Bitrix24 posts its events: `auth[access_token]=…`, also
        // percent-encoded.
        if v < bytes.len() && bytes[v] == b']' {
            v += 1;
        } else if lower[v..].starts_with(b"%5d") {
            v += 3;
        }
        if v < bytes.len() && bytes[v] == b'"' {
            v += 1;
        }
        while v < bytes.len() && bytes[v] == b' ' {
            v += 1;
        }
        if v >= bytes.len() || !matches!(bytes[v], b'=' | b':') {
            at += name.len();
            continue;
        }
        v += 1;
        while v < bytes.len() && matches!(bytes[v], b' ' | b'"' | b'\'') {
            v += 1;
        }
        let end = (v..bytes.len()).find(|&i| is_delimiter(bytes[i])).unwrap_or(bytes.len());
        if end > v {
            out.push_str(&text[copied..v]);
            out.push_str(MASK);
            copied = end;
        }
        at = end.max(at + 1);
    }
    out.push_str(&text[copied..]);
    out
}

fn is_word(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn is_delimiter(b: u8) -> bool {
    matches!(b, b'&' | b',' | b';' | b'"' | b'\'' | b' ' | b'\n' | b'\r' | b'\t' | b'}' | b')' | b'<' | b'>' | b'\\')
}

/// Masks the password of every `scheme://user:password@host` in `text`.
fn mask_url_passwords(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find("://") {
        let (head, tail) = rest.split_at(i + 3);
        out.push_str(head);
        let authority_end =
            tail.find(|c: char| matches!(c, '/' | '?' | '#') || c.is_whitespace()).unwrap_or(tail.len());
        let authority = &tail[..authority_end];
        match (authority.rfind('@'), authority.find(':')) {
            (Some(at), Some(colon)) if colon < at => {
                out.push_str(&authority[..=colon]);
                out.push_str(MASK);
                out.push_str(&authority[at..]);
            }
            _ => out.push_str(authority),
        }
        rest = &tail[authority_end..];
    }
    out.push_str(rest);
    out
}

/// A database URL with its password replaced by `***`, safe for screens and logs.
pub fn mask_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let masked_query = mask_query_password(path);
    match authority.rsplit_once('@') {
        Some((userinfo, host)) => {
            let user = userinfo.split_once(':').map(|(u, _)| format!("{u}:***")).unwrap_or_else(|| userinfo.to_owned());
            format!("{scheme}://{user}@{host}{masked_query}")
        }
        None => format!("{scheme}://{authority}{masked_query}"),
    }
}

fn mask_query_password(path: &str) -> String {
    let Some((before, query)) = path.split_once('?') else {
        return path.to_owned();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=***"),
            _ => kv.to_owned(),
        })
        .collect();
    format!("{before}?{}", parts.join("&"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn bitrix24_request_parameters_are_masked() {
        let url = "https://app.example.com/handler?DOMAIN=a.bitrix24.com&AUTH_ID=abc123&REFRESH_ID=def456&x=1";
        let out = super::scrub(url, &[]);
        assert!(!out.contains("abc123") && !out.contains("def456"), "{out}");
        assert!(out.contains("DOMAIN=a.bitrix24.com") && out.contains("x=1"), "{out}");
        let event = "auth[application_token]=51856fefc120afa4b628cc82d3935cce&auth[domain]=a.bitrix24.com";
        assert!(!super::scrub(event, &[]).contains("51856fefc120"), "{}", super::scrub(event, &[]));
        let encoded = "auth%5Baccess_token%5D=s3cr3tvalue&auth%5Bdomain%5D=a.bitrix24.com";
        assert!(!super::scrub(encoded, &[]).contains("s3cr3tvalue"), "{}", super::scrub(encoded, &[]));
    }

    #[test]
    fn passwords_are_masked() {
        use super::mask_url;
        assert_eq!(mask_url("postgres://app:s3cret@db:5432/app"), "postgres://app:***@db:5432/app");
        assert_eq!(mask_url("mysql://root@localhost/test"), "mysql://root@localhost/test");
        assert_eq!(mask_url("postgres://db/app?user=a&password=x"), "postgres://db/app?user=a&password=***");
        assert_eq!(mask_url("sqlite://b24ops.db"), "sqlite://b24ops.db");
    }

    use super::*;

    #[test]
    fn never_prints_itself() {
        let s = Secret::new("717e0567006e9f06006b12e40000000100001c");
        assert_eq!(format!("{s}"), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(s.hint(), "***001c");
        assert_eq!(Secret::new("short").hint(), "***");
    }

    #[test]
    fn an_echoed_form_loses_every_known_secret() {
        let secret = Secret::new("s3cr/et+value");
        let refresh = Secret::new("717e0567006e9f06006b12e4");
        let echo = "bad request: grant_type=refresh_token&client_id=app.1&client_secret=s3cr%2Fet%2Bvalue&refresh_token=717e0567006e9f06006b12e4";
        let clean = scrub(echo, &[&secret, &refresh]);
        assert!(!clean.contains("s3cr") && !clean.contains("717e05"), "{clean}");
        assert!(clean.contains("client_id=app.1"), "{clean}");
        let json = r#"{"client_secret": "s3cr\/et+value", "note": "token 717e0567006e9f06006b12e4 used"}"#;
        let clean = scrub(json, &[&secret, &refresh]);
        assert!(!clean.contains("s3cr") && !clean.contains("717e05"), "{clean}");
    }

    #[test]
    fn secrets_nobody_named_are_masked_by_their_field_or_url() {
        let clean = scrub("auth=abc123&x=1 \"refresh_token\":\"zzz\" postgres://app:hunter2@db/app", &[]);
        assert_eq!(clean, "auth=***&x=1 \"refresh_token\":\"***\" postgres://app:***@db/app");
        assert_eq!(scrub("authority is fine; tokens: none", &[]), "authority is fine; tokens: none");
        assert_eq!(scrub("https://example.com/a@b", &[]), "https://example.com/a@b");
        assert_eq!(scrub("ünïcode token=ß€ end", &[]), "ünïcode token=*** end");
    }
}
