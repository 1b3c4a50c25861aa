//! Where Square lives, which API version we speak and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

pub const PRODUCTION_URL: &str = "https://connect.squareup.com";
pub const SANDBOX_URL: &str = "https://connect.squareupsandbox.com";

/// The `Square-Version` of the spec our models follow (specs/square/api.json, release
/// 2025-08-20). Pinned so that the account's default version cannot change the replies.
pub const API_VERSION: &str = "2025-08-20";

/// Square publishes no rate limit (it answers 429 `RATE_LIMITED`); a modest pace keeps a
/// desktop app well clear of it.
pub const RATE_LIMIT: RateLimit = RateLimit {
    max: 10,
    per: Duration::from_secs(1),
    burst: 5,
};

#[derive(Clone, Debug)]
pub struct SquareConfig {
    pub base_url: String,
    pub policy: HttpPolicy,
    pub api_version: String,
    /// Payments per page (`limit`, 1..=100) when the query names none.
    pub default_page_size: u32,
}

impl SquareConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            policy: HttpPolicy::new(RATE_LIMIT),
            api_version: API_VERSION.into(),
            default_page_size: 100,
        }
    }

    pub fn production() -> Self {
        Self::new(PRODUCTION_URL)
    }

    pub fn sandbox() -> Self {
        Self::new(SANDBOX_URL)
    }

    pub fn is_sandbox(&self) -> bool {
        self.base_url.contains("squareupsandbox.com")
    }
}
