//! `b24ops_doc_lists`: what the weekly check last read from the REST documentation — the
//! changelog's entries and the deprecation list rebuilt from a checkout — one row per kind.

use chrono::{DateTime, Utc};

use super::audit::{NewAudit, insert_audit};
use super::codec::{line_string, ms, raw_text, req_instant};
use super::{Store, StoreResult};

/// The changelog last read.
pub const CHANGELOG: &str = "changelog";
/// The deprecation list last rebuilt.
pub const DEPRECATIONS: &str = "deprecations";

/// A stored read of the documentation.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DocList {
    /// When it was read.
    pub read_at: DateTime<Utc>,
    /// Who read it.
    pub operator: String,
    /// Where from (a path or an address), sanitized.
    pub source: String,
    /// What was read, as the service wrote it (JSON or TSV; not sanitized: it is parsed again).
    #[serde(skip)]
    pub body: String,
}

impl Store {
    /// The stored read of `kind`, if any.
    pub async fn doc_list(&self, kind: &str) -> StoreResult<Option<DocList>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT read_at, {} AS operator, {} AS source, {} AS body FROM b24ops_doc_lists WHERE kind = ?",
            d.text_prefix("operator", 128),
            d.text_prefix("source", 2000),
            d.text("body")
        ));
        let Some(r) = sqlx::query(&sql).bind(kind).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(DocList {
            read_at: req_instant(&r, "b24ops_doc_lists", "read_at")?,
            operator: line_string(&r, "operator")?,
            source: line_string(&r, "source")?,
            body: raw_text(&r, "body")?.unwrap_or_default(),
        }))
    }

    /// Replaces the stored read of `kind`, audited with `summary`.
    pub async fn put_doc_list(
        &self,
        kind: &str,
        source: &str,
        body: &str,
        operator: &str,
        summary: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let d = self.dialect();
        let source: String = source.chars().take(2000).collect();
        let mut tx = self.begin_write().await?;
        sqlx::query(&d.sql("DELETE FROM b24ops_doc_lists WHERE kind = ?")).bind(kind).execute(&mut *tx).await?;
        let ins = d.sql("INSERT INTO b24ops_doc_lists (kind, read_at, operator, source, body) VALUES (?, ?, ?, ?, ?)");
        sqlx::query(&ins).bind(kind).bind(ms(now)).bind(operator).bind(&source).bind(body).execute(&mut *tx).await?;
        let audit = NewAudit {
            ts: now,
            operator: operator.to_owned(),
            action: format!("docs.{kind}"),
            target: source,
            member_id: None,
            before: None,
            after: Some(summary.to_owned()),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(())
    }
}
