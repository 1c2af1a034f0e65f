//! Planned maintenance: the support plan's recurring checks, when each is due, and when it is overdue.

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// How often a check recurs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Cadence {
    /// Every day.
    Daily,
    /// Every week, from Monday.
    Weekly,
    /// Every month, from the 1st.
    Monthly,
}

/// A recurring check.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// Its name on the command line and in the log.
    pub name: &'static str,
    /// What it is.
    pub title: &'static str,
    /// How often.
    pub cadence: Cadence,
}

/// The support plan's checks.
pub const CHECKS: [Check; 3] = [
    Check {
        name: "deprecations",
        title: "REST changelog and deprecated methods the app calls",
        cadence: Cadence::Weekly,
    },
    Check { name: "tokens", title: "Refresh tokens expiring within 30 days", cadence: Cadence::Monthly },
    Check { name: "reviews", title: "Reviews answered within 48 hours", cadence: Cadence::Daily },
];

/// The check with this name.
pub fn check(name: &str) -> Option<Check> {
    CHECKS.iter().copied().find(|c| c.name == name)
}

fn local_midnight(tz: Tz, d: NaiveDate) -> DateTime<Utc> {
    let naive = d.and_hms_opt(0, 0, 0).unwrap_or_default();
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| Utc.from_utc_datetime(&naive))
}

/// The start of the period `now` falls in, in the zone's calendar.
pub fn period_start(c: Cadence, tz: Tz, now: DateTime<Utc>) -> DateTime<Utc> {
    let today = now.with_timezone(&tz).date_naive();
    let first = match c {
        Cadence::Daily => today,
        Cadence::Weekly => today - Duration::days(i64::from(today.weekday().num_days_from_monday())),
        Cadence::Monthly => today.with_day(1).unwrap_or(today),
    };
    local_midnight(tz, first)
}

/// The start of the period after the one starting at `start`.
pub fn next_period(c: Cadence, tz: Tz, start: DateTime<Utc>) -> DateTime<Utc> {
    let d = start.with_timezone(&tz).date_naive();
    let next = match c {
        Cadence::Daily => d + Duration::days(1),
        Cadence::Weekly => d + Duration::days(7),
        Cadence::Monthly => {
            let (y, m) = if d.month() == 12 { (d.year() + 1, 1) } else { (d.year(), d.month() + 1) };
            NaiveDate::from_ymd_opt(y, m, 1).unwrap_or(d + Duration::days(31))
        }
    };
    local_midnight(tz, next)
}

/// Where a check stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Done in the current period.
    pub done: bool,
    /// When it is next due: the end of this period if not done, else the end of the next.
    pub next_due: DateTime<Utc>,
    /// A whole period went by without it.
    pub overdue: bool,
}

/// The standing of a check last done at `last_done`.
pub fn standing(c: Cadence, tz: Tz, last_done: Option<DateTime<Utc>>, now: DateTime<Utc>) -> Standing {
    let start = period_start(c, tz, now);
    let end = next_period(c, tz, start);
    let done = last_done.is_some_and(|t| t >= start);
    let previous_start = period_start(c, tz, start - Duration::seconds(1));
    let overdue = !done && last_done.is_none_or(|t| t < previous_start);
    Standing { done, next_due: if done { next_period(c, tz, end) } else { end }, overdue }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn weeks_start_on_monday_and_months_on_the_first_in_the_zone() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        // Wednesday 2026-11-25 10:00 UTC → Monday 2026-11-23 00:00 Berlin = 22nd 23:00 UTC.
        assert_eq!(period_start(Cadence::Weekly, tz, at("2026-11-25T10:00:00Z")), at("2026-11-22T23:00:00Z"));
        assert_eq!(period_start(Cadence::Monthly, tz, at("2026-11-25T10:00:00Z")), at("2026-10-31T23:00:00Z"));
        assert_eq!(next_period(Cadence::Monthly, tz, at("2026-11-30T23:00:00Z")), at("2026-12-31T23:00:00Z"));
    }

    #[test]
    fn done_due_and_overdue() {
        let tz = Tz::UTC;
        let now = at("2026-11-25T10:00:00Z");
        let s = standing(Cadence::Weekly, tz, Some(at("2026-11-23T09:00:00Z")), now);
        assert!(s.done && !s.overdue);
        assert_eq!(s.next_due, at("2026-12-07T00:00:00Z"));
        let s = standing(Cadence::Weekly, tz, Some(at("2026-11-18T09:00:00Z")), now);
        assert!(!s.done && !s.overdue, "last week's counts until this week ends");
        assert_eq!(s.next_due, at("2026-11-30T00:00:00Z"));
        assert!(standing(Cadence::Weekly, tz, Some(at("2026-11-10T09:00:00Z")), now).overdue);
        assert!(standing(Cadence::Monthly, tz, None, now).overdue, "never done");
    }
}
