//! Error groups from failed REST calls and app-reported errors, over time windows.
//!
//! A window is counted from raw rows only up to its first whole hour and from the hourly rollup
//! (`b24ops_error_hours`, kept by triggers) after that ([`crate::rules::hour_split`]), so a day of
//! errors costs a few rows per group. The Errors tab's query first ranks the groups of the primary
//! window, then counts each listed group's 15-minute, hour and day columns with index probes.

use chrono::{DateTime, Duration, Utc};
use sqlx::Row;
use sqlx::any::AnyRow;

use super::codec::{instant, line, member, ms, opt_line};
use super::json_page::{self, JsonRow, sqlite_json_rows};
use super::{Dialect, PortalSource, Store, StoreResult};
use crate::model::{ErrorGroup, ErrorSource, GroupBy, MemberId, NewAppError, SafeText, WindowErrors};
use crate::rules::hour_split::{HOUR_MS, hour_of, split_from};

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

/// The Errors tab's first page of groups: each listed group costs a few index probes, so the tab
/// asks for what a screen shows and for more as the cursor nears the end.
pub const GROUP_PAGE: i64 = 100;

/// Which groups a query lists.
#[derive(Clone, Copy)]
enum Listing {
    /// Groups with errors in the primary window, busiest first.
    Busiest,
    /// Groups with errors since `from` but none since `before`, busiest since `from` first.
    Quiet { from: i64, before: i64 },
}

/// Instants `[from, to)` (epoch ms) of a raw table, written as a condition on its time column.
#[derive(Clone, Copy, Debug)]
struct TsRange {
    from: i64,
    to: i64,
}

impl TsRange {
    /// The condition on `column`.
    fn on(self, column: &str) -> String {
        format!("{column} >= {} AND {column} < {}", self.from, self.to)
    }

    /// The range cut at whole hours, each piece with the hour it lies in.
    fn by_hour(self) -> impl Iterator<Item = (i64, TsRange)> {
        let hours = (hour_of(self.from)..self.to).step_by(HOUR_MS as usize);
        hours.map(move |h| (h, TsRange { from: self.from.max(h), to: self.to.min(h + HOUR_MS) }))
    }
}

/// Counting errors from some instant up to the windows' end, `now` (epoch ms, inclusive).
struct Span {
    now: i64,
    /// No row is stamped after `now` (the console's usual case, at the present), so the rollup's
    /// newest hours stand for the raw tail.
    live: bool,
}

impl Span {
    /// What counts `[from, now]` exactly: raw ranges, the head before the first whole hour (and,
    /// for a frozen `now` in the past, the tail from `now`'s hour on, since rows stamped after it
    /// must not count); a condition on the rollup's `hour`, the whole hours after the head —
    /// `None` when an hour or less needs no rollup.
    fn bounds(&self, from: i64, prefix: &str) -> (Vec<TsRange>, Option<String>) {
        let end = self.now + 1;
        let range = |from: i64, to: i64| TsRange { from, to };
        let s = split_from(from);
        let last = hour_of(self.now);
        if self.now - from <= HOUR_MS || (!self.live && s.hours_from >= last) {
            return (vec![range(from, end)], None);
        }
        if self.live {
            return (vec![range(from, s.hours_from)], Some(format!("{prefix}hour >= {}", s.hours_from)));
        }
        (
            vec![range(from, s.hours_from), range(last, end)],
            Some(format!("{prefix}hour >= {} AND {prefix}hour < {last}", s.hours_from)),
        )
    }

    /// How one group's count of `[from, now]` is read with the fewest raw rows. At the present
    /// the rollup holds every hour whole, up to the newest: the hour holding `from` is read
    /// either raw after `from`, or from the rollup less its raw rows before `from`, whichever is
    /// shorter — so the hour and day columns read at most half an hour of raw rows.
    fn count_parts(&self, from: i64, prefix: &str) -> CountParts {
        if !self.live {
            let (plus, hours) = self.bounds(from, prefix);
            return CountParts { plus, minus: None, hours };
        }
        let range = |from: i64, to: i64| TsRange { from, to };
        let hours = |h: i64| Some(format!("{prefix}hour >= {h}"));
        let edge = hour_of(from);
        let next = split_from(from).hours_from;
        let after = next.min(self.now + 1);
        if from == edge {
            return CountParts { plus: Vec::new(), minus: None, hours: hours(edge) };
        }
        if from - edge < after - from {
            return CountParts { plus: Vec::new(), minus: Some(range(edge, from)), hours: hours(edge) };
        }
        CountParts {
            plus: vec![range(from, after)],
            minus: None,
            hours: if next <= self.now { hours(next) } else { None },
        }
    }
}

/// A count read as raw ranges added, a raw range taken away, and rollup hours (a condition on
/// the rollup's `hour`).
struct CountParts {
    plus: Vec<TsRange>,
    minus: Option<TsRange>,
    hours: Option<String>,
}

/// Builds one error-group statement. Instants are written into the SQL as integer literals (the
/// statement is not cached); every `?` is the portal filter's member_id.
struct GroupSql<'a> {
    d: Dialect,
    portals: &'a PortalSource,
    by: GroupBy,
    span: Span,
    member: bool,
}

impl GroupSql<'_> {
    /// `AND <col> = ?` when the query is for one portal.
    fn only(&self, column: &str) -> String {
        if self.member { format!("AND {column} = ?") } else { String::new() }
    }

    /// The groups of a span split by [`Span::bounds`], one row per (portal, type, source) and
    /// input: raw rows of `raws`, rollup rows of `hours`.
    fn branches(&self, raws: &[TsRange], hours: Option<&str>) -> String {
        let d = self.d;
        let mut parts = Vec::new();
        for raw in raws {
            parts.push(format!(
                "SELECT {sort}member_id, error_code AS error_type, 'rest' AS source, {n} AS n, MIN(ts) AS lo, MAX(ts) AS hi
                   FROM b24ops_api_calls WHERE error_code IS NOT NULL AND {failed} {only} GROUP BY member_id, error_code
                 UNION ALL
                 SELECT {sort}member_id, error_type, 'app' AS source, {n} AS n, MIN(ts) AS lo, MAX(ts) AS hi
                   FROM b24ops_app_errors WHERE {app} {only} GROUP BY member_id, error_type",
                n = d.int("COUNT(*)"),
                sort = d.group_by_sorting(),
                failed = raw.on(d.failed_ts()),
                app = raw.on("ts"),
                only = self.only("member_id"),
            ));
        }
        let mut sql = parts.join(" UNION ALL ");
        if let Some(hours) = hours {
            sql.push_str(&format!(
                " UNION ALL
                 SELECT NULLIF(member_id, '') AS member_id, error_type, source, {n} AS n, MIN(first_ts) AS lo, MAX(last_ts) AS hi
                   FROM {table} WHERE {hours} AND n > 0 {only} GROUP BY member_id, error_type, source",
                // Read by hour: walking the whole rollup in key order would skip a sort but read
                // every day kept.
                table = d.by_index("b24ops_error_hours", "b24ops_error_hours_hour"),
                n = d.int("SUM(n)"),
                only = self.only("member_id"),
            ));
        }
        sql
    }

    /// The key joining a rollup row `r` to the group `g`.
    fn roll_key(&self) -> &'static str {
        match self.by {
            GroupBy::PortalAndType => {
                "r.member_id = COALESCE(g.member_id, '') AND r.error_type = g.error_type AND r.source = g.source"
            }
            GroupBy::Type => "r.error_type = g.error_type AND r.source = g.source",
        }
    }

    /// Errors of the group `g` in the raw ranges (`+` or `-` each): one index probe per range on
    /// the group's table; none for no ranges.
    fn raw_count(&self, raws: &[(char, TsRange)]) -> String {
        let (rest_key, app_key, app_null_key) = match self.by {
            GroupBy::PortalAndType => (
                "a.member_id = g.member_id AND a.error_code = g.error_type",
                "a.member_id = g.member_id AND a.error_type = g.error_type",
                Some("a.member_id IS NULL AND a.error_type = g.error_type"),
            ),
            GroupBy::Type => ("a.error_code = g.error_type", "a.error_type = g.error_type", None),
        };
        if raws.is_empty() {
            return "0".to_owned();
        }
        let only = self.only("a.member_id");
        let probes = |table: &str, key: &str, time: &str, hour_column: Option<&str>| {
            let mut sum = String::new();
            for (sign, raw) in raws {
                let pieces: Vec<String> = match hour_column {
                    Some(col) => {
                        raw.by_hour().map(|(h, piece)| format!("{col} = {h} AND {}", piece.on(time))).collect()
                    }
                    None => vec![raw.on(time)],
                };
                for piece in pieces {
                    // No unary plus: not every dialect has one.
                    if !sum.is_empty() || *sign == '-' {
                        sum.push_str(&format!(" {sign} "));
                    }
                    sum.push_str(&format!("(SELECT COUNT(*) FROM {table} a WHERE {key} AND {piece} {only})"));
                }
            }
            if sum.is_empty() { "0".to_owned() } else { sum }
        };
        let rest_key = format!("a.error_code IS NOT NULL AND {rest_key}");
        let rest = match self.by {
            GroupBy::PortalAndType => {
                let pinned = self.d.call_hour().map(|col| format!("a.{col}"));
                probes("b24ops_api_calls", &rest_key, "a.ts", pinned.as_deref())
            }
            // A type's probe ranges over the failed calls of its time (on MySQL, the failed_ts
            // index: its failed calls of the range, every type's, rather than the type's history).
            GroupBy::Type => probes("b24ops_api_calls", &rest_key, &format!("a.{}", self.d.failed_ts()), None),
        };
        let app = |key: &str| probes("b24ops_app_errors", key, "a.ts", None);
        match app_null_key {
            Some(null_key) => format!(
                "CASE WHEN g.source = 'rest' THEN {rest} WHEN g.member_id IS NULL THEN {} ELSE {} END",
                app(null_key),
                app(app_key)
            ),
            None => format!("CASE WHEN g.source = 'rest' THEN {rest} ELSE {} END", app(app_key)),
        }
    }

    /// Errors of the group `g` in `[from, now]`: raw probes and the rollup's whole hours
    /// ([`Span::count_parts`]).
    fn count(&self, from: i64) -> String {
        let parts = self.span.count_parts(from, "r.");
        let raws: Vec<(char, TsRange)> =
            parts.plus.into_iter().map(|r| ('+', r)).chain(parts.minus.map(|r| ('-', r))).collect();
        let rolled = match &parts.hours {
            Some(h) => format!(
                " + (SELECT {sum} FROM b24ops_error_hours r WHERE {key} AND {h} {only})",
                sum = self.d.int("COALESCE(SUM(r.n), 0)"),
                key = self.roll_key(),
                only = self.only("r.member_id"),
            ),
            None => String::new(),
        };
        self.d.int(&format!("{}{rolled}", self.raw_count(&raws)))
    }

    /// The group's first error since `from`, from its earliest rollup hour (a row's `first_ts`
    /// lies in its hour, so the earliest hour holds the earliest): exact unless all of the
    /// group's errors in the hour holding `from` came before it, when `from` itself is given.
    fn first_seen(&self, from: i64) -> String {
        let upper = if self.span.live { String::new() } else { format!("AND r.hour < {}", hour_of(self.span.now)) };
        let min = format!(
            "(SELECT r.first_ts FROM b24ops_error_hours r WHERE {key} AND r.hour >= {edge} {upper} AND r.n > 0 {only}
              ORDER BY r.hour LIMIT 1)",
            key = self.roll_key(),
            edge = hour_of(from),
            only = self.only("r.member_id"),
        );
        self.d.greatest(&from.to_string(), &format!("COALESCE({min}, g.first_seen)"))
    }

    /// The whole statement: rank the groups of `listing`, then (with `columns`) count each one's
    /// 15-minute, hour and day columns.
    fn statement(&self, w: &ErrorWindow, listing: Listing, limit: i64, columns: bool) -> String {
        let d = self.d;
        let now = self.span.now;
        let t_win = ms(w.now - w.window);
        let window_ms = w.window.num_milliseconds();
        let (keys, group, portals) = match self.by {
            GroupBy::PortalAndType => ("member_id, error_type, source", "member_id, error_type, source", d.int("1")),
            GroupBy::Type => {
                ("NULL AS member_id, error_type, source", "error_type, source", d.int("COUNT(DISTINCT member_id)"))
            }
        };
        let (from, having, order, in_window) = match listing {
            Listing::Busiest => (t_win, String::new(), "n DESC, last_seen DESC, error_type, member_id", "g.n"),
            Listing::Quiet { from, before } => {
                (from, format!("HAVING MAX(hi) < {before}"), "n DESC, last_seen DESC, error_type, member_id", "0")
            }
        };
        let final_order = order.split(", ").map(|c| format!("g.{c}")).collect::<Vec<_>>().join(", ");
        let (raws, hours) = self.span.bounds(from, "");
        // One raw range grouped by portal and type already yields one row per group: ranking
        // needs no second grouping (a third of the work for a 15-minute window).
        let (picked, grouping) = if self.by == GroupBy::PortalAndType && raws.len() == 1 && hours.is_none() {
            let quiet = match listing {
                Listing::Busiest => String::new(),
                Listing::Quiet { before, .. } => format!("WHERE hi < {before}"),
            };
            ("member_id, error_type, source, n, lo AS first_seen, hi AS last_seen".to_owned(), quiet)
        } else {
            (
                format!("{keys}, {n} AS n, MIN(lo) AS first_seen, MAX(hi) AS last_seen", n = d.int("SUM(n)")),
                format!("GROUP BY {group} {having}"),
            )
        };
        let ranked = format!(
            "WITH g AS (
                SELECT {picked}, {portals} AS portals
                FROM ({branches}) p {grouping}
                ORDER BY {order} LIMIT {limit}
             )",
            branches = self.branches(&raws, hours.as_deref()),
        );
        let (gm, gt, dom) = (
            d.text_prefix("g.member_id", 64),
            d.text_prefix("g.error_type", 200),
            self.portals.domain_cell(self.d, "g.member_id"),
        );
        if !columns {
            return format!(
                "{ranked} SELECT {gm} AS member_id, {gt} AS error_type, g.source, g.portals, {c_win} AS c_win,
                        g.last_seen, {dom} AS domain
                 FROM g ORDER BY {final_order}",
                c_win = d.int(in_window),
            );
        }
        // A column equal to the primary window is the rank's own count.
        let column = |span_ms: i64| {
            if span_ms == window_ms { d.int(in_window) } else { self.count(now - span_ms) }
        };
        let minutes = |m: i64| Duration::minutes(m).num_milliseconds();
        let (c_win, c15, c1h, c24) =
            (d.int(in_window), column(minutes(15)), column(minutes(60)), column(minutes(24 * 60)));
        let first = self.first_seen(now - minutes(24 * 60));
        if d == Dialect::Sqlite {
            // One document for the page (see `json_page`), in [`decode_json_groups`]' order.
            let domain = self.portals.domain_text(self.d, "g.member_id");
            let columns = [
                "substr(g.member_id, 1, 64)",
                "substr(g.error_type, 1, 200)",
                "g.source",
                "g.portals",
                &c_win,
                &c15,
                &c1h,
                &c24,
                &first,
                "g.last_seen",
                &domain,
            ];
            return format!("{ranked} SELECT {} AS page FROM g", sqlite_json_rows(&columns, Some(&final_order)));
        }
        format!(
            "{ranked}
             SELECT {gm} AS member_id, {gt} AS error_type, g.source, g.portals, {c_win} AS c_win, {c15} AS c15,
                    {c1h} AS c1h, {c24} AS c24, {first} AS first_seen, g.last_seen, {dom} AS domain
             FROM g ORDER BY {final_order}"
        )
    }
}

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
        let build =
            GroupSql { d, portals: self.portal_source(), by, span: Span { now: ms(w.now), live }, member: false };
        let sql = d.sql_owned(build.statement(&w, Listing::Busiest, GROUP_LIMIT, false));
        let rows = sqlx::query(&sql).persistent(false).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(WindowErrors {
                    error_type: line(r, "error_type")?,
                    source: source(r)?,
                    member_id: member(r, "member_id")?,
                    domain: opt_line(r, "domain")?,
                    in_window: r.try_get("c_win")?,
                    last_seen: instant("error groups", r.try_get("last_seen")?)?,
                })
            })
            .collect()
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
        };
        let sql = build.statement(w, listing, limit, true);
        let binds = sql.matches('?').count();
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
            (Dialect::Sqlite, Some(r)) => decode_json_groups(&r.try_get::<Vec<u8>, _>("page")?, w.threshold_15m, by),
            _ => rows.iter().map(|r| decode_group(r, w.threshold_15m, by)).collect(),
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

fn source(r: &AnyRow) -> StoreResult<ErrorSource> {
    Ok(source_of(line(r, "source")?.as_str()))
}

/// A group's source from its stored word ('app' or 'rest').
fn source_of(word: &str) -> ErrorSource {
    if word == "app" { ErrorSource::App } else { ErrorSource::Rest }
}

/// The groups of a SQLite page document, in the statement's order.
fn decode_json_groups(bytes: &[u8], threshold: i64, by: GroupBy) -> StoreResult<Vec<ErrorGroup>> {
    const TABLE: &str = "error groups";
    json_page::rows(TABLE, bytes)?
        .iter()
        .map(|values| {
            let r = JsonRow::new(TABLE, values);
            let line = |i| r.opt_text(i).map(|s| SafeText::line(&s));
            let c15 = r.int(5)?;
            Ok(ErrorGroup {
                member_id: r.opt_text(0).map(|m| MemberId::from_db(&m)),
                error_type: line(1).unwrap_or_default(),
                source: source_of(r.opt_text(2).as_deref().unwrap_or_default()),
                portals: r.int(3)?,
                in_window: r.int(4)?,
                last_15m: c15,
                last_1h: r.int(6)?,
                last_24h: r.int(7)?,
                first_seen: instant(TABLE, r.int(8)?)?,
                last_seen: instant(TABLE, r.int(9)?)?,
                domain: line(10),
                over_threshold: by == GroupBy::PortalAndType && c15 > threshold,
            })
        })
        .collect()
}

fn decode_group(r: &AnyRow, threshold: i64, by: GroupBy) -> StoreResult<ErrorGroup> {
    let source = source(r)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_range_is_cut_at_whole_hours() {
        let h = 1_796_144_400_000;
        let pieces: Vec<(i64, i64, i64)> =
            TsRange { from: h - 60_000, to: h + HOUR_MS + 5 }.by_hour().map(|(hour, r)| (hour, r.from, r.to)).collect();
        assert_eq!(
            pieces,
            vec![(h - HOUR_MS, h - 60_000, h), (h, h, h + HOUR_MS), (h + HOUR_MS, h + HOUR_MS, h + HOUR_MS + 5)]
        );
        let inside: Vec<_> =
            TsRange { from: h + 10, to: h + 20 }.by_hour().map(|(hour, r)| (hour, r.from, r.to)).collect();
        assert_eq!(inside, vec![(h, h + 10, h + 20)]);
        assert_eq!(TsRange { from: h, to: h }.by_hour().count(), 0, "an empty range has no pieces");
    }

    #[test]
    fn mysql_probes_pin_the_hour_they_count() {
        let h = 1_796_144_400_000;
        let sql = |d| {
            let span = Span { now: h + 40 * 60_000, live: false };
            GroupSql { d, portals: &PortalSource::native(), by: GroupBy::PortalAndType, span, member: false }
                .count(h - 20 * 60_000)
        };
        let mysql = sql(Dialect::MySql);
        // [h-20m, h) then [h, now]: one probe per hour, each naming its hour.
        assert!(mysql.contains(&format!("a.ts_hour = {} AND a.ts >= {}", h - HOUR_MS, h - 20 * 60_000)), "{mysql}");
        assert!(mysql.contains(&format!("a.ts_hour = {h} AND a.ts >= {h}")), "{mysql}");
        assert!(!sql(Dialect::Sqlite).contains("ts_hour") && !sql(Dialect::Postgres).contains("ts_hour"));
    }
}
