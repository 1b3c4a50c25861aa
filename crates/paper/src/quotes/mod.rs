//! Where market data comes from. Every source answers one question, "what happened up to
//! now?", so the feed loop can drive a seeded simulation, a CSV replay or a live vendor alike.

pub mod csv_replay;
pub mod parquet_replay;
pub mod sim;
pub mod universe;

use std::sync::mpsc;

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;

use crate::engine::validate::price_tick;
use crate::engine::{MarketUpdate, Quote, Timestamp};

pub use csv_replay::{CsvReplay, ReplayEnd, ReplayError};
pub use sim::SimulatedMarket;

/// A quote one tick either side of a price that has only a trade (a replayed trade or bar, a
/// price set by hand), so orders can fill there: a cent, or a hundredth of a cent below $1,
/// where a cent could be most of the price. The bid never reaches 0 or goes above the price.
pub fn quote_around(symbol: Symbol, price: Decimal, size: Decimal) -> Quote {
    let tick = price_tick(price);
    Quote {
        symbol,
        bid_price: (price - tick).max(tick.min(price)),
        bid_size: size,
        ask_price: price + tick,
        ask_size: size,
    }
}

pub trait QuoteSource: Send {
    /// Updates due at `now`, oldest first. Called periodically by the feed loop.
    fn poll(&mut self, now: Timestamp) -> Vec<MarketUpdate>;

    /// A price was set by hand: a source that makes prices up continues from it; one that
    /// replays or relays prices goes on with its own.
    fn set_price(&mut self, _symbol: &Symbol, _price: Decimal) {}
}

/// Live quotes pushed by a vendor connection: the connector sends, the feed loop drains.
pub struct ChannelSource {
    rx: mpsc::Receiver<MarketUpdate>,
}

impl ChannelSource {
    pub fn new() -> (mpsc::Sender<MarketUpdate>, Self) {
        let (tx, rx) = mpsc::channel();
        (tx, Self { rx })
    }
}

impl QuoteSource for ChannelSource {
    fn poll(&mut self, _now: Timestamp) -> Vec<MarketUpdate> {
        self.rx.try_iter().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Trade;
    use rust_decimal_macros::dec;

    #[test]
    fn channel_source_drains_what_the_vendor_pushed() {
        let (tx, mut src) = ChannelSource::new();
        let t = MarketUpdate::Trade(Trade {
            symbol: Symbol::new("AAPL"),
            price: dec!(1),
            size: dec!(2),
        });
        tx.send(t.clone()).unwrap();
        assert_eq!(src.poll(chrono::Utc::now()), vec![t]);
        assert!(src.poll(chrono::Utc::now()).is_empty());
    }
}
