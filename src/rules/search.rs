//! The words every tab's `/` prompt shares: `member:` (a member_id, a domain, or a piece of
//! either) and free words matched against the tab's text columns.
//!
//! ```text
//! member:proinvest        portal:acme.bitrix24.com        acme.bitrix24        timeout
//! ```
//! A free word matches any of the tab's text columns, the portal's member_id and domain among
//! them, so `/acme.bitrix24` finds a portal on every tab; `member:` looks at the portal only.
//! Tabs with keys of their own (`kind:`, `stars:`, `method:` …) read them first and hand the
//! rest here, so `member:` means the same on every tab.

use std::fmt;

use crate::model::MemberId;

/// Longest piece of a domain or member_id, and longest free word.
pub const PIECE_MAX: usize = 128;

/// A piece of a member_id or a domain, lower case, matched anywhere in either (in SQL).
pub type PortalPiece = String;

/// The shared filter: a portal piece and free words, all combined with AND.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Search {
    /// Only portals whose member_id or domain contains this.
    pub portal: Option<PortalPiece>,
    /// Words each found in one of the tab's text columns (case-insensitive).
    pub words: Vec<String>,
}

/// A filter text that could not be understood.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SearchError {
    /// `key:` is not known on this tab.
    #[error("unknown filter '{key}': use {keys}")]
    UnknownKey {
        /// The key as typed.
        key: String,
        /// The keys this tab knows.
        keys: &'static str,
    },
    /// A value is empty, too long or holds control characters.
    #[error("bad {0}: 1–128 printable characters")]
    BadValue(&'static str),
}

/// True for the keys that name a portal on every tab.
pub fn is_portal_key(key: &str) -> bool {
    matches!(key.to_ascii_lowercase().as_str(), "member" | "m" | "member_id" | "portal" | "domain" | "d")
}

/// A portal piece as typed, checked and lower-cased.
pub fn portal_piece(value: &str) -> Result<PortalPiece, SearchError> {
    bounded("member", value).map(|v| v.to_lowercase())
}

fn bounded(key: &'static str, value: &str) -> Result<String, SearchError> {
    if value.is_empty() || value.chars().count() > PIECE_MAX || value.chars().any(char::is_control) {
        return Err(SearchError::BadValue(key));
    }
    Ok(value.to_owned())
}

impl Search {
    /// Parses a tab's whole prompt text when the tab has no keys of its own.
    pub fn parse(text: &str) -> Result<Self, SearchError> {
        let mut s = Search::default();
        for word in text.split_whitespace() {
            if !s.take(word)? {
                let key = word.split_once(':').map_or(word, |(k, _)| k);
                return Err(SearchError::UnknownKey { key: format!("{key}:"), keys: "member:, or words to find" });
            }
        }
        Ok(s)
    }

    /// Reads one word if it is shared language: `member:`-like keys, a pasted URL, or a free word. False for an unknown `key:value` (the tab may know it, or refuse it).
    pub fn take(&mut self, word: &str) -> Result<bool, SearchError> {
        match word.split_once(':') {
            Some((k, v)) if is_portal_key(k) => self.portal = Some(portal_piece(v)?),
            // `https://host/…` pasted from a browser is a domain.
            Some(("http" | "https", rest)) if rest.starts_with("//") => {
                let host = rest.trim_start_matches('/').split('/').next().unwrap_or_default();
                self.portal = Some(portal_piece(host)?);
            }
            Some(_) => return Ok(false),
            None => self.words.push(bounded("word", word)?.to_lowercase()),
        }
        Ok(true)
    }

    /// True when nothing narrows the list.
    pub fn is_empty(&self) -> bool {
        self.portal.is_none() && self.words.is_empty()
    }

    /// The free words joined, for tabs that search one text column with them.
    pub fn text(&self) -> Option<String> {
        (!self.words.is_empty()).then(|| self.words.join(" "))
    }

    /// True when every free word is found in one of `columns` and the portal piece (if any) in
    /// `portal_columns` (member_id, domain). For lists computed in memory (alerts, checks).
    pub fn matches(&self, portal_columns: &[&str], columns: &[&str]) -> bool {
        let has = |cols: &[&str], w: &str| cols.iter().any(|c| c.to_lowercase().contains(w));
        self.portal.as_deref().is_none_or(|p| has(portal_columns, p))
            && self.words.iter().all(|w| has(columns, w) || has(portal_columns, w))
    }

    /// The filter in the prompt's language (so `/` can start from it).
    pub fn to_text(&self) -> String {
        let mut parts: Vec<String> = self.portal.iter().map(|p| format!("member:{p}")).collect();
        parts.extend(self.words.iter().cloned());
        parts.join(" ")
    }

    /// What to highlight in a row: the portal piece, else the first free word.
    pub fn needle(&self) -> Option<&str> {
        self.portal.as_deref().or_else(|| self.words.first().map(String::as_str))
    }
}

impl fmt::Display for Search {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// A canonical 32-hex member_id is matched exactly (the index serves it); anything else is a piece.
pub fn exact_or_piece(piece: PortalPiece) -> (Option<MemberId>, Option<PortalPiece>) {
    let canonical = piece.len() == 32 && piece.bytes().all(|b| b.is_ascii_hexdigit());
    match MemberId::parse(&piece) {
        Ok(m) if canonical => (Some(m), None),
        _ => (None, Some(piece)),
    }
}

/// Where `needle` first occurs in `hay`, case-insensitively, as a byte range of `hay` (for
/// highlighting a match in a row). `None` for an empty needle or no match.
pub fn find_match(hay: &str, needle: &str) -> Option<(usize, usize)> {
    if needle.is_empty() {
        return None;
    }
    let lower_needle: Vec<char> = needle.chars().flat_map(char::to_lowercase).collect();
    let chars: Vec<(usize, char)> = hay.char_indices().collect();
    for start in 0..chars.len() {
        let mut i = start;
        let mut matched = 0;
        while matched < lower_needle.len() && i < chars.len() {
            let mut lc = chars[i].1.to_lowercase();
            if lc.next() != Some(lower_needle[matched]) || lc.next().is_some() {
                break;
            }
            matched += 1;
            i += 1;
        }
        if matched == lower_needle.len() {
            let end = chars.get(i).map_or(hay.len(), |(b, _)| *b);
            return Some((chars[start].0, end));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_takes_an_id_a_domain_or_a_piece() {
        let s = Search::parse("member:ProInvest").unwrap();
        assert_eq!(s.portal.as_deref(), Some("proinvest"));
        let s = Search::parse("proinvest-0.bitrix24.by").unwrap();
        assert_eq!(s.words, ["proinvest-0.bitrix24.by"]);
        assert!(
            s.matches(&["0a1b", "proinvest-0.bitrix24.by"], &["QUERY_LIMIT_EXCEEDED"]),
            "a free word finds the portal"
        );
        let s = Search::parse("https://acme.bitrix24.com/rest/ timeout").unwrap();
        assert_eq!(s.portal.as_deref(), Some("acme.bitrix24.com"));
        assert_eq!(s.words, ["timeout"]);
    }

    #[test]
    fn round_trips_and_refuses_unknown_keys() {
        let s = Search::parse("m:acme Expired").unwrap();
        assert_eq!(Search::parse(&s.to_text()).unwrap(), s);
        assert!(matches!(Search::parse("colour:red"), Err(SearchError::UnknownKey { .. })));
        assert!(matches!(Search::parse("member:"), Err(SearchError::BadValue(_))));
        assert!(Search::parse("").unwrap().is_empty());
    }

    #[test]
    fn matches_in_memory_rows() {
        let s = Search::parse("member:acme quota").unwrap();
        assert!(s.matches(&["0a1b", "acme.bitrix24.com"], &["Quota exceeded"]));
        assert!(!s.matches(&["0a1b", "other.bitrix24.com"], &["Quota exceeded"]));
        assert!(!s.matches(&["0a1b", "acme.bitrix24.com"], &["slow"]));
    }

    #[test]
    fn finds_the_match_to_highlight() {
        assert_eq!(find_match("shop.ACME.bitrix24.com", "acme"), Some((5, 9)));
        assert_eq!(find_match("Привет мир", "мир"), Some((13, 19)));
        assert_eq!(find_match("abc", "x"), None);
        assert_eq!(find_match("abc", ""), None);
    }
}
