//! Request latency for the status display: the last sample and the median of recent ones.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

const WINDOW: usize = 64;

#[derive(Debug, Default)]
pub struct Latency {
    samples: Mutex<VecDeque<Duration>>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LatencySnapshot {
    pub last: Duration,
    pub median: Duration,
    pub samples: usize,
}

impl Latency {
    pub fn record(&self, d: Duration) {
        // A poisoned lock only means a panic elsewhere mid-push; the samples are still usable.
        let mut s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        if s.len() == WINDOW {
            s.pop_front();
        }
        s.push_back(d);
    }

    pub fn snapshot(&self) -> Option<LatencySnapshot> {
        let s = self.samples.lock().unwrap_or_else(|p| p.into_inner());
        let last = *s.back()?;
        let mut sorted: Vec<Duration> = s.iter().copied().collect();
        sorted.sort();
        Some(LatencySnapshot {
            last,
            median: sorted[sorted.len() / 2],
            samples: sorted.len(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_and_median_of_a_bounded_window() {
        let l = Latency::default();
        assert!(l.snapshot().is_none());
        for ms in [30, 10, 20] {
            l.record(Duration::from_millis(ms));
        }
        let s = l.snapshot().expect("samples");
        assert_eq!(s.last, Duration::from_millis(20));
        assert_eq!(s.median, Duration::from_millis(20));
        for _ in 0..100 {
            l.record(Duration::from_millis(1));
        }
        assert_eq!(l.snapshot().expect("samples").samples, WINDOW);
    }
}
