//! How long a reply that could not be delivered waits before the next try.

use chrono::Duration;

/// Tries before a reply is given up (about seven hours of retrying in all).
pub const MAX_ATTEMPTS: i64 = 12;

/// The wait after the `attempts`-th failed try: 30 s, doubling, at most an hour; `None` once
/// [`MAX_ATTEMPTS`] tries have failed.
pub fn retry_delay(attempts: i64) -> Option<Duration> {
    if attempts >= MAX_ATTEMPTS {
        return None;
    }
    let doublings = attempts.saturating_sub(1).clamp(0, 20) as u32;
    Some(Duration::seconds((30_i64 << doublings).min(3600)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn doubles_up_to_an_hour_then_gives_up() {
        assert_eq!(retry_delay(1), Some(Duration::seconds(30)));
        assert_eq!(retry_delay(2), Some(Duration::seconds(60)));
        assert_eq!(retry_delay(4), Some(Duration::seconds(240)));
        assert_eq!(retry_delay(9), Some(Duration::seconds(3600)));
        assert_eq!(retry_delay(MAX_ATTEMPTS - 1), Some(Duration::seconds(3600)));
        assert_eq!(retry_delay(MAX_ATTEMPTS), None);
    }
}
