//! Error groups from failed REST calls and app-reported errors, over time windows.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{instant, line, member, ms, opt_line};
use super::{Store, StoreResult};
use crate::model::{ErrorGroup, ErrorSource, GroupBy, MemberId, NewAppError};

/// The windows an error-group query counts over.
#[derive(Clone, Copy, Debug)]
pub struct ErrorWindow {
    /// The instant the windows end at.
    pub now: DateTime<Utc>,
    /// The primary window groups are sorted by (15 minutes on the Errors tab).
    pub window: Duration,
    /// More than this many errors in 15 minutes puts a group over its threshold.
    pub threshold_15m: i64,
}

/// At most this many groups are returned; the rest are the quietest.
pub const GROUP_LIMIT: i64 = 500;

impl Store {
    /// Error groups, busiest in the primary window first. Both sources are read through their
    /// time indexes, over the larger of the window and 24 hours.
    /// With `member`, only that portal's groups (read through its own index).
    pub async fn error_groups(
        &self,
        w: ErrorWindow,
        by: GroupBy,
        member: Option<&MemberId>,
    ) -> StoreResult<Vec<ErrorGroup>> {
        let d = self.dialect();
        let now = ms(w.now);
        let from = ms(w.now - w.window.max(Duration::hours(24)));
        let (t_win, t15, t1h, t24) = (
            ms(w.now - w.window),
            ms(w.now - Duration::minutes(15)),
            ms(w.now - Duration::hours(1)),
            ms(w.now - Duration::hours(24)),
        );
        let counts = |ts: &str| {
            format!(
                "{w} AS c_win, {a} AS c15, {b} AS c1h, {c} AS c24, MIN({ts}) AS first_seen, MAX({ts}) AS last_seen",
                w = d.int(&format!("SUM(CASE WHEN {ts} >= ? THEN 1 ELSE 0 END)")),
                a = d.int(&format!("SUM(CASE WHEN {ts} >= ? THEN 1 ELSE 0 END)")),
                b = d.int(&format!("SUM(CASE WHEN {ts} >= ? THEN 1 ELSE 0 END)")),
                c = d.int(&format!("SUM(CASE WHEN {ts} >= ? THEN 1 ELSE 0 END)")),
            )
        };
        let (keys_rest, keys_app, portals_rest, portals_app, group_rest, group_app) = match by {
            GroupBy::PortalAndType => (
                "member_id, error_code AS error_type",
                "member_id, error_type",
                "1",
                "1",
                "member_id, error_code",
                "member_id, error_type",
            ),
            GroupBy::Type => (
                "NULL AS member_id, error_code AS error_type",
                "NULL AS member_id, error_type",
                "COUNT(DISTINCT member_id)",
                "COUNT(DISTINCT member_id)",
                "error_code",
                "error_type",
            ),
        };
        let sql = format!(
            "SELECT {gm} AS member_id, {gt} AS error_type, g.source, g.portals, g.c_win, g.c15, g.c1h, g.c24, g.first_seen, g.last_seen,
                    {dom} AS domain
             FROM (
                SELECT {keys_rest}, 'rest' AS source, {pr} AS portals, {cr}
                  FROM b24ops_api_calls WHERE error_code IS NOT NULL AND ts >= ? AND ts <= ? {only} GROUP BY {group_rest}
                UNION ALL
                SELECT {keys_app}, 'app' AS source, {pa} AS portals, {ca}
                  FROM b24ops_app_errors WHERE ts >= ? AND ts <= ? {only} GROUP BY {group_app}
             ) g
             ORDER BY g.c_win DESC, g.c15 DESC, g.c1h DESC, g.c24 DESC, g.last_seen DESC, g.error_type, g.member_id
             LIMIT ?",
            gm = d.text_prefix("g.member_id", 64),
            gt = d.text_prefix("g.error_type", 200),
            dom = d.portal_domain("g.member_id"),
            pr = d.int(portals_rest),
            pa = d.int(portals_app),
            only = if member.is_some() { "AND member_id = ?" } else { "" },
            cr = counts("ts"),
            ca = counts("ts"),
        );
        let sql = d.sql(&sql);
        let mut q = sqlx::query(&sql);
        for _ in 0..2 {
            q = q.bind(t_win).bind(t15).bind(t1h).bind(t24).bind(from).bind(now);
            if let Some(m) = member {
                q = q.bind(m.as_str().to_owned());
            }
        }
        let rows = q.bind(GROUP_LIMIT).fetch_all(self.pool()).await?;
        rows.iter().map(|r| decode_group(r, w.threshold_15m, by)).collect()
    }

    /// How many (portal, error type) groups are over the 15-minute threshold right now. Reads only
    /// the last 15 minutes.
    pub async fn groups_over_threshold(&self, now: DateTime<Utc>, threshold_15m: i64) -> StoreResult<i64> {
        let d = self.dialect();
        let sql = d.sql(
            "SELECT COUNT(*) AS n FROM (
                SELECT member_id FROM b24ops_api_calls WHERE error_code IS NOT NULL AND ts >= ? AND ts <= ?
                  GROUP BY member_id, error_code HAVING COUNT(*) > ?
                UNION ALL
                SELECT member_id FROM b24ops_app_errors WHERE ts >= ? AND ts <= ?
                  GROUP BY member_id, error_type HAVING COUNT(*) > ?
             ) over_threshold",
        );
        let from = ms(now - Duration::minutes(15));
        let row = sqlx::query(&sql)
            .bind(from)
            .bind(ms(now))
            .bind(threshold_15m)
            .bind(from)
            .bind(ms(now))
            .bind(threshold_15m)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get::<i64, _>("n")?)
    }

    /// Records an error the app reported.
    pub async fn insert_app_error(&self, e: &NewAppError) -> StoreResult<()> {
        let sql = self.dialect().sql(
            "INSERT INTO b24ops_app_errors (ts, member_id, error_type, message, context, source) VALUES (?, ?, ?, ?, ?, ?)",
        );
        sqlx::query(&sql)
            .bind(ms(e.ts))
            .bind(&e.member_id)
            .bind(&e.error_type)
            .bind(&e.message)
            .bind(&e.context)
            .bind(&e.source)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

fn decode_group(r: &AnyRow, threshold: i64, by: GroupBy) -> StoreResult<ErrorGroup> {
    let source = match line(r, "source")?.as_str() {
        "app" => ErrorSource::App,
        _ => ErrorSource::Rest,
    };
    let c15: i64 = r.try_get("c15")?;
    Ok(ErrorGroup {
        error_type: line(r, "error_type")?,
        source,
        member_id: member(r, "member_id")?,
        domain: opt_line(r, "domain")?,
        portals: r.try_get("portals")?,
        in_window: r.try_get("c_win")?,
        last_15m: c15,
        last_1h: r.try_get("c1h")?,
        last_24h: r.try_get("c24")?,
        first_seen: instant("error groups", r.try_get("first_seen")?)?,
        last_seen: instant("error groups", r.try_get("last_seen")?)?,
        over_threshold: by == GroupBy::PortalAndType && c15 > threshold,
    })
}
