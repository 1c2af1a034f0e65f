//! Per-client pacing: a leaky bucket per client address, remembering a bounded number of
//! clients (the longest quiet are forgotten first), so a flood of addresses cannot grow it.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::rules::leaky_bucket::LeakyBucket;

/// Clients remembered at most.
const CLIENTS: usize = 10_000;

/// Per-client buckets of one kind (form submissions, wrong tokens).
#[derive(Clone, Debug)]
pub struct RateLimiter {
    inner: Arc<Mutex<HashMap<IpAddr, (LeakyBucket, f64)>>>,
    epoch: Instant,
    burst: f64,
    per_second: f64,
}

impl Default for RateLimiter {
    /// The form's pacing: a burst of 20, then one every two seconds.
    fn default() -> Self {
        RateLimiter::new(20.0, 0.5)
    }
}

impl RateLimiter {
    /// Buckets of `burst`, draining `per_second`.
    pub fn new(burst: f64, per_second: f64) -> Self {
        RateLimiter { inner: Arc::new(Mutex::new(HashMap::new())), epoch: Instant::now(), burst, per_second }
    }

    /// The pacing of wrong bearer tokens: ten, then one every ten seconds.
    pub fn for_wrong_tokens() -> Self {
        RateLimiter::new(10.0, 0.1)
    }

    /// Counts one event for `ip`; false when the bucket was already full.
    pub fn admit(&self, ip: IpAddr) -> bool {
        self.with_bucket(ip, |b, now| b.admit(now))
    }

    /// True when one more event from `ip` would be refused; counts nothing.
    pub fn is_full(&self, ip: IpAddr) -> bool {
        self.with_bucket(ip, |b, now| !b.clone().admit(now))
    }

    fn with_bucket(&self, ip: IpAddr, f: impl FnOnce(&mut LeakyBucket, f64) -> bool) -> bool {
        let now = self.epoch.elapsed().as_secs_f64();
        // A poisoned lock only means another request panicked; pacing is not worth a 500.
        let mut map = match self.inner.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        if map.len() >= CLIENTS && !map.contains_key(&ip) {
            let oldest = map.iter().min_by(|a, b| a.1.1.total_cmp(&b.1.1)).map(|(k, _)| *k);
            if let Some(k) = oldest {
                map.remove(&k);
            }
        }
        let (burst, rate) = (self.burst, self.per_second);
        let entry = map.entry(ip).or_insert_with(|| (LeakyBucket::new(burst, rate), now));
        entry.1 = now;
        f(&mut entry.0, now)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_lets_a_burst_through_then_paces() {
        let l = RateLimiter::default();
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let passed = (0..30).filter(|_| l.admit(ip)).count();
        assert_eq!(passed, 20);
        assert!(l.is_full(ip));
        assert!(l.admit("10.0.0.2".parse().unwrap()), "another client is not held back");
    }

    #[test]
    fn looking_counts_nothing() {
        let l = RateLimiter::new(2.0, 0.001);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..10 {
            assert!(!l.is_full(ip));
        }
        assert!(l.admit(ip) && l.admit(ip) && l.is_full(ip));
    }
}
