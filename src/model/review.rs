//! Marketplace reviews: what a reviewer wrote and where our public reply stands.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{MemberId, SafeText};

/// Where the public reply to a review stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReplyStatus {
    /// Nobody has written anything yet.
    None,
    /// A draft is being written.
    Draft,
    /// The draft is checked and waits to be pasted into the vendor cabinet.
    Ready,
    /// The reply is public.
    Published,
    /// The reviewer edited the review after our reply was published: it needs another look.
    Outdated,
}

impl ReplyStatus {
    /// Every status, in the order a reply moves through them.
    pub const ALL: [ReplyStatus; 5] =
        [ReplyStatus::None, ReplyStatus::Draft, ReplyStatus::Ready, ReplyStatus::Published, ReplyStatus::Outdated];

    /// The name stored in the database.
    pub fn as_str(self) -> &'static str {
        match self {
            ReplyStatus::None => "none",
            ReplyStatus::Draft => "draft",
            ReplyStatus::Ready => "ready",
            ReplyStatus::Published => "published",
            ReplyStatus::Outdated => "outdated",
        }
    }

    /// True while the review still waits for a (new) public reply.
    pub fn is_open(self) -> bool {
        self != ReplyStatus::Published
    }
}

impl fmt::Display for ReplyStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.as_str())
    }
}

impl FromStr for ReplyStatus {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ReplyStatus::ALL
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("unknown reply status {s:?} (none, draft, ready, published, outdated)"))
    }
}

/// A review as it arrives from an import file or the console's "add review" form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReview {
    /// The Marketplace's id for it (the import is idempotent on it).
    pub source_id: String,
    /// The reviewer's portal, when known.
    pub member_id: Option<MemberId>,
    /// The reviewer's name.
    pub author: String,
    /// Stars, 1–5.
    pub rating: i64,
    /// What they wrote.
    pub text: String,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When the reviewer last edited it.
    pub edited_at: Option<DateTime<Utc>>,
}

/// A review as the Reviews tab lists it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewRow {
    /// Row id.
    pub id: i64,
    /// The Marketplace's id.
    pub source_id: SafeText,
    /// The reviewer's portal, when known.
    pub member_id: Option<MemberId>,
    /// That portal's domain, when known.
    pub domain: Option<SafeText>,
    /// The reviewer's name.
    pub author: SafeText,
    /// Stars, 1–5.
    pub rating: i64,
    /// The review's first characters, on one line.
    pub excerpt: SafeText,
    /// Where the reply stands.
    pub reply_status: ReplyStatus,
    /// When it was submitted.
    pub submitted_at: DateTime<Utc>,
    /// When the reviewer last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// When our reply was marked published.
    pub published_at: Option<DateTime<Utc>>,
}

/// A review in full, with the reply draft.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ReviewDetail {
    /// The list row.
    #[serde(flatten)]
    pub row: ReviewRow,
    /// The whole review text, sanitized, line breaks kept.
    pub text: SafeText,
    /// The reply draft, sanitized, line breaks kept.
    pub reply_draft: Option<SafeText>,
    /// When the draft last changed: the version a save must match (optimistic concurrency).
    pub reply_updated_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_round_trip() {
        for s in ReplyStatus::ALL {
            assert_eq!(s.as_str().parse::<ReplyStatus>().unwrap(), s);
        }
        assert!("sent".parse::<ReplyStatus>().is_err());
        assert!(!ReplyStatus::Published.is_open());
        assert!(ReplyStatus::Outdated.is_open());
    }
}
