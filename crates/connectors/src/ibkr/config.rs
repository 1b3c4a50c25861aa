//! Where the gateway listens and how we treat it.

use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

pub const DEFAULT_GATEWAY_URL: &str = "https://localhost:5000/v1/api";

#[derive(Clone, Debug)]
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
