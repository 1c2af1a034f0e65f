//! A business calendar: an IANA time zone, working intervals per weekday, and holidays. The
//! arithmetic SLA clocks need: a deadline N business minutes after a start, the business time
//! between two instants, and whether an instant is working time.

use std::collections::BTreeSet;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

/// The longest search for working time (a calendar with no working day in ten years is broken).
const MAX_DAYS: i64 = 3660;

/// Working hours in a zone.
#[derive(Clone, Debug, PartialEq)]
pub struct Calendar {
    /// The zone the hours are in.
    pub tz: Tz,
    /// Monday first: working intervals as minutes of the day, `[start, end)`, end ≤ 1440.
    pub week: [Vec<(u32, u32)>; 7],
    /// Days off, in the calendar's zone.
    pub holidays: BTreeSet<NaiveDate>,
}

/// A calendar that cannot be built.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct CalendarError(pub String);

impl Calendar {
    /// Every minute of every day, in UTC: for targets counted in calendar time.
    pub fn always() -> Self {
        Calendar { tz: Tz::UTC, week: std::array::from_fn(|_| vec![(0, 1440)]), holidays: BTreeSet::new() }
    }

    /// Builds a calendar from a zone name, `"HH:MM-HH:MM"` intervals per weekday (Monday first;
    /// several per day separated by commas; empty for a day off) and `YYYY-MM-DD` holidays.
    pub fn parse(zone: &str, week: &[String; 7], holidays: &[String]) -> Result<Self, CalendarError> {
        let tz: Tz = zone.parse().map_err(|_| CalendarError(format!("{zone:?} is not an IANA time zone")))?;
        let mut days: [Vec<(u32, u32)>; 7] = Default::default();
        for (i, spec) in week.iter().enumerate() {
            for part in spec.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                let (a, b) = part.split_once('-').ok_or_else(|| CalendarError(format!("{part:?}: use HH:MM-HH:MM")))?;
                let (a, b) = (minute_of_day(a)?, minute_of_day(b)?);
                if a >= b {
                    return Err(CalendarError(format!("{part:?}: the end must come after the start")));
                }
                days[i].push((a, b));
            }
            days[i].sort_unstable();
            if days[i].windows(2).any(|w| w[0].1 > w[1].0) {
                return Err(CalendarError(format!("{spec:?}: intervals overlap")));
            }
        }
        let holidays = holidays
            .iter()
            .map(|h| {
                NaiveDate::parse_from_str(h.trim(), "%Y-%m-%d")
                    .map_err(|_| CalendarError(format!("holiday {h:?}: use YYYY-MM-DD")))
            })
            .collect::<Result<_, _>>()?;
        Ok(Calendar { tz, week: days, holidays })
    }

    /// The working intervals of one local day, as UTC instants.
    fn intervals(&self, day: NaiveDate) -> Vec<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.contains(&day) {
            return Vec::new();
        }
        let idx = day.weekday().num_days_from_monday() as usize;
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.week[idx]
            .iter()
            .filter_map(|&(a, b)| {
                let s = self.instant(midnight + Duration::minutes(i64::from(a)));
                let e = self.instant(midnight + Duration::minutes(i64::from(b)));
                (e > s).then_some((s, e))
            })
            .collect()
    }

    /// A local wall-clock time as an instant. In a DST gap the clock jumps forward, so the
    /// missing local time maps to the first instant after the gap; in an overlap the earlier one.
    fn instant(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let mut probe = local;
        for _ in 0..8 {
            if let Some(t) = self.tz.from_local_datetime(&probe).earliest() {
                return t.with_timezone(&Utc);
            }
            probe += Duration::minutes(15);
        }
        Utc.from_utc_datetime(&local)
    }

    fn local_day(&self, t: DateTime<Utc>) -> NaiveDate {
        t.with_timezone(&self.tz).date_naive()
    }

    /// Is `t` inside working hours?
    pub fn is_working(&self, t: DateTime<Utc>) -> bool {
        let day = self.local_day(t);
        // An interval that ends at 24:00 of the day before never contains `t`, but a DST shift can
        // move an interval across midnight, so the previous day is checked too.
        [day.pred_opt(), Some(day)]
            .into_iter()
            .flatten()
            .any(|d| self.intervals(d).iter().any(|(s, e)| *s <= t && t < *e))
    }

    /// The instant `minutes` business minutes after `start`; `None` if the calendar has no working
    /// time in ten years.
    pub fn add(&self, start: DateTime<Utc>, minutes: i64) -> Option<DateTime<Utc>> {
        if minutes <= 0 {
            return Some(start);
        }
        let mut left = Duration::minutes(minutes);
        let first = self.local_day(start).pred_opt()?;
        for i in 0..MAX_DAYS {
            let day = first + Duration::days(i);
            for (s, e) in self.intervals(day) {
                if e <= start {
                    continue;
                }
                let from = s.max(start);
                let avail = e - from;
                if avail >= left {
                    return Some(from + left);
                }
                left -= avail;
            }
        }
        None
    }

    /// Business time between `a` and `b` (zero when `b` is not after `a`). Only the last ten
    /// years are counted: every target is long breached by then, and a start a quarter of a
    /// million years ago (a corrupt `created_at`) must not cost a loop over every day since.
    pub fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        if b <= a {
            return Duration::zero();
        }
        let a = a.max(b - Duration::days(MAX_DAYS));
        let Some(first) = self.local_day(a).pred_opt() else { return Duration::zero() };
        let last = self.local_day(b);
        let mut total = Duration::zero();
        let mut day = first;
        while day <= last {
            for (s, e) in self.intervals(day) {
                let (from, to) = (s.max(a), e.min(b));
                if to > from {
                    total += to - from;
                }
            }
            let Some(next) = day.succ_opt() else { break };
            day = next;
        }
        total
    }
}

fn minute_of_day(hhmm: &str) -> Result<u32, CalendarError> {
    let bad = || CalendarError(format!("{hhmm:?}: use HH:MM"));
    let (h, m) = hhmm.trim().split_once(':').ok_or_else(bad)?;
    let (h, m): (u32, u32) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if m >= 60 || h > 24 || (h == 24 && m > 0) {
        return Err(bad());
    }
    Ok(h * 60 + m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn office(zone: &str) -> Calendar {
        let day = "09:00-18:00".to_owned();
        let off = String::new();
        Calendar::parse(
            zone,
            &[day.clone(), day.clone(), day.clone(), day.clone(), day, off.clone(), off],
            &["2026-12-25".into()],
        )
        .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn friday_evening_rolls_to_monday_morning() {
        let cal = office("Europe/Berlin");
        // Friday 2026-11-27 17:30 Berlin (16:30 UTC) + 2 business hours = Monday 10:30 Berlin.
        assert_eq!(cal.add(at("2026-11-27T16:30:00Z"), 120), Some(at("2026-11-30T09:30:00Z")));
        assert_eq!(cal.between(at("2026-11-27T16:30:00Z"), at("2026-11-30T09:30:00Z")), Duration::minutes(120));
        assert!(!cal.is_working(at("2026-11-28T12:00:00Z")), "Saturday");
        assert!(cal.is_working(at("2026-11-30T08:00:00Z")), "Monday 09:00 Berlin");
    }

    #[test]
    fn an_absurdly_old_start_is_counted_in_bounded_time() {
        let cal = office("UTC");
        let started = std::time::Instant::now();
        let ancient = DateTime::from_timestamp_millis(-8_000_000_000_000_000).unwrap();
        let spent = cal.between(ancient, at("2026-11-24T12:00:00Z"));
        assert!(spent > Duration::days(365), "{spent:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2), "{:?}", started.elapsed());
    }

    #[test]
    fn holidays_are_skipped() {
        let cal = office("UTC");
        // Thursday 2026-12-24 17:00 + 2 h: one hour on the 24th, the 25th is a holiday, then Monday.
        assert_eq!(cal.add(at("2026-12-24T17:00:00Z"), 120), Some(at("2026-12-28T10:00:00Z")));
    }

    #[test]
    fn dst_changes_keep_wall_clock_hours() {
        let cal = office("Europe/Berlin");
        // Friday 2026-03-27 17:00 CET (16:00 UTC) + 2 h → Monday 2026-03-30 10:00 CEST (08:00 UTC).
        assert_eq!(cal.add(at("2026-03-27T16:00:00Z"), 120), Some(at("2026-03-30T08:00:00Z")));
        let nights = Calendar::parse("Europe/Berlin", &std::array::from_fn(|_| "00:00-24:00".to_owned()), &[]).unwrap();
        // The night the clocks go forward has 23 hours.
        assert_eq!(nights.between(at("2026-03-28T23:00:00Z"), at("2026-03-29T22:00:00Z")), Duration::hours(23));
    }

    #[test]
    fn bad_specs_are_named() {
        let mut week: [String; 7] = Default::default();
        week[0] = "9-18".into();
        assert!(Calendar::parse("UTC", &week, &[]).unwrap_err().0.contains("HH:MM"));
        assert!(Calendar::parse("Mars/Olympus", &Default::default(), &[]).is_err());
        week[0] = "18:00-09:00".into();
        assert!(Calendar::parse("UTC", &week, &[]).is_err());
        assert_eq!(Calendar::parse("UTC", &Default::default(), &[]).unwrap().add(at("2026-11-27T16:30:00Z"), 1), None);
    }

    proptest! {
        #[test]
        fn a_deadline_is_never_before_its_start_and_grows_with_the_duration(
            start in 1_700_000_000i64..1_900_000_000, a in 0i64..5000, b in 0i64..5000,
            zone in prop::sample::select(vec!["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]),
        ) {
            let cal = office(zone);
            let start = Utc.timestamp_opt(start, 0).unwrap();
            let (lo, hi) = (a.min(b), a.max(b));
            let d_lo = cal.add(start, lo).unwrap();
            let d_hi = cal.add(start, hi).unwrap();
            prop_assert!(d_lo >= start);
            prop_assert!(d_hi >= d_lo);
            // Exactly `lo` business minutes lie between the start and the deadline …
            prop_assert_eq!(cal.between(start, d_lo), Duration::minutes(lo));
            // … and a positive deadline lands inside working time or at an interval's end.
            if lo > 0 {
                prop_assert!(cal.is_working(d_lo - Duration::seconds(1)));
                prop_assert!(!cal.holidays.contains(&(d_lo - Duration::seconds(1)).with_timezone(&cal.tz).date_naive()));
            }
        }
    }
}
