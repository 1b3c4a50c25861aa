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
use crate::engine::{MarketUpdate, Quote, Timestamp, Trade};

pub use csv_replay::{CsvReplay, ReplayEnd, ReplayError};
pub use sim::SimulatedMarket;

/// A price that comes with only a trade (a replayed trade or bar, a price set by hand), as the
/// tape shows it: a quote one tick either side (a cent; a hundredth of a cent below $1, where a
/// cent could be most of the price), so orders can fill there, then the trade. Quote first:
/// what the trade triggers (a stop through a gap) then fills at this price, not the last one.
/// The bid never reaches 0 or goes above the price.
pub fn trade_with_quote(symbol: Symbol, price: Decimal, size: Decimal) -> Vec<MarketUpdate> {
    let tick = price_tick(price);
    let book = Decimal::ONE_HUNDRED;
    vec![
        MarketUpdate::Quote(Quote {
            symbol: symbol.clone(),
            bid_price: (price - tick).max(tick.min(price)),
            bid_size: book,
            ask_price: price + tick,
            ask_size: book,
        }),
        MarketUpdate::Trade(Trade {
            symbol,
            price,
            size,
        }),
    ]
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
    use crate::engine::tests::{Harness, margin};
    use crate::engine::{CalendarKind, CommandKind, Event, OrderType, Side};
    use rust_decimal_macros::dec;

    fn quote_of(price: Decimal) -> (Decimal, Decimal) {
        match trade_with_quote(Symbol::new("MSFT"), price, Decimal::ONE_HUNDRED).first() {
            Some(MarketUpdate::Quote(q)) => (q.bid_price, q.ask_price),
            other => panic!("a quote first, got {other:?}"),
        }
    }

    /// One tick either side: a cent from $1 up, a hundredth of a cent below, never a bid of 0.
    #[test]
    fn a_price_set_by_hand_is_quoted_one_tick_either_side() {
        assert_eq!(quote_of(dec!(190.00)), (dec!(189.99), dec!(190.01)));
        assert_eq!(quote_of(dec!(1.00)), (dec!(0.99), dec!(1.01)));
        assert_eq!(quote_of(dec!(0.90)), (dec!(0.8999), dec!(0.9001)));
        assert_eq!(quote_of(dec!(0.0001)), (dec!(0.0001), dec!(0.0002)));
    }

    /// A replayed trade that gaps through a stop fills the stop at its own price, as a price
    /// set by hand does: the replay sent the trade before its quote, and the stop sold at the
    /// last quote, ten dollars above the trade.
    #[test]
    fn a_stop_a_replayed_gap_triggers_fills_at_the_new_price() {
        let mut h = Harness::new(CalendarKind::Always);
        h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
        let buy = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(2));
        h.submit(buy);
        let mut stop = h.req(margin(), "AAPL", Side::Sell, OrderType::Stop, dec!(2));
        stop.stop_price = Some(dec!(95));
        h.submit(stop);
        let events = h.cmd(CommandKind::Market(trade_with_quote(
            Symbol::new("AAPL"),
            dec!(90.00),
            dec!(10),
        )));
        let sold: Vec<Decimal> = events
            .iter()
            .filter_map(|e| match e {
                Event::Filled { fill, .. } => Some(fill.price),
                _ => None,
            })
            .collect();
        assert_eq!(sold, vec![dec!(89.99)]);
    }

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
