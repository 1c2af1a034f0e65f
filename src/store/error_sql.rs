//! The error-group statement, written per dialect from the window's pieces.

use chrono::Duration;
use std::fmt::Write as _;

use super::codec::ms;
use super::error_rows::GROUP_COLUMNS;
use super::json_page::sqlite_json_rows;
use super::{Dialect, PortalSource};
use crate::model::GroupBy;
use crate::rules::hour_split::hour_of;

use super::ErrorWindow;
use super::error_buckets::Completion;
use super::error_window::{HourRange, Span, TsRange};
use crate::model::SPARK_HOURS;
use crate::rules::hour_split::HOUR_MS;

/// Which groups a query lists.
#[derive(Clone, Copy)]
pub(super) enum Listing {
    /// Groups with errors in the primary window, busiest first.
    Busiest,
    /// Groups with errors since `from` but none since `before`, busiest since `from` first.
    Quiet { from: i64, before: i64 },
}

/// Builds one error-group statement. Instants are written into the SQL as integer literals (the
/// statement is not cached); every `?` is the portal filter's member_id, counted as it is written.
pub(super) struct GroupSql<'a> {
    pub(super) d: Dialect,
    pub(super) portals: &'a PortalSource,
    pub(super) by: GroupBy,
    pub(super) span: Span,
    pub(super) member: bool,
    /// The member_id placeholders written so far.
    pub(super) binds: std::cell::Cell<usize>,
}

impl GroupSql<'_> {
    /// `AND <col> = ?` when the query is for one portal.
    pub(super) fn only(&self, column: &str) -> String {
        if !self.member {
            return String::new();
        }
        self.binds.set(self.binds.get() + 1);
        format!("AND {column} = ?")
    }

    /// The member_id placeholders the statements built so far hold.
    pub(super) fn member_binds(&self) -> usize {
        self.binds.get()
    }

    /// The groups of a span split by [`Span::bounds`], one row per (portal, type, source) and
    /// input: raw rows of `raws`, rollup rows of `hours`.
    pub(super) fn branches(&self, raws: &[TsRange], hours: Option<HourRange>) -> String {
        let d = self.d;
        let mut parts = Vec::new();
        for raw in raws {
            parts.push(format!(
                "SELECT {sort}member_id, error_code AS error_type, 'rest' AS source, {n} AS n, MIN(ts) AS lo, MAX(ts) AS hi
                   FROM b24ops_api_calls WHERE error_code IS NOT NULL AND {failed} {only_rest} GROUP BY member_id, error_code
                 UNION ALL
                 SELECT {sort}member_id, error_type, 'app' AS source, {n} AS n, MIN(ts) AS lo, MAX(ts) AS hi
                   FROM b24ops_app_errors WHERE {app} {only_app} GROUP BY member_id, error_type",
                n = d.int("COUNT(*)"),
                sort = d.group_by_sorting(),
                failed = raw.on(d.failed_ts()),
                app = raw.on("ts"),
                only_rest = self.only("member_id"),
                only_app = self.only("member_id"),
            ));
        }
        let mut sql = parts.join(" UNION ALL ");
        if let Some(hours) = hours {
            let _ = write!(sql,
                " UNION ALL
                 SELECT NULLIF(member_id, '') AS member_id, error_type, source, {n} AS n, MIN(first_ts) AS lo, MAX(last_ts) AS hi
                   FROM {table} WHERE {hours} AND n > 0 {only} GROUP BY member_id, error_type, source",
                hours = hours.on(""),
                // Read by hour: walking the whole rollup in key order would skip a sort but read
                // every day kept.
                table = d.by_index("b24ops_error_hours", "b24ops_error_hours_hour"),
                n = d.int("SUM(n)"),
                only = self.only("member_id"),
            );
        }
        sql
    }

    /// The key joining a rollup row `r` to the group `g`.
    pub(super) fn roll_key(&self) -> &'static str {
        match self.by {
            GroupBy::PortalAndType => {
                "r.member_id = COALESCE(g.member_id, '') AND r.error_type = g.error_type AND r.source = g.source"
            }
            GroupBy::Type => "r.error_type = g.error_type AND r.source = g.source",
        }
    }

    /// Errors of the group `g` in the raw ranges (`+` or `-` each): one index probe per range on
    /// the group's table; none for no ranges.
    pub(super) fn raw_count(&self, raws: &[(char, TsRange)]) -> String {
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
                        let _ = write!(sum, " {sign} ");
                    }
                    // Each probe writes (and counts) its own placeholder.
                    let only = self.only("a.member_id");
                    let _ = write!(sum, "(SELECT COUNT(*) FROM {table} a WHERE {key} AND {piece} {only})");
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

    /// Errors of the group `g` in `[from, now]` in raw rows only ([`Span::count_parts`]); the
    /// rollup's whole hours are added from the group's `hours` cell ([`Completion`]).
    pub(super) fn count(&self, from: i64) -> String {
        let parts = self.span.count_parts(from);
        let raws: Vec<(char, TsRange)> =
            parts.plus.into_iter().map(|r| ('+', r)).chain(parts.minus.map(|r| ('-', r))).collect();
        self.d.int(&self.raw_count(&raws))
    }

    /// The first rollup hour a group's `hours` cell holds, and the hour holding `now`.
    fn cell_hours(&self) -> (i64, i64) {
        (hour_of(self.span.now - SPARK_HOURS as i64 * HOUR_MS), hour_of(self.span.now))
    }

    /// The group `g`'s rollup rows from the day column's first hour to `now`'s, as text
    /// ([`super::error_buckets::parse`]). By portal and type, one probe on the rollup's key;
    /// by type, one probe per hour on its type index, each summing the hour over the portals.
    pub(super) fn hours_cell(&self) -> String {
        let d = self.d;
        let (base, last) = self.cell_hours();
        match self.by {
            GroupBy::PortalAndType => {
                let offset = format!("(r.hour - {base})");
                let entry = d.concat(&[&offset, "':'", "r.n", "':'", "(r.first_ts - r.hour)"]);
                format!(
                    "(SELECT {agg} FROM b24ops_error_hours r WHERE {key} AND r.hour >= {base} AND r.hour <= {last} {only})",
                    agg = d.string_agg(&entry),
                    key = self.roll_key(),
                    only = self.only("r.member_id"),
                )
            }
            GroupBy::Type => {
                let mut parts = Vec::new();
                for hour in (base..=last).step_by(HOUR_MS as usize) {
                    let sum = format!(
                        "COALESCE((SELECT SUM(r.n) FROM b24ops_error_hours r WHERE {key} AND r.hour = {hour} {only}), 0)",
                        key = self.roll_key(),
                        only = self.only("r.member_id"),
                    );
                    parts.push(format!("'{}:'", hour - base));
                    parts.push(d.int(&sum));
                    parts.push("':0'".to_owned());
                    if hour < last {
                        parts.push("','".to_owned());
                    }
                }
                let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
                d.concat(&parts)
            }
        }
    }

    /// How the page's raw counts are completed from the `hours` cells: the rollup hours of each
    /// count column that is not the primary window, and first-seen by portal and type.
    pub(super) fn completion(&self, w: &ErrorWindow) -> Completion {
        let (base, last) = self.cell_hours();
        let window_ms = w.window.num_milliseconds();
        let minutes = |m: i64| Duration::minutes(m).num_milliseconds();
        let rolled = |span_ms: i64| {
            if span_ms == window_ms { None } else { self.span.count_parts(self.span.now - span_ms).hours }
        };
        let by_portal = self.by == GroupBy::PortalAndType;
        Completion {
            base,
            last,
            columns: [rolled(minutes(15)), rolled(minutes(60)), rolled(minutes(24 * 60))],
            first_from: by_portal.then_some(self.span.now - minutes(24 * 60)),
            first_before: (!self.span.live).then_some(last),
        }
    }

    /// The group's first error since `from`, from its earliest rollup hour (a row's `first_ts`
    /// lies in its hour, so the earliest hour holds the earliest): exact unless all of the
    /// group's errors in the hour holding `from` came before it, when `from` itself is given.
    pub(super) fn first_seen(&self, from: i64) -> String {
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

    /// The description of the group `g`'s latest failed call: one probe for the call at its
    /// last sighting (REST groups only; app errors keep their text elsewhere). The error code
    /// alone cannot tell a plan without REST from a missing right, both `ACCESS_DENIED`.
    pub(super) fn latest_description(&self) -> String {
        let d = self.d;
        let at = match (self.by, d.call_hour()) {
            (GroupBy::PortalAndType, Some(hour)) => {
                format!(
                    "a.member_id = g.member_id AND a.{hour} = (g.last_seen DIV 3600000) * 3600000 AND a.ts = g.last_seen"
                )
            }
            (GroupBy::PortalAndType, None) => "a.member_id = g.member_id AND a.ts = g.last_seen".to_owned(),
            (GroupBy::Type, _) => format!("a.{} = g.last_seen", d.failed_ts()),
        };
        let only = self.only("a.member_id");
        let probe = format!(
            "(SELECT a.error_description FROM b24ops_api_calls a
              WHERE a.error_code = g.error_type AND {at} {only} ORDER BY a.id DESC LIMIT 1)"
        );
        // A SQLite page document holds text, never blobs.
        let cut = if d == Dialect::Sqlite { format!("substr({probe}, 1, 300)") } else { d.text_prefix(&probe, 300) };
        format!("CASE WHEN g.source = 'rest' THEN {cut} END")
    }

    /// The whole statement: rank the groups of `listing`, then (with `columns`) count each one's
    /// 15-minute, hour and day columns.
    pub(super) fn statement(&self, w: &ErrorWindow, listing: Listing, limit: i64, columns: bool) -> String {
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
        let (raws, hours) = self.span.bounds(from);
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
            branches = self.branches(&raws, hours),
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
        // By portal and type, first-seen comes from the `hours` cell (see `completion`).
        let first = match self.by {
            GroupBy::PortalAndType => "g.first_seen".to_owned(),
            GroupBy::Type => self.first_seen(now - minutes(24 * 60)),
        };
        let description = self.latest_description();
        let hours = self.hours_cell();
        if d == Dialect::Sqlite {
            // One document for the page (see `json_page`), in [`decode_json_groups`]' order.
            let domain = self.portals.domain_text(self.d, "g.member_id");
            let columns = [
                ("member_id", "substr(g.member_id, 1, 64)"),
                ("error_type", "substr(g.error_type, 1, 200)"),
                ("source", "g.source"),
                ("portals", "g.portals"),
                ("c_win", c_win.as_str()),
                ("c15", c15.as_str()),
                ("c1h", c1h.as_str()),
                ("c24", c24.as_str()),
                ("first_seen", first.as_str()),
                ("last_seen", "g.last_seen"),
                ("domain", domain.as_str()),
                ("description", description.as_str()),
                ("hours", hours.as_str()),
            ];
            debug_assert!(columns.iter().map(|(n, _)| *n).eq(GROUP_COLUMNS), "the decoder reads these names");
            let columns: Vec<&str> = columns.iter().map(|(_, e)| *e).collect();
            return format!("{ranked} SELECT {} AS page FROM g", sqlite_json_rows(&columns, Some(&final_order)));
        }
        format!(
            "{ranked}
             SELECT {gm} AS member_id, {gt} AS error_type, g.source, g.portals, {c_win} AS c_win, {c15} AS c15,
                    {c1h} AS c1h, {c24} AS c24, {first} AS first_seen, g.last_seen, {dom} AS domain,
                    {description} AS description, {hours} AS hours
             FROM g ORDER BY {final_order}"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::hour_split::HOUR_MS;

    #[test]
    fn mysql_probes_pin_the_hour_they_count() {
        let h = 1_796_144_400_000;
        let sql = |d| {
            let span = Span { now: h + 40 * 60_000, live: false };
            GroupSql {
                d,
                portals: &PortalSource::native(),
                by: GroupBy::PortalAndType,
                span,
                member: false,
                binds: Default::default(),
            }
            .count(h - 20 * 60_000)
        };
        let mysql = sql(Dialect::MySql);
        // [h-20m, h) then [h, now]: one probe per hour, each naming its hour.
        assert!(mysql.contains(&format!("a.ts_hour = {} AND a.ts >= {}", h - HOUR_MS, h - 20 * 60_000)), "{mysql}");
        assert!(mysql.contains(&format!("a.ts_hour = {h} AND a.ts >= {h}")), "{mysql}");
        assert!(!sql(Dialect::Sqlite).contains("ts_hour") && !sql(Dialect::Postgres).contains("ts_hour"));
    }
}
