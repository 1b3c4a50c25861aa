//! Open orders of one symbol, indexed so that a quote only looks at orders it can execute:
//! limits by price (best first), stops by trigger price, market orders by arrival.
//! With 100k resting orders a quote that crosses none of them costs two map look-ups.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use uuid::Uuid;

use super::types::{Order, OrderType, Side};

#[derive(Clone, Debug, Default, PartialEq)]
pub struct SymbolBook {
    /// Highest limit first, then time.
    pub buy_limits: BTreeMap<(Reverse<Decimal>, u64), Uuid>,
    /// Lowest limit first, then time.
    pub sell_limits: BTreeMap<(Decimal, u64), Uuid>,
    /// Buy stops trigger when the price rises to them: lowest first.
    pub buy_stops: BTreeMap<(Decimal, u64), Uuid>,
    /// Sell stops trigger when the price falls to them: highest first.
    pub sell_stops: BTreeMap<(Reverse<Decimal>, u64), Uuid>,
    /// Market orders (and triggered stops) waiting for liquidity, by arrival.
    pub market: BTreeMap<u64, Uuid>,
    /// Untriggered trailing stops: their trigger moves with every price.
    pub trailing: BTreeMap<u64, Uuid>,
}

/// Where an open order rests, derived from its state so insert and remove always agree.
enum Slot {
    BuyLimit(Decimal),
    SellLimit(Decimal),
    BuyStop(Decimal),
    SellStop(Decimal),
    Market,
    Trailing,
}

fn slot(order: &Order) -> Slot {
    if let Some(limit) = order.effective_limit() {
        return match order.side {
            Side::Buy => Slot::BuyLimit(limit),
            Side::Sell => Slot::SellLimit(limit),
        };
    }
    match (order.order_type, order.triggered) {
        (OrderType::Stop | OrderType::StopLimit, false) => {
            let stop = order.stop_price.unwrap_or_default();
            match order.side {
                Side::Buy => Slot::BuyStop(stop),
                Side::Sell => Slot::SellStop(stop),
            }
        }
        (OrderType::TrailingStop, false) => Slot::Trailing,
        _ => Slot::Market,
    }
}

/// Inserts into the symbol's book, creating it only the first time (no key clone per order).
pub fn insert(books: &mut super::FastMap<Symbol, SymbolBook>, order: &Order) {
    match books.get_mut(&order.symbol) {
        Some(book) => book.insert(order),
        None => {
            let mut book = SymbolBook::default();
            book.insert(order);
            books.insert(order.symbol.clone(), book);
        }
    }
}

impl SymbolBook {
    pub fn insert(&mut self, order: &Order) {
        let (seq, id) = (order.seq, order.id);
        match slot(order) {
            Slot::BuyLimit(p) => {
                self.buy_limits.insert((Reverse(p), seq), id);
            }
            Slot::SellLimit(p) => {
                self.sell_limits.insert((p, seq), id);
            }
            Slot::BuyStop(p) => {
                self.buy_stops.insert((p, seq), id);
            }
            Slot::SellStop(p) => {
                self.sell_stops.insert((Reverse(p), seq), id);
            }
            Slot::Market => {
                self.market.insert(seq, id);
            }
            Slot::Trailing => {
                self.trailing.insert(seq, id);
            }
        }
    }

    pub fn remove(&mut self, order: &Order) {
        let seq = order.seq;
        match slot(order) {
            Slot::BuyLimit(p) => {
                self.buy_limits.remove(&(Reverse(p), seq));
            }
            Slot::SellLimit(p) => {
                self.sell_limits.remove(&(p, seq));
            }
            Slot::BuyStop(p) => {
                self.buy_stops.remove(&(p, seq));
            }
            Slot::SellStop(p) => {
                self.sell_stops.remove(&(Reverse(p), seq));
            }
            Slot::Market => {
                self.market.remove(&seq);
            }
            Slot::Trailing => {
                self.trailing.remove(&seq);
            }
        }
    }

    pub fn len(&self) -> usize {
        self.buy_limits.len()
            + self.sell_limits.len()
            + self.buy_stops.len()
            + self.sell_stops.len()
            + self.market.len()
            + self.trailing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
