//! The busiest methods by operating time: per portal and method, the largest `operating` a call
//! reported within a window, read through the `(ts)` index for the operating-time alert.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::codec::{ms, raw_text};
use super::{Store, StoreResult};
use crate::model::MemberId;

/// One portal's method and the most operating time it was seen using.
#[derive(Clone, Debug, PartialEq)]
pub struct OperatingPeak {
    /// The portal.
    pub member_id: MemberId,
    /// Its domain, when the portal is known.
    pub domain: Option<String>,
    /// The method.
    pub method: String,
    /// The largest `operating` (seconds in Bitrix24's 10-minute window) seen since the start.
    pub peak_secs: f64,
}

impl Store {
    /// Per portal and method, the largest `operating` of calls since `since` that reached
    /// `at_least` seconds, busiest first, at most `limit` rows.
    pub async fn operating_peaks(
        &self,
        since: DateTime<Utc>,
        at_least: f64,
        limit: i64,
    ) -> StoreResult<Vec<OperatingPeak>> {
        let d = self.dialect();
        // An infinite figure (a broken writer) is not a measurement.
        let text = format!(
            "SELECT g.member_id, g.method, g.peak, {domain} AS domain FROM (
               SELECT member_id, method, MAX(operating) AS peak FROM {calls}
               WHERE ts >= ? AND operating >= {at_least} AND operating <= 1e300
               GROUP BY member_id, method) g
             ORDER BY g.peak DESC, g.member_id, g.method LIMIT ?",
            calls = d.by_index("b24ops_api_calls", "b24ops_api_calls_ts"),
            domain = self.portal_domain("g.member_id"),
            at_least = d.float_param(),
        );
        let sql = d.sql(&text);
        let rows =
            sqlx::query(&sql).bind(ms(since)).bind(at_least.to_string()).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(OperatingPeak {
                    member_id: MemberId::from_db(&raw_text(r, "member_id")?.unwrap_or_default()),
                    domain: raw_text(r, "domain")?,
                    method: raw_text(r, "method")?.unwrap_or_default(),
                    peak_secs: r.try_get::<f64, _>("peak")?,
                })
            })
            .collect()
    }
}
