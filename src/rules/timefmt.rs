//! Durations and instants as people read them: "3m ago", "in 1h 12m", "-15m".

use chrono::{DateTime, Duration, Utc};

/// A compact duration: `45s`, `12m`, `1h 12m`, `3d 4h`, `412d`.
pub fn compact(d: Duration) -> String {
    let secs = d.num_seconds().abs();
    let (days, hours, mins) = (secs / 86_400, (secs % 86_400) / 3600, (secs % 3600) / 60);
    if days >= 100 {
        format!("{days}d")
    } else if days > 0 {
        if hours > 0 { format!("{days}d {hours}h") } else { format!("{days}d") }
    } else if hours > 0 {
        if mins > 0 { format!("{hours}h {mins}m") } else { format!("{hours}h") }
    } else if mins > 0 {
        format!("{mins}m")
    } else {
        format!("{secs}s")
    }
}

/// How long ago `then` was: `12m ago`, or `in 5m` if it lies in the future.
pub fn ago(then: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = now - then;
    if d < Duration::zero() { format!("in {}", compact(d)) } else { format!("{} ago", compact(d)) }
}

/// A countdown to `deadline`: `in 1h 12m` before it, `-15m` once it has passed.
pub fn countdown(deadline: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let d = deadline - now;
    if d < Duration::zero() { format!("-{}", compact(d)) } else { format!("in {}", compact(d)) }
}

/// Parses a window such as `90s`, `15m`, `1h`, `7d` (a bare number means minutes).
pub fn parse_window(raw: &str) -> Option<Duration> {
    let t = raw.trim();
    let (num, unit) = match t.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&t[..i], &t[i..]),
        None => (t, "m"),
    };
    let n: i64 = num.parse().ok()?;
    let d = match unit {
        "s" => Duration::seconds(n),
        "m" | "min" => Duration::minutes(n),
        "h" => Duration::hours(n),
        "d" => Duration::days(n),
        _ => return None,
    };
    (n > 0).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn compact_durations() {
        assert_eq!(compact(Duration::seconds(45)), "45s");
        assert_eq!(compact(Duration::minutes(72)), "1h 12m");
        assert_eq!(compact(Duration::hours(76)), "3d 4h");
        assert_eq!(compact(Duration::days(412)), "412d");
        assert_eq!(compact(Duration::hours(-2)), "2h");
    }

    #[test]
    fn countdowns_turn_negative_after_the_deadline() {
        let now = t("2026-11-24T12:00:00Z");
        assert_eq!(countdown(t("2026-11-24T13:12:00Z"), now), "in 1h 12m");
        assert_eq!(countdown(t("2026-11-24T11:45:00Z"), now), "-15m");
        assert_eq!(ago(t("2026-11-24T11:48:00Z"), now), "12m ago");
    }

    #[test]
    fn windows_parse() {
        assert_eq!(parse_window("15m"), Some(Duration::minutes(15)));
        assert_eq!(parse_window("24h"), Some(Duration::hours(24)));
        assert_eq!(parse_window("30"), Some(Duration::minutes(30)));
        assert_eq!(parse_window("0m"), None);
        assert_eq!(parse_window("5y"), None);
    }
}
