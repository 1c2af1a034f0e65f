//! The filter of the Calls tab, and the small language the `/` prompt speaks.
//!
//! ```text
//! member:0a1b…  domain:acme.bitrix24.com  method:crm.deal  code:expired_token  errors  slow:500
//! ```
//! `member:` takes a member_id, a domain or a piece of either (the words every tab shares, see
//! [`crate::rules::search`]). A bare 32-hex word is a member_id, a bare word containing `bitrix24` a
//! piece of a domain, any other bare word a method prefix (methods have dots too). Words are combined with AND.

use std::fmt;

use crate::model::MemberId;
use crate::rules::search;

/// What narrows the Calls list. All parts are combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CallFilter {
    /// Only this portal.
    pub member_id: Option<MemberId>,
    /// Only portals whose domain or member_id contains this (lower case; matched in SQL).
    pub domain: Option<String>,
    /// Only methods starting with this text.
    pub method_prefix: Option<String>,
    /// Only this error code (implies errors only).
    pub error_code: Option<String>,
    /// Only failed calls.
    pub errors_only: bool,
    /// Only calls slower than this many milliseconds.
    pub slower_than_ms: Option<i64>,
}

/// A filter text that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FilterError {
    /// `key:` is not a known filter key.
    #[error("unknown filter '{0}': use member: (member_id or a piece of a domain), method:, code:, errors, slow:N")]
    UnknownKey(String),
    /// The value after a key is not valid for it.
    #[error("bad value for {key}: {reason}")]
    BadValue {
        /// The key.
        key: &'static str,
        /// What was wrong.
        reason: String,
    },
}

const TEXT_MAX: usize = 128;

impl CallFilter {
    /// Parses the `/` prompt's text. An empty text is the empty filter.
    pub fn parse(text: &str) -> Result<Self, FilterError> {
        let mut f = CallFilter::default();
        for word in text.split_whitespace() {
            let (key, value) = match word.split_once(':') {
                Some((k, v)) => (Some(k.to_ascii_lowercase()), v),
                None => (None, word),
            };
            match key.as_deref() {
                Some(k) if search::is_portal_key(k) => f.set_portal(value)?,
                Some("method" | "meth") => f.method_prefix = Some(bounded("method", value)?),
                Some("code" | "error" | "c") => {
                    f.error_code = Some(bounded("code", value)?);
                    f.errors_only = true;
                }
                Some("slow" | "slower") => f.slower_than_ms = Some(millis(value)?),
                Some(other) => return Err(FilterError::UnknownKey(format!("{other}:"))),
                None => f.apply_bare(value)?,
            }
        }
        Ok(f)
    }

    fn apply_bare(&mut self, word: &str) -> Result<(), FilterError> {
        let lower = word.to_ascii_lowercase();
        if matches!(lower.as_str(), "errors" | "error" | "err" | "e") {
            self.errors_only = true;
        } else if let Some(ms) = lower.strip_prefix('>') {
            self.slower_than_ms = Some(millis(ms)?);
        } else if lower.len() == 32 && lower.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.member_id = Some(member(word)?);
        } else if lower.contains("bitrix24") {
            self.domain = Some(bounded("domain", &lower)?);
        } else {
            self.method_prefix = Some(bounded("method", word)?);
        }
        Ok(())
    }

    /// `member:` as every tab reads it: a canonical member_id exactly, anything else as a piece.
    fn set_portal(&mut self, value: &str) -> Result<(), FilterError> {
        if value.len() == 32 && value.bytes().all(|b| b.is_ascii_hexdigit()) {
            self.member_id = Some(member(value)?);
            self.domain = None;
        } else {
            self.domain = Some(bounded("member", value)?.to_lowercase());
            self.member_id = None;
        }
        Ok(())
    }

    /// True when nothing narrows the list.
    pub fn is_empty(&self) -> bool {
        *self == CallFilter::default()
    }

    /// The filter written back in the prompt's language (so `/` can start from it).
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.member_id {
            parts.push(format!("member:{m}"));
        }
        if let Some(d) = &self.domain {
            parts.push(format!("member:{d}"));
        }
        if let Some(m) = &self.method_prefix {
            parts.push(format!("method:{m}"));
        }
        if let Some(c) = &self.error_code {
            parts.push(format!("code:{c}"));
        } else if self.errors_only {
            parts.push("errors".into());
        }
        if let Some(ms) = self.slower_than_ms {
            parts.push(format!("slow:{ms}"));
        }
        parts.join(" ")
    }
}

impl fmt::Display for CallFilter {
    /// A short description for a title bar: `member 0a1b2c3d… · errors · >500ms`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut parts = Vec::new();
        if let Some(m) = &self.member_id {
            parts.push(format!("member {}", m.short(12)));
        }
        if let Some(d) = &self.domain {
            parts.push(format!("member ~ {d}"));
        }
        if let Some(m) = &self.method_prefix {
            parts.push(format!("method {m}*"));
        }
        if let Some(c) = &self.error_code {
            parts.push(format!("code {c}"));
        } else if self.errors_only {
            parts.push("errors".into());
        }
        if let Some(ms) = self.slower_than_ms {
            parts.push(format!(">{ms}ms"));
        }
        if parts.is_empty() { f.write_str("all") } else { f.write_str(&parts.join(" · ")) }
    }
}

fn member(value: &str) -> Result<MemberId, FilterError> {
    MemberId::parse(value).map_err(|e| FilterError::BadValue { key: "member", reason: e.to_string() })
}

fn bounded(key: &'static str, value: &str) -> Result<String, FilterError> {
    if value.is_empty() || value.len() > TEXT_MAX || value.chars().any(char::is_control) {
        return Err(FilterError::BadValue { key, reason: format!("1–{TEXT_MAX} printable characters") });
    }
    Ok(value.to_owned())
}

fn millis(value: &str) -> Result<i64, FilterError> {
    let digits = value.trim_end_matches("ms");
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 0)
        .ok_or_else(|| FilterError::BadValue { key: "slow", reason: "a whole number of milliseconds".into() })
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn parses_every_part() {
        let f = CallFilter::parse(&format!("member:{M} method:crm.deal code:expired_token slow:500")).unwrap();
        assert_eq!(f.member_id.unwrap().as_str(), M);
        assert_eq!(f.method_prefix.as_deref(), Some("crm.deal"));
        assert_eq!(f.error_code.as_deref(), Some("expired_token"));
        assert!(f.errors_only);
        assert_eq!(f.slower_than_ms, Some(500));
    }

    #[test]
    fn bare_words_are_guessed() {
        let f = CallFilter::parse(&format!("{M} errors >250ms acme.bitrix24.com crm.item")).unwrap();
        assert_eq!(f.member_id.unwrap().as_str(), M);
        assert!(f.errors_only);
        assert_eq!(f.slower_than_ms, Some(250));
        assert_eq!(f.domain.as_deref(), Some("acme.bitrix24.com"));
        assert_eq!(f.method_prefix.as_deref(), Some("crm.item"));
    }

    #[test]
    fn round_trips_through_text() {
        let f = CallFilter::parse(&format!("member:{M} method:crm code:X slow:9")).unwrap();
        assert_eq!(CallFilter::parse(&f.to_text()).unwrap(), f);
    }

    #[test]
    fn refuses_nonsense_clearly() {
        assert!(matches!(CallFilter::parse("colour:red"), Err(FilterError::UnknownKey(_))));
        assert!(matches!(CallFilter::parse("slow:fast"), Err(FilterError::BadValue { .. })));
        assert!(CallFilter::parse("member:a b").is_ok());
        assert!(CallFilter::parse("").unwrap().is_empty());
    }

    #[test]
    fn member_takes_a_piece_of_a_domain() {
        let f = CallFilter::parse("member:ProInvest").unwrap();
        assert_eq!(f.domain.as_deref(), Some("proinvest"));
        assert_eq!(f.member_id, None);
        let f = CallFilter::parse("proinvest-0.bitrix24.by").unwrap();
        assert_eq!(f.domain.as_deref(), Some("proinvest-0.bitrix24.by"));
        assert_eq!(f.method_prefix, None);
        assert_eq!(CallFilter::parse(&f.to_text()).unwrap(), f);
        assert!(CallFilter::parse("").unwrap().is_empty());
    }
}
