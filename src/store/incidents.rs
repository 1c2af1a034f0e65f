//! `b24ops_incidents` and their timelines.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::audit::{NewAudit, insert_audit};
use super::codec::{line_string, ms, opt_block_string, opt_instant, raw_text, req_instant};
use super::dialect::Dialect;
use super::dialect::insert_returning_id;
use super::{Store, StoreResult};

/// An incident.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Incident {
    /// Its number.
    pub id: i64,
    /// What is wrong.
    pub title: String,
    /// minor, major, critical.
    pub severity: String,
    /// declared, resolved.
    pub status: String,
    /// The one portal affected; `None`: all portals.
    pub member_id: Option<String>,
    /// When declared.
    pub declared_at: DateTime<Utc>,
    /// By whom.
    pub declared_by: String,
    /// When resolved.
    pub resolved_at: Option<DateTime<Utc>>,
}

/// One entry of a timeline.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct IncidentEvent {
    /// When.
    pub ts: DateTime<Utc>,
    /// Who.
    pub author: String,
    /// declared, note, resolved.
    pub kind: String,
    /// What.
    pub text: String,
}

const TABLE: &str = "b24ops_incidents";

/// The incident columns, text read as bytes on SQLite (a row with invalid UTF-8 reads lossily
/// instead of failing) and cut to what anyone prints.
fn columns(d: Dialect) -> String {
    format!(
        "id, {} AS title, {} AS severity, {} AS status, {} AS member_id, declared_at, {} AS declared_by, resolved_at",
        d.text_prefix("title", 2000),
        d.text_prefix("severity", 16),
        d.text_prefix("status", 16),
        d.text_prefix("member_id", 64),
        d.text_prefix("declared_by", 200),
    )
}

/// Every text is sanitized as it is read, like the console's: what `incident show`, its JSON and
/// the Markdown record print is already free of escapes, bidi tricks and megabyte strings.
fn decode(r: &AnyRow) -> StoreResult<Incident> {
    let t = |c: &str| line_string(r, c);
    Ok(Incident {
        id: r.try_get("id")?,
        title: t("title")?,
        severity: t("severity")?,
        status: t("status")?,
        member_id: raw_text(r, "member_id")?.map(|m| crate::model::SafeText::line(&m).as_str().to_owned()),
        declared_at: req_instant(r, TABLE, "declared_at")?,
        declared_by: t("declared_by")?,
        resolved_at: opt_instant(r, TABLE, "resolved_at")?,
    })
}

impl Store {
    /// Declares an incident, with its first timeline entry; audited.
    pub async fn declare_incident(
        &self,
        title: &str,
        severity: &str,
        member_id: Option<&str>,
        by: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<i64> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let (t, s, m, b) = (title.to_owned(), severity.to_owned(), member_id.map(str::to_owned), by.to_owned());
        let id = insert_returning_id(
            d,
            &mut *tx,
            "INSERT INTO b24ops_incidents (title, severity, status, member_id, declared_at, declared_by) VALUES (?, ?, 'declared', ?, ?, ?)",
            |q| q.bind(t).bind(s).bind(m).bind(ms(now)).bind(b),
        )
        .await?;
        let ev = d.sql(
            "INSERT INTO b24ops_incident_events (incident_id, ts, author, kind, text) VALUES (?, ?, ?, 'declared', ?)",
        );
        sqlx::query(&ev).bind(id).bind(ms(now)).bind(by).bind(format!("{severity}: {title}")).execute(&mut *tx).await?;
        let audit = NewAudit {
            ts: now,
            operator: by.into(),
            action: "incident.declare".into(),
            target: format!("incident #{id}"),
            member_id: member_id.map(str::to_owned),
            before: None,
            after: Some(format!("{severity}: {title}")),
        };
        insert_audit(d, &mut *tx, &audit).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// The incident still open (the newest, if several).
    pub async fn open_incident(&self) -> StoreResult<Option<Incident>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT {} FROM b24ops_incidents WHERE status <> 'resolved' ORDER BY declared_at DESC LIMIT 1",
            columns(d)
        ));
        sqlx::query(&sql).fetch_optional(self.pool()).await?.as_ref().map(decode).transpose()
    }

    /// The newest incident, open or resolved.
    pub async fn latest_incident(&self) -> StoreResult<Option<Incident>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT {} FROM b24ops_incidents ORDER BY declared_at DESC, id DESC LIMIT 1",
            columns(d)
        ));
        sqlx::query(&sql).fetch_optional(self.pool()).await?.as_ref().map(decode).transpose()
    }

    /// An incident by number.
    pub async fn incident(&self, id: i64) -> StoreResult<Option<Incident>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!("SELECT {} FROM b24ops_incidents WHERE id = ?", columns(d)));
        sqlx::query(&sql).bind(id).fetch_optional(self.pool()).await?.as_ref().map(decode).transpose()
    }

    /// Adds a timeline entry (a note, or the resolution, which also closes the incident).
    pub async fn incident_event(
        &self,
        id: i64,
        author: &str,
        kind: &str,
        text: &str,
        now: DateTime<Utc>,
    ) -> StoreResult<()> {
        let d = self.dialect();
        let mut tx = self.begin_write().await?;
        let ev =
            d.sql("INSERT INTO b24ops_incident_events (incident_id, ts, author, kind, text) VALUES (?, ?, ?, ?, ?)");
        sqlx::query(&ev).bind(id).bind(ms(now)).bind(author).bind(kind).bind(text).execute(&mut *tx).await?;
        if kind == "resolved" {
            let sql =
                d.sql("UPDATE b24ops_incidents SET status = 'resolved', resolved_at = ?, summary = ? WHERE id = ?");
            sqlx::query(&sql).bind(ms(now)).bind(text).bind(id).execute(&mut *tx).await?;
            let audit = NewAudit {
                ts: now,
                operator: author.into(),
                action: "incident.resolve".into(),
                target: format!("incident #{id}"),
                member_id: None,
                before: None,
                after: Some(text.to_owned()),
            };
            insert_audit(d, &mut *tx, &audit).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// An incident's own entries, oldest first.
    pub async fn incident_events(&self, id: i64, limit: i64) -> StoreResult<Vec<IncidentEvent>> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT ts, {} AS author, {} AS kind, {} AS text FROM b24ops_incident_events WHERE incident_id = ? ORDER BY ts, id LIMIT ?",
            d.text_prefix("author", 200),
            d.text_prefix("kind", 16),
            d.text_prefix("text", 64 * 1024),
        ));
        let rows = sqlx::query(&sql).bind(id).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(IncidentEvent {
                    ts: req_instant(r, "b24ops_incident_events", "ts")?,
                    author: line_string(r, "author")?,
                    kind: line_string(r, "kind")?,
                    text: opt_block_string(r, "text")?.unwrap_or_default(),
                })
            })
            .collect()
    }
}
