//! One portal's calls per hour over the last day, for the portal view's chart.

use sqlx::Row;

use super::{Store, StoreResult};
use crate::model::{MemberId, SPARK_HOURS};
use crate::rules::hour_split::{HOUR_MS, hour_of};

/// At most this many of a portal's newest calls are counted into its chart: the read stays
/// bounded for the busiest portal (hours before its newest this-many calls then read low).
pub const CALL_HOURS_CAP: i64 = 20_000;

impl Store {
    /// The portal's calls per hour for the [`SPARK_HOURS`] hours ending with the one holding
    /// `now_ms`, oldest first, and whether the cap cut the count. Read on the portal's
    /// `(member_id, id)` index from the id of the day's first call on (one probe on the time
    /// index; ids follow arrival, so a call stamped earlier than it arrived may be missed),
    /// newest first and at most [`CALL_HOURS_CAP`] rows: never a scan of the day.
    pub async fn calls_by_hour(&self, member: &MemberId, now_ms: i64) -> StoreResult<(Vec<i64>, bool)> {
        let last = hour_of(now_ms);
        let first = last - (SPARK_HOURS as i64 - 1) * HOUR_MS;
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT ts FROM b24ops_api_calls
             WHERE member_id = ?
               AND id >= COALESCE((SELECT f.id FROM b24ops_api_calls f WHERE f.ts >= ? ORDER BY f.ts LIMIT 1), 0)
             ORDER BY id DESC LIMIT {CALL_HOURS_CAP}"
        ));
        let rows = sqlx::query(&sql).bind(member.as_str().to_owned()).bind(first).fetch_all(self.pool()).await?;
        let mut out = vec![0i64; SPARK_HOURS];
        for r in &rows {
            let ts: i64 = r.try_get("ts")?;
            if ts >= first && ts < last + HOUR_MS {
                out[((hour_of(ts) - first) / HOUR_MS) as usize] += 1;
            }
        }
        Ok((out, rows.len() as i64 >= CALL_HOURS_CAP))
    }
}
