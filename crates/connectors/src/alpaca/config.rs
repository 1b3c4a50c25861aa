//! Where Alpaca lives and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};

pub const LIVE_TRADING_URL: &str = "https://api.alpaca.markets";
pub const PAPER_TRADING_URL: &str = "https://paper-api.alpaca.markets";
pub const DATA_URL: &str = "https://data.alpaca.markets";

#[derive(Clone, Debug)]
pub struct AlpacaConfig {
    pub trading_url: String,
    pub data_url: String,
    /// `iex` (free plan) or `sip`.
    pub feed: String,
    pub trading_policy: HttpPolicy,
    pub data_policy: HttpPolicy,
    /// How many times one order may be sent (always with the same client order id) when the
    /// outcome of a send stays unknown.
    pub max_order_sends: u32,
}

impl AlpacaConfig {
    pub fn new(trading_url: impl Into<String>, data_url: impl Into<String>) -> Self {
        Self {
            trading_url: trading_url.into(),
            data_url: data_url.into(),
            feed: "iex".into(),
            trading_policy: HttpPolicy::new(RateLimit::ALPACA),
            data_policy: HttpPolicy::new(RateLimit::ALPACA),
            max_order_sends: 3,
        }
    }

    pub fn live() -> Self {
        Self::new(LIVE_TRADING_URL, DATA_URL)
    }

    pub fn paper() -> Self {
        Self::new(PAPER_TRADING_URL, DATA_URL)
    }

    /// The local paper sandbox serves the trading API (and its own quotes) on one base URL.
    pub fn local(base_url: impl Into<String>) -> Self {
        let base = base_url.into();
        Self::new(base.clone(), base)
    }
}
