//! The matching engine: a deterministic state machine, `apply(command) -> events`.
//!
//! Time and market data arrive as commands, so the engine never reads a clock, a socket or a
//! random source; replaying the journaled commands rebuilds exactly the same state.

pub mod account;
pub mod book;
pub mod calendar;
pub mod rejection;
pub mod types;
pub mod validate;

#[cfg(test)]
mod proptests;
#[cfg(test)]
mod tests;

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use uuid::Uuid;

pub use account::{Account, AccountSummary, Holding};
pub use calendar::{CalendarKind, Session};
pub use rejection::Rejection;
pub use types::*;

use book::SymbolBook;

/// An instrument the venue lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: Uuid,
    pub symbol: Symbol,
    pub name: String,
    pub exchange: String,
    pub tradable: bool,
    pub shortable: bool,
    pub marginable: bool,
    pub fractionable: bool,
    pub easy_to_borrow: bool,
}

impl Asset {
    /// A listed, fully tradable US equity; the id is derived from the symbol so that it is
    /// stable across restarts.
    pub fn equity(symbol: &str, name: &str, exchange: &str) -> Self {
        let symbol = Symbol::new(symbol);
        Self {
            id: stable_uuid(symbol.as_str()),
            symbol,
            name: name.to_owned(),
            exchange: exchange.to_owned(),
            tradable: true,
            shortable: true,
            marginable: true,
            fractionable: true,
            easy_to_borrow: true,
        }
    }
}

/// FNV-1a over the text, spread into a version-4-shaped UUID: stable and dependency-free.
pub fn stable_uuid(text: &str) -> Uuid {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in text.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    uuid::Builder::from_u128(h)
        .with_version(uuid::Version::Random)
        .into_uuid()
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EngineConfig {
    pub calendar: CalendarKind,
    pub assets: Vec<Asset>,
    /// Fraction above the ask a market buy reserves (Alpaca holds a few percent).
    pub market_buy_buffer: Decimal,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            calendar: CalendarKind::Always,
            assets: crate::quotes::universe::assets(),
            market_buy_buffer: Decimal::new(3, 2),
        }
    }
}

/// One execution, as `GET /v2/account/activities` lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FillActivity {
    pub id: String,
    pub account: AccountId,
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
}

#[derive(Clone, Debug, PartialEq)]
pub struct Engine {
    config: EngineConfig,
    assets: HashMap<Symbol, Asset>,
    now: Option<Timestamp>,
    seq: u64,
    accounts: BTreeMap<AccountId, Account>,
    orders: HashMap<Uuid, Order>,
    /// Creation order, for listings.
    order_log: Vec<Uuid>,
    client_ids: HashMap<(AccountId, String), Uuid>,
    books: HashMap<Symbol, SymbolBook>,
    quotes: HashMap<Symbol, Quote>,
    trades: HashMap<Symbol, Trade>,
    prev_close: HashMap<Symbol, Decimal>,
    /// Queued, `opg` and `cls` orders by the time they go live.
    scheduled: BTreeMap<(Timestamp, u64), Uuid>,
    /// Day orders by the time they expire.
    expiries: BTreeMap<(Timestamp, u64), Uuid>,
    session_close: Option<Timestamp>,
    activities: Vec<FillActivity>,
    open_orders: usize,
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
            config,
            assets,
            now: None,
            seq: 0,
            accounts: BTreeMap::new(),
            orders: HashMap::new(),
            order_log: Vec::new(),
            client_ids: HashMap::new(),
            books: HashMap::new(),
            quotes: HashMap::new(),
            trades: HashMap::new(),
            prev_close: HashMap::new(),
            scheduled: BTreeMap::new(),
            expiries: BTreeMap::new(),
            session_close: None,
            activities: Vec::new(),
            open_orders: 0,
        }
    }

    // ----- queries -------------------------------------------------------------------------

    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub fn calendar(&self) -> CalendarKind {
        self.config.calendar
    }

    /// The time of the last command (engine time never goes back).
    pub fn now(&self) -> Option<Timestamp> {
        self.now
    }

    pub fn assets(&self) -> &[Asset] {
        &self.config.assets
    }

    pub fn asset(&self, symbol: &Symbol) -> Option<&Asset> {
        self.assets.get(symbol)
    }

    pub fn account_ids(&self) -> Vec<AccountId> {
        self.accounts.keys().cloned().collect()
    }

    pub fn account(&self, id: &AccountId) -> Option<&Account> {
        self.accounts.get(id)
    }

    pub fn order(&self, id: &Uuid) -> Option<&Order> {
        self.orders.get(id)
    }

    pub fn order_by_client_id(&self, account: &AccountId, client_order_id: &str) -> Option<&Order> {
        self.client_ids
            .get(&(account.clone(), client_order_id.to_owned()))
            .and_then(|id| self.orders.get(id))
    }

    /// An account's orders, oldest first.
    pub fn orders<'a>(&'a self, account: &'a AccountId) -> impl Iterator<Item = &'a Order> + 'a {
        self.order_log
            .iter()
            .filter_map(|id| self.orders.get(id))
            .filter(move |o| &o.account == account)
    }

    pub fn open_order_count(&self) -> usize {
        self.open_orders
    }

    pub fn quote(&self, symbol: &Symbol) -> Option<&Quote> {
        self.quotes.get(symbol)
    }

    pub fn last_trade(&self, symbol: &Symbol) -> Option<&Trade> {
        self.trades.get(symbol)
    }

    pub fn activities<'a>(
        &'a self,
        account: &'a AccountId,
    ) -> impl Iterator<Item = &'a FillActivity> + 'a {
        self.activities
            .iter()
            .filter(move |a| &a.account == account)
    }

    /// The price positions are valued at: last trade, else quote midpoint.
    pub fn mark(&self, symbol: &Symbol) -> Option<Decimal> {
        if let Some(t) = self.trades.get(symbol) {
            return Some(t.price);
        }
        self.quotes.get(symbol).and_then(|q| {
            (q.bid_price > Decimal::ZERO && q.ask_price > Decimal::ZERO)
                .then(|| (q.bid_price + q.ask_price) / Decimal::TWO)
        })
    }

    fn mark_or_cost(&self, symbol: &Symbol, holding: &Holding) -> Decimal {
        self.mark(symbol)
            .unwrap_or_else(|| holding.avg_entry_price())
    }

    fn session_date(&self) -> chrono::NaiveDate {
        let now = self.now.unwrap_or_default();
        self.config.calendar.current_or_next(now).date
    }

    fn daytrade_count(&self, account: &Account) -> u32 {
        let start = self.config.calendar.sessions_back(self.session_date(), 5);
        account.daytrade_count(start)
    }

    pub fn summary(&self, id: &AccountId) -> Option<AccountSummary> {
        let account = self.accounts.get(id)?;
        Some(account.summary(|s, h| self.mark_or_cost(s, h), self.daytrade_count(account)))
    }

    pub fn positions(&self, id: &AccountId) -> Option<Vec<PositionView>> {
        let account = self.accounts.get(id)?;
        Some(
            account
                .positions
                .iter()
                .filter(|(_, h)| !h.qty.is_zero())
                .map(|(symbol, h)| self.position_view(symbol, h))
                .collect(),
        )
    }

    pub fn position(&self, id: &AccountId, symbol: &Symbol) -> Option<PositionView> {
        let h = self.accounts.get(id)?.positions.get(symbol)?;
        (!h.qty.is_zero()).then(|| self.position_view(symbol, h))
    }

    fn position_view(&self, symbol: &Symbol, h: &Holding) -> PositionView {
        let price = self.mark_or_cost(symbol, h);
        let lastday = self.prev_close.get(symbol).copied().unwrap_or(price);
        let market_value = h.qty * price;
        let unrealized = market_value - h.cost_basis;
        let ratio = |num: Decimal, den: Decimal| {
            if den.is_zero() {
                Decimal::ZERO
            } else {
                (num / den.abs()).round_dp(6)
            }
        };
        let intraday_basis = h.qty * lastday;
        let intraday = market_value - intraday_basis;
        let asset = self.assets.get(symbol);
        PositionView {
            asset_id: asset.map_or_else(|| stable_uuid(symbol.as_str()), |a| a.id),
            symbol: symbol.clone(),
            exchange: asset.map_or_else(String::new, |a| a.exchange.clone()),
            qty: h.qty,
            qty_available: if h.qty > Decimal::ZERO {
                h.qty - h.held_for_orders
            } else {
                h.qty
            },
            avg_entry_price: h.avg_entry_price().round_dp(9).normalize(),
            cost_basis: h.cost_basis,
            current_price: price,
            lastday_price: lastday,
            market_value,
            unrealized_pl: unrealized,
            unrealized_plpc: ratio(unrealized, h.cost_basis),
            unrealized_intraday_pl: intraday,
            unrealized_intraday_plpc: ratio(intraday, intraday_basis),
            change_today: ratio(price - lastday, lastday),
        }
    }

    // ----- commands ------------------------------------------------------------------------

    pub fn apply(&mut self, cmd: Command) -> Vec<Event> {
        let mut out = Vec::new();
        self.advance(cmd.at, &mut out);
        match cmd.kind {
            CommandKind::OpenAccount {
                account,
                kind,
                cash,
            } => self.open_account(account, kind, cash, &mut out),
            CommandKind::Submit(req) => self.submit(req, &mut out),
            CommandKind::Cancel { account, order_id } => self.cancel(&account, order_id, &mut out),
            CommandKind::Replace {
                account,
                order_id,
                new_id,
                changes,
            } => self.replace(&account, order_id, new_id, changes, &mut out),
            CommandKind::Quote(q) => self.on_quote(q, &mut out),
            CommandKind::Trade(t) => self.on_trade(t, &mut out),
            CommandKind::Market(updates) => {
                for u in updates {
                    match u {
                        MarketUpdate::Quote(q) => self.on_quote(q, &mut out),
                        MarketUpdate::Trade(t) => self.on_trade(t, &mut out),
                    }
                }
            }
            CommandKind::Clock => {}
        }
        out
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
        if self.session_close.is_none_or(|close| at >= close) {
            if self.session_close.is_some() {
                self.roll_session();
            }
            self.session_close = Some(calendar.next_close(at));
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
        let at = self.now_ts();
        self.accounts
            .insert(id.clone(), Account::new(id.clone(), kind, cash, at));
        out.push(Event::AccountOpened { account: id });
    }

    fn reference_price(&self, symbol: &Symbol, side: Side) -> Option<Decimal> {
        let quoted = self.quotes.get(symbol).map(|q| match side {
            Side::Buy => q.ask_price,
            Side::Sell => q.bid_price,
        });
        quoted
            .filter(|p| *p > Decimal::ZERO)
            .or_else(|| self.trades.get(symbol).map(|t| t.price))
    }

    /// Every check an order must pass; nothing changes here.
    fn admit(&self, req: &OrderRequest, replacing: Option<&Order>) -> Result<Admission, Rejection> {
        let account = self
            .accounts
            .get(&req.account)
            .ok_or_else(|| Rejection::UnknownAccount(req.account.clone()))?;
        let same_cid = replacing.is_some_and(|o| o.client_order_id == req.client_order_id);
        if !same_cid
            && self
                .client_ids
                .contains_key(&(req.account.clone(), req.client_order_id.clone()))
        {
            return Err(Rejection::DuplicateClientOrderId);
        }
        if replacing.is_none() && self.orders.contains_key(&req.id) {
            return Err(Rejection::Invalid("order id already used".into()));
        }
        let asset = self
            .assets
            .get(&req.symbol)
            .ok_or_else(|| Rejection::UnknownSymbol(req.symbol.clone()))?;
        if !asset.tradable {
            return Err(Rejection::NotTradable(req.symbol.clone()));
        }
        validate::validate(req)?;
        let fractional = req.notional.is_some() || req.qty.is_some_and(|q| !q.fract().is_zero());
        if fractional && !asset.fractionable {
            return Err(Rejection::Invalid(format!(
                "asset {} is not fractionable",
                req.symbol
            )));
        }

        // When the order goes live and when it dies.
        let calendar = self.config.calendar;
        let now = self.now_ts();
        let session = calendar.current_or_next(now);
        let open = calendar.is_open(now);
        let (status, activate_at, expires_at) = match req.time_in_force {
            TimeInForce::Ioc | TimeInForce::Fok if !open => return Err(Rejection::MarketClosed),
            TimeInForce::Ioc | TimeInForce::Fok => (OrderStatus::New, None, None),
            TimeInForce::Opg => {
                let cutoff = session.open - chrono::Duration::minutes(2);
                let at = if calendar.is_continuous() {
                    calendar.next_open(now)
                } else if now < cutoff {
                    session.open
                } else {
                    return Err(Rejection::Invalid(
                        "opg orders must be submitted before 2 minutes to the open".into(),
                    ));
                };
                (OrderStatus::Accepted, Some(at), None)
            }
            TimeInForce::Cls => {
                if now >= session.close - chrono::Duration::minutes(10) {
                    return Err(Rejection::Invalid(
                        "cls orders must be submitted before 10 minutes to the close".into(),
                    ));
                }
                (OrderStatus::Accepted, Some(session.close), None)
            }
            TimeInForce::Day | TimeInForce::Gtc => {
                let expires = (req.time_in_force == TimeInForce::Day).then_some(session.close);
                if open {
                    (OrderStatus::New, None, expires)
                } else {
                    (OrderStatus::Accepted, Some(session.open), expires)
                }
            }
        };

        // Sells: close what is held, or open a short on margin.
        let holding = account.positions.get(&req.symbol);
        let position = holding.map_or(Decimal::ZERO, |h| h.qty);
        let held = holding.map_or(Decimal::ZERO, |h| h.held_for_orders)
            - replacing.map_or(Decimal::ZERO, |o| o.held_qty);
        let reference = self.reference_price(&req.symbol, req.side);
        let mut held_qty = Decimal::ZERO;
        let mut opens_short = false;
        if req.side == Side::Sell {
            let available = (position.max(Decimal::ZERO) - held).max(Decimal::ZERO);
            let requested = match (req.qty, req.notional) {
                (Some(q), _) => q,
                (None, Some(n)) => match reference {
                    Some(p) => trunc_qty(n / p),
                    None => {
                        return Err(Rejection::Invalid(format!(
                            "no market price for {}",
                            req.symbol
                        )));
                    }
                },
                _ => Decimal::ZERO,
            };
            if position > Decimal::ZERO || account.kind == AccountKind::Cash {
                if requested > available {
                    return Err(Rejection::InsufficientQty {
                        requested,
                        available,
                    });
                }
                held_qty = if req.qty.is_some() {
                    requested
                } else {
                    Decimal::ZERO
                };
            } else {
                if fractional {
                    return Err(Rejection::FractionalShort);
                }
                if !asset.shortable {
                    return Err(Rejection::NotShortable(req.symbol.clone()));
                }
                opens_short = true;
            }
        }

        // Pattern-day-trader protection: a 4th day trade in 5 sessions under $25k is refused.
        let summary = account.summary(|s, h| self.mark_or_cost(s, h), self.daytrade_count(account));
        let reduces = (req.side == Side::Sell && position > Decimal::ZERO)
            || (req.side == Side::Buy && position < Decimal::ZERO);
        let opened_today = holding.is_some_and(|h| h.opened_session == Some(self.session_date()));
        if account.kind == AccountKind::Margin
            && reduces
            && opened_today
            && summary.equity < account::PDT_MINIMUM_EQUITY
            && summary.daytrade_count >= 3
        {
            return Err(Rejection::PatternDayTrading);
        }

        // Buying power: buys and short sales reserve; sells of held shares release nothing.
        let buffer = Decimal::ONE + self.config.market_buy_buffer;
        let reserve_price = if req.notional.is_some() && req.side == Side::Buy {
            Decimal::ONE
        } else if req.side == Side::Buy {
            match req.order_type {
                OrderType::Limit | OrderType::StopLimit => req.limit_price.unwrap_or_default(),
                OrderType::Stop => {
                    let stop = req.stop_price.unwrap_or_default();
                    reference.map_or(stop, |r| r.max(stop)) * buffer
                }
                OrderType::Market | OrderType::TrailingStop => match reference {
                    Some(r) => (r * buffer).round_dp(4),
                    None => {
                        return Err(Rejection::Invalid(format!(
                            "no market price for {}",
                            req.symbol
                        )));
                    }
                },
            }
        } else if opens_short {
            match (req.limit_price, reference, req.stop_price) {
                (Some(l), r, _) => r.map_or(l, |r| r.max(l)),
                (None, Some(r), _) => r,
                (None, None, Some(s)) => s,
                (None, None, None) => {
                    return Err(Rejection::Invalid(format!(
                        "no market price for {}",
                        req.symbol
                    )));
                }
            }
        } else {
            Decimal::ZERO
        };
        let leaves = req.qty.or(req.notional).unwrap_or_default();
        let required = leaves * reserve_price;
        let available = summary.buying_power + replacing.map_or(Decimal::ZERO, |o| o.reserved);
        if required > available {
            return Err(Rejection::InsufficientBuyingPower {
                required,
                available,
            });
        }
        Ok(Admission {
            status,
            reserve_price,
            held_qty,
            activate_at,
            expires_at,
        })
    }

    fn submit(&mut self, req: OrderRequest, out: &mut Vec<Event>) {
        match self.admit(&req, None) {
            Ok(adm) => {
                let id = self.accept(req, adm, None);
                if let Some(o) = self.orders.get(&id) {
                    out.push(Event::Accepted { order: o.clone() });
                }
                self.execute_new(id, out);
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
        self.seq += 1;
        let now = self.now_ts();
        let order = Order {
            id: req.id,
            client_order_id: req.client_order_id,
            account: req.account,
            created_at: now,
            updated_at: now,
            submitted_at: now,
            filled_at: None,
            expired_at: None,
            canceled_at: None,
            replaced_at: None,
            replaced_by: None,
            replaces,
            symbol: req.symbol,
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
        };
        let id = order.id;
        self.client_ids
            .insert((order.account.clone(), order.client_order_id.clone()), id);
        self.order_log.push(id);
        self.orders.insert(id, order);
        self.open_orders += 1;
        self.set_reservation(id);
        self.attach(id);
        id
    }

    /// First chance to trade: market orders fill at once; IOC/FOK finish here.
    fn execute_new(&mut self, id: Uuid, out: &mut Vec<Event>) {
        let Some(order) = self.orders.get(&id) else {
            return;
        };
        if order.status != OrderStatus::New {
            return;
        }
        let tif = order.time_in_force;
        if order.order_type == OrderType::TrailingStop {
            let symbol = order.symbol.clone();
            self.update_trailing(&symbol, id);
        }
        match tif {
            TimeInForce::Fok => {
                if self.fillable_now(id) {
                    self.fill_from_quote(id, false, out);
                }
                self.cancel_if_open(id, out);
            }
            TimeInForce::Ioc => {
                self.fill_from_quote(id, false, out);
                self.cancel_if_open(id, out);
            }
            _ => {
                if self
                    .orders
                    .get(&id)
                    .is_some_and(|o| self.is_executable_type(o))
                {
                    self.fill_from_quote(id, false, out);
                }
            }
        }
    }

    fn cancel_if_open(&mut self, id: Uuid, out: &mut Vec<Event>) {
        if self.orders.get(&id).is_some_and(|o| o.status.is_open()) {
            self.close_order(id, OrderStatus::Canceled, out);
        }
    }

    /// Untriggered stops wait for their trigger; everything else may trade on the quote.
    fn is_executable_type(&self, o: &Order) -> bool {
        match o.order_type {
            OrderType::Stop | OrderType::StopLimit | OrderType::TrailingStop => o.triggered,
            OrderType::Market | OrderType::Limit => true,
        }
    }

    /// The quote could fill all that is left (FOK's all-or-nothing test).
    fn fillable_now(&self, id: Uuid) -> bool {
        let Some(o) = self.orders.get(&id) else {
            return false;
        };
        match self.executable(o) {
            Some((price, size)) => self.wanted_qty(o, price, Decimal::MAX) <= size,
            None => false,
        }
    }

    /// The price and size this order could trade at on the current quote, if any.
    fn executable(&self, o: &Order) -> Option<(Decimal, Decimal)> {
        let q = self.quotes.get(&o.symbol)?;
        let (price, size) = match o.side {
            Side::Buy => (q.ask_price, q.ask_size),
            Side::Sell => (q.bid_price, q.bid_size),
        };
        if price <= Decimal::ZERO || size <= Decimal::ZERO {
            return None;
        }
        if let Some(limit) = o.effective_limit() {
            let crosses = match o.side {
                Side::Buy => price <= limit,
                Side::Sell => price >= limit,
            };
            if !crosses {
                return None;
            }
        }
        Some((price, size))
    }

    /// Shares the order still wants at `price`, capped by `size`.
    fn wanted_qty(&self, o: &Order, price: Decimal, size: Decimal) -> Decimal {
        let leaves = match o.qty {
            Some(q) => q - o.filled_qty,
            None => trunc_qty(o.leaves() / price),
        };
        leaves.min(size)
    }

    /// Trades this order against the quote, consuming the quote's size. `auction` is the
    /// closing cross, which happens as the market closes.
    fn fill_from_quote(&mut self, id: Uuid, auction: bool, out: &mut Vec<Event>) -> bool {
        let Some(o) = self.orders.get(&id) else {
            return false;
        };
        if !auction && !self.config.calendar.is_open(self.now_ts()) {
            return false;
        }
        let Some((price, size)) = self.executable(o) else {
            return false;
        };
        let qty = self.wanted_qty(o, price, size);
        if qty <= Decimal::ZERO {
            // A notional order whose remainder buys less than a nano-share is done.
            if o.qty.is_none() && o.filled_qty > Decimal::ZERO {
                self.finish_filled(id);
            }
            return false;
        }
        let side = o.side;
        if let Some(q) = self.quotes.get_mut(&o.symbol) {
            match side {
                Side::Buy => q.ask_size -= qty,
                Side::Sell => q.bid_size -= qty,
            }
        }
        self.execute(id, qty, price, out);
        true
    }

    /// Books one execution against the order and its account.
    fn execute(&mut self, id: Uuid, qty: Decimal, price: Decimal, out: &mut Vec<Event>) {
        let now = self.now_ts();
        let session = self.session_date();
        let daytrade_window = self.config.calendar.sessions_back(session, 5);
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        let Some(account) = self.accounts.get_mut(&order.account) else {
            return;
        };
        let signed = match order.side {
            Side::Buy => qty,
            Side::Sell => -qty,
        };
        if order.held_qty > Decimal::ZERO
            && let Some(h) = account.positions.get_mut(&order.symbol)
        {
            let release = order.held_qty.min(qty);
            h.held_for_orders -= release;
            order.held_qty -= release;
        }
        let effect = account.apply_fill(&order.symbol, signed, price, session);
        if effect.day_trade && account.daytrade_count(daytrade_window) >= 4 {
            account.pattern_day_trader = true;
        }
        order.filled_qty += qty;
        order.filled_notional += qty * price;
        order.filled_avg_price = Some(
            (order.filled_notional / order.filled_qty)
                .round_dp(9)
                .normalize(),
        );
        order.updated_at = now;
        let done = match order.qty {
            Some(q) => order.filled_qty >= q,
            None => trunc_qty(order.leaves() / price).is_zero(),
        };
        order.status = if done {
            OrderStatus::Filled
        } else {
            OrderStatus::PartiallyFilled
        };
        if done {
            order.filled_at = Some(now);
        }
        let position_qty = account.position_qty(&order.symbol);
        let leaves_qty = order.qty.map_or(Decimal::ZERO, |q| q - order.filled_qty);
        self.activities.push(FillActivity {
            // Alpaca's activity id shape; derived, so replay reproduces it.
            id: format!(
                "{}::{}",
                now.format("%Y%m%d%H%M%S%3f"),
                stable_uuid(&format!("{id}/{}", order.filled_qty))
            ),
            account: order.account.clone(),
            at: now,
            order_id: id,
            symbol: order.symbol.clone(),
            side: order.side,
            qty,
            price,
            cum_qty: order.filled_qty,
            leaves_qty,
            order_status: order.status,
        });
        if done {
            self.finish_filled(id);
        } else {
            self.set_reservation(id);
        }
        if let Some(order) = self.orders.get(&id) {
            let fill = Fill {
                qty,
                price,
                at: now,
                position_qty,
            };
            out.push(if done {
                Event::Filled {
                    order: order.clone(),
                    fill,
                }
            } else {
                Event::PartiallyFilled {
                    order: order.clone(),
                    fill,
                }
            });
        }
    }

    fn finish_filled(&mut self, id: Uuid) {
        self.detach(id);
        if let Some(o) = self.orders.get_mut(&id) {
            if o.status != OrderStatus::Filled {
                o.status = OrderStatus::Filled;
                o.filled_at = self.now;
            }
            o.reserved = Decimal::ZERO;
            o.held_qty = Decimal::ZERO;
        }
        self.open_orders = self.open_orders.saturating_sub(1);
    }

    /// Recomputes what an open order holds of its account's buying power.
    fn set_reservation(&mut self, id: Uuid) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let new = o.leaves().max(Decimal::ZERO) * o.reserve_price;
        if let Some(a) = self.accounts.get_mut(&o.account) {
            a.reserved += new - o.reserved;
        }
        o.reserved = new;
    }

    /// Puts an open order where it waits (book or schedule) and takes its share holds.
    fn attach(&mut self, id: Uuid) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if let Some(at) = o.activate_at.filter(|_| o.status == OrderStatus::Accepted) {
            self.scheduled.insert((at, o.seq), id);
        } else {
            self.books.entry(o.symbol.clone()).or_default().insert(o);
        }
        if let Some(at) = o.expires_at {
            self.expiries.insert((at, o.seq), id);
        }
        if o.held_qty > Decimal::ZERO
            && let Some(h) = self
                .accounts
                .get_mut(&o.account)
                .and_then(|a| a.positions.get_mut(&o.symbol))
        {
            h.held_for_orders += o.held_qty;
        }
    }

    /// Inverse of `attach`; the order keeps its own `reserved`/`held_qty` figures.
    fn detach(&mut self, id: Uuid) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if let Some(at) = o.activate_at.filter(|_| o.status == OrderStatus::Accepted) {
            self.scheduled.remove(&(at, o.seq));
        } else if let Some(book) = self.books.get_mut(&o.symbol) {
            book.remove(o);
        }
        if let Some(at) = o.expires_at {
            self.expiries.remove(&(at, o.seq));
        }
        if let Some(a) = self.accounts.get_mut(&o.account) {
            a.reserved -= o.reserved;
            if o.held_qty > Decimal::ZERO
                && let Some(h) = a.positions.get_mut(&o.symbol)
            {
                h.held_for_orders -= o.held_qty;
                if h.qty.is_zero() && h.held_for_orders.is_zero() {
                    a.positions.remove(&o.symbol);
                }
            }
        }
    }

    /// Ends an open order as canceled, expired or replaced.
    fn close_order(&mut self, id: Uuid, status: OrderStatus, out: &mut Vec<Event>) {
        self.detach(id);
        let now = self.now_ts();
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        o.reserved = Decimal::ZERO;
        o.held_qty = Decimal::ZERO;
        o.status = status;
        o.updated_at = now;
        match status {
            OrderStatus::Canceled => o.canceled_at = Some(now),
            OrderStatus::Expired => o.expired_at = Some(now),
            OrderStatus::Replaced => o.replaced_at = Some(now),
            _ => {}
        }
        self.open_orders = self.open_orders.saturating_sub(1);
        match status {
            OrderStatus::Canceled => out.push(Event::Canceled { order: o.clone() }),
            OrderStatus::Expired => out.push(Event::Expired { order: o.clone() }),
            _ => {}
        }
    }

    /// A scheduled order's time has come: queued orders go live; `opg` trades at the open and
    /// `cls` in the closing cross, and whatever they did not fill is canceled.
    fn activate(&mut self, id: Uuid, out: &mut Vec<Event>) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        if o.status != OrderStatus::Accepted {
            return;
        }
        o.status = OrderStatus::New;
        o.updated_at = self.now.unwrap_or_default();
        let tif = o.time_in_force;
        let o = o.clone();
        self.books.entry(o.symbol.clone()).or_default().insert(&o);
        match tif {
            TimeInForce::Opg => {
                self.fill_from_quote(id, false, out);
                self.cancel_if_open(id, out);
            }
            TimeInForce::Cls => {
                self.fill_from_quote(id, true, out);
                self.cancel_if_open(id, out);
            }
            _ => self.execute_new(id, out),
        }
    }

    fn cancel(&mut self, account: &AccountId, id: Uuid, out: &mut Vec<Event>) {
        match self.orders.get(&id) {
            Some(o) if &o.account == account => {
                if o.status.is_open() {
                    self.close_order(id, OrderStatus::Canceled, out);
                } else {
                    out.push(Event::Rejected {
                        rejection: Rejection::NotCancelable,
                        order_id: Some(id),
                        client_order_id: Some(o.client_order_id.clone()),
                    });
                }
            }
            _ => out.push(Event::Rejected {
                rejection: Rejection::OrderNotFound,
                order_id: Some(id),
                client_order_id: None,
            }),
        }
    }

    fn replace(
        &mut self,
        account: &AccountId,
        id: Uuid,
        new_id: Uuid,
        changes: ReplaceRequest,
        out: &mut Vec<Event>,
    ) {
        let reject = |rejection, out: &mut Vec<Event>| {
            out.push(Event::Rejected {
                rejection,
                order_id: Some(id),
                client_order_id: None,
            })
        };
        let Some(old) = self
            .orders
            .get(&id)
            .filter(|o| &o.account == account)
            .cloned()
        else {
            return reject(Rejection::OrderNotFound, out);
        };
        if !old.status.is_open()
            || matches!(old.time_in_force, TimeInForce::Ioc | TimeInForce::Fok)
            || self.orders.contains_key(&new_id)
        {
            return reject(Rejection::NotReplaceable, out);
        }
        let (trail_price, trail_percent) = match (changes.trail, old.trail_percent) {
            (Some(t), Some(_)) => (None, Some(t)),
            (Some(t), None) => (Some(t), None),
            (None, _) => (old.trail_price, old.trail_percent),
        };
        let req = OrderRequest {
            account: old.account.clone(),
            id: new_id,
            client_order_id: changes
                .client_order_id
                .unwrap_or_else(|| new_id.to_string()),
            symbol: old.symbol.clone(),
            side: old.side,
            order_type: old.order_type,
            time_in_force: changes.time_in_force.unwrap_or(old.time_in_force),
            qty: changes.qty.or(old.qty),
            notional: if changes.qty.is_some() {
                None
            } else {
                old.notional
            },
            limit_price: changes.limit_price.or(old.limit_price),
            stop_price: changes.stop_price.or(old.stop_price),
            trail_price,
            trail_percent,
            extended_hours: old.extended_hours,
        };
        match self.admit(&req, Some(&old)) {
            Err(rejection) => reject(rejection, out),
            Ok(adm) => {
                let mut discard = Vec::new();
                self.close_order(id, OrderStatus::Replaced, &mut discard);
                let new_id = self.accept(req, adm, Some(id));
                if let Some(o) = self.orders.get_mut(&id) {
                    o.replaced_by = Some(new_id);
                }
                if let (Some(old), Some(new)) = (self.orders.get(&id), self.orders.get(&new_id)) {
                    out.push(Event::Replaced {
                        old: Box::new(old.clone()),
                        new: Box::new(new.clone()),
                    });
                }
                self.execute_new(new_id, out);
            }
        }
    }

    fn on_quote(&mut self, q: Quote, out: &mut Vec<Event>) {
        let symbol = q.symbol.clone();
        let (bid, ask) = (q.bid_price, q.ask_price);
        self.quotes.insert(symbol.clone(), q);
        if self.books.get(&symbol).is_none_or(SymbolBook::is_empty)
            || !self.config.calendar.is_open(self.now_ts())
        {
            return;
        }
        self.match_symbol(&symbol, ask, bid, out);
    }

    fn on_trade(&mut self, t: Trade, out: &mut Vec<Event>) {
        let symbol = t.symbol.clone();
        let price = t.price;
        self.trades.insert(symbol.clone(), t);
        if self.books.get(&symbol).is_none_or(SymbolBook::is_empty)
            || !self.config.calendar.is_open(self.now_ts())
        {
            return;
        }
        self.match_symbol(&symbol, price, price, out);
    }

    /// Moves a trailing stop's water mark and triggers it when the price comes back by the trail.
    fn update_trailing(&mut self, symbol: &Symbol, id: Uuid) {
        let (buy_px, sell_px) = match self.quotes.get(symbol) {
            Some(q) => (q.ask_price, q.bid_price),
            None => match self.trades.get(symbol) {
                Some(t) => (t.price, t.price),
                None => return,
            },
        };
        self.trail_with(id, buy_px, sell_px);
    }

    fn trail_with(&mut self, id: Uuid, buy_px: Decimal, sell_px: Decimal) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        if o.triggered || o.order_type != OrderType::TrailingStop || !o.status.is_open() {
            return;
        }
        let px = match o.side {
            Side::Buy => buy_px,
            Side::Sell => sell_px,
        };
        if px <= Decimal::ZERO {
            return;
        }
        let hwm = match (o.side, o.hwm) {
            (Side::Sell, Some(h)) => h.max(px),
            (Side::Buy, Some(h)) => h.min(px),
            (_, None) => px,
        };
        o.hwm = Some(hwm);
        let trail = match (o.trail_price, o.trail_percent) {
            (Some(p), _) => p,
            (None, Some(pct)) => hwm * pct / Decimal::ONE_HUNDRED,
            (None, None) => return,
        };
        let stop = match o.side {
            Side::Sell => hwm - trail,
            Side::Buy => hwm + trail,
        };
        o.stop_price = Some(stop.round_dp(4));
        let hit = match o.side {
            Side::Sell => px <= stop,
            Side::Buy => px >= stop,
        };
        if hit {
            self.trigger(id);
        }
    }

    fn trigger(&mut self, id: Uuid) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        let before = o.clone();
        if let Some(book) = self.books.get_mut(&before.symbol) {
            book.remove(&before);
        }
        if let Some(o) = self.orders.get_mut(&id) {
            o.triggered = true;
            let o = o.clone();
            self.books.entry(o.symbol.clone()).or_default().insert(&o);
        }
    }

    /// Triggers stops at `buy_px`/`sell_px`, then trades what the quote now allows:
    /// market orders by arrival, then limits best price first.
    fn match_symbol(
        &mut self,
        symbol: &Symbol,
        buy_px: Decimal,
        sell_px: Decimal,
        out: &mut Vec<Event>,
    ) {
        let Some(book) = self.books.get(symbol) else {
            return;
        };
        let trailing: Vec<Uuid> = book.trailing.values().copied().collect();
        for id in trailing {
            self.trail_with(id, buy_px, sell_px);
        }
        loop {
            let Some(book) = self.books.get(symbol) else {
                return;
            };
            let next = book
                .buy_stops
                .first_key_value()
                .filter(|((stop, _), _)| buy_px > Decimal::ZERO && buy_px >= *stop)
                .map(|(_, id)| *id)
                .or_else(|| {
                    book.sell_stops
                        .first_key_value()
                        .filter(|((stop, _), _)| sell_px > Decimal::ZERO && sell_px <= stop.0)
                        .map(|(_, id)| *id)
                });
            match next {
                Some(id) => self.trigger(id),
                None => break,
            }
        }
        let Some(book) = self.books.get(symbol) else {
            return;
        };
        if !book.market.is_empty() {
            let market: Vec<Uuid> = book.market.values().copied().collect();
            for id in market {
                self.fill_from_quote(id, false, out);
            }
        }
        // Limits: keep taking the best-priced order while it can trade.
        loop {
            let Some(book) = self.books.get(symbol) else {
                return;
            };
            let Some((_, &id)) = book.buy_limits.first_key_value() else {
                break;
            };
            if !self.fill_from_quote(id, false, out) {
                break;
            }
            if self.orders.get(&id).is_some_and(|o| o.status.is_open()) {
                break;
            }
        }
        loop {
            let Some(book) = self.books.get(symbol) else {
                return;
            };
            let Some((_, &id)) = book.sell_limits.first_key_value() else {
                break;
            };
            if !self.fill_from_quote(id, false, out) {
                break;
            }
            if self.orders.get(&id).is_some_and(|o| o.status.is_open()) {
                break;
            }
        }
    }
}
