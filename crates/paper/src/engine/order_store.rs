//! Every order the venue accepted, in creation order, found by id.
//!
//! An `Order` is a few hundred bytes; a hash map holding orders by value moves each of them
//! on every resize (that copying was a third of an order's cost). Here the map holds only an
//! index into a `Vec`, which also gives the creation order that listings and snapshots need.

use uuid::Uuid;

use super::fasthash::FastMap;
use super::types::Order;

#[derive(Clone, Debug, Default, PartialEq)]
pub(super) struct OrderStore {
    orders: Vec<Order>,
    index: FastMap<Uuid, usize>,
}

impl OrderStore {
    pub(super) fn get(&self, id: &Uuid) -> Option<&Order> {
        self.index.get(id).and_then(|&i| self.orders.get(i))
    }

    pub(super) fn get_mut(&mut self, id: &Uuid) -> Option<&mut Order> {
        match self.index.get(id) {
            Some(&i) => self.orders.get_mut(i),
            None => None,
        }
    }

    pub(super) fn contains_key(&self, id: &Uuid) -> bool {
        self.index.contains_key(id)
    }

    /// Adds a new order; an id already present (admission refuses those) is overwritten in
    /// place so the creation order stays as it was.
    pub(super) fn insert(&mut self, order: Order) {
        match self.index.get(&order.id) {
            Some(&i) => {
                if let Some(slot) = self.orders.get_mut(i) {
                    *slot = order;
                }
            }
            None => {
                self.index.insert(order.id, self.orders.len());
                self.orders.push(order);
            }
        }
    }

    /// Keeps the orders `keep` accepts, in their order (an account reset drops its orders).
    pub(super) fn retain(&mut self, keep: impl Fn(&Order) -> bool) {
        self.orders.retain(keep);
        self.index = self
            .orders
            .iter()
            .enumerate()
            .map(|(i, o)| (o.id, i))
            .collect();
    }

    pub(super) fn len(&self) -> usize {
        self.orders.len()
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> std::slice::Iter<'_, Order> {
        self.orders.iter()
    }
}
