//! Reading a portal's health from what it answered: what is missing, how far its clock is off,
//! and the admin notice's text.

use chrono::{DateTime, Utc};

/// The items of `expected` absent from `present`, compared case-insensitively, in `expected`'s order.
pub fn missing_from(expected: &[String], present: &[String]) -> Vec<String> {
    expected.iter().filter(|e| !present.iter().any(|p| p.trim().eq_ignore_ascii_case(e.trim()))).cloned().collect()
}

/// Seconds the portal's clock is ahead of ours (negative: behind), from `server.time`'s answer.
pub fn drift_secs(server_time: &str, now: DateTime<Utc>) -> Option<i64> {
    let t = DateTime::parse_from_rfc3339(server_time.trim()).ok()?;
    Some((t.with_timezone(&Utc) - now).num_seconds())
}

/// `template` with `{name}` replaced by each value; unknown placeholders stay as written.
pub fn fill(template: &str, vars: &[(&str, String)]) -> String {
    let mut out = template.to_owned();
    for (name, value) in vars {
        out = out.replace(&format!("{{{name}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_is_case_insensitive_and_ordered() {
        let v = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(missing_from(&v(&["crm", "im", "task"]), &v(&["CRM", "task"])), v(&["im"]));
        assert!(missing_from(&v(&[]), &v(&["crm"])).is_empty());
    }

    #[test]
    fn drift_reads_offsets() {
        let now: DateTime<Utc> = "2026-11-25T10:00:00Z".parse().unwrap();
        assert_eq!(drift_secs("2026-11-25T13:00:30+03:00", now), Some(30));
        assert_eq!(drift_secs("garbage", now), None);
    }

    #[test]
    fn fill_leaves_unknown_placeholders() {
        assert_eq!(
            fill("{app} in {days} days {x}", &[("app", "Deal Sync".into()), ("days", "5".into())]),
            "Deal Sync in 5 days {x}"
        );
    }
}
