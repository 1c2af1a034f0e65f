//! The filter of the Reviews tab and of `b24ops reviews list`: `member:` (a member_id, a domain
//! or a piece of either), `stars:1-2`, `status:S`, and words found in the review, its author or
//! its portal.

use std::fmt;

use crate::model::{MemberId, ReplyStatus};
use crate::rules::search::{self, PortalPiece, exact_or_piece};

/// What narrows the review list. All parts are combined with AND.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewFilter {
    /// Only reviews still waiting for a (new) public reply; off lists published ones too.
    pub open_only: bool,
    /// Only this reply status.
    pub status: Option<ReplyStatus>,
    /// Only this portal.
    pub member_id: Option<MemberId>,
    /// Only portals whose member_id or domain contains this.
    pub portal: Option<PortalPiece>,
    /// Only ratings in this range (inclusive).
    pub stars: Option<(i64, i64)>,
    /// Only reviews whose text, author or portal contains this.
    pub text: Option<String>,
}

impl Default for ReviewFilter {
    /// Reviews waiting for a reply: what the tab opens on.
    fn default() -> Self {
        ReviewFilter { open_only: true, status: None, member_id: None, portal: None, stars: None, text: None }
    }
}

/// A review filter that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReviewFilterError {
    /// Unknown `key:`.
    #[error("unknown filter '{0}': use member:, stars:, status:, or words to find in the review")]
    UnknownKey(String),
    /// Bad value.
    #[error("bad {0}: {1}")]
    BadValue(&'static str, String),
}

fn parse_stars(v: &str) -> Result<(i64, i64), ReviewFilterError> {
    let bad = || ReviewFilterError::BadValue("stars", format!("{v:?}: use 2, 1-2 or 4-5"));
    let (lo, hi) = match v.split_once('-') {
        Some((a, b)) => (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?),
        None => {
            let n = v.parse().map_err(|_| bad())?;
            (n, n)
        }
    };
    if !(1..=5).contains(&lo) || !(1..=5).contains(&hi) || lo > hi {
        return Err(bad());
    }
    Ok((lo, hi))
}

impl ReviewFilter {
    /// Parses the prompt's text, keeping `open_only` as it is (it has its own key).
    pub fn parse(text: &str, open_only: bool) -> Result<Self, ReviewFilterError> {
        let mut f = ReviewFilter { open_only, ..Default::default() };
        let mut words = Vec::new();
        for word in text.split_whitespace() {
            match word.split_once(':') {
                Some((k, v)) if search::is_portal_key(k) => {
                    let piece =
                        search::portal_piece(v).map_err(|e| ReviewFilterError::BadValue("member", e.to_string()))?;
                    (f.member_id, f.portal) = exact_or_piece(piece);
                }
                Some(("stars" | "rating", v)) => f.stars = Some(parse_stars(v)?),
                Some(("status" | "s", "all")) => f.status = None,
                Some(("status" | "s", v)) => {
                    let s: ReplyStatus = v.parse().map_err(|e| ReviewFilterError::BadValue("status", e))?;
                    // Asking for published replies only makes sense with published ones listed.
                    if !s.is_open() {
                        f.open_only = false;
                    }
                    f.status = Some(s);
                }
                Some((k, _)) => return Err(ReviewFilterError::UnknownKey(format!("{k}:"))),
                None => words.push(word),
            }
        }
        if !words.is_empty() {
            let t = words.join(" ");
            if t.len() > 200 {
                return Err(ReviewFilterError::BadValue("text", "at most 200 characters".into()));
            }
            f.text = Some(t);
        }
        Ok(f)
    }

    /// The filter in the prompt's language (without `open_only`).
    pub fn to_text(&self) -> String {
        let mut parts = Vec::new();
        if let Some(m) = &self.member_id {
            parts.push(format!("member:{m}"));
        }
        if let Some(p) = &self.portal {
            parts.push(format!("member:{p}"));
        }
        match self.stars {
            Some((a, b)) if a == b => parts.push(format!("stars:{a}")),
            Some((a, b)) => parts.push(format!("stars:{a}-{b}")),
            None => {}
        }
        if let Some(s) = self.status {
            parts.push(format!("status:{s}"));
        }
        if let Some(t) = &self.text {
            parts.push(t.clone());
        }
        parts.join(" ")
    }
}

impl fmt::Display for ReviewFilter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let scope = if self.open_only { "awaiting reply" } else { "all reviews" };
        let text = self.to_text();
        if text.is_empty() { write!(f, "{scope}") } else { write!(f, "{scope} · {text}") }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_round_trips() {
        let f = ReviewFilter::parse("stars:1-2 status:draft slow sync", true).unwrap();
        assert_eq!(f.stars, Some((1, 2)));
        assert_eq!(f.status, Some(ReplyStatus::Draft));
        assert_eq!(f.text.as_deref(), Some("slow sync"));
        assert_eq!(ReviewFilter::parse(&f.to_text(), true).unwrap(), f);
        assert_eq!(f.to_string(), "awaiting reply · stars:1-2 status:draft slow sync");
    }

    #[test]
    fn published_status_lists_published_reviews() {
        let f = ReviewFilter::parse("status:published", true).unwrap();
        assert!(!f.open_only);
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        assert!(matches!(ReviewFilter::parse("stars:7", true), Err(ReviewFilterError::BadValue("stars", _))));
        assert!(matches!(ReviewFilter::parse("stars:3-1", true), Err(ReviewFilterError::BadValue("stars", _))));
        assert!(matches!(ReviewFilter::parse("status:sent", true), Err(ReviewFilterError::BadValue("status", _))));
        assert!(matches!(ReviewFilter::parse("lang:en", true), Err(ReviewFilterError::UnknownKey(_))));
    }
}
