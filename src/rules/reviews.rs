//! Reviews: reply deadlines, how a reply's status may change, and what an import does to a row.
//!
//! A Bitrix24 Marketplace review is published after a 3-day hold during which the vendor can
//! answer it; our own target is a public reply within 48 hours.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::deadline::{Urgency, urgency};
use crate::model::{MemberId, NewReview, ReplyStatus};

/// The team's reply targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ReviewPolicy {
    /// Our target for a public reply, from submission (48 h).
    pub reply_within: Duration,
    /// When the Marketplace publishes a review, from submission (72 h).
    pub publish_after: Duration,
    /// The share of `reply_within` left at which the countdown turns "near".
    pub near_share: f64,
}

impl Default for ReviewPolicy {
    fn default() -> Self {
        ReviewPolicy { reply_within: Duration::hours(48), publish_after: Duration::hours(72), near_share: 0.25 }
    }
}

/// A review's clock.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ReviewClock {
    /// When the clock started: submission, or the edit that made our reply outdated.
    pub started_at: DateTime<Utc>,
    /// Our reply target.
    pub reply_due: DateTime<Utc>,
    /// When the Marketplace makes the review public.
    pub publishes_at: DateTime<Utc>,
    /// How urgent the reply is now.
    pub urgency: Urgency,
}

impl ReviewPolicy {
    /// The clock of a review in `status`, submitted at `submitted_at` and maybe edited since.
    /// An outdated reply restarts the clock at the edit: the reviewer changed what we answered.
    pub fn clock(
        &self,
        status: ReplyStatus,
        submitted_at: DateTime<Utc>,
        edited_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> ReviewClock {
        let started_at = match (status, edited_at) {
            (ReplyStatus::Outdated, Some(e)) if e > submitted_at => e,
            _ => submitted_at,
        };
        let reply_due = started_at + self.reply_within;
        let urgency =
            if status.is_open() { urgency(now, started_at, reply_due, self.near_share) } else { Urgency::Done };
        ReviewClock { started_at, reply_due, publishes_at: started_at + self.publish_after, urgency }
    }
}

/// What an operator does to a reply.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyAction {
    /// Save the draft; `empty` when the new text is blank.
    SaveDraft {
        /// The new text is blank.
        empty: bool,
    },
    /// The draft is checked: ready to paste into the vendor cabinet.
    MarkReady,
    /// The reply is now public.
    MarkPublished,
}

impl ReplyAction {
    /// The audit log's name for it.
    pub fn audit_name(self) -> &'static str {
        match self {
            ReplyAction::SaveDraft { .. } => "review.draft",
            ReplyAction::MarkReady => "review.ready",
            ReplyAction::MarkPublished => "review.published",
        }
    }
}

/// Why a reply cannot move as asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum TransitionError {
    /// There is no reply text.
    #[error("there is no reply yet — write one first")]
    NoDraft,
    /// Already there.
    #[error("the reply is already {0}")]
    Already(ReplyStatus),
    /// Blanking a reply that is (or was) public would lose track of what the reviewer sees.
    #[error("a published reply cannot be emptied — write its replacement instead")]
    EmptyPublished,
}

/// The status after `action`, from `current`, for a reply whose draft `has_draft`.
pub fn next_status(current: ReplyStatus, has_draft: bool, action: ReplyAction) -> Result<ReplyStatus, TransitionError> {
    use ReplyStatus as S;
    match action {
        ReplyAction::SaveDraft { empty: true } => match current {
            S::Published | S::Outdated => Err(TransitionError::EmptyPublished),
            _ => Ok(S::None),
        },
        // An outdated reply stays outdated while its replacement is drafted: the public reply
        // still answers the old text, and the clock keeps counting from the reviewer's edit.
        ReplyAction::SaveDraft { empty: false } if current == S::Outdated => Ok(S::Outdated),
        // Changed text is no longer what was checked or published.
        ReplyAction::SaveDraft { empty: false } => Ok(S::Draft),
        ReplyAction::MarkReady => match current {
            S::Ready | S::Published => Err(TransitionError::Already(current)),
            _ if !has_draft => Err(TransitionError::NoDraft),
            _ => Ok(S::Ready),
        },
        ReplyAction::MarkPublished => match current {
            S::Published => Err(TransitionError::Already(current)),
            _ if !has_draft => Err(TransitionError::NoDraft),
            _ => Ok(S::Published),
        },
    }
}

/// A stored review, as much as an import compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredReview {
    /// The portal, when known.
    pub member_id: Option<MemberId>,
    /// The reviewer's name.
    pub author: String,
    /// Stars.
    pub rating: i64,
    /// The text.
    pub text: String,
    /// The last edit known.
    pub edited_at: Option<DateTime<Utc>>,
    /// Where the reply stands.
    pub reply_status: ReplyStatus,
    /// When the reply was marked published.
    pub published_at: Option<DateTime<Utc>>,
}

/// What importing one record does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Merge {
    /// A review we did not have.
    Insert,
    /// Nothing new.
    Unchanged,
    /// The review changed; the reply's status becomes `reply_status`.
    Update {
        /// The reply's status after the update.
        reply_status: ReplyStatus,
    },
}

/// What importing `incoming` over `stored` does. Re-importing the same record changes nothing; an
/// older export never rolls a newer edit back; a published reply to a review whose text or rating
/// changed becomes outdated.
pub fn merge(stored: Option<&StoredReview>, incoming: &NewReview) -> Merge {
    let Some(s) = stored else { return Merge::Insert };
    if let (Some(known), Some(new)) = (s.edited_at, incoming.edited_at)
        && new < known
    {
        return Merge::Unchanged;
    }
    let content_changed = s.text != incoming.text || s.rating != incoming.rating;
    let newer_edit = match (s.edited_at, incoming.edited_at) {
        (None, Some(_)) => true,
        (Some(known), Some(new)) => new > known,
        _ => false,
    };
    let details_changed =
        s.author != incoming.author || (incoming.member_id.is_some() && s.member_id != incoming.member_id);
    if !content_changed && !newer_edit && !details_changed {
        return Merge::Unchanged;
    }
    // Our reply answered the text we held; whenever the reviewer changed it, the reply needs
    // another look, even if the edit happened before we pressed "published" (we had not seen it).
    let reply_status = if s.reply_status == ReplyStatus::Published && (content_changed || newer_edit) {
        ReplyStatus::Outdated
    } else {
        s.reply_status
    };
    Merge::Update { reply_status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn incoming(text: &str, rating: i64, edited: Option<&str>) -> NewReview {
        NewReview {
            source_id: "r1".into(),
            member_id: None,
            author: "Anna".into(),
            rating,
            text: text.into(),
            submitted_at: t("2026-11-20T10:00:00Z"),
            edited_at: edited.map(t),
        }
    }

    fn stored(status: ReplyStatus, published: Option<&str>) -> StoredReview {
        StoredReview {
            member_id: None,
            author: "Anna".into(),
            rating: 2,
            text: "Sync broke".into(),
            edited_at: None,
            reply_status: status,
            published_at: published.map(t),
        }
    }

    #[test]
    fn the_clock_runs_from_submission_and_restarts_at_an_outdating_edit() {
        let p = ReviewPolicy::default();
        let sub = t("2026-11-20T10:00:00Z");
        let c = p.clock(ReplyStatus::None, sub, None, t("2026-11-21T10:00:00Z"));
        assert_eq!(c.reply_due, t("2026-11-22T10:00:00Z"));
        assert_eq!(c.publishes_at, t("2026-11-23T10:00:00Z"));
        assert_eq!(c.urgency, Urgency::Ok);
        assert_eq!(p.clock(ReplyStatus::Draft, sub, None, t("2026-11-22T11:00:00Z")).urgency, Urgency::Breached);
        assert_eq!(p.clock(ReplyStatus::Published, sub, None, t("2026-11-25T00:00:00Z")).urgency, Urgency::Done);
        let edit = t("2026-11-24T09:00:00Z");
        let o = p.clock(ReplyStatus::Outdated, sub, Some(edit), t("2026-11-24T10:00:00Z"));
        assert_eq!((o.started_at, o.urgency), (edit, Urgency::Ok));
    }

    #[test]
    fn reply_transitions() {
        use ReplyStatus as S;
        let save = ReplyAction::SaveDraft { empty: false };
        assert_eq!(next_status(S::None, false, save), Ok(S::Draft));
        assert_eq!(next_status(S::Ready, true, save), Ok(S::Draft));
        assert_eq!(next_status(S::Published, true, save), Ok(S::Draft));
        assert_eq!(next_status(S::Draft, true, ReplyAction::SaveDraft { empty: true }), Ok(S::None));
        assert_eq!(
            next_status(S::Published, true, ReplyAction::SaveDraft { empty: true }),
            Err(TransitionError::EmptyPublished)
        );
        assert_eq!(next_status(S::None, false, ReplyAction::MarkReady), Err(TransitionError::NoDraft));
        assert_eq!(next_status(S::Draft, true, ReplyAction::MarkReady), Ok(S::Ready));
        assert_eq!(next_status(S::Ready, true, ReplyAction::MarkReady), Err(TransitionError::Already(S::Ready)));
        assert_eq!(next_status(S::Draft, true, ReplyAction::MarkPublished), Ok(S::Published));
        assert_eq!(next_status(S::Outdated, true, ReplyAction::MarkPublished), Ok(S::Published));
        // Drafting the replacement keeps it outdated, so its clock still counts from the edit.
        assert_eq!(next_status(S::Outdated, true, ReplyAction::SaveDraft { empty: false }), Ok(S::Outdated));
        assert_eq!(
            next_status(S::Published, true, ReplyAction::MarkPublished),
            Err(TransitionError::Already(S::Published))
        );
    }

    #[test]
    fn reimporting_the_same_record_changes_nothing() {
        let s = stored(ReplyStatus::Published, Some("2026-11-21T00:00:00Z"));
        assert_eq!(merge(Some(&s), &incoming("Sync broke", 2, None)), Merge::Unchanged);
        assert_eq!(merge(None, &incoming("Sync broke", 2, None)), Merge::Insert);
    }

    #[test]
    fn an_edit_after_our_reply_outdates_it() {
        let s = stored(ReplyStatus::Published, Some("2026-11-21T00:00:00Z"));
        let edited = incoming("Sync broke again", 1, Some("2026-11-22T00:00:00Z"));
        assert_eq!(merge(Some(&s), &edited), Merge::Update { reply_status: ReplyStatus::Outdated });
        // An edit made before we published is still one we had not seen: our copy was older.
        let before = incoming("Sync broke again", 1, Some("2026-11-20T12:00:00Z"));
        assert_eq!(merge(Some(&s), &before), Merge::Update { reply_status: ReplyStatus::Outdated });
        // A member_id learnt later changes details, not the reply.
        let mut with_member = incoming("Sync broke", 2, None);
        with_member.member_id = Some(crate::model::MemberId::parse("a1b2c3").unwrap());
        assert_eq!(merge(Some(&s), &with_member), Merge::Update { reply_status: ReplyStatus::Published });
        // A draft stays a draft: nothing public is outdated.
        let d = stored(ReplyStatus::Draft, None);
        assert_eq!(merge(Some(&d), &edited), Merge::Update { reply_status: ReplyStatus::Draft });
    }

    #[test]
    fn an_older_export_never_rolls_an_edit_back() {
        let mut s = stored(ReplyStatus::Outdated, Some("2026-11-21T00:00:00Z"));
        s.edited_at = Some(t("2026-11-22T00:00:00Z"));
        s.text = "Sync broke again".into();
        assert_eq!(merge(Some(&s), &incoming("Sync broke", 2, Some("2026-11-20T12:00:00Z"))), Merge::Unchanged);
    }
}
