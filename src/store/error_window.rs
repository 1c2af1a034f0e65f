//! The arithmetic of an error window: which raw ranges and which rollup hours count it exactly.

use chrono::{DateTime, Duration, Utc};

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

/// Instants `[from, to)` (epoch ms) of a raw table, written as a condition on its time column.
#[derive(Clone, Copy, Debug)]
pub(super) struct TsRange {
    pub(super) from: i64,
    pub(super) to: i64,
}

impl TsRange {
    /// The condition on `column`.
    pub(super) fn on(self, column: &str) -> String {
        format!("{column} >= {} AND {column} < {}", self.from, self.to)
    }

    /// The range cut at whole hours, each piece with the hour it lies in.
    pub(super) fn by_hour(self) -> impl Iterator<Item = (i64, TsRange)> {
        let hours = (hour_of(self.from)..self.to).step_by(HOUR_MS as usize);
        hours.map(move |h| (h, TsRange { from: self.from.max(h), to: self.to.min(h + HOUR_MS) }))
    }
}

/// Rollup hours `[from, to)` (epoch ms; `to` open at the present).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct HourRange {
    pub(super) from: i64,
    pub(super) to: Option<i64>,
}

impl HourRange {
    /// The condition on the rollup's `hour` column, `prefix` naming its table.
    pub(super) fn on(self, prefix: &str) -> String {
        match self.to {
            Some(to) => format!("{prefix}hour >= {} AND {prefix}hour < {to}", self.from),
            None => format!("{prefix}hour >= {}", self.from),
        }
    }

    /// True when the rollup row of `hour` lies in the range.
    pub(super) fn holds(self, hour: i64) -> bool {
        hour >= self.from && self.to.is_none_or(|to| hour < to)
    }
}

/// Counting errors from some instant up to the windows' end, `now` (epoch ms, inclusive).
pub(super) struct Span {
    pub(super) now: i64,
    /// No row is stamped after `now` (the console's usual case, at the present), so the rollup's
    /// newest hours stand for the raw tail.
    pub(super) live: bool,
}

impl Span {
    /// What counts `[from, now]` exactly: raw ranges, the head before the first whole hour (and,
    /// for a frozen `now` in the past, the tail from `now`'s hour on, since rows stamped after it
    /// must not count); a condition on the rollup's `hour`, the whole hours after the head —
    /// `None` when an hour or less needs no rollup.
    pub(super) fn bounds(&self, from: i64) -> (Vec<TsRange>, Option<HourRange>) {
        let end = self.now + 1;
        let range = |from: i64, to: i64| TsRange { from, to };
        let s = split_from(from);
        let last = hour_of(self.now);
        if self.now - from <= HOUR_MS || (!self.live && s.hours_from >= last) {
            return (vec![range(from, end)], None);
        }
        if self.live {
            return (vec![range(from, s.hours_from)], Some(HourRange { from: s.hours_from, to: None }));
        }
        (vec![range(from, s.hours_from), range(last, end)], Some(HourRange { from: s.hours_from, to: Some(last) }))
    }

    /// How one group's count of `[from, now]` is read with the fewest raw rows. At the present
    /// the rollup holds every hour whole, up to the newest: the hour holding `from` is read
    /// either raw after `from`, or from the rollup less its raw rows before `from`, whichever is
    /// shorter — so the hour and day columns read at most half an hour of raw rows.
    pub(super) fn count_parts(&self, from: i64) -> CountParts {
        if !self.live {
            let (plus, hours) = self.bounds(from);
            return CountParts { plus, minus: None, hours };
        }
        let range = |from: i64, to: i64| TsRange { from, to };
        let hours = |h: i64| Some(HourRange { from: h, to: None });
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

/// A count read as raw ranges added, a raw range taken away, and rollup hours.
pub(super) struct CountParts {
    pub(super) plus: Vec<TsRange>,
    pub(super) minus: Option<TsRange>,
    pub(super) hours: Option<HourRange>,
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
}
