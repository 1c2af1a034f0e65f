//! Pacing per DSN key: one leaky bucket for each configured key (a handful), so one noisy app
//! cannot crowd out another's errors. A refused request learns how long to wait, which Sentry
//! SDKs honour from `Retry-After` and `X-Sentry-Rate-Limits`.

use std::sync::{Arc, Mutex};
use std::time::Instant;

use crate::rules::leaky_bucket::LeakyBucket;

/// The buckets of every key, by the key's index.
#[derive(Clone, Debug)]
pub struct KeyPacing {
    buckets: Arc<Vec<Mutex<LeakyBucket>>>,
    epoch: Instant,
    burst: f64,
    per_second: f64,
}

impl KeyPacing {
    /// `keys` buckets of `burst`, draining `per_second`.
    pub fn new(keys: usize, burst: u32, per_second: u32) -> Self {
        let bucket = || Mutex::new(LeakyBucket::new(f64::from(burst), f64::from(per_second)));
        KeyPacing {
            buckets: Arc::new((0..keys).map(|_| bucket()).collect()),
            epoch: Instant::now(),
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_second.max(1)),
        }
    }

    /// Counts one request for key `index`; `Err(seconds)` to wait when its bucket is full.
    pub fn admit(&self, index: usize) -> Result<(), u64> {
        let Some(bucket) = self.buckets.get(index) else { return Ok(()) };
        let now = self.epoch.elapsed().as_secs_f64();
        // A poisoned lock only means another request panicked; pacing is not worth a 500.
        let mut b = match bucket.lock() {
            Ok(b) => b,
            Err(poisoned) => poisoned.into_inner(),
        };
        if b.admit(now) {
            return Ok(());
        }
        // Until one more request fits under the burst.
        let wait = (b.level() + 1.0 - self.burst) / self.per_second;
        Err(wait.ceil().max(1.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_a_wait_per_key() {
        let p = KeyPacing::new(2, 3, 1);
        assert!((0..3).all(|_| p.admit(0).is_ok()));
        assert_eq!(p.admit(0), Err(1));
        assert!(p.admit(1).is_ok(), "another key is not held back");
        assert!(p.admit(7).is_ok(), "an unknown index is not paced");
    }
}
