//! Tickets and reviews of one portal, in brief, for the portal view.

use sqlx::Row;

use super::codec::{line, req_instant};
use super::{Store, StoreResult};
use crate::model::{MemberId, ReviewBrief, TicketBrief};

impl Store {
    /// The portal's tickets, newest first.
    pub async fn tickets_of(&self, member_id: &MemberId, limit: i64) -> StoreResult<Vec<TicketBrief>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT id, created_at, {s} AS subject, {p} AS priority, {st} AS status
             FROM b24ops_tickets WHERE member_id = ? ORDER BY created_at DESC LIMIT ?",
            s = d.text_prefix("subject", 300),
            p = d.text_prefix("priority", 16),
            st = d.text_prefix("status", 16),
        ));
        let rows = sqlx::query(&sql).bind(member_id.as_str()).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(TicketBrief {
                    id: r.try_get("id")?,
                    subject: line(r, "subject")?,
                    priority: line(r, "priority")?,
                    status: line(r, "status")?,
                    created_at: req_instant(r, "b24ops_tickets", "created_at")?,
                })
            })
            .collect()
    }

    /// The portal's reviews, newest first.
    pub async fn reviews_of(&self, member_id: &MemberId, limit: i64) -> StoreResult<Vec<ReviewBrief>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT id, rating, submitted_at, {a} AS author, {t} AS excerpt, {s} AS reply_status
             FROM b24ops_reviews WHERE member_id = ? ORDER BY submitted_at DESC LIMIT ?",
            a = d.text_prefix("author", 120),
            t = d.text_prefix("text", 300),
            s = d.text_prefix("reply_status", 16),
        ));
        let rows = sqlx::query(&sql).bind(member_id.as_str()).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(ReviewBrief {
                    id: r.try_get("id")?,
                    rating: r.try_get("rating")?,
                    author: line(r, "author")?,
                    excerpt: line(r, "excerpt")?,
                    reply_status: line(r, "reply_status")?,
                    submitted_at: req_instant(r, "b24ops_reviews", "submitted_at")?,
                })
            })
            .collect()
    }
}
