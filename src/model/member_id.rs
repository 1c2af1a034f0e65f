//! The portal's stable identity.

use std::fmt;

use super::safe_text::SafeText;

/// A Bitrix24 portal's `member_id`: the key that never changes when the portal's domain does.
///
/// Real ones are 32 lowercase hex characters; the console accepts any 1–64 characters of
/// `[0-9A-Za-z_-]` typed by an operator, and shows whatever the database holds after sanitizing.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct MemberId(String);

/// Why a typed member_id was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("member_id must be 1–64 characters of 0-9, a-z, A-Z, '_' or '-' (got {0:?})")]
pub struct InvalidMemberId(pub String);

impl MemberId {
    /// Parses a member_id typed by a person or sent to an API.
    pub fn parse(raw: &str) -> Result<Self, InvalidMemberId> {
        let t = raw.trim();
        let ok =
            !t.is_empty() && t.len() <= 64 && t.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok { Ok(MemberId(t.to_owned())) } else { Err(InvalidMemberId(raw.chars().take(80).collect())) }
    }

    /// Wraps a value read from the database, sanitized so it is safe to draw.
    pub fn from_db(raw: &str) -> Self {
        MemberId(SafeText::line(raw).as_str().to_owned())
    }

    /// True for the canonical 32-hex form Bitrix24 issues.
    pub fn looks_canonical(&self) -> bool {
        self.0.len() == 32 && self.0.bytes().all(|b| b.is_ascii_hexdigit())
    }

    /// The id as stored.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The first `n` characters, for narrow columns.
    pub fn short(&self, n: usize) -> &str {
        match self.0.char_indices().nth(n) {
            Some((i, _)) => &self.0[..i],
            None => &self.0,
        }
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

impl fmt::Debug for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberId({})", self.0)
    }
}

impl serde::Serialize for MemberId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_canonical_and_rejects_junk() {
        let m = MemberId::parse(" 0123456789abcdef0123456789abcdef ").unwrap();
        assert!(m.looks_canonical());
        assert!(MemberId::parse("").is_err());
        assert!(MemberId::parse("abc def").is_err());
        assert!(MemberId::parse("x'; drop table").is_err());
        assert!(MemberId::parse(&"a".repeat(65)).is_err());
    }

    #[test]
    fn from_db_is_sanitized() {
        assert!(!MemberId::from_db("ab\x1b[2J").as_str().contains('\x1b'));
    }
}
