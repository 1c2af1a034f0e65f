//! A page's hourly rollup rows per group, read with the page in one probe per group: the
//! sparkline's buckets, and the whole hours of the count columns, whose statement reads only
//! their raw rows (so the hour and day columns cost no rollup probe of their own).

use super::error_window::HourRange;
use crate::model::{ErrorGroup, SPARK_HOURS};
use crate::rules::hour_split::{HOUR_MS, hour_of};

/// One rollup row of a group's cell: its hour, its errors, its earliest error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct HourRow {
    pub(super) hour: i64,
    pub(super) n: i64,
    pub(super) first_ts: i64,
}

/// The rows of a group's `hours` cell: `offset:n:first` entries joined by commas, the offset
/// from `base` and `first` from the row's hour, both in ms (short enough for MySQL's default
/// `group_concat_max_len` over 25 hours). Entries that do not parse are skipped.
pub(super) fn parse(cell: &str, base: i64) -> Vec<HourRow> {
    cell.split(',')
        .filter_map(|entry| {
            let mut it = entry.trim().splitn(3, ':').map(|v| v.parse::<i64>().ok());
            let (off, n, first) = (it.next()??, it.next()??, it.next()??);
            let hour = base + off;
            Some(HourRow { hour, n, first_ts: hour + first })
        })
        .collect()
}

/// How a page's groups are completed from their rollup rows.
#[derive(Clone, Copy, Debug)]
pub(super) struct Completion {
    /// The first hour a cell holds: the day column's first rollup hour.
    pub(super) base: i64,
    /// The hour holding the page's instant, the sparkline's last bucket.
    pub(super) last: i64,
    /// The rollup hours each of the 15-minute, hour and day columns adds to its raw rows;
    /// `None` when the column reads no rollup (it is the primary window, or short).
    pub(super) columns: [Option<HourRange>; 3],
    /// The first-seen column is read from the rollup (`Some(day start)`) rather than the
    /// statement: its earliest hour with errors since then, exact to the row.
    pub(super) first_from: Option<i64>,
    /// The rollup's hours after this one may hold rows stamped after the instant (a frozen
    /// instant in the past), so first-seen does not read them.
    pub(super) first_before: Option<i64>,
}

impl Completion {
    /// Adds the rollup's whole hours to `g`'s raw counts and fills its sparkline.
    pub(super) fn apply(&self, g: &mut ErrorGroup, cell: Option<&str>) {
        let rows = cell.map(|c| parse(c, self.base)).unwrap_or_default();
        let sum = |range: Option<HourRange>| -> i64 {
            range.map_or(0, |r| rows.iter().filter(|row| r.holds(row.hour)).map(|row| row.n).sum())
        };
        g.last_15m += sum(self.columns[0]);
        g.last_1h += sum(self.columns[1]);
        g.last_24h += sum(self.columns[2]);
        if let Some(from) = self.first_from {
            let earliest = rows
                .iter()
                .filter(|r| r.n > 0 && r.hour >= hour_of(from) && self.first_before.is_none_or(|b| r.hour < b))
                .min_by_key(|r| (r.hour, r.first_ts));
            let first = earliest.map_or(g.first_seen.timestamp_millis(), |r| r.first_ts).max(from);
            if let Some(t) = chrono::DateTime::from_timestamp_millis(first) {
                g.first_seen = t;
            }
        }
        g.hourly = buckets(&rows, self.last);
    }
}

/// Errors per hour for the [`SPARK_HOURS`] hours ending with `last`, oldest first.
pub(super) fn buckets(rows: &[HourRow], last: i64) -> Vec<i64> {
    let first = last - (SPARK_HOURS as i64 - 1) * HOUR_MS;
    let mut out = vec![0; SPARK_HOURS];
    for r in rows {
        if r.hour >= first && r.hour <= last && (r.hour - first) % HOUR_MS == 0 {
            out[((r.hour - first) / HOUR_MS) as usize] += r.n.max(0);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cell_parses_into_hours_from_its_base() {
        let base = 1_796_144_400_000;
        let rows = parse(&format!("0:3:10,{}:2:5,junk,7:x:1", 2 * HOUR_MS), base);
        assert_eq!(
            rows,
            vec![
                HourRow { hour: base, n: 3, first_ts: base + 10 },
                HourRow { hour: base + 2 * HOUR_MS, n: 2, first_ts: base + 2 * HOUR_MS + 5 }
            ]
        );
    }

    #[test]
    fn buckets_put_the_last_hour_last_and_drop_older_hours() {
        let last = 1_796_144_400_000;
        let row = |hours_ago: i64, n| HourRow { hour: last - hours_ago * HOUR_MS, n, first_ts: 0 };
        let b = buckets(&[row(0, 4), row(23, 2), row(24, 9), row(5, 1)], last);
        assert_eq!(b.len(), SPARK_HOURS);
        assert_eq!((b[23], b[0], b[18]), (4, 2, 1));
        assert_eq!(b.iter().sum::<i64>(), 7, "the hour 24 hours back is the day column's, not drawn");
    }
}
