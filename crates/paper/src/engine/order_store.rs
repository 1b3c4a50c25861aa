//! Every order the venue accepted, in creation order, found by id.
//!
//! An `Order` is a few hundred bytes; a hash map holding orders by value moves each of them
//! on every resize (that copying was a third of an order's cost). Here the map holds only an
//! index, which also gives the creation order that listings and snapshots need. Orders sit in
//! fixed-capacity chunks rather than one `Vec`: a growing `Vec` copies every order it holds
//! each time it doubles (a fifth of the engine's time in the round-trip bench), a new chunk
//! copies nothing.

use std::collections::hash_map::Entry;
use uuid::Uuid;

use super::fasthash::FastMap;
use super::types::Order;

/// Orders per chunk (~400 KB).
const CHUNK: usize = 1024;

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct OrderStore {
    /// Every chunk but the last is full; none grows past `CHUNK`, so none ever reallocates.
    chunks: Vec<Vec<Order>>,
    index: FastMap<Uuid, usize>,
    len: usize,
}

impl OrderStore {
    fn at(&self, i: usize) -> Option<&Order> {
        self.chunks.get(i / CHUNK).and_then(|c| c.get(i % CHUNK))
    }

    pub(super) fn get(&self, id: &Uuid) -> Option<&Order> {
        self.index.get(id).and_then(|&i| self.at(i))
    }

    pub(super) fn get_mut(&mut self, id: &Uuid) -> Option<&mut Order> {
        match self.index.get(id) {
            Some(&i) => self
                .chunks
                .get_mut(i / CHUNK)
                .and_then(|c| c.get_mut(i % CHUNK)),
            None => None,
        }
    }

    fn push(&mut self, order: Order) {
        match self.chunks.last_mut() {
            Some(c) if c.len() < CHUNK => c.push(order),
            _ => {
                let mut c = Vec::with_capacity(CHUNK);
                c.push(order);
                self.chunks.push(c);
            }
        }
        self.len += 1;
    }

    pub(super) fn contains_key(&self, id: &Uuid) -> bool {
        self.index.contains_key(id)
    }

    /// Adds a new order; an id already present (admission refuses those) is overwritten in
    /// place so the creation order stays as it was.
    pub(super) fn insert(&mut self, order: Order) {
        // One hash look-up for both cases (the entry API), not a get then an insert.
        match self.index.entry(order.id) {
            Entry::Occupied(e) => {
                let i = *e.get();
                if let Some(slot) = self
                    .chunks
                    .get_mut(i / CHUNK)
                    .and_then(|c| c.get_mut(i % CHUNK))
                {
                    *slot = order;
                }
            }
            Entry::Vacant(e) => {
                e.insert(self.len);
                self.push(order);
            }
        }
    }

    /// Keeps the orders `keep` accepts, in their order (an account reset drops its orders).
    pub(super) fn retain(&mut self, keep: impl Fn(&Order) -> bool) {
        let old = std::mem::take(self);
        for order in old.chunks.into_iter().flatten().filter(|o| keep(o)) {
            self.insert(order);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.len
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &Order> + Clone + '_ {
        self.chunks.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn orders_keep_their_creation_order_across_chunks_and_retain() {
        use crate::engine::tests::{Harness, margin};
        use crate::engine::{CalendarKind, OrderType, Side};
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(Decimal::ONE);
        let events = h.submit(req);
        assert!(
            matches!(events[..], [crate::engine::Event::Accepted { .. }]),
            "{events:?}"
        );
        let template = h.order(1).clone();
        let mut store = OrderStore::default();
        let n = CHUNK * 2 + 5;
        for i in 0..n {
            let mut o = template.clone();
            o.id = Uuid::from_u128(i as u128);
            o.seq = i as u64;
            store.insert(o);
        }
        assert_eq!(store.len(), n);
        assert_eq!(store.chunks.len(), 3);
        assert!(store.iter().map(|o| o.seq).eq(0..n as u64));
        assert_eq!(
            store.get(&Uuid::from_u128(CHUNK as u128 + 3)).unwrap().seq,
            CHUNK as u64 + 3
        );
        // Same id again: replaced in place.
        let mut again = template.clone();
        again.id = Uuid::from_u128(7);
        again.seq = 9_999;
        store.insert(again);
        assert_eq!(store.len(), n);
        assert_eq!(store.iter().nth(7).unwrap().seq, 9_999);
        store.retain(|o| o.seq % 2 == 1);
        assert_eq!(store.len(), n / 2);
        assert!(store.iter().all(|o| o.seq % 2 == 1));
        let last = Uuid::from_u128(n as u128 - 2);
        assert_eq!(store.get(&last).unwrap().seq, n as u64 - 2);
        assert!(store.get(&Uuid::from_u128(2)).is_none());
    }
}
