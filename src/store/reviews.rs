//! `b24ops_reviews`: the review inbox, imports, and the reply's conditional writes.
//!
//! Writes are conditional on what the operator saw (the draft's version, the reply's status), so
//! two consoles editing one reply never overwrite each other silently; each write is audited in
//! its own transaction.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{line, member, ms, opt_block, opt_instant, opt_line, raw_text, req_instant};
use super::dialect::{insert_returning_id, like_escape};
use super::{Dialect, Store, StoreError, StoreResult};
use crate::model::{NewReview, ReplyStatus, ReviewDetail, ReviewRow};
use crate::rules::review_filter::ReviewFilter;
use crate::rules::reviews::{Merge, ReplyAction, StoredReview, TransitionError, merge, next_status};

/// Draft saves by one operator within this long share one audit row, so autosave does not bury
/// the audit log.
pub const DRAFT_AUDIT_WINDOW_MINUTES: i64 = 15;

/// What an import did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ImportReport {
    /// New reviews.
    pub added: usize,
    /// Reviews whose text, rating or details changed.
    pub updated: usize,
    /// Of those, published replies that became outdated.
    pub outdated: usize,
    /// Records that changed nothing.
    pub unchanged: usize,
}

/// What saving a draft did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DraftOutcome {
    /// Saved; the reply's status and the draft's new version.
    Saved {
        /// The reply's status now.
        status: ReplyStatus,
        /// The version the next save must name.
        version: DateTime<Utc>,
    },
    /// The text is what is stored already.
    Unchanged,
    /// Someone else saved since the version named; nothing was written.
    Conflict,
    /// The transition is not allowed.
    Refused(TransitionError),
    /// No such review.
    Missing,
}

/// What marking a reply ready or published did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkOutcome {
    /// Done: from → to.
    Changed(ReplyStatus, ReplyStatus),
    /// Not allowed from where it stands.
    Refused(TransitionError),
    /// No such review.
    Missing,
}

const OPEN: &str = "('none','draft','ready','outdated')";

/// A case-insensitive "contains" pattern for `LOWER(col) LIKE ? ESCAPE '!'`.
fn contains_pattern(t: &str) -> String {
    format!("%{}%", like_escape(&t.to_lowercase()))
}

/// Inserts a new review awaiting a reply; its row id.
async fn insert_review<'c, E>(d: Dialect, executor: E, r: &NewReview, now: DateTime<Utc>) -> StoreResult<i64>
where
    E: sqlx::Executor<'c, Database = sqlx::Any>,
{
    let sql = "INSERT INTO b24ops_reviews (source_id, member_id, author, rating, text, submitted_at, edited_at,
                reply_status, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'none', ?)";
    let id = insert_returning_id(d, executor, sql, |q| {
        q.bind(r.source_id.clone())
            .bind(r.member_id.as_ref().map(|m| m.as_str().to_owned()))
            .bind(r.author.clone())
            .bind(r.rating)
            .bind(r.text.clone())
            .bind(ms(r.submitted_at))
            .bind(r.edited_at.map(ms))
            .bind(ms(now))
    })
    .await?;
    Ok(id)
}

fn status_of(raw: &str) -> StoreResult<ReplyStatus> {
    raw.parse().map_err(|reason| StoreError::Malformed { table: "b24ops_reviews", reason })
}

impl Store {
    fn review_where(&self, f: &ReviewFilter, published: bool, binds: &mut Vec<String>) -> String {
        let mut wh = vec![if published {
            "r.reply_status = 'published'".to_owned()
        } else {
            format!("r.reply_status IN {OPEN}")
        }];
        if let Some(s) = f.status {
            wh.push("r.reply_status = ?".into());
            binds.push(s.as_str().into());
        }
        if let Some(m) = &f.member_id {
            wh.push("r.member_id = ?".into());
            binds.push(m.as_str().into());
        }
        if let Some(piece) = &f.portal {
            let (clause, pats) = self.piece_clause("r.member_id", piece);
            wh.push(clause);
            binds.extend(pats);
        }
        if let Some((lo, hi)) = f.stars {
            // Bound as text would not compare as numbers on every backend; these are 1–5.
            wh.push(format!("r.rating BETWEEN {lo} AND {hi}"));
        }
        if let Some(t) = &f.text {
            let (portal, pats) = self.piece_clause("r.member_id", t);
            wh.push(format!("(LOWER(r.text) LIKE ? ESCAPE '!' OR LOWER(r.author) LIKE ? ESCAPE '!' OR {portal})"));
            binds.push(contains_pattern(t));
            binds.push(contains_pattern(t));
            binds.extend(pats);
        }
        format!("WHERE {}", wh.join(" AND "))
    }

    async fn review_rows(&self, f: &ReviewFilter, published: bool, limit: i64) -> StoreResult<Vec<ReviewRow>> {
        let d = self.dialect();
        let mut binds = Vec::new();
        let wh = self.review_where(f, published, &mut binds);
        // Open reviews by how long they have waited; answered ones newest first.
        let order = if published { "r.submitted_at DESC, r.id DESC" } else { "r.submitted_at ASC, r.id ASC" };
        let sql = d.sql_owned(format!(
            "SELECT {cols} FROM b24ops_reviews r {wh} ORDER BY {order} LIMIT ?",
            cols = row_columns(self)
        ));
        let mut q = sqlx::query(&sql);
        for b in binds {
            q = q.bind(b);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter().map(decode_row).collect()
    }

    /// Reviews matching `f`: those awaiting a reply (longest waiting first), then — unless the
    /// filter keeps to open ones — answered ones, newest first. At most `limit` of each.
    pub async fn reviews_list(&self, f: &ReviewFilter, limit: i64) -> StoreResult<Vec<ReviewRow>> {
        let wants_open = f.status.is_none_or(ReplyStatus::is_open);
        let wants_published = !f.open_only && f.status.is_none_or(|s| !s.is_open());
        let mut out = if wants_open { self.review_rows(f, false, limit).await? } else { Vec::new() };
        if wants_published {
            out.extend(self.review_rows(f, true, limit).await?);
        }
        Ok(out)
    }

    /// One review in full, with its draft.
    pub async fn review_detail(&self, id: i64) -> StoreResult<Option<ReviewDetail>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT {cols}, r.reply_updated_at, {full} AS full_text, {draft} AS reply_draft
             FROM b24ops_reviews r WHERE r.id = ?",
            cols = row_columns(self),
            full = d.text_prefix("r.text", 65_536),
            draft = d.text_prefix("r.reply_draft", 65_536),
        ));
        let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(ReviewDetail {
            row: decode_row(&r)?,
            text: opt_block(&r, "full_text")?.unwrap_or_default(),
            reply_draft: opt_block(&r, "reply_draft")?,
            reply_updated_at: opt_instant(&r, "b24ops_reviews", "reply_updated_at")?,
        }))
    }

    /// The reply draft exactly as stored (for `reviews draft --print` and the external editor).
    pub async fn review_draft_text(&self, id: i64) -> StoreResult<Option<Option<String>>> {
        let d = self.dialect();
        let sql =
            d.sql_owned(format!("SELECT {} AS reply_draft FROM b24ops_reviews WHERE id = ?", d.text("reply_draft")));
        let Some(r) = sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(raw_text(&r, "reply_draft")?))
    }

    /// Imports `records` in one transaction: new reviews are added, changed ones updated (a
    /// published reply to a review edited since becomes outdated), the rest left alone. One audit
    /// row names the file and the counts, unless nothing changed.
    pub async fn import_reviews(
        &self,
        records: &[NewReview],
        source: &str,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<ImportReport> {
        let d = self.dialect();
        let read = d.sql_owned(format!(
            "SELECT id, rating, edited_at, published_at, {m} AS member_id, {a} AS author, {t} AS text,
                    {s} AS reply_status
             FROM b24ops_reviews WHERE source_id = ?",
            m = d.text("member_id"),
            a = d.text("author"),
            t = d.text("text"),
            s = d.text("reply_status"),
        ));
        let update = d.sql(
            "UPDATE b24ops_reviews SET member_id = COALESCE(?, member_id), author = ?, rating = ?, text = ?,
                edited_at = ?, reply_status = ?, imported_at = ? WHERE id = ?",
        );
        let mut report = ImportReport::default();
        let mut tx = self.begin_write().await?;
        for rec in records {
            let existing = sqlx::query(&read).bind(&rec.source_id).fetch_optional(&mut *tx).await?;
            let stored = existing.as_ref().map(decode_stored).transpose()?;
            match merge(stored.as_ref().map(|(_, s)| s), rec) {
                Merge::Unchanged => report.unchanged += 1,
                Merge::Insert => {
                    insert_review(d, &mut *tx, rec, now).await?;
                    report.added += 1;
                }
                Merge::Update { reply_status } => {
                    let (id, before) =
                        stored.as_ref().map(|(id, s)| (*id, s.reply_status)).unwrap_or((0, reply_status));
                    let edited = match (stored.as_ref().and_then(|(_, s)| s.edited_at), rec.edited_at) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        (a, b) => a.or(b),
                    };
                    sqlx::query(&update)
                        .bind(rec.member_id.as_ref().map(|m| m.as_str().to_owned()))
                        .bind(&rec.author)
                        .bind(rec.rating)
                        .bind(&rec.text)
                        .bind(edited.map(ms))
                        .bind(reply_status.as_str())
                        .bind(ms(now))
                        .bind(id)
                        .execute(&mut *tx)
                        .await?;
                    report.updated += 1;
                    if before != reply_status && reply_status == ReplyStatus::Outdated {
                        report.outdated += 1;
                    }
                }
            }
        }
        if report.added + report.updated > 0 {
            let audit = NewAudit {
                ts: now,
                operator: operator.to_owned(),
                action: "reviews.import".into(),
                target: source.chars().take(200).collect(),
                member_id: None,
                before: None,
                after: Some(format!(
                    "{} added, {} updated ({} replies outdated), {} unchanged",
                    report.added, report.updated, report.outdated, report.unchanged
                )),
            };
            insert_audit(d, &mut *tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(report)
    }

    /// Adds one review typed in by hand. `Ok(None)`: a review with that source id exists.
    pub async fn add_review(&self, r: &NewReview, operator: &str, now: DateTime<Utc>) -> StoreResult<Option<i64>> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let exists = sqlx::query(&d.sql("SELECT id FROM b24ops_reviews WHERE source_id = ?"))
            .bind(&r.source_id)
            .fetch_optional(&mut *tx)
            .await?;
        if exists.is_some() {
            return Ok(None);
        }
        let id = insert_review(d, &mut *tx, r, now).await?;
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: "review.add".into(),
            target: format!("review #{id}"),
            member_id: r.member_id.as_ref().map(|m| m.as_str().to_owned()),
            before: None,
            after: Some(format!(
                "{}★ by {} ({})",
                r.rating,
                r.author.chars().take(60).collect::<String>(),
                r.source_id
            )),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(Some(id))
    }

    /// Saves a reply draft if it is still at `version` (the `reply_updated_at` the editor loaded).
    pub async fn save_review_draft(
        &self,
        id: i64,
        version: Option<DateTime<Utc>>,
        text: &str,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<DraftOutcome> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let read = d.sql_owned(format!(
            "SELECT reply_updated_at, {s} AS reply_status, {dr} AS reply_draft, {m} AS member_id
             FROM b24ops_reviews WHERE id = ?",
            s = d.text("reply_status"),
            dr = d.text("reply_draft"),
            m = d.text("member_id"),
        ));
        let Some(row) = sqlx::query(&read).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(DraftOutcome::Missing);
        };
        let stored_version: Option<i64> = row.try_get("reply_updated_at")?;
        if stored_version != version.map(ms) {
            return Ok(DraftOutcome::Conflict);
        }
        let current = status_of(&raw_text(&row, "reply_status")?.unwrap_or_default())?;
        let old = raw_text(&row, "reply_draft")?.unwrap_or_default();
        if old == text {
            return Ok(DraftOutcome::Unchanged);
        }
        let empty = text.trim().is_empty();
        let next = match next_status(current, !old.trim().is_empty(), ReplyAction::SaveDraft { empty }) {
            Ok(s) => s,
            Err(e) => return Ok(DraftOutcome::Refused(e)),
        };
        // Two saves within one millisecond must still get distinct versions.
        let new_version = ms(now).max(stored_version.unwrap_or(0) + 1);
        let stored = if empty { None } else { Some(text) };
        let sql = d.sql(
            "UPDATE b24ops_reviews SET reply_draft = ?, reply_status = ?, reply_updated_at = ?
             WHERE id = ? AND COALESCE(reply_updated_at, 0) = ?",
        );
        let done = sqlx::query(&sql)
            .bind(stored)
            .bind(next.as_str())
            .bind(new_version)
            .bind(id)
            .bind(stored_version.unwrap_or(0))
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Ok(DraftOutcome::Conflict);
        }
        let summary = |t: &str, s: ReplyStatus| format!("{s}, {} chars", t.chars().count());
        let member_id = raw_text(&row, "member_id")?;
        self.audit_draft(&mut tx, id, operator, now, member_id, summary(&old, current), summary(text, next)).await?;
        tx.commit().await?;
        Ok(DraftOutcome::Saved { status: next, version: super::codec::instant("b24ops_reviews", new_version)? })
    }

    /// Audits a draft save, folding it into this operator's draft row for the same review from
    /// the last few minutes (autosave writes often; the log keeps one line per editing session).
    #[allow(clippy::too_many_arguments)]
    async fn audit_draft(
        &self,
        tx: &mut sqlx::Transaction<'static, sqlx::Any>,
        id: i64,
        operator: &str,
        now: DateTime<Utc>,
        member_id: Option<String>,
        before: String,
        after: String,
    ) -> StoreResult<()> {
        let d = self.dialect();
        let target = format!("review #{id}");
        let recent = sqlx::query(&d.sql(
            "SELECT id FROM b24ops_audit_log WHERE ts >= ? AND target = ? AND action = 'review.draft' AND operator = ?
             ORDER BY id DESC LIMIT 1",
        ))
        .bind(ms(now - Duration::minutes(DRAFT_AUDIT_WINDOW_MINUTES)))
        .bind(&target)
        .bind(operator)
        .fetch_optional(&mut **tx)
        .await?;
        if let Some(r) = recent {
            let audit_id: i64 = r.try_get("id")?;
            sqlx::query(&d.sql("UPDATE b24ops_audit_log SET ts = ?, after_summary = ? WHERE id = ?"))
                .bind(ms(now))
                .bind(&after)
                .bind(audit_id)
                .execute(&mut **tx)
                .await?;
            return Ok(());
        }
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: "review.draft".into(),
            target,
            member_id,
            before: Some(before),
            after: Some(after),
        };
        insert_audit(d, &mut **tx, &audit).await
    }

    /// Marks a reply ready or published, if its status allows, audited.
    pub async fn mark_review_reply(
        &self,
        id: i64,
        action: ReplyAction,
        operator: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<MarkOutcome> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let read = d.sql_owned(format!(
            "SELECT {s} AS reply_status, {dr} AS reply_draft, {m} AS member_id FROM b24ops_reviews WHERE id = ?",
            s = d.text("reply_status"),
            dr = d.text_prefix("reply_draft", 64),
            m = d.text("member_id"),
        ));
        let Some(row) = sqlx::query(&read).bind(id).fetch_optional(&mut *tx).await? else {
            return Ok(MarkOutcome::Missing);
        };
        let current = status_of(&raw_text(&row, "reply_status")?.unwrap_or_default())?;
        let has_draft = raw_text(&row, "reply_draft")?.is_some_and(|t| !t.trim().is_empty());
        let next = match next_status(current, has_draft, action) {
            Ok(s) => s,
            Err(e) => return Ok(MarkOutcome::Refused(e)),
        };
        let sql = if next == ReplyStatus::Published {
            "UPDATE b24ops_reviews SET reply_status = ?, published_at = ? WHERE id = ? AND reply_status = ?"
        } else {
            "UPDATE b24ops_reviews SET reply_status = ?, reply_updated_at = COALESCE(reply_updated_at, ?)
             WHERE id = ? AND reply_status = ?"
        };
        let done = sqlx::query(&d.sql(sql))
            .bind(next.as_str())
            .bind(ms(now))
            .bind(id)
            .bind(current.as_str())
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            // Changed between the read and the write (another console): nothing done.
            return Ok(MarkOutcome::Refused(TransitionError::Already(current)));
        }
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: action.audit_name().into(),
            target: format!("review #{id}"),
            member_id: raw_text(&row, "member_id")?,
            before: Some(current.to_string()),
            after: Some(next.to_string()),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(MarkOutcome::Changed(current, next))
    }
}

/// The columns [`decode_row`] reads, from `b24ops_reviews r`; list cells never pull megabytes.
fn row_columns(store: &Store) -> String {
    let d = store.dialect();
    format!(
        "r.id, r.rating, r.submitted_at, r.edited_at, r.published_at, {sid} AS source_id, {m} AS member_id,
         {a} AS author, {t} AS excerpt, {s} AS reply_status, {dom} AS domain",
        sid = d.text_prefix("r.source_id", 128),
        m = d.text_prefix("r.member_id", 64),
        a = d.text_prefix("r.author", 200),
        t = d.text_prefix("r.text", 300),
        s = d.text_prefix("r.reply_status", 16),
        dom = store.portal_domain("r.member_id"),
    )
}

fn decode_row(r: &AnyRow) -> StoreResult<ReviewRow> {
    Ok(ReviewRow {
        id: r.try_get("id")?,
        source_id: line(r, "source_id")?,
        member_id: member(r, "member_id")?,
        domain: opt_line(r, "domain")?,
        author: line(r, "author")?,
        rating: r.try_get("rating")?,
        excerpt: line(r, "excerpt")?,
        reply_status: status_of(line(r, "reply_status")?.as_str())?,
        submitted_at: req_instant(r, "b24ops_reviews", "submitted_at")?,
        edited_at: opt_instant(r, "b24ops_reviews", "edited_at")?,
        published_at: opt_instant(r, "b24ops_reviews", "published_at")?,
    })
}

fn decode_stored(r: &AnyRow) -> StoreResult<(i64, StoredReview)> {
    let stored = StoredReview {
        member_id: member(r, "member_id")?,
        author: raw_text(r, "author")?.unwrap_or_default(),
        rating: r.try_get("rating")?,
        text: raw_text(r, "text")?.unwrap_or_default(),
        edited_at: opt_instant(r, "b24ops_reviews", "edited_at")?,
        reply_status: status_of(&raw_text(r, "reply_status")?.unwrap_or_default())?,
        published_at: opt_instant(r, "b24ops_reviews", "published_at")?,
    };
    Ok((r.try_get("id")?, stored))
}
