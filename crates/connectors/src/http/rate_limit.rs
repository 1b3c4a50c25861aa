//! A client-side rate limit (GCRA), applied before each send so the vendor never has to refuse.
//! `max` requests per `per` window with up to `burst` at once: requests are spaced by
//! `per / (max - burst)` after the burst, so no window of length `per` ever holds more than `max`.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    pub max: u32,
    pub per: Duration,
    pub burst: u32,
}

impl RateLimit {
    /// Alpaca: 200 requests a minute per key.
    pub const ALPACA: RateLimit = RateLimit {
        max: 200,
        per: Duration::from_secs(60),
        burst: 10,
    };
    /// IBKR Client Portal gateway pacing: 10 requests a second.
    pub const IBKR_GATEWAY: RateLimit = RateLimit {
        max: 10,
        per: Duration::from_secs(1),
        burst: 2,
    };

    fn interval(&self) -> Duration {
        let spaced = self.max.saturating_sub(self.burst).max(1);
        self.per / spaced
    }
}

#[derive(Debug)]
pub struct RateLimiter {
    limit: RateLimit,
    /// Theoretical arrival time of the next request.
    tat: Mutex<Option<Instant>>,
}

impl RateLimiter {
    pub fn new(limit: RateLimit) -> Self {
        Self {
            limit,
            tat: Mutex::new(None),
        }
    }

    pub fn limit(&self) -> RateLimit {
        self.limit
    }

    /// Waits until a request may go. The slot is reserved under the lock and the wait happens
    /// outside it, so concurrent callers queue fairly without holding the lock across `.await`.
    pub async fn acquire(&self) {
        let wait = {
            let now = Instant::now();
            let interval = self.limit.interval();
            let tolerance = interval * self.limit.burst.saturating_sub(1);
            let mut tat = self.tat.lock().unwrap_or_else(|p| p.into_inner());
            let t = tat.map_or(now, |t| t.max(now));
            let allowed_at = t.checked_sub(tolerance).unwrap_or(now);
            *tat = Some(t + interval);
            allowed_at.saturating_duration_since(now)
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_max_in_any_window() {
        let limit = RateLimit {
            max: 10,
            per: Duration::from_secs(1),
            burst: 3,
        };
        let rl = RateLimiter::new(limit);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..40 {
            rl.acquire().await;
            times.push(Instant::now() - start);
        }
        // The burst goes at once, then requests are spaced.
        assert_eq!(times[2], Duration::ZERO);
        assert!(times[3] > Duration::ZERO);
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..].iter().filter(|u| **u < *t + limit.per).count();
            assert!(
                in_window <= 10,
                "{in_window} requests in one window starting at {t:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn idle_time_refills_the_burst() {
        let rl = RateLimiter::new(RateLimit {
            max: 5,
            per: Duration::from_secs(1),
            burst: 2,
        });
        for _ in 0..5 {
            rl.acquire().await;
        }
        tokio::time::advance(Duration::from_secs(5)).await;
        let before = Instant::now();
        rl.acquire().await;
        rl.acquire().await;
        assert_eq!(
            Instant::now(),
            before,
            "a rested limiter lets a burst through at once"
        );
    }
}
