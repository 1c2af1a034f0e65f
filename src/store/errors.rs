//! Error groups from failed REST calls and app-reported errors, over time windows.
//!
//! A window is counted from raw rows only up to its first whole hour and from the hourly rollup
//! (`b24ops_error_hours`, kept by triggers) after that ([`crate::rules::hour_split`]), so a day of
//! errors costs a few rows per group. The Errors tab's query first ranks the groups of the primary
//! window, then counts each listed group's 15-minute, hour and day columns with index probes.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;

use super::codec::ms;
use super::error_rows::*;
use super::error_sql::{GroupSql, Listing};
use super::error_window::{ErrorWindow, Span};
use super::{Dialect, Store, StoreResult};
use crate::model::{ErrorGroup, GroupBy, MemberId, NewAppError, WindowErrors};
use crate::rules::hour_split::HOUR_MS;

/// At most this many groups are returned; the rest are the quietest.
pub const GROUP_LIMIT: i64 = 500;

/// The Errors tab's first page of groups: each listed group costs a few index probes, so the tab
/// asks for what a screen shows and for more as the cursor nears the end.
pub const GROUP_PAGE: i64 = 100;

impl Store {
    /// Error groups, busiest in the primary window first, then (while there is room) the groups
    /// quiet in it: the busiest of the last hour, then of the day. Each carries its 15-minute,
    /// hour and day counts. With `member`, only that portal's groups.
    pub async fn error_groups(
        &self,
        w: ErrorWindow,
        by: GroupBy,
        member: Option<&MemberId>,
    ) -> StoreResult<Vec<ErrorGroup>> {
        self.error_groups_page(w, by, member, GROUP_LIMIT).await
    }

    /// The first `limit` (at most [`GROUP_LIMIT`]) of [`Store::error_groups`]: the same order,
    /// so a longer page extends a shorter one.
    pub async fn error_groups_page(
        &self,
        w: ErrorWindow,
        by: GroupBy,
        member: Option<&MemberId>,
        limit: i64,
    ) -> StoreResult<Vec<ErrorGroup>> {
        let limit = limit.clamp(1, GROUP_LIMIT);
        let live = self.nothing_after(w.now).await?;
        let mut groups = self.list_groups(&w, by, member, live, Listing::Busiest, limit).await?;
        let (now, t_win) = (ms(w.now), ms(w.now - w.window));
        let day = Duration::hours(24).num_milliseconds();
        // The hour first: on a busy day it fills the list without reading the day's rollup.
        let mut before = t_win;
        for reach in [HOUR_MS, day] {
            let room = limit - groups.len() as i64;
            let from = now - reach;
            if room <= 0 || from >= before {
                continue;
            }
            let quiet = Listing::Quiet { from, before };
            groups.extend(self.list_groups(&w, by, member, live, quiet, room).await?);
            before = from;
        }
        Ok(groups)
    }

    /// The groups with errors in the window and their counts in it, busiest first, without the
    /// standard columns: what each evaluation of the alert rules reads.
    pub async fn window_errors(&self, w: ErrorWindow, by: GroupBy) -> StoreResult<Vec<WindowErrors>> {
        let live = self.nothing_after(w.now).await?;
        let d = self.dialect();
        let build = GroupSql {
            d,
            portals: self.portal_source(),
            by,
            span: Span { now: ms(w.now), live },
            member: false,
            binds: Default::default(),
        };
        let sql = d.sql_owned(build.statement(&w, Listing::Busiest, GROUP_LIMIT, false));
        let rows = sqlx::query(&sql).persistent(false).fetch_all(self.pool()).await?;
        rows.iter().map(decode_window_errors).collect()
    }

    /// True when no call or app error is stamped after `now`, so counting up to `now` may read
    /// the rollup's newest hours whole. Two probes at the end of the time indexes.
    async fn nothing_after(&self, now: DateTime<Utc>) -> StoreResult<bool> {
        let sql = self.dialect().sql(
            "SELECT (SELECT MAX(ts) FROM b24ops_api_calls) AS calls, (SELECT MAX(ts) FROM b24ops_app_errors) AS app",
        );
        let row = sqlx::query(&sql).fetch_one(self.pool()).await?;
        let newest = [row.try_get::<Option<i64>, _>("calls")?, row.try_get::<Option<i64>, _>("app")?];
        Ok(newest.iter().flatten().all(|t| *t <= ms(now)))
    }

    async fn list_groups(
        &self,
        w: &ErrorWindow,
        by: GroupBy,
        member: Option<&MemberId>,
        live: bool,
        listing: Listing,
        limit: i64,
    ) -> StoreResult<Vec<ErrorGroup>> {
        let d = self.dialect();
        let build = GroupSql {
            d,
            portals: self.portal_source(),
            by,
            span: Span { now: ms(w.now), live },
            member: member.is_some(),
            binds: Default::default(),
        };
        let sql = build.statement(w, listing, limit, true);
        let page = Page { threshold: w.threshold_15m, by, completion: build.completion(w) };
        let binds = build.member_binds();
        debug_assert_eq!(binds, sql.matches('?').count(), "every placeholder is counted as it is written");
        let sql = d.sql_owned(sql);
        tracing::trace!(%sql, "error groups");
        let mut q = sqlx::query(&sql).persistent(false);
        if let Some(m) = member {
            for _ in 0..binds {
                q = q.bind(m.as_str().to_owned());
            }
        }
        let rows = q.fetch_all(self.pool()).await?;
        match (d, rows.first()) {
            (Dialect::Sqlite, Some(r)) => decode_json_groups(&r.try_get::<Vec<u8>, _>("page")?, &page),
            _ => decode_driver_groups(&rows, &page),
        }
    }

    /// How many (portal, error type) groups are over the 15-minute threshold right now. Reads only
    /// the last 15 minutes.
    pub async fn groups_over_threshold(&self, now: DateTime<Utc>, threshold_15m: i64) -> StoreResult<i64> {
        let d = self.dialect();
        let sql = d.sql_owned(format!(
            "SELECT COUNT(*) AS n FROM (
                SELECT {sort}member_id FROM b24ops_api_calls WHERE error_code IS NOT NULL AND {t} >= ? AND {t} <= ?
                  GROUP BY member_id, error_code HAVING COUNT(*) > ?
                UNION ALL
                SELECT {sort}member_id FROM b24ops_app_errors WHERE ts >= ? AND ts <= ?
                  GROUP BY member_id, error_type HAVING COUNT(*) > ?
             ) over_threshold",
            t = d.failed_ts(),
            sort = d.group_by_sorting(),
        ));
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
