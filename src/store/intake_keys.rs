//! Idempotency keys of the intake. A client whose request was committed but whose answer was lost
//! (a dropped connection, a proxy's timeout) retries with the same `Idempotency-Key`; the key was
//! stored with the first answer in the same transaction as the rows, so the retry is given that
//! answer and writes nothing. Two copies arriving at once cannot both commit: the key is the
//! table's primary key, and the second transaction fails on it and is rolled back whole.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::codec::{ms, raw_text};
use super::{Store, StoreResult};

/// How long a key is remembered: longer than any client's retry schedule.
pub const INTAKE_KEYS_KEPT_HOURS: i64 = 24;

/// What a key was stored with: a fingerprint of what the request carried (so a key reused for
/// other data is told apart) and the answer it was given.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeptAnswer {
    /// The fingerprint of the request's content.
    pub fingerprint: String,
    /// The HTTP status of the answer.
    pub status: u16,
    /// The answer's body.
    pub answer: String,
}

/// A request's key on one intake, and what to keep with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IntakeKey {
    /// Which intake took it (`/api/calls`, `/api/errors`, `ingest-calls`).
    pub route: &'static str,
    /// The client's key.
    pub key: String,
    /// What is kept with it.
    pub kept: KeptAnswer,
}

impl Store {
    /// The answer kept for `key` on `route`, unless it is older than the keys are kept at `now`.
    pub async fn kept_answer(&self, route: &str, key: &str, now: DateTime<Utc>) -> StoreResult<Option<KeptAnswer>> {
        let sql = self.dialect().sql(
            "SELECT fingerprint, status, answer FROM b24ops_intake_keys
             WHERE route = ? AND idem_key = ? AND created_at >= ?",
        );
        let row =
            sqlx::query(&sql).bind(route).bind(key).bind(ms(forget_before(now))).fetch_optional(self.pool()).await?;
        let Some(r) = row else { return Ok(None) };
        let status: i64 = r.try_get("status")?;
        Ok(Some(KeptAnswer {
            // MySQL hands text columns to the Any driver as blobs.
            fingerprint: raw_text(&r, "fingerprint")?.unwrap_or_default(),
            status: u16::try_from(status).unwrap_or(200),
            answer: raw_text(&r, "answer")?.unwrap_or_default(),
        }))
    }
}

fn forget_before(now: DateTime<Utc>) -> DateTime<Utc> {
    now - Duration::hours(INTAKE_KEYS_KEPT_HOURS)
}

/// Stores `key` inside the transaction that writes its rows, first forgetting the keys older than
/// they are kept (a few rows, by the time index). A key already kept fails the insert on the
/// primary key, and the caller's transaction with it.
pub(super) async fn claim(
    tx: &mut sqlx::Transaction<'static, sqlx::Any>,
    store: &Store,
    key: &IntakeKey,
    now: DateTime<Utc>,
) -> StoreResult<()> {
    let d = store.dialect();
    let forget = d.sql("DELETE FROM b24ops_intake_keys WHERE created_at < ?");
    sqlx::query(&forget).bind(ms(forget_before(now))).execute(&mut **tx).await?;
    let insert = d.sql(
        "INSERT INTO b24ops_intake_keys (route, idem_key, fingerprint, status, answer, created_at) VALUES (?, ?, ?, ?, ?, ?)",
    );
    sqlx::query(&insert)
        .bind(key.route)
        .bind(key.key.clone())
        .bind(key.kept.fingerprint.clone())
        .bind(i64::from(key.kept.status))
        .bind(key.kept.answer.clone())
        .bind(ms(now))
        .execute(&mut **tx)
        .await?;
    Ok(())
}
