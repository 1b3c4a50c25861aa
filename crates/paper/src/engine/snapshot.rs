//! A compact image of the engine, so a restart loads it and replays only the journal's tail
//! (and the journal can drop what the image already covers). Indexes are not stored: they are
//! rebuilt from the open orders, the same way the engine builds them.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Deserialize, Serialize, Serializer};

use super::chunked::Shared;
use super::*;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineSnapshot {
    config: EngineConfig,
    now: Option<Timestamp>,
    seq: u64,
    accounts: Vec<Account>,
    /// In creation order.
    orders: Vec<Order>,
    quotes: Vec<Quote>,
    trades: Vec<Trade>,
    prev_close: Vec<(Symbol, Decimal)>,
    session: Option<Session>,
    activities: Vec<FillActivity>,
}

/// The engine as a snapshot saves it, taken on the exchange thread without copying its
/// orders and fills (they are shared copy-on-write: the time taken grows with the number of
/// chunks, a thousandth of the orders) and encoded on another thread. It encodes exactly as
/// the `EngineSnapshot` of the same moment does, which is what a restart reads.
#[derive(Clone, Debug)]
pub struct EngineImage {
    config: EngineConfig,
    now: Option<Timestamp>,
    seq: u64,
    accounts: Vec<Account>,
    orders: Shared<Order>,
    quotes: Vec<Quote>,
    trades: Vec<Trade>,
    prev_close: Vec<(Symbol, Decimal)>,
    session: Option<Session>,
    activities: Shared<fills::FillRecord>,
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
        // Fills list as activities through their orders, found by id here, off the exchange.
        let by_id: FastMap<Uuid, &Order> = self.orders.iter().map(|o| (o.id, o)).collect();
        let activities = self
            .activities
            .iter()
            .filter_map(|r| by_id.get(&r.order_id).map(|o| r.view(o)));
        let mut st = s.serialize_struct("EngineSnapshot", 10)?;
        st.serialize_field("config", &self.config)?;
        st.serialize_field("now", &self.now)?;
        st.serialize_field("seq", &self.seq)?;
        st.serialize_field("accounts", &self.accounts)?;
        st.serialize_field("orders", &Seq(self.orders.iter()))?;
        st.serialize_field("quotes", &self.quotes)?;
        st.serialize_field("trades", &self.trades)?;
        st.serialize_field("prev_close", &self.prev_close)?;
        st.serialize_field("session", &self.session)?;
        st.serialize_field("activities", &Seq(activities))?;
        st.end()
    }
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
            orders: self.orders.iter().cloned().collect(),
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
    /// fills listed as activities only when encoded).
    pub fn image(&self) -> EngineImage {
        EngineImage {
            config: self.config.clone(),
            now: self.now,
            seq: self.seq,
            accounts: self.accounts.values().cloned().collect(),
            orders: self.orders.share(),
            quotes: sorted(&self.quotes).into_iter().map(|(_, q)| q).collect(),
            trades: sorted(&self.trades).into_iter().map(|(_, t)| t).collect(),
            prev_close: sorted(&self.prev_close),
            session: self.session,
            activities: self.activities.share(),
        }
    }

    pub fn restore(s: EngineSnapshot) -> Self {
        let mut e = Engine::new(s.config);
        e.now = s.now;
        e.seq = s.seq;
        if let Some(session) = s.session {
            e.set_session(session);
        }
        e.activities = s
            .activities
            .into_iter()
            .map(fills::FillRecord::from)
            .collect();
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
        for o in s.orders {
            // Held legs wait in no book and no expiry list until their entry fills.
            if o.status.is_open() {
                e.open_orders += 1;
            }
            if o.status.is_working() || o.status == OrderStatus::Accepted {
                match o.activate_at.filter(|_| o.status == OrderStatus::Accepted) {
                    Some(at) => {
                        e.scheduled.insert((at, o.seq), o.id);
                    }
                    None => e.books.entry(o.symbol.clone()).or_default().insert(&o),
                }
                if let Some(at) = o.expires_at {
                    e.expiries.insert((at, o.seq), o.id);
                }
            }
            e.orders.insert(o);
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
