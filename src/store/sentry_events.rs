//! App errors from Sentry events, each counted once: an event id is claimed in
//! `b24ops_sentry_events` in the same transaction as its error row, so an SDK's retry of an
//! event already stored adds nothing, even when both copies arrive at once.

use chrono::{DateTime, Duration, Utc};

use super::codec::{ms, raw_text};
use super::{Dialect, Store, StoreResult};
use crate::model::NewAppError;

/// How long an event id is remembered.
pub const EVENT_IDS_KEPT_DAYS: i64 = 7;

impl Store {
    /// Writes `errors`, skipping those whose event id was seen before; returns how many were new.
    /// The whole batch is one transaction: stored whole or not at all.
    pub async fn insert_sentry_errors(
        &self,
        errors: &[(Option<String>, NewAppError)],
        received: DateTime<Utc>,
    ) -> StoreResult<usize> {
        let d = self.dialect();
        let claim = d.sql(match d {
            // Only a duplicate key can be ignored here: the id is 32 hex digits and the time an
            // integer, so nothing else would be silently dropped.
            Dialect::MySql => "INSERT IGNORE INTO b24ops_sentry_events (event_id, received_at) VALUES (?, ?)",
            _ => "INSERT INTO b24ops_sentry_events (event_id, received_at) VALUES (?, ?) ON CONFLICT DO NOTHING",
        });
        let insert = d.sql(
            "INSERT INTO b24ops_app_errors (ts, member_id, error_type, message, context, source) VALUES (?, ?, ?, ?, ?, ?)",
        );
        let mut tx = self.begin_write().await?;
        let mut new = 0;
        for (id, e) in errors {
            if let Some(id) = id {
                let claimed = sqlx::query(&claim).bind(id).bind(ms(received)).execute(&mut *tx).await?;
                if claimed.rows_affected() == 0 {
                    continue;
                }
            }
            sqlx::query(&insert)
                .bind(ms(e.ts))
                .bind(&e.member_id)
                .bind(&e.error_type)
                .bind(&e.message)
                .bind(&e.context)
                .bind(&e.source)
                .execute(&mut *tx)
                .await?;
            new += 1;
        }
        self.commit_write(tx).await?;
        Ok(new)
    }

    /// Forgets event ids received more than [`EVENT_IDS_KEPT_DAYS`] before `now`.
    pub async fn prune_sentry_event_ids(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let sql = self.dialect().sql("DELETE FROM b24ops_sentry_events WHERE received_at < ?");
        let before = ms(now - Duration::days(EVENT_IDS_KEPT_DAYS));
        Ok(sqlx::query(&sql).bind(before).execute(self.pool()).await?.rows_affected())
    }
}

/// The newest occurrence of an app-error group, its text as stored: draw it through
/// [`crate::model::SafeText`] before it reaches a screen.
#[derive(Clone, Debug, PartialEq)]
pub struct AppErrorSample {
    /// When it happened.
    pub ts: DateTime<Utc>,
    /// Its message.
    pub message: String,
    /// Its context as JSON text (for Sentry events: release, environment, frames, URL).
    pub context: Option<String>,
    /// Who reported it.
    pub source: String,
}

impl Store {
    /// The newest error of type `error_type` for `member_id` (`None`: errors with no portal).
    pub async fn newest_app_error(
        &self,
        member_id: Option<&str>,
        error_type: &str,
    ) -> StoreResult<Option<AppErrorSample>> {
        use sqlx::Row as _;
        let only = if member_id.is_some() { "member_id = ?" } else { "member_id IS NULL" };
        let sql = self.dialect().sql_owned(format!(
            "SELECT ts, message, context, source FROM b24ops_app_errors WHERE {only} AND error_type = ?
             ORDER BY ts DESC, id DESC LIMIT 1"
        ));
        let mut q = sqlx::query(&sql);
        if let Some(m) = member_id {
            q = q.bind(m);
        }
        let Some(r) = q.bind(error_type).fetch_optional(self.pool()).await? else { return Ok(None) };
        Ok(Some(AppErrorSample {
            ts: super::codec::instant("b24ops_app_errors", r.try_get("ts")?)?,
            message: raw_text(&r, "message")?.unwrap_or_default(),
            context: raw_text(&r, "context")?,
            source: raw_text(&r, "source")?.unwrap_or_default(),
        }))
    }
}
