//! Daily partitions of the call log (PostgreSQL): what a partition's range is, which days still
//! need one, and which partitions hold nothing the retention window keeps.
//!
//! Days are UTC days of `ts` (milliseconds since the epoch), the unit every stored time uses.

/// One day in milliseconds.
pub const DAY_MS: i64 = 86_400_000;

/// How many days ahead `partition` and `prune` keep partitions ready, so a missed daily run
/// or two never sends a day's calls to the default partition.
pub const DAYS_AHEAD: u32 = 7;

/// The prefix of every partition's name; the rollup trigger recognises calls by it.
pub const PARTITION_PREFIX: &str = "b24ops_api_calls_";

/// The `ts` values one partition takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DayRange {
    /// Rows no other partition takes (a day nobody created a partition for yet).
    Default,
    /// `from <= ts < to`; `None` is unbounded on that side (MINVALUE / MAXVALUE).
    Between {
        /// Inclusive lower bound.
        from: Option<i64>,
        /// Exclusive upper bound.
        to: Option<i64>,
    },
}

impl DayRange {
    /// Whether this range shares any instant with `[from, to)`.
    fn overlaps(&self, from: i64, to: i64) -> bool {
        match *self {
            DayRange::Default => false,
            DayRange::Between { from: f, to: t } => f.is_none_or(|f| f < to) && t.is_none_or(|t| t > from),
        }
    }
}

/// Reads PostgreSQL's text for a partition bound (`pg_get_expr(relpartbound, oid)`):
/// `DEFAULT` or `FOR VALUES FROM ('1764547200000') TO ('1764633600000')`, either side possibly
/// `MINVALUE` / `MAXVALUE`. `None` for anything else (a list or hash bound b24ops never makes).
pub fn parse_bound(expr: &str) -> Option<DayRange> {
    let expr = expr.trim();
    if expr.eq_ignore_ascii_case("DEFAULT") {
        return Some(DayRange::Default);
    }
    let rest = expr.strip_prefix("FOR VALUES FROM (")?;
    let (from, rest) = rest.split_once(") TO (")?;
    let to = rest.strip_suffix(')')?;
    let value = |v: &str| -> Option<Option<i64>> {
        let v = v.trim();
        if v.eq_ignore_ascii_case("MINVALUE") || v.eq_ignore_ascii_case("MAXVALUE") {
            return Some(None);
        }
        v.trim_matches('\'').parse::<i64>().ok().map(Some)
    };
    Some(DayRange::Between { from: value(from)?, to: value(to)? })
}

/// The start of the UTC day holding `ms`.
pub fn day_start(ms: i64) -> i64 {
    ms.div_euclid(DAY_MS) * DAY_MS
}

/// The UTC date of `ms` in `format` (chrono's), or the number itself when out of range.
pub fn utc_date(ms: i64, format: &str) -> String {
    chrono::DateTime::from_timestamp_millis(ms).map_or_else(|| ms.to_string(), |t| t.format(format).to_string())
}

/// The name of the partition for the day starting at `day`: `b24ops_api_calls_d20261203`.
pub fn day_partition_name(day: i64) -> String {
    format!("{PARTITION_PREFIX}d{}", utc_date(day, "%Y%m%d"))
}

/// The name the call log keeps, as a partition, for everything before `upper` when it is first
/// partitioned: `b24ops_api_calls_before_20261203`.
pub fn first_partition_name(upper: i64) -> String {
    format!("{PARTITION_PREFIX}before_{}", utc_date(upper, "%Y%m%d"))
}

/// Where the first partition ends: two days after today, so a call stamped a little ahead
/// (an app's clock, a queue's delay) still fits it while the table is converted, or the day after
/// the newest stored call if that is later (a call from the future must fit too).
pub fn first_partition_upper(now_ms: i64, newest_ts: Option<i64>) -> i64 {
    let by_today = day_start(now_ms) + 2 * DAY_MS;
    newest_ts.map(|ts| day_start(ts) + DAY_MS).map_or(by_today, |after| after.max(by_today))
}

/// The days from today through `ahead` days later (day starts) that no existing partition
/// covers, oldest first.
pub fn days_to_create(existing: &[DayRange], now_ms: i64, ahead: u32) -> Vec<i64> {
    let today = day_start(now_ms);
    (0..=i64::from(ahead))
        .map(|i| today + i * DAY_MS)
        .filter(|&day| !existing.iter().any(|r| r.overlaps(day, day + DAY_MS)))
        .collect()
}

/// How many consecutive days, from today on, a day's partition (or the first partition) is ready
/// for; 0 when today's calls already go to the default partition. Counted up to a year.
pub fn days_ready(existing: &[DayRange], now_ms: i64) -> i64 {
    let today = day_start(now_ms);
    (0..366)
        .take_while(|i| {
            let day = today + i * DAY_MS;
            existing.iter().any(|r| r.overlaps(day, day + DAY_MS))
        })
        .count() as i64
}

/// Whether every row a partition can hold is older than `before`, so dropping it whole loses
/// nothing the window keeps. Never the default partition, which takes any day.
pub fn wholly_before(range: &DayRange, before_ms: i64) -> bool {
    matches!(range, DayRange::Between { to: Some(to), .. } if *to <= before_ms)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const DEC_1: i64 = 1_764_547_200_000; // 2025-12-01T00:00:00Z

    #[test]
    fn bounds_read_as_postgresql_prints_them() {
        assert_eq!(parse_bound("DEFAULT"), Some(DayRange::Default));
        assert_eq!(
            parse_bound("FOR VALUES FROM ('1764547200000') TO ('1764633600000')"),
            Some(DayRange::Between { from: Some(DEC_1), to: Some(DEC_1 + DAY_MS) })
        );
        assert_eq!(
            parse_bound("FOR VALUES FROM (MINVALUE) TO ('1764547200000')"),
            Some(DayRange::Between { from: None, to: Some(DEC_1) })
        );
        assert_eq!(parse_bound("FOR VALUES IN ('a')"), None);
        assert_eq!(parse_bound("FOR VALUES FROM ('x') TO ('1')"), None);
    }

    #[test]
    fn names_carry_the_utc_date() {
        assert_eq!(day_partition_name(DEC_1), "b24ops_api_calls_d20251201");
        assert_eq!(first_partition_name(DEC_1 + DAY_MS), "b24ops_api_calls_before_20251202");
    }

    #[test]
    fn the_first_partition_ends_two_days_ahead_or_after_the_newest_call() {
        let noon = DEC_1 + DAY_MS / 2;
        assert_eq!(first_partition_upper(noon, None), DEC_1 + 2 * DAY_MS);
        assert_eq!(first_partition_upper(noon, Some(noon - 5)), DEC_1 + 2 * DAY_MS);
        assert_eq!(first_partition_upper(noon, Some(DEC_1 + 9 * DAY_MS + 1)), DEC_1 + 10 * DAY_MS);
    }

    #[test]
    fn only_uncovered_days_are_created() {
        let first = DayRange::Between { from: None, to: Some(DEC_1 + 2 * DAY_MS) };
        let days = days_to_create(&[first, DayRange::Default], DEC_1 + 5, 3);
        assert_eq!(days, vec![DEC_1 + 2 * DAY_MS, DEC_1 + 3 * DAY_MS]);
        let day3 = DayRange::Between { from: Some(DEC_1 + 3 * DAY_MS), to: Some(DEC_1 + 4 * DAY_MS) };
        assert_eq!(days_to_create(&[first, day3], DEC_1, 3), vec![DEC_1 + 2 * DAY_MS]);
    }

    #[test]
    fn ready_days_count_from_today_until_the_first_gap() {
        let first = DayRange::Between { from: None, to: Some(DEC_1 + 2 * DAY_MS) };
        let day3 = DayRange::Between { from: Some(DEC_1 + 2 * DAY_MS), to: Some(DEC_1 + 3 * DAY_MS) };
        let day5 = DayRange::Between { from: Some(DEC_1 + 4 * DAY_MS), to: Some(DEC_1 + 5 * DAY_MS) };
        assert_eq!(days_ready(&[first, day3, day5, DayRange::Default], DEC_1 + 7), 3);
        assert_eq!(days_ready(&[first, day3], DEC_1 + 2 * DAY_MS), 1);
        assert_eq!(days_ready(&[first, DayRange::Default], DEC_1 + 3 * DAY_MS), 0);
    }

    #[test]
    fn a_partition_goes_only_when_its_last_instant_is_out_of_the_window() {
        let day = DayRange::Between { from: Some(DEC_1), to: Some(DEC_1 + DAY_MS) };
        assert!(wholly_before(&day, DEC_1 + DAY_MS));
        assert!(!wholly_before(&day, DEC_1 + DAY_MS - 1));
        assert!(!wholly_before(&DayRange::Default, i64::MAX));
        assert!(!wholly_before(&DayRange::Between { from: Some(DEC_1), to: None }, i64::MAX));
    }

    proptest! {
        #[test]
        fn created_days_never_overlap_what_exists(
            now in 0i64..4_000_000_000_000,
            ahead in 0u32..40,
            parts in proptest::collection::vec((0i64..60, 1i64..5), 0..6),
        ) {
            let today = day_start(now);
            let existing: Vec<DayRange> = parts
                .iter()
                .map(|(off, len)| DayRange::Between {
                    from: Some(today + (off - 20) * DAY_MS),
                    to: Some(today + (off - 20 + len) * DAY_MS),
                })
                .collect();
            let days = days_to_create(&existing, now, ahead);
            for d in &days {
                prop_assert_eq!(day_start(*d), *d);
                prop_assert!(existing.iter().all(|r| !r.overlaps(*d, d + DAY_MS)));
            }
            // Every day in the horizon is covered afterwards.
            for i in 0..=i64::from(ahead) {
                let day = today + i * DAY_MS;
                prop_assert!(days.contains(&day) || existing.iter().any(|r| r.overlaps(day, day + DAY_MS)));
            }
        }
    }
}
