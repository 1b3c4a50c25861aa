//! The matching engine: a deterministic state machine, `apply(command) -> events`.
//!
//! Time and market data arrive as commands, so the engine never reads a clock, a socket or a
//! random source; replaying the journaled commands rebuilds exactly the same state.

pub mod account;
pub mod asset;
pub mod book;
pub mod calendar;
pub mod configuration;
pub mod limits;
pub mod rejection;
pub mod time;
pub mod types;
pub mod validate;
pub mod watchlists;

mod admission;
mod booking;
mod chunked;
mod fast_decimal;
mod fasthash;
mod fills;
mod image_codec;
mod immediate;
mod matching;
mod order_class;
mod order_store;
mod queries;
mod reset;
mod snapshot;

#[cfg(test)]
mod extended_hours_tests;
#[cfg(test)]
mod order_class_tests;
#[cfg(test)]
mod proptests;
#[cfg(test)]
pub(crate) mod tests;

use brokerdesk_model::{AccountId, Symbol};
use fasthash::FastMap;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use uuid::Uuid;

pub use account::{Account, AccountSummary, Holding};
pub use asset::{Asset, stable_uuid};
pub use calendar::{CalendarKind, Session};
pub use rejection::Rejection;
pub use snapshot::{EngineHead, EngineImage, EngineLists, EngineSnapshot};
pub use types::*;

use book::SymbolBook;
use order_store::OrderStore;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub calendar: CalendarKind,
    pub assets: Vec<Asset>,
    /// Fraction above the ask a market buy reserves (Alpaca holds a few percent).
    pub market_buy_buffer: Decimal,
    /// Percent of executions that fill only part of what the quote allows, as Alpaca's paper
    /// venue occasionally does. Derived from `seed` and the order, so replay repeats it.
    #[serde(default)]
    pub random_partial_fill_pct: u8,
    #[serde(default)]
    pub seed: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            calendar: CalendarKind::Always,
            assets: crate::quotes::universe::assets(),
            market_buy_buffer: Decimal::new(3, 2),
            random_partial_fill_pct: 0,
            seed: 0,
        }
    }
}

/// One execution, as `GET /v2/account/activities` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FillActivity {
    pub account: AccountId,
    #[serde(
        serialize_with = "time::serialize",
        deserialize_with = "time::deserialize"
    )]
    pub at: Timestamp,
    pub order_id: Uuid,
    pub symbol: Symbol,
    pub side: Side,
    pub qty: Decimal,
    pub price: Decimal,
    pub cum_qty: Decimal,
    pub leaves_qty: Decimal,
    pub order_status: OrderStatus,
}

impl FillActivity {
    /// Alpaca's activity id shape (`time::uuid`), derived so replay gives the same ids; built
    /// on demand because formatting is costlier than the execution itself.
    pub fn id(&self) -> String {
        format!(
            "{}::{}",
            self.at.format("%Y%m%d%H%M%S%3f"),
            stable_uuid(&format!("{}/{}", self.order_id, self.cum_qty))
        )
    }
}

/// A position valued at the venue's current mark.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    pub asset_id: Uuid,
    pub symbol: Symbol,
    pub exchange: String,
    pub qty: Decimal,
    pub qty_available: Decimal,
    pub avg_entry_price: Decimal,
    pub cost_basis: Decimal,
    pub current_price: Decimal,
    pub lastday_price: Decimal,
    pub market_value: Decimal,
    pub unrealized_pl: Decimal,
    pub unrealized_plpc: Decimal,
    pub unrealized_intraday_pl: Decimal,
    pub unrealized_intraday_plpc: Decimal,
    pub change_today: Decimal,
}

/// What an accepted order needs, worked out before anything changes.
struct Admission {
    status: OrderStatus,
    reserve_price: Decimal,
    held_qty: Decimal,
    activate_at: Option<Timestamp>,
    expires_at: Option<Timestamp>,
    /// `order_store::client_hash` of the order's account and client order id.
    client_hash: u64,
}

#[derive(Clone, Debug)]
pub struct Engine {
    config: EngineConfig,
    /// `1 + config.market_buy_buffer`, what a market buy reserves per dollar of the ask (once,
    /// not per order; `None` if out of range, which refuses market buys as before).
    market_buy_factor: Option<Decimal>,
    assets: FastMap<Symbol, Asset>,
    now: Option<Timestamp>,
    seq: u64,
    accounts: BTreeMap<AccountId, Account>,
    /// By id, in creation order (for listings).
    orders: OrderStore,
    books: FastMap<Symbol, SymbolBook>,
    quotes: FastMap<Symbol, Quote>,
    trades: FastMap<Symbol, Trade>,
    prev_close: FastMap<Symbol, Decimal>,
    /// Queued, `opg` and `cls` orders by the time they go live.
    scheduled: BTreeMap<(Timestamp, u64), Uuid>,
    /// Day orders by the time they expire.
    expiries: BTreeMap<(Timestamp, u64), Uuid>,
    /// The session in progress at `now`, or the next one (cached: asked on every order).
    session: Option<Session>,
    /// Day trades after this session date count toward the 5-session window.
    daytrade_window: chrono::NaiveDate,
    activities: chunked::Chunked<fills::FillRecord>,
    open_orders: usize,
    /// Tests turn the on-arrival fill (`immediate`) off to compare it with the general path.
    #[cfg(test)]
    general_path_only: bool,
}

fn trunc_qty(q: Decimal) -> Decimal {
    q.trunc_with_scale(validate::MAX_QTY_DP)
}

impl Engine {
    pub fn new(config: EngineConfig) -> Self {
        let assets = config
            .assets
            .iter()
            .map(|a| (a.symbol.clone(), a.clone()))
            .collect();
        Self {
            market_buy_factor: Decimal::ONE.checked_add(config.market_buy_buffer),
            config,
            assets,
            now: None,
            seq: 0,
            accounts: BTreeMap::new(),
            orders: OrderStore::default(),
            books: FastMap::default(),
            quotes: FastMap::default(),
            trades: FastMap::default(),
            prev_close: FastMap::default(),
            scheduled: BTreeMap::new(),
            expiries: BTreeMap::new(),
            session: None,
            daytrade_window: chrono::NaiveDate::MIN,
            activities: chunked::Chunked::default(),
            open_orders: 0,
            #[cfg(test)]
            general_path_only: false,
        }
    }

    // ----- commands ------------------------------------------------------------------------

    pub fn apply(&mut self, cmd: Command) -> Vec<Event> {
        // A simple order's answer is two events (accepted, then filled or nothing more):
        // room for exactly those is half the allocation `Vec`'s first push makes.
        let mut out = match cmd.kind {
            CommandKind::Submit(_) => Vec::with_capacity(2),
            _ => Vec::new(),
        };
        self.apply_into(cmd, &mut out);
        out
    }

    /// `apply`, appending the events to `out`: a caller gathering the events of many commands
    /// (the exchange answering a request, a bench) keeps one vector instead of one each.
    pub fn apply_into(&mut self, cmd: Command, out: &mut Vec<Event>) {
        self.advance(cmd.at, out);
        match cmd.kind {
            CommandKind::OpenAccount {
                account,
                kind,
                cash,
            } => self.open_account(account, kind, cash, out),
            CommandKind::Submit(req) => self.submit(req, out),
            CommandKind::Cancel { account, order_id } => self.cancel(&account, order_id, out),
            CommandKind::Replace {
                account,
                order_id,
                new_id,
                changes,
            } => self.replace(&account, order_id, new_id, changes, out),
            CommandKind::Quote(q) => self.on_quote(q, out),
            CommandKind::Trade(t) => self.on_trade(t, out),
            CommandKind::Market(updates) => {
                for u in updates {
                    match u {
                        MarketUpdate::Quote(q) => self.on_quote(q, out),
                        MarketUpdate::Trade(t) => self.on_trade(t, out),
                    }
                }
            }
            CommandKind::Clock => {}
            CommandKind::ResetAccount { account, cash } => self.reset_account(account, cash, out),
            CommandKind::Watchlist(_) => {}
            CommandKind::Configure { account, config } => match self.accounts.get_mut(&account) {
                Some(a) => {
                    a.config = config;
                    out.push(Event::Configured { account });
                }
                None => out.push(Event::Rejected {
                    rejection: Rejection::UnknownAccount(account),
                    order_id: None,
                    client_order_id: None,
                }),
            },
        }
    }

    fn now_ts(&self) -> Timestamp {
        self.now.unwrap_or_default()
    }

    /// Moves time forward: session rollover, scheduled activations, day-order expiry.
    fn advance(&mut self, at: Timestamp, out: &mut Vec<Event>) {
        if self.now.is_some_and(|n| at <= n) {
            return;
        }
        self.now = Some(at);
        let calendar = self.config.calendar;
        if self.session.is_none_or(|s| at >= s.close) {
            if self.session.is_some() {
                self.roll_session();
            }
            self.set_session(calendar.current_or_next(at));
        }
        while let Some((&(ts, seq), &id)) = self.scheduled.first_key_value() {
            if ts > at {
                break;
            }
            self.scheduled.remove(&(ts, seq));
            self.activate(id, out);
        }
        while let Some((&(ts, seq), &id)) = self.expiries.first_key_value() {
            if ts > at {
                break;
            }
            self.expiries.remove(&(ts, seq));
            if self.orders.get(&id).is_some_and(|o| o.status.is_open()) {
                self.close_order(id, OrderStatus::Expired, out);
            }
        }
    }

    fn set_session(&mut self, session: Session) {
        self.daytrade_window = self.config.calendar.sessions_back(session.date, 5);
        self.session = Some(session);
    }

    /// Whether the market trades now (regular hours of the cached session).
    fn market_open(&self) -> bool {
        match (self.session, self.now) {
            (Some(s), Some(now)) => s.open <= now && now < s.close,
            _ => false,
        }
    }

    /// Whether an extended-hours order may trade now (asked only outside regular hours).
    fn extended_open(&self) -> bool {
        self.now
            .is_some_and(|now| self.config.calendar.in_extended_hours(now))
    }

    /// Whether `o` may trade now: in regular hours, or in extended hours if it asked to.
    fn may_trade(&self, o: &Order) -> bool {
        self.market_open() || (o.extended_hours && self.extended_open())
    }

    /// Whether anything may trade now: regular hours, or extended hours for some orders.
    fn trading_window(&self) -> bool {
        self.market_open() || self.extended_open()
    }

    /// At a session's close: remember closing prices and equity for "today" figures.
    fn roll_session(&mut self) {
        let marks: Vec<(Symbol, Decimal)> = self
            .assets
            .keys()
            .filter_map(|s| self.mark(s).map(|m| (s.clone(), m)))
            .collect();
        let ids: Vec<AccountId> = self.accounts.keys().cloned().collect();
        for id in ids {
            if let Some(s) = self.summary(&id)
                && let Some(a) = self.accounts.get_mut(&id)
            {
                a.last_equity = s.equity;
            }
        }
        self.prev_close.extend(marks);
    }

    fn open_account(
        &mut self,
        id: AccountId,
        kind: AccountKind,
        cash: Decimal,
        out: &mut Vec<Event>,
    ) {
        if self.accounts.contains_key(&id) {
            out.push(Event::Rejected {
                rejection: Rejection::AccountExists(id),
                order_id: None,
                client_order_id: None,
            });
            return;
        }
        if !(Decimal::ZERO..=validate::MAX_CASH).contains(&cash) {
            out.push(Event::Rejected {
                rejection: Rejection::Invalid(format!(
                    "cash must be between 0 and {}",
                    validate::MAX_CASH
                )),
                order_id: None,
                client_order_id: None,
            });
            return;
        }
        let at = self.now_ts();
        self.accounts
            .insert(id.clone(), Account::new(id.clone(), kind, cash, at));
        out.push(Event::AccountOpened { account: id });
    }

    fn submit(&mut self, req: OrderRequest, out: &mut Vec<Event>) {
        match self.admit(&req, None) {
            Ok(adm) => {
                let class = req.class;
                let client_hash = adm.client_hash;
                let id = req.id;
                let order = self.new_order(req, adm, None);
                self.orders.insert_hashed(order, client_hash);
                if class.class() == OrderClass::Simple
                    && let Some(execution) = self.take_full_fill_now(&id)
                {
                    self.fill_on_arrival(id, execution, out);
                    return;
                }
                self.open_stored(id);
                self.create_legs(id, &class);
                if let Some(o) = self.orders.get(&id) {
                    out.push(Event::Accepted { order: o.boxed() });
                    for leg in &o.legs {
                        if let Some(l) = self.orders.get(leg) {
                            out.push(Event::Accepted { order: l.boxed() });
                        }
                    }
                }
                self.execute_new(id, out);
                // An OCO's stop-loss is live from the start, like its take-profit.
                if class.class() == OrderClass::Oco {
                    let legs = self.orders.get(&id).map(|o| o.legs.clone());
                    for leg in legs.unwrap_or_default() {
                        self.execute_new(leg, out);
                    }
                }
            }
            Err(rejection) => out.push(Event::Rejected {
                rejection,
                order_id: Some(req.id),
                client_order_id: Some(req.client_order_id),
            }),
        }
    }

    /// Creates the order and puts it where it waits; returns its id.
    fn accept(&mut self, req: OrderRequest, adm: Admission, replaces: Option<Uuid>) -> Uuid {
        let client_hash = adm.client_hash;
        let order = self.new_order(req, adm, replaces);
        self.store_open(order, client_hash)
    }

    /// Stores an open order and puts it where it waits, with its holds; returns its id.
    fn store_open(&mut self, order: Order, client_hash: u64) -> Uuid {
        let id = order.id;
        self.orders.insert_hashed(order, client_hash);
        self.open_stored(id);
        id
    }

    /// Opens stored order `id`: counts it and puts it where it waits, with its holds.
    fn open_stored(&mut self, id: Uuid) {
        self.open_orders += 1;
        self.set_reservation(id);
        self.attach(id);
    }

    /// The order an admitted request becomes (the next sequence number is its).
    fn new_order(&mut self, req: OrderRequest, adm: Admission, replaces: Option<Uuid>) -> Order {
        self.seq += 1;
        let now = self.now_ts();
        Order {
            id: req.id,
            keys: std::sync::Arc::new(OrderKeys {
                client_order_id: req.client_order_id,
                account: req.account,
                symbol: req.symbol,
            }),
            created_at: now,
            updated_at: now,
            submitted_at: now,
            filled_at: None,
            expired_at: None,
            canceled_at: None,
            replaced_at: None,
            replaced_by: None,
            replaces,
            side: req.side,
            order_type: req.order_type,
            time_in_force: req.time_in_force,
            qty: req.qty,
            notional: req.notional,
            filled_qty: Decimal::ZERO,
            filled_avg_price: None,
            limit_price: req.limit_price,
            stop_price: req.stop_price,
            trail_price: req.trail_price,
            trail_percent: req.trail_percent,
            hwm: None,
            status: adm.status,
            extended_hours: req.extended_hours,
            seq: self.seq,
            triggered: false,
            filled_notional: Decimal::ZERO,
            reserved: Decimal::ZERO,
            reserve_price: adm.reserve_price,
            held_qty: adm.held_qty,
            expires_at: adm.expires_at,
            activate_at: adm.activate_at,
            order_class: req.class.class(),
            legs: Vec::new(),
            parent: None,
        }
    }
}
