//! Where PayPal lives and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

pub const LIVE_URL: &str = "https://api-m.paypal.com";
pub const SANDBOX_URL: &str = "https://api-m.sandbox.paypal.com";

/// PayPal publishes no rate limit for its REST APIs; this stays well below what its 429s
/// have been reported at, and reporting calls are few.
pub const RATE_LIMIT: RateLimit = RateLimit {
    max: 30,
    per: Duration::from_secs(1),
    burst: 5,
};

#[derive(Clone, Debug)]
pub struct PayPalConfig {
    /// Both the API and the token endpoint (`/v1/oauth2/token`) live here.
    pub base_url: String,
    pub policy: HttpPolicy,
    /// A cached token is replaced this long before PayPal says it expires, so a request never
    /// leaves with a token that dies on the way.
    pub token_refresh_margin: Duration,
    /// Transactions per page (`page_size`, 1..=500) when the query names no limit.
    pub default_page_size: u32,
}

impl PayPalConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            policy: HttpPolicy::new(RATE_LIMIT),
            token_refresh_margin: Duration::from_secs(60),
            default_page_size: 100,
        }
    }

    pub fn live() -> Self {
        Self::new(LIVE_URL)
    }

    pub fn sandbox() -> Self {
        Self::new(SANDBOX_URL)
    }

    pub fn is_sandbox(&self) -> bool {
        self.base_url.contains("sandbox.paypal.com")
    }
}
