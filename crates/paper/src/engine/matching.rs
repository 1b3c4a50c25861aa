//! Order life after admission: trading against quotes, triggers, fills, reservations, cancels,
//! replaces and expiry.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use uuid::Uuid;

use super::booking::{Execution, HoldsIn, Unbooked, book_execution};
use super::fast_decimal::{self, Sign};
use super::*;

impl Engine {
    /// First chance to trade: market orders fill at once; IOC/FOK finish here.
    pub(super) fn execute_new(&mut self, id: Uuid, out: &mut Vec<Event>) {
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

    pub(super) fn cancel_if_open(&mut self, id: Uuid, out: &mut Vec<Event>) {
        if self.orders.get(&id).is_some_and(|o| o.status.is_open()) {
            self.close_order(id, OrderStatus::Canceled, out);
        }
    }

    /// Untriggered stops wait for their trigger; everything else may trade on the quote.
    pub(super) fn is_executable_type(&self, o: &Order) -> bool {
        match o.order_type {
            OrderType::Stop | OrderType::StopLimit | OrderType::TrailingStop => o.triggered,
            OrderType::Market | OrderType::Limit => true,
        }
    }

    /// The quote could fill all that is left (FOK's all-or-nothing test).
    pub(super) fn fillable_now(&self, id: Uuid) -> bool {
        let Some(o) = self.orders.get(&id) else {
            return false;
        };
        match self.executable(o) {
            Some((price, size)) => wanted_qty(o, price, Decimal::MAX) <= size,
            None => false,
        }
    }

    /// The price and size this order could trade at on the current quote, if any.
    pub(super) fn executable(&self, o: &Order) -> Option<(Decimal, Decimal)> {
        executable_on(self.quotes.get(&o.symbol)?, o)
    }

    /// Trades this order against the quote, consuming the quote's size. `auction` is the
    /// closing cross, which happens as the market closes.
    pub(super) fn fill_from_quote(
        &mut self,
        id: Uuid,
        auction: bool,
        out: &mut Vec<Event>,
    ) -> bool {
        let Some(o) = self.orders.get(&id) else {
            return false;
        };
        // A leg canceled by its partner earlier in this command may still be in a caller's
        // list of ids: only working orders trade.
        // Outside regular hours only extended-hours orders trade (the closing cross aside).
        let may_trade = auction || self.may_trade(o);
        if !o.status.is_working() || !may_trade {
            return false;
        }
        let Some((price, size)) = self.executable(o) else {
            return false;
        };
        let mut wanted = wanted_qty(o, price, size);
        if let Some(cap) = self.exit_cap(o) {
            if cap.is_zero() {
                // Nothing left to close: the exit is done. Shares other orders hold: it waits.
                let position = self
                    .accounts
                    .get(&o.account)
                    .map_or(Decimal::ZERO, |a| a.position_qty(&o.symbol));
                let flat = match o.side {
                    Side::Sell => !position.gt0(),
                    Side::Buy => !position.lt0(),
                };
                if flat {
                    self.close_order(id, OrderStatus::Canceled, out);
                }
                return false;
            }
            wanted = wanted.min(cap);
        }
        let qty = random_partial(&self.config, o, wanted);
        if !qty.gt0() {
            // A notional order whose remainder buys less than a nano-share is done.
            if o.qty.is_none() && o.filled_qty.gt0() {
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

    /// Books one execution against the stored order `id` and its account.
    pub(super) fn execute(&mut self, id: Uuid, qty: Decimal, price: Decimal, out: &mut Vec<Event>) {
        let clock = self.fill_clock();
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        // Simple orders (nearly all) skip the order-class bookkeeping and its look-up.
        let linked = order.order_class != OrderClass::Simple;
        let booked = book_execution(
            &mut self.accounts,
            &mut self.activities,
            order,
            Execution { qty, price },
            clock,
            HoldsIn::Position,
        );
        let booked = match booked {
            Ok(b) => b,
            Err(Unbooked::NoAccount) => return,
            Err(Unbooked::OutOfRange) => {
                self.close_order(id, OrderStatus::Canceled, out);
                return;
            }
        };
        let overheld = booked
            .overheld
            .then(|| (order.account.clone(), order.symbol.clone()));
        if booked.done {
            self.finish_filled(id);
        } else {
            self.set_reservation(id);
        }
        if let Some(order) = self.orders.get(&id) {
            out.push(booked.into_event(order));
        }
        if linked {
            self.after_fill(id, out);
        }
        if let Some((account, symbol)) = overheld {
            self.trim_holds(&account, &symbol);
        }
    }

    /// Cuts the share holds of `account`'s open sells of `symbol`, newest first, until they
    /// hold no more than the long position. Rare (a short sell trading into a long), so a scan.
    pub(super) fn trim_holds(&mut self, account: &AccountId, symbol: &Symbol) {
        let excess = |e: &Self| {
            e.accounts
                .get(account)
                .and_then(|a| a.positions.get(symbol))
                .map_or(Decimal::ZERO, |h| h.held_for_orders - h.qty.max0())
        };
        let holders: Vec<Uuid> = self
            .orders
            .iter()
            .rev()
            .filter(|o| {
                o.status.is_open()
                    && o.held_qty.gt0()
                    && &o.account == account
                    && &o.symbol == symbol
            })
            .map(|o| o.id)
            .collect();
        for id in holders {
            let over = excess(self);
            if !over.gt0() {
                return;
            }
            let Some(o) = self.orders.get_mut(&id) else {
                continue;
            };
            let cut = o.held_qty.min(over);
            o.held_qty -= cut;
            if let Some(h) = self
                .accounts
                .get_mut(account)
                .and_then(|a| a.positions.get_mut(symbol))
            {
                h.held_for_orders -= cut;
            }
        }
    }

    pub(super) fn finish_filled(&mut self, id: Uuid) {
        self.detach(id);
        let mut grouped = false;
        if let Some(o) = self.orders.get_mut(&id) {
            if o.status != OrderStatus::Filled {
                o.status = OrderStatus::Filled;
                o.filled_at = self.now;
            }
            o.reserved = Decimal::ZERO;
            o.held_qty = Decimal::ZERO;
            grouped = o.order_class != OrderClass::Simple;
        }
        self.open_orders = self.open_orders.saturating_sub(1);
        if grouped {
            self.rebalance_partners(id);
        }
    }

    /// Recomputes what an open order holds of its account's buying power. Covering exits that
    /// cancel each other (`hold_group`) hold their largest need once, on the earliest of them.
    pub(super) fn set_reservation(&mut self, id: Uuid) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        // Most orders are simple: one look-up, as before groups existed.
        if o.order_class == OrderClass::Simple {
            let need = need_of(o);
            hold(&mut self.accounts, o, need);
            return;
        }
        let mut group = self.hold_group(id);
        if group.is_empty() {
            group.push(id); // an entry, a held leg, or an exit left alone: its own need
        }
        let members: Vec<(Uuid, u64, Decimal)> = group
            .iter()
            .filter_map(|g| self.orders.get(g).map(|o| (*g, o.seq, need_of(o))))
            .collect();
        let top = members.iter().map(|m| m.2).max().unwrap_or(Decimal::ZERO);
        let holder = members.iter().min_by_key(|m| m.1).map(|m| m.0);
        for (g, _, _) in &members {
            self.reserve(
                *g,
                if Some(*g) == holder {
                    top
                } else {
                    Decimal::ZERO
                },
            );
        }
    }

    /// After `id` closed: its covering partners, if any, take over the hold it carried.
    pub(super) fn rebalance_partners(&mut self, id: Uuid) {
        let partner = self.orders.get(&id).and_then(|o| {
            self.partners(o)
                .into_iter()
                .find(|p| self.orders.get(p).is_some_and(|p| p.status.is_open()))
        });
        if let Some(p) = partner {
            self.set_reservation(p);
        }
    }

    /// Sets what `id` holds of its account's buying power to `amount`.
    fn reserve(&mut self, id: Uuid, amount: Decimal) {
        if let Some(o) = self.orders.get_mut(&id) {
            hold(&mut self.accounts, o, amount);
        }
    }

    /// Puts an open order where it waits (book or schedule) and takes its share holds.
    pub(super) fn attach(&mut self, id: Uuid) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if let Some(at) = o.activate_at.filter(|_| o.status == OrderStatus::Accepted) {
            self.scheduled.insert((at, o.seq), id);
        } else {
            book::insert(&mut self.books, o);
        }
        if let Some(at) = o.expires_at {
            self.expiries.insert((at, o.seq), id);
        }
        if o.held_qty.gt0()
            && let Some(h) = self
                .accounts
                .get_mut(&o.account)
                .and_then(|a| a.positions.get_mut(&o.symbol))
        {
            h.held_for_orders = h.held_for_orders.saturating_add(o.held_qty);
        }
    }

    /// Inverse of `attach`; the order keeps its own `reserved`/`held_qty` figures.
    pub(super) fn detach(&mut self, id: Uuid) {
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
            a.reserved = a.reserved.saturating_sub(o.reserved);
            if o.held_qty.gt0()
                && let Some(h) = a.positions.get_mut(&o.symbol)
            {
                h.held_for_orders -= o.held_qty;
            }
        }
    }

    /// Ends an open order as canceled, expired or replaced.
    pub(super) fn close_order(&mut self, id: Uuid, status: OrderStatus, out: &mut Vec<Event>) {
        self.detach(id);
        let now = self.now_ts();
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        o.reserved = Decimal::ZERO;
        o.held_qty = Decimal::ZERO;
        o.status = status;
        o.updated_at = now;
        let has_legs = !o.legs.is_empty();
        let grouped = o.order_class != OrderClass::Simple;
        match status {
            OrderStatus::Canceled => o.canceled_at = Some(now),
            OrderStatus::Expired => o.expired_at = Some(now),
            OrderStatus::Replaced => o.replaced_at = Some(now),
            _ => {}
        }
        self.open_orders = self.open_orders.saturating_sub(1);
        match status {
            OrderStatus::Canceled => out.push(Event::Canceled { order: o.boxed() }),
            OrderStatus::Expired => out.push(Event::Expired { order: o.boxed() }),
            _ => {}
        }
        if grouped {
            self.rebalance_partners(id);
        }
        if has_legs && matches!(status, OrderStatus::Canceled | OrderStatus::Expired) {
            self.after_close(id, out);
        }
    }

    /// A scheduled order's time has come: queued orders go live; `opg` trades at the open and
    /// `cls` in the closing cross, and whatever they did not fill is canceled.
    pub(super) fn activate(&mut self, id: Uuid, out: &mut Vec<Event>) {
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
        book::insert(&mut self.books, &o);
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

    pub(super) fn cancel(&mut self, account: &AccountId, id: Uuid, out: &mut Vec<Event>) {
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

    pub(super) fn replace(
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
        // A bracket's, OTO's or OCO's exit leg: its price may move (Alpaca's leg replace).
        if old.parent.is_some() && old.status.is_open() && !self.orders.contains_key(&new_id) {
            if let Err(rejection) = self.replace_leg(&old, new_id, &changes, out) {
                reject(rejection, out);
            }
            return;
        }
        // Replacing a parent would give it a new id and break its links to its legs.
        if !old.status.is_open()
            || old.order_class != OrderClass::Simple
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
            class: ClassRequest::Simple,
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
                        old: old.boxed(),
                        new: new.boxed(),
                    });
                }
                self.execute_new(new_id, out);
            }
        }
    }

    pub(super) fn on_quote(&mut self, q: Quote, out: &mut Vec<Event>) {
        if !q.is_sane() {
            return;
        }
        let (bid, ask) = (q.bid_price, q.ask_price);
        // A symbol already quoted (every tick but its first) is updated in place: no key clone
        // or allocation per tick, and the command's symbol serves the matching below.
        let symbol = match self.quotes.get_mut(&q.symbol) {
            Some(slot) => {
                slot.bid_price = q.bid_price;
                slot.bid_size = q.bid_size;
                slot.ask_price = q.ask_price;
                slot.ask_size = q.ask_size;
                q.symbol
            }
            None => {
                let symbol = q.symbol.clone();
                self.quotes.insert(symbol.clone(), q);
                symbol
            }
        };
        // An empty or absent book is `match_symbol`'s first, cheap exit.
        if !self.trading_window() {
            return;
        }
        self.match_symbol(&symbol, ask, bid, Some((ask, bid)), out);
    }

    pub(super) fn on_trade(&mut self, t: Trade, out: &mut Vec<Event>) {
        if !t.is_sane() {
            return;
        }
        let symbol = t.symbol.clone();
        let price = t.price;
        self.trades.insert(symbol.clone(), t);
        if self.books.get(&symbol).is_none_or(SymbolBook::is_empty) || !self.trading_window() {
            return;
        }
        let touch = self.quotes.get(&symbol).map(|q| (q.ask_price, q.bid_price));
        self.match_symbol(&symbol, price, price, touch, out);
    }

    /// Moves a trailing stop's water mark and triggers it when the price comes back by the trail.
    pub(super) fn update_trailing(&mut self, symbol: &Symbol, id: Uuid) {
        let (buy_px, sell_px) = match self.quotes.get(symbol) {
            Some(q) => (q.ask_price, q.bid_price),
            None => match self.trades.get(symbol) {
                Some(t) => (t.price, t.price),
                None => return,
            },
        };
        self.trail_with(id, buy_px, sell_px);
    }

    pub(super) fn trail_with(&mut self, id: Uuid, buy_px: Decimal, sell_px: Decimal) {
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
        if !px.gt0() {
            return;
        }
        let hwm = match (o.side, o.hwm) {
            (Side::Sell, Some(h)) => h.max(px),
            (Side::Buy, Some(h)) => h.min(px),
            (_, None) => px,
        };
        o.hwm = Some(hwm);
        let trail = match (o.trail_price, o.trail_percent) {
            (Some(p), _) => Some(p),
            (None, Some(pct)) => hwm.checked_mul(pct).map(|v| v / Decimal::ONE_HUNDRED),
            (None, None) => return,
        };
        let stop = trail.and_then(|trail| match o.side {
            Side::Sell => hwm.checked_sub(trail),
            Side::Buy => hwm.checked_add(trail),
        });
        let Some(stop) = stop else {
            return;
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

    pub(super) fn trigger(&mut self, id: Uuid) {
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
            book::insert(&mut self.books, &o);
        }
    }

    /// Triggers stops at `buy_px`/`sell_px`, then trades what the quote now allows:
    /// market orders by arrival, then limits best price first. `touch` is the symbol's quote
    /// (ask, bid), which the caller has at hand (a tick is that quote: one look-up less).
    pub(super) fn match_symbol(
        &mut self,
        symbol: &Symbol,
        buy_px: Decimal,
        sell_px: Decimal,
        touch: Option<(Decimal, Decimal)>,
        out: &mut Vec<Event>,
    ) {
        if !self.market_open() {
            return self.match_extended(symbol, buy_px, sell_px, out);
        }
        let Some(book) = self.books.get(symbol) else {
            return;
        };
        // Limits trade at the quote (`executable`), whose prices a fill does not move.
        let buy_crosses = |limit: Decimal| {
            touch.is_some_and(|(ask, _)| ask.gt0() && !fast_decimal::gt(ask, limit))
        };
        let sell_crosses = |limit: Decimal| {
            touch.is_some_and(|(_, bid)| bid.gt0() && !fast_decimal::lt(bid, limit))
        };
        // Most ticks move nothing: no trailing stop, no waiting market order, no stop hit and
        // no limit crossed is settled with this one look at the book.
        let quiet = book.trailing.is_empty()
            && book.market_buys.is_empty()
            && book.market_sells.is_empty()
            && !book
                .buy_stops
                .first_key_value()
                .is_some_and(|((stop, _), _)| buy_px.gt0() && !fast_decimal::lt(buy_px, *stop))
            && !book
                .sell_stops
                .first_key_value()
                .is_some_and(|((stop, _), _)| sell_px.gt0() && !fast_decimal::gt(sell_px, stop.0))
            && !book
                .buy_limits
                .first_key_value()
                .is_some_and(|((limit, _), _)| buy_crosses(limit.0))
            && !book
                .sell_limits
                .first_key_value()
                .is_some_and(|((limit, _), _)| sell_crosses(*limit));
        if quiet {
            return;
        }
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
                .filter(|((stop, _), _)| buy_px.gt0() && buy_px >= *stop)
                .map(|(_, id)| *id)
                .or_else(|| {
                    book.sell_stops
                        .first_key_value()
                        .filter(|((stop, _), _)| sell_px.gt0() && sell_px <= stop.0)
                        .map(|(_, id)| *id)
                });
            match next {
                Some(id) => self.trigger(id),
                None => break,
            }
        }
        self.fill_waiting_market(symbol, out);
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

    /// Waiting market orders trade in arrival order, buys and sells interleaved, as the quote's
    /// sizes allow. Fills only use sizes up, so once a side's size is gone no later order of
    /// that side can trade this tick: it is not looked at. (A burst of market buys beyond the
    /// ask's size made every tick visit each of them, hundreds of thousands under load.)
    fn fill_waiting_market(&mut self, symbol: &Symbol, out: &mut Vec<Event>) {
        let Some(book) = self.books.get(symbol) else {
            return;
        };
        // Orders that arrive during this tick wait for the next, as they always have.
        let last = book
            .market_buys
            .last_seq()
            .max(book.market_sells.last_seq());
        let Some(last) = last else {
            return;
        };
        let (mut after_buy, mut after_sell) = (0u64, 0u64);
        loop {
            let Some(book) = self.books.get(symbol) else {
                return;
            };
            let sizes = self.quotes.get(symbol).map(|q| (q.ask_size, q.bid_size));
            let (ask_left, bid_left) = sizes.map_or((false, false), |(a, b)| (a.gt0(), b.gt0()));
            let buy = ask_left
                .then(|| book.market_buys.first_after(after_buy))
                .flatten()
                .filter(|&(s, _)| s <= last);
            let sell = bid_left
                .then(|| book.market_sells.first_after(after_sell))
                .flatten()
                .filter(|&(s, _)| s <= last);
            let id = match (buy, sell) {
                (Some((b, id)), Some((s, _))) if b < s => {
                    after_buy = b;
                    id
                }
                (_, Some((s, id))) => {
                    after_sell = s;
                    id
                }
                (Some((b, id)), None) => {
                    after_buy = b;
                    id
                }
                (None, None) => return,
            };
            self.fill_from_quote(id, false, out);
        }
    }

    /// Outside regular hours only extended-hours limit orders trade (no stop triggers, no
    /// market orders): those among the limits the price crosses, best price first.
    fn match_extended(
        &mut self,
        symbol: &Symbol,
        buy_px: Decimal,
        sell_px: Decimal,
        out: &mut Vec<Event>,
    ) {
        let Some(book) = self.books.get(symbol) else {
            return;
        };
        let extended = |id: &Uuid| self.orders.get(id).is_some_and(|o| o.extended_hours);
        let mut ids: Vec<Uuid> = book
            .buy_limits
            .iter()
            .take_while(|((limit, _), _)| buy_px.gt0() && limit.0 >= buy_px)
            .map(|(_, id)| *id)
            .filter(extended)
            .collect();
        ids.extend(
            book.sell_limits
                .iter()
                .take_while(|((limit, _), _)| sell_px.gt0() && *limit <= sell_px)
                .map(|(_, id)| *id)
                .filter(extended),
        );
        for id in ids {
            self.fill_from_quote(id, false, out);
        }
    }
}

/// The price and size `o` could trade at on quote `q`, if any.
pub(super) fn executable_on(q: &Quote, o: &Order) -> Option<(Decimal, Decimal)> {
    let (price, size) = match o.side {
        Side::Buy => (q.ask_price, q.ask_size),
        Side::Sell => (q.bid_price, q.bid_size),
    };
    if !price.gt0() || !size.gt0() {
        return None;
    }
    if let Some(limit) = o.effective_limit() {
        let crosses = match o.side {
            Side::Buy => !fast_decimal::gt(price, limit),
            Side::Sell => !fast_decimal::lt(price, limit),
        };
        if !crosses {
            return None;
        }
    }
    Some((price, size))
}

/// Shares the order still wants at `price`, capped by `size`.
pub(super) fn wanted_qty(o: &Order, price: Decimal, size: Decimal) -> Decimal {
    // `leaves` is in shares for a quantity order, in dollars for a notional one.
    let leaves = match o.qty {
        Some(_) => o.leaves(),
        None => o
            .leaves()
            .checked_div(price)
            .map_or(Decimal::ZERO, trunc_qty),
    };
    fast_decimal::min(leaves, size)
}

/// Sometimes fills only part of `qty` (whole-share orders of 2+ shares, never FOK). The
/// draw is a hash of the seed, the order and its progress: no state, same on replay.
pub(super) fn random_partial(config: &EngineConfig, o: &Order, qty: Decimal) -> Decimal {
    let pct = config.random_partial_fill_pct;
    if pct == 0
        || o.time_in_force == TimeInForce::Fok
        || qty < Decimal::TWO
        || !qty.fract().is_zero()
    {
        return qty;
    }
    let h = stable_uuid(&format!("{}/{}/{}", config.seed, o.id, o.filled_qty)).as_u128();
    if (h % 100) as u8 >= pct {
        return qty;
    }
    let share = Decimal::from(((h >> 8) % 90 + 10) as u64); // 10–99 % of the quantity
    qty.checked_mul(share)
        .map_or(qty, |v| (v / Decimal::ONE_HUNDRED).floor())
        .clamp(Decimal::ONE, qty - Decimal::ONE)
}

/// What an open order needs of buying power alone: leaves × reserve price. Admission checked it
/// against buying power, so it stays in range; saturating keeps the bookkeeping from panicking
/// if that ever broke.
#[inline]
pub(super) fn need_of(o: &Order) -> Decimal {
    // Sells of held shares reserve nothing: spare them the multiplication.
    if o.reserve_price.is_zero() {
        return Decimal::ZERO;
    }
    o.leaves().max0().saturating_mul(o.reserve_price)
}

/// Sets what `o` holds of its account's buying power to `amount`, the account's total with it.
fn hold(accounts: &mut BTreeMap<AccountId, Account>, o: &mut Order, amount: Decimal) {
    if let Some(a) = accounts.get_mut(&o.account) {
        a.reserved = a.reserved.saturating_add(amount.saturating_sub(o.reserved));
    }
    o.reserved = amount;
}
