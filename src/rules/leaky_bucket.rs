//! Bitrix24's request-intensity limit: a leaky bucket per portal.
//!
//! Every request adds one to a level that drains at `rate` per second; a request that would lift the
//! level above `burst` is refused (the portal answers 503 QUERY_LIMIT_EXCEEDED). Standard plans:
//! burst 50, rate 2/s; Enterprise: 250 and 5/s. The client uses the bucket to wait before it would be
//! refused; the emulator uses the same rule to refuse.

use std::time::Duration;

/// The level of one portal's bucket. Time is passed in (seconds on any monotonic scale), so the
/// rule is pure and testable.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyBucket {
    burst: f64,
    rate: f64,
    level: f64,
    at: f64,
}

impl LeakyBucket {
    /// An empty bucket holding up to `burst`, draining `rate` per second.
    pub fn new(burst: f64, rate: f64) -> Self {
        LeakyBucket { burst: burst.max(1.0), rate: rate.max(0.001), level: 0.0, at: f64::NEG_INFINITY }
    }

    fn drain(&mut self, now: f64) {
        if self.at.is_finite() && now > self.at {
            self.level = (self.level - (now - self.at) * self.rate).max(0.0);
        }
        if !self.at.is_finite() || now > self.at {
            self.at = now;
        }
    }

    /// Server side: counts a request at `now`; false means it must be refused.
    pub fn admit(&mut self, now: f64) -> bool {
        self.drain(now);
        if self.level + 1.0 > self.burst {
            return false;
        }
        self.level += 1.0;
        true
    }

    /// Client side: reserves a slot for a request and says how long to wait before sending it so
    /// the server's bucket never overflows.
    pub fn reserve(&mut self, now: f64) -> Duration {
        self.drain(now);
        let over = self.level + 1.0 - self.burst;
        self.level += 1.0;
        // Rounded up to the next millisecond, plus one: the server measures its own clock.
        if over <= 0.0 { Duration::ZERO } else { Duration::from_millis((over / self.rate * 1000.0).ceil() as u64 + 1) }
    }

    /// The current level (requests not yet drained).
    pub fn level(&self) -> f64 {
        self.level
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_burst_of_fifty_passes_and_the_fifty_first_is_refused() {
        let mut b = LeakyBucket::new(50.0, 2.0);
        for _ in 0..50 {
            assert!(b.admit(0.0));
        }
        assert!(!b.admit(0.0));
        // Half a second drains one request's worth.
        assert!(b.admit(0.5));
        assert!(!b.admit(0.5));
    }

    #[test]
    fn the_client_waits_just_long_enough() {
        let mut b = LeakyBucket::new(2.0, 2.0);
        assert_eq!(b.reserve(0.0), Duration::ZERO);
        assert_eq!(b.reserve(0.0), Duration::ZERO);
        assert_eq!(b.reserve(0.0), Duration::from_millis(501));
        assert_eq!(b.reserve(0.0), Duration::from_millis(1001));
    }

    proptest! {
        /// A client that waits as told is never refused by a server running the same rule.
        #[test]
        fn a_paced_client_is_never_refused(gaps in proptest::collection::vec(0.0f64..0.3, 1..400)) {
            let mut client = LeakyBucket::new(5.0, 2.0);
            let mut server = LeakyBucket::new(5.0, 2.0);
            let mut t = 0.0;
            for g in gaps {
                t += g;
                let wait = client.reserve(t).as_secs_f64();
                t += wait;
                prop_assert!(server.admit(t), "refused at {t}");
            }
        }
    }
}
