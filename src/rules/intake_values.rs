//! The ranges intake accepts. A record outside them is refused with a reason naming the field,
//! before it reaches a database: a clock at the epoch or in year 255,000 would sort every page
//! wrongly and stretch every window query, and a NUL byte is valid JSON that PostgreSQL refuses
//! mid-transaction.

use chrono::{DateTime, Duration, Utc};

/// How far back a record's time may lie (about ten years).
pub const OLDEST_DAYS: i64 = 3660;
/// How far ahead of now a record's time may lie (clocks drift; a day is generous).
pub const NEWEST_DAYS: i64 = 1;
/// The longest call duration accepted: one day, in milliseconds.
pub const DURATION_MS_MAX: i64 = 86_400_000;
/// The largest `operating` value (Bitrix24's seconds of method time) accepted: one day.
pub const OPERATING_MAX: f64 = 86_400.0;

/// Refuses a time more than ten years before `now` or more than a day after it.
pub fn check_ts(field: &str, ts: DateTime<Utc>, now: DateTime<Utc>) -> Result<(), String> {
    let oldest = now - Duration::days(OLDEST_DAYS);
    let newest = now + Duration::days(NEWEST_DAYS);
    if ts < oldest || ts > newest {
        return Err(format!(
            "{field} {} is outside the accepted window ({} to {})",
            ts.format("%Y-%m-%dT%H:%M:%SZ"),
            oldest.format("%Y-%m-%d"),
            newest.format("%Y-%m-%d")
        ));
    }
    Ok(())
}

/// Refuses text no backend stores faithfully: PostgreSQL rejects NUL in `text`, the others
/// would keep a string C clients read cut short.
pub fn check_storable(field: &str, text: &str) -> Result<(), String> {
    match text.find('\0') {
        Some(at) => Err(format!("{field} holds a NUL byte (at byte {at}), which cannot be stored")),
        None => Ok(()),
    }
}

/// Refuses a negative or absurd duration.
pub fn check_duration_ms(ms: i64) -> Result<(), String> {
    if !(0..=DURATION_MS_MAX).contains(&ms) {
        return Err(format!("duration_ms {ms} is outside 0..={DURATION_MS_MAX} (one day)"));
    }
    Ok(())
}

/// Refuses a negative, infinite or absurd `operating` value.
pub fn check_operating(v: f64) -> Result<(), String> {
    if !(0.0..=OPERATING_MAX).contains(&v) {
        return Err(format!("operating {v} is outside 0..={OPERATING_MAX} seconds"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-11-24T12:00:00Z".parse().unwrap()
    }

    #[test]
    fn times_outside_the_window_are_named() {
        assert!(check_ts("ts", now() - Duration::days(365), now()).is_ok());
        assert!(check_ts("ts", now() + Duration::hours(2), now()).is_ok());
        let epoch_minus = DateTime::from_timestamp_millis(-1).unwrap();
        assert!(check_ts("ts", epoch_minus, now()).unwrap_err().contains("outside the accepted window"));
        assert!(check_ts("ts", now() + Duration::days(2), now()).is_err());
    }

    #[test]
    fn nul_durations_and_operating_are_bounded() {
        assert!(check_storable("method", "a\0b").unwrap_err().contains("NUL"));
        assert!(check_storable("method", "ab").is_ok());
        assert!(check_duration_ms(-1).is_err() && check_duration_ms(i64::MAX).is_err());
        assert!(check_duration_ms(31).is_ok());
        assert!(check_operating(-0.5).is_err() && check_operating(f64::INFINITY).is_err());
        assert!(check_operating(f64::NAN).is_err() && check_operating(1.5).is_ok());
    }
}
