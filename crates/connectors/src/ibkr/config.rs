//! Where the gateway listens and how we treat it.

use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

pub const DEFAULT_GATEWAY_URL: &str = "https://localhost:5000/v1/api";

/// `Debug` shows the gateway's address redacted: a proxy in front of the gateway may carry a
/// password in it.
#[derive(Clone)]
pub struct IbkrConfig {
    pub base_url: String,
    /// The gateway ships a self-signed certificate. Accepting it is the user's explicit choice,
    /// and is refused for any host but this machine.
    pub accept_self_signed: bool,
    pub policy: HttpPolicy,
    /// Answer IBKR's order warnings ("Are you sure…?") with yes. Off by default: the user
    /// should see them; the messages come back in the refusal.
    pub confirm_order_warnings: bool,
    /// The snapshot's first call only subscribes; ask again this many times for values.
    pub snapshot_attempts: u32,
    pub snapshot_retry_delay: Duration,
    /// A bound on position paging, in case a gateway keeps returning full pages.
    pub max_position_pages: u32,
    /// IBKR asks to call /tickle about once a minute.
    pub tickle_interval: Duration,
}

impl std::fmt::Debug for IbkrConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IbkrConfig")
            .field("base_url", &crate::http::redact_urls(&self.base_url))
            .field("accept_self_signed", &self.accept_self_signed)
            .field("policy", &self.policy)
            .field("confirm_order_warnings", &self.confirm_order_warnings)
            .field("snapshot_attempts", &self.snapshot_attempts)
            .field("snapshot_retry_delay", &self.snapshot_retry_delay)
            .field("max_position_pages", &self.max_position_pages)
            .field("tickle_interval", &self.tickle_interval)
            .finish()
    }
}

impl Default for IbkrConfig {
    fn default() -> Self {
        Self {
            base_url: DEFAULT_GATEWAY_URL.into(),
            accept_self_signed: false,
            policy: HttpPolicy::new(RateLimit::IBKR_GATEWAY),
            confirm_order_warnings: false,
            snapshot_attempts: 4,
            snapshot_retry_delay: Duration::from_millis(500),
            max_position_pages: 100,
            tickle_interval: Duration::from_secs(60),
        }
    }
}

impl IbkrConfig {
    pub fn gateway(base_url: impl Into<String>, accept_self_signed: bool) -> Self {
        Self {
            base_url: base_url.into(),
            accept_self_signed,
            ..Self::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_drops_a_password_in_the_gateway_address() {
        let c = IbkrConfig::gateway("https://gw:pa55word@localhost:5000/v1/api", true);
        let shown = format!("{c:?}");
        assert!(!shown.contains("pa55word"), "{shown}");
        assert!(shown.contains("https://localhost:5000/v1/api"), "{shown}");
    }
}
