//! The operating-time limiter of an emulated portal: per method, the execution seconds of the
//! last ten minutes in one-minute buckets (reference §2.4, §10.3). The outer `batch` is not
//! counted, each command inside it is (b24restdocs `limits.md`); calls under 0.1 s are free.

use chrono::{DateTime, Utc};

use super::state::World;

fn minute(now: DateTime<Utc>) -> i64 {
    now.timestamp().div_euclid(60)
}

/// Seconds `method` used on the portal in the current window.
pub fn used(w: &World, member_id: &str, method: &str, now: DateTime<Utc>) -> f64 {
    let m = minute(now);
    w.portals
        .get(member_id)
        .and_then(|p| p.operating.get(method))
        .map(|b| b.iter().filter(|(at, _)| *at > m - 10).map(|(_, s)| s).sum())
        .unwrap_or(0.0)
}

/// Whether `method` is over the app's limit and so refused with 429 before it runs.
pub fn blocked(w: &World, member_id: &str, method: &str, now: DateTime<Utc>) -> bool {
    method != "batch" && used(w, member_id, method, now) > w.app.operating_limit_secs
}

/// Adds a call's execution time to its method's window; returns the sum and when the oldest
/// minute drops out (`operating`, `operating_reset_at`).
pub fn record(w: &mut World, member_id: &str, method: &str, secs: f64, now: DateTime<Utc>) -> (f64, i64) {
    let m = minute(now);
    let Some(portal) = w.portals.get_mut(member_id) else { return (0.0, now.timestamp()) };
    let buckets = portal.operating.entry(method.to_owned()).or_default();
    buckets.retain(|(at, _)| *at > m - 10);
    if secs >= 0.1 && method != "batch" {
        match buckets.last_mut() {
            Some((at, s)) if *at == m => *s += secs,
            _ => buckets.push((m, secs)),
        }
    }
    let oldest = buckets.first().map(|(at, _)| *at).unwrap_or(m);
    (buckets.iter().map(|(_, s)| s).sum(), (oldest + 10) * 60)
}

/// The simulated execution seconds of `method` on the portal (its `slow` fault).
pub fn cost_secs(w: &World, member_id: &str, method: &str) -> f64 {
    w.portals.get(member_id).and_then(|p| p.faults.slow.get(method)).map(|ms| *ms as f64 / 1000.0).unwrap_or(0.0)
}
