//! Where Alpaca lives and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};

pub const LIVE_TRADING_URL: &str = "https://api.alpaca.markets";
pub const PAPER_TRADING_URL: &str = "https://paper-api.alpaca.markets";
pub const DATA_URL: &str = "https://data.alpaca.markets";
pub const LIVE_TRADE_STREAM_URL: &str = "wss://api.alpaca.markets/stream";
pub const PAPER_TRADE_STREAM_URL: &str = "wss://paper-api.alpaca.markets/stream";
pub const DATA_STREAM_URL: &str = "wss://stream.data.alpaca.markets/v2";

#[derive(Clone, Debug)]
pub struct AlpacaConfig {
    pub trading_url: String,
    pub data_url: String,
    /// The trade updates stream.
    pub trade_stream_url: String,
    /// The market data stream, without the feed (`…/v2`; the feed is appended).
    pub data_stream_url: String,
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
        let trading_url: String = trading_url.into();
        let data_url: String = data_url.into();
        Self {
            trade_stream_url: format!("{}/stream", ws_of(&trading_url)),
            data_stream_url: format!("{}/v2", ws_of(&data_url)),
            trading_url,
            data_url,
            feed: "iex".into(),
            trading_policy: HttpPolicy::new(RateLimit::ALPACA),
            data_policy: HttpPolicy::new(RateLimit::ALPACA),
            max_order_sends: 3,
        }
    }

    pub fn live() -> Self {
        Self {
            trade_stream_url: LIVE_TRADE_STREAM_URL.into(),
            data_stream_url: DATA_STREAM_URL.into(),
            ..Self::new(LIVE_TRADING_URL, DATA_URL)
        }
    }

    pub fn paper() -> Self {
        Self {
            trade_stream_url: PAPER_TRADE_STREAM_URL.into(),
            data_stream_url: DATA_STREAM_URL.into(),
            ..Self::new(PAPER_TRADING_URL, DATA_URL)
        }
    }

    /// The local paper sandbox serves the trading API (and its own quotes) on one base URL.
    pub fn local(base_url: impl Into<String>) -> Self {
        let base = base_url.into();
        Self::new(base.clone(), base)
    }
}

/// The WebSocket URL of an HTTP base URL (`https` → `wss`, `http` → `ws`).
fn ws_of(http: &str) -> String {
    let trimmed = http.trim_end_matches('/');
    if let Some(rest) = trimmed.strip_prefix("https://") {
        format!("wss://{rest}")
    } else if let Some(rest) = trimmed.strip_prefix("http://") {
        format!("ws://{rest}")
    } else {
        trimmed.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_urls_follow_the_base_urls() {
        let local = AlpacaConfig::local("http://127.0.0.1:8080/");
        assert_eq!(local.trade_stream_url, "ws://127.0.0.1:8080/stream");
        assert_eq!(local.data_stream_url, "ws://127.0.0.1:8080/v2");
        let paper = AlpacaConfig::paper();
        assert_eq!(paper.trade_stream_url, PAPER_TRADE_STREAM_URL);
        assert_eq!(paper.trading_url, PAPER_TRADING_URL);
        assert_eq!(
            AlpacaConfig::live().data_stream_url,
            "wss://stream.data.alpaca.markets/v2"
        );
    }
}
