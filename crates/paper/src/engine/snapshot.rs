//! A compact image of the engine, so a restart loads it and replays only the journal's tail
//! (and the journal can drop what the image already covers). Indexes are not stored: they are
//! rebuilt from the open orders, the same way the engine builds them.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::chunked::{Chunked, Shared};
use super::*;
use crate::bytes::ByteReader;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineSnapshot {
    config: EngineConfig,
    now: Option<Timestamp>,
    seq: u64,
    accounts: Vec<Account>,
    /// In creation order.
    orders: Chunked<Order>,
    quotes: Vec<Quote>,
    trades: Vec<Trade>,
    prev_close: Vec<(Symbol, Decimal)>,
    session: Option<Session>,
    activities: Chunked<FillActivity>,
}

/// The engine as a snapshot saves it, taken on the exchange thread without copying its
/// orders and fills (they are shared copy-on-write: the time taken grows with the number of
/// chunks, a thousandth of the orders) and encoded on another thread: its `head` as JSON, its
/// orders and fills in `image_codec`'s layout (`write_lists`). As JSON it encodes exactly as the
/// `EngineSnapshot` of the same moment does (what images were before the binary lists).
#[derive(Clone, Debug)]
pub struct EngineImage {
    head: EngineHead,
    orders: Shared<Order>,
    activities: Shared<fills::FillRecord>,
}

/// What an image holds besides the orders and fills: bounded by the accounts and symbols, not
/// by the history.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct EngineHead {
    config: EngineConfig,
    now: Option<Timestamp>,
    seq: u64,
    accounts: Vec<Account>,
    quotes: Vec<Quote>,
    trades: Vec<Trade>,
    prev_close: Vec<(Symbol, Decimal)>,
    session: Option<Session>,
}

/// An image's orders and fills, read (`EngineLists::read`) for `Engine::restore_image`.
pub struct EngineLists {
    orders: Chunked<Order>,
    activities: Chunked<fills::FillRecord>,
}

/// A sequence encoded from an iterator, without collecting it first.
struct Seq<I>(I);

impl<I> Serialize for Seq<I>
where
    I: Iterator + Clone,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.clone())
    }
}

impl Serialize for EngineImage {
    /// `EngineSnapshot`'s derived encoding, field for field and in its order.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Fills list as activities through their orders, found here, off the exchange.
        let finder = std::cell::RefCell::new(OrderFinder::new(&self.orders));
        let activities = self
            .activities
            .iter()
            .filter_map(|r| finder.borrow_mut().find(r).map(|o| r.view_of(o)));
        let h = &self.head;
        let mut st = s.serialize_struct("EngineSnapshot", 10)?;
        st.serialize_field("config", &h.config)?;
        st.serialize_field("now", &h.now)?;
        st.serialize_field("seq", &h.seq)?;
        st.serialize_field("accounts", &h.accounts)?;
        st.serialize_field("orders", &Seq(self.orders.iter()))?;
        st.serialize_field("quotes", &h.quotes)?;
        st.serialize_field("trades", &h.trades)?;
        st.serialize_field("prev_close", &h.prev_close)?;
        st.serialize_field("session", &h.session)?;
        st.serialize_field("activities", &Seq(activities))?;
        st.end()
    }
}

/// Items encoded into one buffer before it is written (a chunk's worth).
const BATCH: usize = 1024;

impl EngineImage {
    /// Everything but the orders and fills.
    pub fn head(&self) -> &EngineHead {
        &self.head
    }

    /// The orders, then the fills, each list `count: u64` and its items in `image_codec`'s
    /// layout. Every fill is written as the engine holds it (with its order's sequence number),
    /// so `Engine::restore_image` gives back the engine this image was taken from.
    pub fn write_lists(&self, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        write_list(
            out,
            self.orders.len(),
            self.orders.iter(),
            image_codec::put_order,
        )?;
        write_list(
            out,
            self.activities.len(),
            self.activities.iter(),
            |buf, f| {
                image_codec::put_fill(buf, f);
                Ok(())
            },
        )
    }
}

/// `count: u64`, then the items, encoded a chunk's worth at a time into one buffer and written.
fn write_list<'a, T: 'a>(
    out: &mut dyn std::io::Write,
    count: usize,
    items: impl Iterator<Item = &'a T>,
    put: impl Fn(&mut Vec<u8>, &T) -> image_codec::Decoded<()>,
) -> std::io::Result<()> {
    let invalid = |e: String| std::io::Error::new(std::io::ErrorKind::InvalidData, e);
    out.write_all(&(count as u64).to_le_bytes())?;
    let mut buf = Vec::with_capacity(BATCH * 256);
    for (i, item) in items.enumerate() {
        put(&mut buf, item).map_err(invalid)?;
        if i % BATCH == BATCH - 1 {
            out.write_all(&buf)?;
            buf.clear();
        }
    }
    out.write_all(&buf)
}

impl EngineLists {
    /// The lists `EngineImage::write_lists` wrote, which must be all of `bytes`; `Err` names
    /// the list and item where they stop making sense.
    pub fn read(bytes: &[u8]) -> Result<Self, String> {
        let mut r = ByteReader::new(bytes);
        let orders = list(&mut r, "order", image_codec::order)?;
        let activities = list(&mut r, "fill", image_codec::fill)?;
        if r.remaining() != 0 {
            return Err(format!("{} bytes after the fills", r.remaining()));
        }
        Ok(Self { orders, activities })
    }
}

fn list<T: Clone>(
    r: &mut ByteReader<'_>,
    what: &str,
    item: fn(&mut ByteReader<'_>) -> image_codec::Decoded<T>,
) -> Result<Chunked<T>, String> {
    let count = r
        .array()
        .map(u64::from_le_bytes)
        .ok_or_else(|| format!("the {what} count is cut short"))?;
    let mut items = Chunked::default();
    for i in 0..count {
        items.push(item(r).map_err(|e| format!("{what} {i} of {count}: {e}"))?);
    }
    Ok(items)
}

/// Finds a fill's order among an image's orders. Orders are stored in creation order, each
/// with the next sequence number, so a record's `order_seq` is found by binary search; fills
/// mostly come in their orders' order, so the last one found and the next are tried first.
/// A map of every order by id did this before: a fifth of an image's encoding, nearly all of
/// it cache misses on random ids. The map is still the answer wherever the search misses
/// (no such state is known; it keeps the image right if one arises).
struct OrderFinder<'a> {
    orders: &'a Shared<Order>,
    len: usize,
    last: usize,
    by_id: Option<FastMap<Uuid, &'a Order>>,
}

impl<'a> OrderFinder<'a> {
    fn new(orders: &'a Shared<Order>) -> Self {
        Self {
            orders,
            len: orders.len(),
            last: 0,
            by_id: None,
        }
    }

    fn find(&mut self, r: &fills::FillRecord) -> Option<&'a Order> {
        let orders = self.orders;
        let seq_at = |i: usize| orders.get(i).map(|o| o.seq);
        let at = [self.last, self.last + 1]
            .into_iter()
            .find(|&i| seq_at(i) == Some(r.order_seq))
            .or_else(|| {
                let i = partition_point(self.len, |i| seq_at(i) < Some(r.order_seq));
                (seq_at(i) == Some(r.order_seq)).then_some(i)
            });
        if let Some(i) = at
            && let Some(o) = orders.get(i).filter(|o| o.id == r.order_id)
        {
            self.last = i;
            return Some(o);
        }
        self.by_id
            .get_or_insert_with(|| orders.iter().map(|o| (o.id, o)).collect())
            .get(&r.order_id)
            .copied()
    }
}

/// The first index in `0..len` where `before` is false (`before` true then false, as for
/// `slice::partition_point`).
fn partition_point(len: usize, before: impl Fn(usize) -> bool) -> usize {
    let (mut lo, mut hi) = (0, len);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        if before(mid) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    lo
}

fn sorted<T: Clone>(map: &FastMap<Symbol, T>) -> Vec<(Symbol, T)> {
    let mut v: Vec<(Symbol, T)> = map.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

impl Engine {
    pub fn snapshot(&self) -> EngineSnapshot {
        EngineSnapshot {
            config: self.config.clone(),
            now: self.now,
            seq: self.seq,
            accounts: self.accounts.values().cloned().collect(),
            orders: self.orders.chunks(),
            quotes: sorted(&self.quotes).into_iter().map(|(_, q)| q).collect(),
            trades: sorted(&self.trades).into_iter().map(|(_, t)| t).collect(),
            prev_close: sorted(&self.prev_close),
            session: self.session,
            activities: self
                .activities
                .iter()
                .filter_map(|r| self.orders.get(&r.order_id).map(|o| r.view(o)))
                .collect(),
        }
    }

    /// What `snapshot` holds, with the orders and fills shared rather than copied (and the
    /// fills listed as activities only when encoded as JSON).
    pub fn image(&self) -> EngineImage {
        EngineImage {
            head: EngineHead {
                config: self.config.clone(),
                now: self.now,
                seq: self.seq,
                accounts: self.accounts.values().cloned().collect(),
                quotes: sorted(&self.quotes).into_iter().map(|(_, q)| q).collect(),
                trades: sorted(&self.trades).into_iter().map(|(_, t)| t).collect(),
                prev_close: sorted(&self.prev_close),
                session: self.session,
            },
            orders: self.orders.share(),
            activities: self.activities.share(),
        }
    }

    /// The engine an image's head and lists were written from.
    pub fn restore_image(head: EngineHead, lists: EngineLists) -> Self {
        let mut e = Self::restore_head(head, lists.orders);
        e.activities = lists.activities;
        e
    }

    pub fn restore(s: EngineSnapshot) -> Self {
        let head = EngineHead {
            config: s.config,
            now: s.now,
            seq: s.seq,
            accounts: s.accounts,
            quotes: s.quotes,
            trades: s.trades,
            prev_close: s.prev_close,
            session: s.session,
        };
        let mut e = Self::restore_head(head, s.orders);
        // After the orders: a record keeps its order's sequence number.
        let orders = &e.orders;
        e.activities = s
            .activities
            .into_iter()
            .map(|a| {
                let seq = orders.get(&a.order_id).map_or(0, |o| o.seq);
                fills::FillRecord::from_activity(a, seq)
            })
            .collect();
        e
    }

    /// Everything but the fills, with the indexes rebuilt from the open orders.
    fn restore_head(s: EngineHead, orders: Chunked<Order>) -> Self {
        let mut e = Engine::new(s.config);
        e.now = s.now;
        e.seq = s.seq;
        if let Some(session) = s.session {
            e.set_session(session);
        }
        e.accounts = s.accounts.into_iter().map(|a| (a.id.clone(), a)).collect();
        e.quotes = s
            .quotes
            .into_iter()
            .map(|q| (q.symbol.clone(), q))
            .collect();
        e.trades = s
            .trades
            .into_iter()
            .map(|t| (t.symbol.clone(), t))
            .collect();
        e.prev_close = s.prev_close.into_iter().collect();
        e.orders = OrderStore::from_orders(orders);
        for o in e.orders.iter() {
            // Held legs wait in no book and no expiry list until their entry fills.
            if o.status.is_open() {
                e.open_orders += 1;
            }
            if o.status.is_working() || o.status == OrderStatus::Accepted {
                match o.activate_at.filter(|_| o.status == OrderStatus::Accepted) {
                    Some(at) => {
                        e.scheduled.insert((at, o.seq), o.id);
                    }
                    None => e.books.entry(o.symbol.clone()).or_default().insert(o),
                }
                if let Some(at) = o.expires_at {
                    e.expiries.insert((at, o.seq), o.id);
                }
            }
        }
        e
    }
}

/// Equal state: empty per-symbol books are an artefact of history, not state.
impl PartialEq for Engine {
    fn eq(&self, other: &Self) -> bool {
        let books = |e: &Engine| -> Vec<(Symbol, book::SymbolBook)> {
            let mut v: Vec<_> = e
                .books
                .iter()
                .filter(|(_, b)| !b.is_empty())
                .map(|(k, b)| (k.clone(), b.clone()))
                .collect();
            v.sort_by(|a, b| a.0.cmp(&b.0));
            v
        };
        self.config == other.config
            && self.now == other.now
            && self.seq == other.seq
            && self.accounts == other.accounts
            && self.orders == other.orders
            && books(self) == books(other)
            && self.quotes == other.quotes
            && self.trades == other.trades
            && self.prev_close == other.prev_close
            && self.scheduled == other.scheduled
            && self.expiries == other.expiries
            && self.session == other.session
            && self.daytrade_window == other.daytrade_window
            && self.activities == other.activities
            && self.open_orders == other.open_orders
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::{Harness, margin};
    use crate::engine::{CalendarKind, OrderType, Side};

    /// `n` orders in creation order (sequence numbers 10, 20, …: gaps, as other commands
    /// leave), spanning chunks.
    fn orders(n: usize) -> chunked::Chunked<Order> {
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(Decimal::ONE);
        h.submit(req);
        let template = h.order(1).clone();
        (1..=n)
            .map(|k| {
                let mut o = template.clone();
                o.id = Uuid::from_u128(k as u128 * 7_919);
                o.seq = k as u64 * 10;
                o
            })
            .collect()
    }

    fn record(order_id: Uuid, order_seq: u64) -> fills::FillRecord {
        fills::FillRecord {
            at: Timestamp::default(),
            order_id,
            order_seq,
            qty: Decimal::ONE,
            price: Decimal::ONE,
            cum_qty: Decimal::ONE,
            leaves_qty: Decimal::ZERO,
            order_status: OrderStatus::Filled,
        }
    }

    #[test]
    fn a_fill_finds_its_order_in_any_order_and_by_id_where_its_number_is_wrong() {
        let list = orders(2_500);
        let shared = list.share();
        let mut finder = OrderFinder::new(&shared);
        let id = |k: u128| Uuid::from_u128(k * 7_919);
        // In creation order, partly filled twice, then back and forth across chunks.
        for k in [1, 2, 2, 3, 1_024, 1_025, 2_500, 1, 1_500, 700, 2_499, 2_499] {
            let found = finder.find(&record(id(k), k as u64 * 10)).map(|o| o.id);
            assert_eq!(found, Some(id(k)), "order {k}");
        }
        assert!(finder.by_id.is_none(), "every order found by its number");
        // A number that names another order, or none: the id decides.
        assert_eq!(finder.find(&record(id(9), 500)).map(|o| o.id), Some(id(9)));
        assert_eq!(finder.find(&record(id(9), 5)).map(|o| o.id), Some(id(9)));
        assert!(finder.by_id.is_some());
        // No such order: none (its fill is left out, as before).
        assert_eq!(finder.find(&record(Uuid::from_u128(3), 30)), None);
        let empty = chunked::Chunked::<Order>::default().share();
        assert_eq!(OrderFinder::new(&empty).find(&record(id(1), 10)), None);
    }

    /// An image leaves out `false`, a simple class and an exact `Decimal::ZERO`, and reading
    /// gives each back bit for bit; a zero with a scale ("0.00") is written.
    #[test]
    fn an_image_leaves_out_defaults_and_reads_them_back_exactly() {
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(Decimal::ONE);
        h.submit(req);
        let mut o = h.order(1).clone();
        let bits = |o: &Order| {
            [
                o.filled_qty,
                o.filled_notional,
                o.reserved,
                o.reserve_price,
                o.held_qty,
            ]
            .map(|d| d.serialize())
        };
        o.filled_qty = Decimal::ZERO;
        o.filled_notional = Decimal::ZERO;
        o.reserved = Decimal::ZERO;
        o.reserve_price = Decimal::ZERO;
        o.held_qty = Decimal::ZERO;
        o.extended_hours = false;
        o.triggered = false;
        let text = serde_json::to_string(&o).unwrap();
        for left_out in [
            "filled_qty",
            "filled_notional",
            "reserved",
            "reserve_price",
            "held_qty",
            "extended_hours",
            "triggered",
            "order_class",
        ] {
            assert!(!text.contains(left_out), "{left_out} in {text}");
        }
        let read: Order = serde_json::from_str(&text).unwrap();
        assert_eq!((&read, bits(&read)), (&o, bits(&o)));
        // An image written before they were left out (every field spelled) reads the same.
        let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
        for (field, value) in [
            ("filled_qty", "0".into()),
            ("filled_notional", "0".into()),
            ("reserved", "0".into()),
            ("reserve_price", "0".into()),
            ("held_qty", "0".into()),
            ("extended_hours", false.into()),
            ("triggered", false.into()),
            ("order_class", "simple".into()),
        ] {
            old[field] = value;
        }
        let read: Order = serde_json::from_value(old).unwrap();
        assert_eq!((&read, bits(&read)), (&o, bits(&o)));
        // Zeros that are not `Decimal::ZERO`, and values that are not defaults, are written.
        o.filled_qty = Decimal::new(0, 2);
        o.held_qty = Decimal::new(0, 4);
        o.reserved = Decimal::new(12_345, 2);
        o.extended_hours = true;
        o.triggered = true;
        o.order_class = OrderClass::Oto;
        let text = serde_json::to_string(&o).unwrap();
        assert!(text.contains(r#""filled_qty":"0.00""#), "{text}");
        assert!(text.contains(r#""held_qty":"0.0000""#), "{text}");
        let read: Order = serde_json::from_str(&text).unwrap();
        assert_eq!((&read, bits(&read)), (&o, bits(&o)));
        assert_eq!(serde_json::to_string(&read).unwrap(), text);
    }
}
