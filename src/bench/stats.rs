//! Percentiles of timings.

use std::time::Duration;

/// p50 / p99 / min / max of a set of timings.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Summary {
    /// Median.
    pub p50: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Fastest.
    pub min: Duration,
    /// Slowest.
    pub max: Duration,
}

/// Summarises `samples` (sorted in place). An empty set gives zeros.
pub fn summarize(samples: &mut [Duration]) -> Summary {
    if samples.is_empty() {
        return Summary { p50: Duration::ZERO, p99: Duration::ZERO, min: Duration::ZERO, max: Duration::ZERO };
    }
    samples.sort_unstable();
    let at = |q: f64| samples[((samples.len() - 1) as f64 * q).round() as usize];
    Summary { p50: at(0.5), p99: at(0.99), min: samples[0], max: samples[samples.len() - 1] }
}

/// `1.23 ms` style.
pub fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles() {
        let mut v: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        let s = summarize(&mut v);
        assert_eq!(s.p50, Duration::from_millis(51));
        assert_eq!(s.p99, Duration::from_millis(99));
        assert_eq!((s.min, s.max), (Duration::from_millis(1), Duration::from_millis(100)));
    }
}
