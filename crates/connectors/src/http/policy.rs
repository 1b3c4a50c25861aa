//! The knobs of the shared policy, and the backoff schedule.

use super::rate_limit::RateLimit;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Attempts in all, the first one included.
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// A Retry-After longer than this is not waited for: the caller gets the error instead
    /// (`ConnectorError::RateLimited` with the wait), and schedules the wait itself rather than
    /// hold a request open past its read timeout (the service's supervisor skips the
    /// connection until then).
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(5),
        }
    }
}

impl RetryPolicy {
    /// Exponential backoff with full jitter ("Exponential Backoff and Jitter", AWS): spreads
    /// clients that failed together so they do not return together. `attempt` counts from 1.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let cap = self
            .base_delay
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        let cap = cap.min(self.max_delay);
        let millis = u64::try_from(cap.as_millis()).unwrap_or(u64::MAX);
        Duration::from_millis(rand::random_range(millis / 2..=millis.max(1)))
    }

    /// The wait before the next attempt: the vendor's Retry-After when it sent one, else backoff.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Option<Duration> {
        match retry_after {
            Some(d) if d > self.max_retry_after => None,
            Some(d) => Some(d),
            None => Some(self.backoff(attempt)),
        }
    }
}

#[derive(Clone, Debug)]
pub struct HttpPolicy {
    pub connect_timeout: Duration,
    /// Whole-request timeout, per attempt.
    pub request_timeout: Duration,
    pub retry: RetryPolicy,
    pub rate_limit: RateLimit,
}

impl HttpPolicy {
    pub fn new(rate_limit: RateLimit) -> Self {
        Self {
            connect_timeout: Duration::from_secs(5),
            request_timeout: Duration::from_secs(15),
            retry: RetryPolicy::default(),
            rate_limit,
        }
    }
}

/// Parses Retry-After: delta-seconds or an HTTP date.
pub fn parse_retry_after(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(value).ok()?;
    Some(
        (at.with_timezone(&chrono::Utc) - now)
            .to_std()
            .unwrap_or(Duration::ZERO),
    )
}

/// Parses X-RateLimit-Reset: epoch seconds when it looks like a date, else seconds to wait.
pub fn parse_rate_limit_reset(value: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let n: i64 = value.trim().parse().ok()?;
    if n > 1_000_000_000 {
        let wait = n - now.timestamp();
        Some(Duration::from_secs(u64::try_from(wait).unwrap_or(0)))
    } else {
        u64::try_from(n).ok().map(Duration::from_secs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..RetryPolicy::default()
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            assert!(p.backoff(30) <= Duration::from_millis(1000));
        }
        let samples: std::collections::HashSet<_> = (0..50).map(|_| p.backoff(4)).collect();
        assert!(samples.len() > 1, "jitter varies the delay");
    }

    #[test]
    fn retry_after_wins_unless_too_long() {
        let p = RetryPolicy::default();
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(3))),
            Some(Duration::from_secs(3))
        );
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), None);
    }

    #[test]
    fn retry_after_seconds_and_dates() {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("date");
        assert_eq!(
            parse_retry_after("120", now),
            Some(Duration::from_secs(120))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn rate_limit_reset_as_epoch_or_seconds() {
        let now = chrono::Utc
            .with_ymd_and_hms(2015, 10, 21, 7, 28, 0)
            .single()
            .expect("date");
        let epoch = (now.timestamp() + 7).to_string();
        assert_eq!(
            parse_rate_limit_reset(&epoch, now),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            parse_rate_limit_reset("3", now),
            Some(Duration::from_secs(3))
        );
        let past = (now.timestamp() - 5).to_string();
        assert_eq!(parse_rate_limit_reset(&past, now), Some(Duration::ZERO));
        assert_eq!(parse_rate_limit_reset("x", now), None);
    }
}
