//! Where SnapTrade lives and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

/// The API as the official SDKs call it: requests are signed over this path prefix.
pub const API_URL: &str = "https://api.snaptrade.com/api/v1";

/// 250 requests a minute per client id (SnapTrade's documented limit).
pub const RATE_LIMIT: RateLimit = RateLimit {
    max: 250,
    per: Duration::from_secs(60),
    burst: 10,
};

#[derive(Clone, Debug)]
pub struct SnapTradeConfig {
    /// Base URL including the API prefix (`…/api/v1`); the signature covers the full path.
    pub base_url: String,
    pub policy: HttpPolicy,
    /// Seconds since the epoch to put in every request instead of the clock. Only for tests
    /// and known-answer checks of the signature; `None` (the default) uses the system clock.
    pub fixed_timestamp: Option<i64>,
}

impl SnapTradeConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            policy: HttpPolicy::new(RATE_LIMIT),
            fixed_timestamp: None,
        }
    }

    /// SnapTrade has no separate sandbox host: test keys and paper brokerages live on the same
    /// API, so "sandbox" is a matter of credentials and of which brokerage the user connects.
    pub fn production() -> Self {
        Self::new(API_URL)
    }
}

impl Default for SnapTradeConfig {
    fn default() -> Self {
        Self::production()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_to_the_signed_api_prefix_and_the_published_rate_limit() {
        let c = SnapTradeConfig::default();
        assert_eq!(c.base_url, "https://api.snaptrade.com/api/v1");
        assert_eq!(c.policy.rate_limit, RATE_LIMIT);
        assert_eq!(c.fixed_timestamp, None);
        assert_eq!(
            SnapTradeConfig::new("http://127.0.0.1:9/api/v1").base_url,
            "http://127.0.0.1:9/api/v1"
        );
    }
}
