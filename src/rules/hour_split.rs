//! Splitting a time range between raw rows and the hourly error rollup (`b24ops_error_hours`).
//!
//! The rollup counts every error of a whole hour in one row per group, and is kept current by
//! triggers, so any range can be counted exactly as: raw rows before the first whole hour, then
//! the rollup's hours from there on. Only the head (less than an hour) touches raw rows.

/// One hour in epoch milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// How `[from, ∞)` is read: raw rows in `[from, hours_from)`, rollup hours starting at or after
/// `hours_from`. The head is empty when `from` is on an hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HourSplit {
    /// The range's start, read from raw rows up to `hours_from`.
    pub from: i64,
    /// The first rollup hour wholly inside the range.
    pub hours_from: i64,
}

/// Splits the range starting at `from` (epoch ms, inclusive, open-ended at the present: the
/// rollup holds nothing later than the newest row).
pub fn split_from(from: i64) -> HourSplit {
    HourSplit {
        from,
        hours_from: from.div_euclid(HOUR_MS) * HOUR_MS + if from.rem_euclid(HOUR_MS) == 0 { 0 } else { HOUR_MS },
    }
}

/// The hour an instant's error is counted in.
pub fn hour_of(ts: i64) -> i64 {
    ts.div_euclid(HOUR_MS) * HOUR_MS
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn an_instant_on_the_hour_needs_no_raw_rows() {
        let s = split_from(10 * HOUR_MS);
        assert_eq!(s.hours_from, s.from);
    }

    #[test]
    fn an_instant_inside_an_hour_reads_the_rest_of_it_raw() {
        let s = split_from(10 * HOUR_MS + 1);
        assert_eq!(s.hours_from, 11 * HOUR_MS);
    }

    proptest! {
        /// Every error at or after `from` is counted exactly once: raw when it is before
        /// `hours_from`, through its hour otherwise — and no error before `from` is counted.
        #[test]
        fn every_instant_is_counted_once(from in 0i64..10_000_000_000_000, ts in 0i64..10_000_000_000_000) {
            let s = split_from(from);
            let raw = ts >= s.from && ts < s.hours_from;
            let rolled = hour_of(ts) >= s.hours_from;
            prop_assert!(!(raw && rolled));
            prop_assert_eq!(raw || rolled, ts >= from);
            prop_assert!(s.hours_from - s.from < HOUR_MS);
        }
    }
}
