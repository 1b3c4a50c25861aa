//! Open orders of one symbol, indexed so that a quote only looks at orders it can execute:
//! limits by price (best first), stops by trigger price, market orders by arrival.
//! With 100k resting orders a quote that crosses none of them costs two map look-ups.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;
use std::cmp::Reverse;
use std::collections::{BTreeMap, VecDeque};
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
    /// Market buys and sells (and triggered stops) waiting for liquidity, each by arrival.
    /// Apart, so a tick stops looking at one side once its quote size is used up, however
    /// many orders of that side wait.
    pub market_buys: ByArrival,
    pub market_sells: ByArrival,
    /// Untriggered trailing stops: their trigger moves with every price.
    pub trailing: ByArrival,
}

/// Orders by arrival sequence. Nearly every market order enters and leaves within one
/// command: a tree allocated and freed a node for each, this queue keeps its buffer. Orders
/// arrive in sequence (a triggered stop with an older one is the rare middle insert) and
/// mostly leave from the front, so both ends are cheap.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ByArrival(VecDeque<(u64, Uuid)>);

impl ByArrival {
    fn insert(&mut self, seq: u64, id: Uuid) {
        match self.0.back() {
            Some(&(last, _)) if last >= seq => {
                match self.0.binary_search_by_key(&seq, |&(s, _)| s) {
                    Ok(i) => self.0[i].1 = id,
                    Err(i) => self.0.insert(i, (seq, id)),
                }
            }
            _ => self.0.push_back((seq, id)),
        }
    }

    fn remove(&mut self, seq: u64) {
        if self.0.front().is_some_and(|&(s, _)| s == seq) {
            self.0.pop_front();
        } else if let Ok(i) = self.0.binary_search_by_key(&seq, |&(s, _)| s) {
            self.0.remove(i);
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The ids, oldest first.
    pub fn values(&self) -> impl Iterator<Item = &Uuid> {
        self.0.iter().map(|(_, id)| id)
    }

    /// The oldest order that arrived after `seq`, if any, with its sequence.
    pub fn first_after(&self, seq: u64) -> Option<(u64, Uuid)> {
        let i = self.0.partition_point(|&(s, _)| s <= seq);
        self.0.get(i).copied()
    }

    /// The newest order's sequence.
    pub fn last_seq(&self) -> Option<u64> {
        self.0.back().map(|&(s, _)| s)
    }
}

/// Where an open order rests, derived from its state so insert and remove always agree.
enum Slot {
    BuyLimit(Decimal),
    SellLimit(Decimal),
    BuyStop(Decimal),
    SellStop(Decimal),
    Market(Side),
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
        _ => Slot::Market(order.side),
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
            Slot::Market(Side::Buy) => self.market_buys.insert(seq, id),
            Slot::Market(Side::Sell) => self.market_sells.insert(seq, id),
            Slot::Trailing => self.trailing.insert(seq, id),
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
            Slot::Market(Side::Buy) => self.market_buys.remove(seq),
            Slot::Market(Side::Sell) => self.market_sells.remove(seq),
            Slot::Trailing => self.trailing.remove(seq),
        }
    }

    pub fn len(&self) -> usize {
        self.buy_limits.len()
            + self.sell_limits.len()
            + self.buy_stops.len()
            + self.sell_stops.len()
            + self.market_buys.len()
            + self.market_sells.len()
            + self.trailing.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(q: &ByArrival) -> Vec<u128> {
        q.values().map(|id| id.as_u128()).collect()
    }

    #[test]
    fn orders_by_arrival_stay_in_sequence_whatever_order_they_come_and_go() {
        let mut q = ByArrival::default();
        for seq in [5, 7, 9] {
            q.insert(seq, Uuid::from_u128(seq.into()));
        }
        // A triggered stop older than the waiting orders goes in its place, not at the back.
        q.insert(6, Uuid::from_u128(6));
        q.insert(1, Uuid::from_u128(1));
        assert_eq!(ids(&q), [1, 5, 6, 7, 9]);
        // The same sequence again replaces, as a map would.
        q.insert(7, Uuid::from_u128(70));
        assert_eq!(ids(&q), [1, 5, 6, 70, 9]);
        q.remove(1); // front
        q.remove(7); // middle
        q.remove(9); // back
        q.remove(8); // absent: nothing happens
        assert_eq!(ids(&q), [5, 6]);
        assert_eq!(q.len(), 2);
        q.remove(5);
        q.remove(6);
        assert!(q.is_empty());
    }
}
