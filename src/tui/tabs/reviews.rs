//! What the Reviews tab asks the runner for and what comes back: `tui::update::reviews` makes the
//! effects and applies the answers, `tui::runner` runs the effects.

use chrono::{DateTime, Utc};

use crate::model::{MemberId, NewReview, ReviewDetail};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::ReplyAction;
use crate::services::overview::PortalOverview;
use crate::services::reviews::InboxEntry;
use crate::store::{DraftOutcome, MarkOutcome};

/// Answers for the Reviews tab: a [`crate::tui::msg::Msg::Reviews`].
#[derive(Debug)]
pub enum ReviewsMsg {
    /// The review inbox arrived.
    Loaded {
        /// The generation it was asked for.
        generation: u64,
        /// The inbox or why not.
        result: Result<Vec<InboxEntry>, String>,
    },
    /// A review in full arrived (for the detail pane).
    DetailLoaded {
        /// The review asked for.
        id: i64,
        /// The review or why not.
        result: Result<Option<ReviewDetail>, String>,
    },
    /// A review arrived fresh for the editor.
    EditorReady {
        /// The review asked for.
        id: i64,
        /// Go straight on to `$EDITOR`.
        external: bool,
        /// The review or why not.
        result: Result<Option<ReviewDetail>, String>,
    },
    /// The editor's portal context arrived.
    EditorContext {
        /// The review it is for.
        id: i64,
        /// The overview or why not.
        result: Result<Option<PortalOverview>, String>,
    },
    /// A draft save finished.
    DraftSaved {
        /// The review.
        id: i64,
        /// The text that was sent.
        text: String,
        /// What happened.
        result: Result<DraftOutcome, String>,
        /// After a conflict: the review as the other writer left it.
        theirs: Option<ReviewDetail>,
    },
    /// Marking a reply finished.
    ReplyMarked {
        /// The review.
        id: i64,
        /// What happened.
        result: Result<MarkOutcome, String>,
    },
    /// A review import finished: what it did, or why nothing was imported.
    Imported(Result<String, String>),
    /// Adding a review finished (`None`: its Marketplace id exists).
    Added(Result<Option<i64>, String>),
    /// `$EDITOR` closed: the text it left, or why not.
    ExternalEdited {
        /// The review.
        id: i64,
        /// The text or why not.
        result: Result<String, String>,
    },
}

/// Work for the Reviews tab: a [`crate::tui::effect::Effect::Reviews`].
#[derive(Clone, Debug, PartialEq)]
pub enum ReviewsEffect {
    /// Load the review inbox.
    Load {
        /// Generation to tag the answer with.
        generation: u64,
        /// The filter.
        filter: ReviewFilter,
        /// As of when (the clocks).
        now: DateTime<Utc>,
    },
    /// Load one review in full for the detail pane.
    LoadDetail(i64),
    /// Load one review fresh and open the editor on it.
    OpenEditor {
        /// The review.
        id: i64,
        /// Go straight on to `$EDITOR`.
        external: bool,
    },
    /// Load the portal context beside the editor.
    LoadEditorContext {
        /// The review it is for.
        id: i64,
        /// Its portal.
        member_id: MemberId,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Save a reply draft at a version.
    SaveDraft {
        /// The review.
        id: i64,
        /// The version the editor holds.
        version: Option<DateTime<Utc>>,
        /// The text.
        text: String,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Mark a reply ready or published.
    MarkReply {
        /// The review.
        id: i64,
        /// Which.
        action: ReplyAction,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Add a review typed in by hand.
    Add {
        /// The review.
        review: NewReview,
        /// As of when.
        now: DateTime<Utc>,
    },
    /// Import a review file.
    Import {
        /// The file.
        path: std::path::PathBuf,
        /// As of when.
        now: DateTime<Utc>,
    },
}
