//! Every order the venue accepted, in creation order, found by id or by client order id.
//!
//! An `Order` is a few hundred bytes; a hash map holding orders by value moves each of them
//! on every resize (that copying was a third of an order's cost). Here the orders sit in a
//! `Chunked` list (creation order, which listings and snapshots need) and the maps hold only
//! their index. Both maps are kept here, by `insert` and `retain`, so they cannot disagree
//! with the orders.

use hashbrown::HashTable;
use std::collections::hash_map::Entry;
use std::hash::BuildHasher;
use uuid::Uuid;

use super::chunked::{Chunked, Shared};
use super::fasthash::{FastMap, FxBuild};
use super::types::Order;
use brokerdesk_model::AccountId;

#[derive(Clone, Debug, Default)]
pub(super) struct OrderStore {
    orders: Chunked<Order>,
    index: FastMap<Uuid, usize>,
    /// (account, client order id) → the latest order with it, as (hash, index). The hash is
    /// kept so growing the table never reads a key string again (rehashing `String` keys
    /// was a tenth of the engine's time), and no key string is cloned per order.
    by_client: HashTable<(u64, usize)>,
    /// The newest order's id and index: a command asks for the order it just created a dozen
    /// times (admission, holds, book, fills, events), and a 16-byte compare beats hashing.
    newest: Option<(Uuid, usize)>,
}

/// The key of `by_client`. Admission works it out once per order and hands it to `insert`
/// (hashing the two strings twice per order was a tenth of the engine's time).
pub(super) fn client_hash(account: &AccountId, client_order_id: &str) -> u64 {
    FxBuild::default().hash_one((account.as_str(), client_order_id))
}

impl OrderStore {
    fn position(&self, id: &Uuid) -> Option<usize> {
        match self.newest {
            Some((newest, i)) if newest == *id => Some(i),
            _ => self.index.get(id).copied(),
        }
    }

    pub(super) fn get(&self, id: &Uuid) -> Option<&Order> {
        self.position(id).and_then(|i| self.orders.get(i))
    }

    pub(super) fn get_mut(&mut self, id: &Uuid) -> Option<&mut Order> {
        self.position(id).and_then(|i| self.orders.get_mut(i))
    }

    pub(super) fn contains_key(&self, id: &Uuid) -> bool {
        self.position(id).is_some()
    }

    /// The latest order of `account` with this client order id.
    pub(super) fn by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &str,
    ) -> Option<&Order> {
        self.by_client_id_hashed(
            client_hash(account, client_order_id),
            account,
            client_order_id,
        )
    }

    /// `by_client_id` with `h = client_hash(account, client_order_id)` already worked out.
    pub(super) fn by_client_id_hashed(
        &self,
        h: u64,
        account: &AccountId,
        client_order_id: &str,
    ) -> Option<&Order> {
        let orders = &self.orders;
        self.by_client
            .find(h, |&(eh, i)| {
                eh == h
                    && orders.get(i).is_some_and(|o| {
                        o.client_order_id == client_order_id && &o.account == account
                    })
            })
            .and_then(|&(_, i)| orders.get(i))
    }

    /// Adds a new order; an id already present (admission refuses those) is overwritten in
    /// place so the creation order stays as it was. Its client order id now finds it.
    pub(super) fn insert(&mut self, order: Order) {
        let h = client_hash(&order.account, &order.client_order_id);
        self.insert_hashed(order, h);
    }

    /// `insert` with `h = client_hash(&order.account, &order.client_order_id)` already
    /// worked out.
    #[inline]
    pub(super) fn insert_hashed(&mut self, order: Order, h: u64) {
        debug_assert_eq!(h, client_hash(&order.account, &order.client_order_id));
        // One hash look-up for both cases (the entry API), not a get then an insert.
        let id = order.id;
        let i = match self.index.entry(id) {
            Entry::Occupied(e) => {
                let i = *e.get();
                self.forget_client_id(i);
                if let Some(slot) = self.orders.get_mut(i) {
                    *slot = order;
                }
                i
            }
            Entry::Vacant(e) => {
                e.insert(self.orders.len());
                let i = self.orders.push(order);
                self.newest = Some((id, i));
                i
            }
        };
        link_client_id(&mut self.by_client, &self.orders, i, h);
    }

    /// The store of `orders` (a restart's, in creation order) as inserting each in turn
    /// builds it, keeping their chunks rather than copying every order into new ones. Ids are
    /// unique in any image this crate wrote; an edited one that repeats an id is stored as
    /// `insert` stores it (the later order in the earlier one's place).
    pub(super) fn from_orders(orders: Chunked<Order>) -> Self {
        let mut index = FastMap::default();
        index.reserve(orders.len());
        let mut by_client = HashTable::with_capacity(orders.len());
        let mut repeated = false;
        for (i, o) in orders.iter().enumerate() {
            if index.insert(o.id, i).is_some() {
                repeated = true;
                break;
            }
            let h = client_hash(&o.account, &o.client_order_id);
            link_client_id(&mut by_client, &orders, i, h);
        }
        if repeated {
            let mut store = Self::default();
            for order in orders {
                store.insert(order);
            }
            return store;
        }
        let newest = orders
            .len()
            .checked_sub(1)
            .and_then(|i| Some((orders.get(i)?.id, i)));
        Self {
            orders,
            index,
            by_client,
            newest,
        }
    }

    /// Drops the client-id entry that points at order `i`, if one does.
    fn forget_client_id(&mut self, i: usize) {
        let Some(o) = self.orders.get(i) else {
            return;
        };
        let h = client_hash(&o.account, &o.client_order_id);
        if let Ok(e) = self.by_client.find_entry(h, |&(_, j)| j == i) {
            e.remove();
        }
    }

    /// Keeps the orders `keep` accepts, in their order (an account reset drops its orders);
    /// both maps are rebuilt, as indexes move.
    pub(super) fn retain(&mut self, keep: impl Fn(&Order) -> bool) {
        let old = std::mem::take(self);
        for order in old.orders.into_iter().filter(|o| keep(o)) {
            self.insert(order);
        }
    }

    pub(super) fn len(&self) -> usize {
        self.orders.len()
    }

    /// Oldest first.
    pub(super) fn iter(&self) -> impl DoubleEndedIterator<Item = &Order> + Clone + '_ {
        self.orders.iter()
    }

    /// Every order as it is now, shared copy-on-write (a snapshot's image).
    pub(super) fn share(&self) -> Shared<Order> {
        self.orders.share()
    }

    /// Every order as it is now, its chunks shared copy-on-write (a snapshot).
    pub(super) fn chunks(&self) -> Chunked<Order> {
        self.orders.clone()
    }
}

/// Points `(account, client order id)` of order `i` (hashed to `h`) at `i`: the latest order
/// with a client order id is the one it finds.
fn link_client_id(
    by_client: &mut HashTable<(u64, usize)>,
    orders: &Chunked<Order>,
    i: usize,
    h: u64,
) {
    let Some(o) = orders.get(i) else {
        return;
    };
    let same = |&(eh, j): &(u64, usize)| {
        eh == h
            && orders
                .get(j)
                .is_some_and(|p| p.client_order_id == o.client_order_id && p.account == o.account)
    };
    match by_client.entry(h, same, |&(eh, _)| eh) {
        hashbrown::hash_table::Entry::Occupied(mut e) => e.get_mut().1 = i,
        hashbrown::hash_table::Entry::Vacant(e) => {
            e.insert((h, i));
        }
    }
}

/// The maps are derived from the orders (inserted in creation order), so equal orders mean
/// equal stores.
impl PartialEq for OrderStore {
    fn eq(&self, other: &Self) -> bool {
        self.orders == other.orders
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn template() -> Order {
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
        h.order(1).clone()
    }

    fn order(template: &Order, n: usize, account: &str, cid: &str) -> Order {
        let mut o = template.clone();
        o.id = Uuid::from_u128(n as u128);
        o.seq = n as u64;
        o.keys = std::sync::Arc::new(crate::engine::OrderKeys {
            client_order_id: cid.to_owned(),
            account: AccountId::new(account),
            symbol: o.symbol.clone(),
        });
        o
    }

    fn cid_of(store: &OrderStore, account: &str, cid: &str) -> Option<u64> {
        store
            .by_client_id(&AccountId::new(account), cid)
            .map(|o| o.seq)
    }

    #[test]
    fn orders_keep_their_creation_order_and_ids_across_chunks_and_retain() {
        let template = template();
        let mut store = OrderStore::default();
        let n = 1024 * 2 + 5;
        for i in 0..n {
            store.insert(order(&template, i, "A", &format!("c{i}")));
        }
        assert_eq!(store.len(), n);
        assert!(store.iter().map(|o| o.seq).eq(0..n as u64));
        assert_eq!(store.get(&Uuid::from_u128(1024 + 3)).unwrap().seq, 1024 + 3);
        assert_eq!(cid_of(&store, "A", "c1027"), Some(1027));
        // Same id again: replaced in place, and its client id moves with it.
        store.insert(order(&template, 7, "A", "again"));
        assert_eq!(store.len(), n);
        assert_eq!(store.iter().nth(7).unwrap().client_order_id, "again");
        assert_eq!(cid_of(&store, "A", "again"), Some(7));
        assert_eq!(cid_of(&store, "A", "c7"), None);
        store.retain(|o| o.seq % 2 == 1);
        assert_eq!(store.len(), n / 2);
        assert!(store.iter().all(|o| o.seq % 2 == 1));
        let last = Uuid::from_u128(n as u128 - 2);
        assert_eq!(store.get(&last).unwrap().seq, n as u64 - 2);
        assert!(store.get(&Uuid::from_u128(2)).is_none());
        // After retain moved every order, ids and client ids still find the right ones.
        for o in store.iter() {
            assert_eq!(store.get(&o.id).unwrap().seq, o.seq);
            assert_eq!(cid_of(&store, "A", &o.client_order_id), Some(o.seq));
        }
        assert_eq!(cid_of(&store, "A", "c2"), None);
    }

    /// What a restart builds from an image's orders finds every order and client id exactly
    /// as inserting them one by one does, a repeated id (an edited image) included.
    #[test]
    fn a_store_built_from_its_orders_finds_what_inserting_them_finds() {
        let template = template();
        let n = 1024 * 2 + 5;
        // Client ids repeat within an account (the later order answers) and across accounts.
        let orders = |repeat: Option<usize>| -> Vec<Order> {
            (0..n)
                .map(|i| {
                    let id = repeat.filter(|_| i == n - 1).unwrap_or(i);
                    let mut o = order(&template, id, ["A", "B"][i % 2], &format!("c{}", i / 4));
                    o.seq = i as u64;
                    o
                })
                .collect()
        };
        for repeat in [None, Some(5), Some(1024 + 7)] {
            let orders = orders(repeat);
            let mut inserted = OrderStore::default();
            for o in orders.clone() {
                inserted.insert(o);
            }
            let built = OrderStore::from_orders(orders.iter().cloned().collect());
            assert_eq!(built.len(), inserted.len(), "{repeat:?}");
            assert!(built.iter().eq(inserted.iter()), "{repeat:?}");
            assert_eq!(built.newest, inserted.newest, "{repeat:?}");
            assert_eq!(
                built.by_client.len(),
                inserted.by_client.len(),
                "{repeat:?}"
            );
            for o in &orders {
                assert_eq!(
                    built.get(&o.id).map(|b| b.seq),
                    inserted.get(&o.id).map(|i| i.seq)
                );
                for account in ["A", "B"] {
                    let (b, i) = (
                        cid_of(&built, account, &o.client_order_id),
                        cid_of(&inserted, account, &o.client_order_id),
                    );
                    assert_eq!(b, i, "{repeat:?} {account} {}", o.client_order_id);
                }
            }
        }
        assert_eq!(
            OrderStore::from_orders(Chunked::default()),
            OrderStore::default()
        );
    }

    #[test]
    fn client_ids_are_per_account_and_the_latest_order_wins() {
        let template = template();
        let mut store = OrderStore::default();
        store.insert(order(&template, 1, "A", "x"));
        store.insert(order(&template, 2, "B", "x"));
        assert_eq!(cid_of(&store, "A", "x"), Some(1));
        assert_eq!(cid_of(&store, "B", "x"), Some(2));
        assert_eq!(cid_of(&store, "C", "x"), None);
        // A replacement may keep its predecessor's client order id: the new order answers.
        store.insert(order(&template, 3, "A", "x"));
        assert_eq!(cid_of(&store, "A", "x"), Some(3));
        // An account reset drops its orders; the other account's survive.
        store.retain(|o| o.account.as_str() != "A");
        assert_eq!(cid_of(&store, "A", "x"), None);
        assert_eq!(cid_of(&store, "B", "x"), Some(2));
        assert_eq!(store.by_client.len(), 1);
        // The newest order (3, of A) went with its account: no shortcut may still find it.
        assert!(store.get(&Uuid::from_u128(3)).is_none());
        assert!(!store.contains_key(&Uuid::from_u128(3)));
        assert_eq!(store.get(&Uuid::from_u128(2)).unwrap().seq, 2);
    }
}
