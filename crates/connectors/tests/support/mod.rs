//! Shared helpers for the contract tests: fixtures, fast policies, fake servers.
#![allow(dead_code)]

pub mod drop_server;

use brokerdesk_connectors::http::{HttpPolicy, RateLimit, RetryPolicy};
use std::time::Duration;

pub fn fixture(vendor: &str, name: &str) -> String {
    let path = format!(
        "{}/tests/fixtures/{vendor}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

pub fn fixture_json(vendor: &str, name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(vendor, name)).expect("fixture is JSON")
}

/// Quick retries and short timeouts so failure paths run in milliseconds.
pub fn fast_policy() -> HttpPolicy {
    HttpPolicy {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(400),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_retry_after: Duration::from_secs(2),
        },
        rate_limit: RateLimit {
            max: 10_000,
            per: Duration::from_secs(1),
            burst: 1000,
        },
    }
}
