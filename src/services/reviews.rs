//! The review inbox's actions, shared by the console and `b24ops reviews …`: import a file, list
//! by deadline, save a draft, mark it ready or published, add a review by hand, and fill a
//! reply template. Read-only mode is enforced here.

use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::overview::PortalOverview;
use super::tasks::Actor;
use crate::model::{NewReview, ReviewRow, SafeText};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::review_import::{ReviewFileError, ReviewFormat, parse_reviews};
use crate::rules::reviews::{ReplyAction, ReviewClock, ReviewPolicy};
use crate::rules::templates::{ReplyTemplate, Vars, render, unfilled};
use crate::store::{DraftOutcome, ImportReport, MarkOutcome, Store, StoreError};

/// Why a review action did not run.
#[derive(Debug, thiserror::Error)]
pub enum ReviewError {
    /// Read-only mode.
    #[error("refused: b24ops is in read-only mode (--read-only / B24OPS_READ_ONLY / read_only = true)")]
    ReadOnly,
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    Io {
        /// Which file.
        path: String,
        /// Why.
        reason: std::io::Error,
    },
    /// The file is not a review file; nothing was imported.
    #[error("{path}: {problem}")]
    File {
        /// Which file.
        path: String,
        /// What is wrong with it.
        problem: ReviewFileError,
    },
    /// The draft still holds template placeholders.
    #[error("the reply still has the placeholder {} — fill it in first", .0.iter().map(|p| format!("{{{p}}}")).collect::<Vec<_>>().join(", "))]
    Unfilled(Vec<&'static str>),
    /// A draft longer than a reply can be: refused whole rather than cut, so no marker of a cut
    /// is ever stored as the reply's text.
    #[error("the draft is {chars} characters; a reply holds at most {max}: shorten it, nothing was saved")]
    TooLong {
        /// Its length.
        chars: usize,
        /// The most a draft holds.
        max: usize,
    },
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A review in the inbox with its clock.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct InboxEntry {
    /// The review.
    #[serde(flatten)]
    pub review: ReviewRow,
    /// Its reply deadline and publication time.
    pub clock: ReviewClock,
}

/// The inbox: reviews awaiting a reply by deadline (most urgent first), then answered ones.
pub async fn inbox(
    store: &Store,
    filter: &ReviewFilter,
    limit: i64,
    policy: &ReviewPolicy,
    now: DateTime<Utc>,
) -> Result<Vec<InboxEntry>, StoreError> {
    let rows = store.reviews_list(filter, limit).await?;
    let mut out: Vec<InboxEntry> = rows
        .into_iter()
        .map(|review| {
            let clock = policy.clock(review.reply_status, review.submitted_at, review.edited_at, now);
            InboxEntry { review, clock }
        })
        .collect();
    // Stable: answered reviews keep the store's newest-first order after the open ones.
    out.sort_by_key(|e| {
        (!e.review.reply_status.is_open(), e.review.reply_status.is_open().then_some(e.clock.reply_due))
    });
    Ok(out)
}

/// Imports a CSV or JSON file of reviews; a bad file changes nothing.
pub async fn import_file(
    store: &Store,
    actor: &Actor,
    path: &Path,
    now: DateTime<Utc>,
) -> Result<ImportReport, ReviewError> {
    if actor.read_only {
        return Err(ReviewError::ReadOnly);
    }
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|reason| ReviewError::Io { path: shown.clone(), reason })?;
    let records = parse_reviews(&bytes, ReviewFormat::detect(path, &bytes))
        .map_err(|problem| ReviewError::File { path: shown.clone(), problem })?;
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or(shown);
    Ok(store.import_reviews(&records, &name, &actor.operator, now).await?)
}

/// Adds a review typed in by hand; `None` when its source id is taken.
pub async fn add(
    store: &Store,
    actor: &Actor,
    review: &NewReview,
    now: DateTime<Utc>,
) -> Result<Option<i64>, ReviewError> {
    if actor.read_only {
        return Err(ReviewError::ReadOnly);
    }
    Ok(store.add_review(review, &actor.operator, now).await?)
}

/// The longest draft kept, in characters: what the sanitizer keeps of a block (a longer one
/// would be cut and end in a visible "(+N bytes)" note).
pub const DRAFT_MAX: usize = crate::model::BLOCK_LIMIT;

/// Saves a draft written at `version`. The text is sanitized first: a draft may come back from an
/// external editor with anything in it, and it will be pasted somewhere public.
pub async fn save_draft(
    store: &Store,
    actor: &Actor,
    id: i64,
    version: Option<DateTime<Utc>>,
    text: &str,
    now: DateTime<Utc>,
) -> Result<DraftOutcome, ReviewError> {
    if actor.read_only {
        return Err(ReviewError::ReadOnly);
    }
    let text = text.trim_end();
    let chars = text.chars().count();
    if chars > DRAFT_MAX {
        return Err(ReviewError::TooLong { chars, max: DRAFT_MAX });
    }
    let clean = SafeText::block(text);
    Ok(store.save_review_draft(id, version, clean.as_str(), &actor.operator, now).await?)
}

/// Marks a reply ready or published, refusing one that still holds template placeholders.
pub async fn mark(
    store: &Store,
    actor: &Actor,
    id: i64,
    action: ReplyAction,
    now: DateTime<Utc>,
) -> Result<MarkOutcome, ReviewError> {
    if actor.read_only {
        return Err(ReviewError::ReadOnly);
    }
    let Some(draft) = store.review_draft_text(id).await? else { return Ok(MarkOutcome::Missing) };
    let left = unfilled(draft.as_deref().unwrap_or(""));
    if !left.is_empty() {
        return Err(ReviewError::Unfilled(left));
    }
    Ok(store.mark_review_reply(id, action, &actor.operator, now).await?)
}

/// What fills a template for this review, from what is known about its portal.
pub fn template_vars(
    author: &str,
    rating: i64,
    app_name: &str,
    operator: &str,
    portal: Option<&PortalOverview>,
) -> Vars {
    let open_ticket = portal.and_then(|p| p.tickets.iter().find(|t| t.is_open()).map(|t| format!("#{}", t.id)));
    Vars {
        reviewer: Some(author.to_owned()),
        app: Some(app_name.to_owned()),
        rating: Some(rating),
        ticket: open_ticket,
        portal: portal.and_then(|p| p.portal.as_ref().map(|x| x.domain.to_string())),
        operator: Some(operator.to_owned()),
    }
}

/// The `n`-th template for `rating` (cycling), rendered; `None` when no template suits it.
pub fn nth_template(all: &[ReplyTemplate], rating: i64, n: usize, vars: &Vars) -> Option<(String, String)> {
    let suitable = crate::rules::templates::for_rating(all, rating);
    let t = suitable.get(n % suitable.len().max(1))?;
    Some((t.name.clone(), render(&t.text, vars)))
}

/// A sentence about an import.
pub fn describe_import(path: &Path, r: &ImportReport) -> String {
    format!(
        "{}: {} added, {} updated ({} published replies now outdated), {} unchanged",
        path.display(),
        r.added,
        r.updated,
        r.outdated,
        r.unchanged
    )
}

/// A sentence about a mark outcome.
pub fn describe_mark(id: i64, outcome: &MarkOutcome) -> String {
    match outcome {
        MarkOutcome::Changed(from, to) => format!("review #{id}: reply {from} → {to}"),
        MarkOutcome::Refused(e) => format!("review #{id}: {e} — nothing changed"),
        MarkOutcome::Missing => format!("review #{id} does not exist"),
    }
}
