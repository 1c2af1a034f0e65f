//! How urgent a countdown is: the colour of an SLA clock or a review's reply deadline.

use chrono::{DateTime, Utc};
use serde::Serialize;

/// Where a countdown stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    /// Plenty of time.
    Ok,
    /// Less than the "near" share of the target is left.
    Near,
    /// The deadline has passed.
    Breached,
    /// Nothing is due any more (answered, or paused).
    Done,
}

/// The urgency of a deadline `due` for a clock that started at `start`: near once no more than
/// `near_share` (0–1) of the whole target is left, breached once `now` is past `due`.
pub fn urgency(now: DateTime<Utc>, start: DateTime<Utc>, due: DateTime<Utc>, near_share: f64) -> Urgency {
    if now > due {
        return Urgency::Breached;
    }
    let total = (due - start).num_milliseconds().max(1) as f64;
    let left = (due - now).num_milliseconds() as f64;
    if left <= total * near_share.clamp(0.0, 1.0) { Urgency::Near } else { Urgency::Ok }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    #[test]
    fn urgency_moves_from_ok_to_near_to_breached() {
        let start: DateTime<Utc> = "2026-11-24T00:00:00Z".parse().unwrap();
        let due = start + Duration::hours(48);
        assert_eq!(urgency(start + Duration::hours(1), start, due, 0.25), Urgency::Ok);
        assert_eq!(urgency(start + Duration::hours(36), start, due, 0.25), Urgency::Near);
        assert_eq!(urgency(due, start, due, 0.25), Urgency::Near);
        assert_eq!(urgency(due + Duration::seconds(1), start, due, 0.25), Urgency::Breached);
        // A clock whose start lies after its deadline cannot divide by zero.
        assert_eq!(urgency(due, due, due, 0.25), Urgency::Near);
    }
}
