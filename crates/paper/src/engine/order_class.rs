//! Bracket, OCO and OTO orders: Alpaca's checks on their exits, the leg orders they bring,
//! and the links between them. A bracket's or OTO's legs are `held` until the entry fills;
//! an OCO's leg is live at once. When one exit fills, its partner is canceled; when it fills
//! in part, the partner shrinks to what is left, so the exits never sell more than the entry
//! bought. Links live on the orders (`legs`, `parent`), so a snapshot or a replay keeps them.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::fast_decimal::Sign;
use super::validate::{MAX_PRICE, check_increment, positive};
use super::*;

const CENT: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

fn invalid(msg: impl Into<String>) -> Rejection {
    Rejection::Invalid(msg.into())
}

fn name(class: OrderClass) -> &'static str {
    match class {
        OrderClass::Simple => "simple",
        OrderClass::Bracket => "bracket",
        OrderClass::Oco => "oco",
        OrderClass::Oto => "oto",
    }
}

fn check_prices(tp: Option<&TakeProfit>, sl: Option<&StopLoss>) -> Result<(), Rejection> {
    if let Some(tp) = tp {
        positive("take_profit.limit_price", Some(tp.limit_price), MAX_PRICE)?;
        check_increment("take_profit.limit_price", tp.limit_price)?;
    }
    if let Some(sl) = sl {
        positive("stop_loss.stop_price", Some(sl.stop_price), MAX_PRICE)?;
        check_increment("stop_loss.stop_price", sl.stop_price)?;
        positive("stop_loss.limit_price", sl.limit_price, MAX_PRICE)?;
        if let Some(l) = sl.limit_price {
            check_increment("stop_loss.limit_price", l)?;
        }
    }
    Ok(())
}

/// Alpaca's rule for exits around an entry priced at `base`: a buy's take-profit at least a
/// cent above it and its stop-loss at least a cent below (mirrored for a sell).
fn check_around(
    side: Side,
    base: Decimal,
    tp: Option<&TakeProfit>,
    sl: Option<&StopLoss>,
) -> Result<(), Rejection> {
    let (Some(up), Some(down)) = (base.checked_add(CENT), base.checked_sub(CENT)) else {
        return Err(invalid("base_price is out of range"));
    };
    match side {
        Side::Buy => {
            if let Some(tp) = tp.filter(|tp| tp.limit_price < up) {
                return Err(invalid(format!(
                    "take_profit.limit_price must be >= base_price + 0.01 (limit_price: {}, base_price: {base})",
                    tp.limit_price
                )));
            }
            if let Some(sl) = sl.filter(|sl| sl.stop_price > down) {
                return Err(invalid(format!(
                    "stop_loss.stop_price must be <= base_price - 0.01 (stop_price: {}, base_price: {base})",
                    sl.stop_price
                )));
            }
        }
        Side::Sell => {
            if let Some(tp) = tp.filter(|tp| tp.limit_price > down) {
                return Err(invalid(format!(
                    "take_profit.limit_price must be <= base_price - 0.01 (limit_price: {}, base_price: {base})",
                    tp.limit_price
                )));
            }
            if let Some(sl) = sl.filter(|sl| sl.stop_price < up) {
                return Err(invalid(format!(
                    "stop_loss.stop_price must be >= base_price + 0.01 (stop_price: {}, base_price: {base})",
                    sl.stop_price
                )));
            }
        }
    }
    Ok(())
}

impl Engine {
    /// What Alpaca checks on an order's class before the order itself (pure).
    pub(super) fn check_class(&self, req: &OrderRequest) -> Result<(), Rejection> {
        let class = req.class.class();
        if class == OrderClass::Simple {
            return Ok(());
        }
        let what = name(class);
        if !matches!(req.time_in_force, TimeInForce::Day | TimeInForce::Gtc) {
            return Err(invalid(format!(
                "{what} orders must be day or gtc (time_in_force: {})",
                format!("{:?}", req.time_in_force).to_lowercase()
            )));
        }
        if req.extended_hours {
            return Err(invalid(format!(
                "extended hours is not supported for {what} orders"
            )));
        }
        if req.is_fractional() {
            return Err(invalid(format!(
                "{what} orders must be for a whole number of shares"
            )));
        }
        if req.order_type == OrderType::TrailingStop {
            return Err(invalid(format!(
                "trailing_stop is not supported for {what} orders"
            )));
        }
        match &req.class {
            ClassRequest::Simple => Ok(()),
            ClassRequest::Oco {
                take_profit,
                stop_loss,
            } => {
                check_prices(Some(take_profit), Some(stop_loss))?;
                if req.order_type != OrderType::Limit {
                    return Err(invalid("oco orders must be limit orders"));
                }
                if req.limit_price != Some(take_profit.limit_price) {
                    return Err(invalid("limit_price must equal take_profit.limit_price"));
                }
                let ordered = match req.side {
                    Side::Sell => take_profit.limit_price > stop_loss.stop_price,
                    Side::Buy => take_profit.limit_price < stop_loss.stop_price,
                };
                if !ordered {
                    return Err(invalid(match req.side {
                        Side::Sell => "take_profit.limit_price must be > stop_loss.stop_price",
                        Side::Buy => "take_profit.limit_price must be < stop_loss.stop_price",
                    }));
                }
                Ok(())
            }
            ClassRequest::Bracket {
                take_profit,
                stop_loss,
            } => self.check_exits(req, Some(take_profit), Some(stop_loss)),
            ClassRequest::Oto { exit } => match exit {
                Exit::TakeProfit(tp) => self.check_exits(req, Some(tp), None),
                Exit::StopLoss(sl) => self.check_exits(req, None, Some(sl)),
            },
        }
    }

    fn check_exits(
        &self,
        req: &OrderRequest,
        tp: Option<&TakeProfit>,
        sl: Option<&StopLoss>,
    ) -> Result<(), Rejection> {
        check_prices(tp, sl)?;
        // The entry's price: its limit, its stop, or (market) where it would trade now.
        let base = match req.order_type {
            OrderType::Limit | OrderType::StopLimit => req.limit_price,
            OrderType::Stop => req.stop_price,
            OrderType::Market | OrderType::TrailingStop => {
                self.reference_price(&req.symbol, req.side)
            }
        };
        match base {
            Some(base) => check_around(req.side, base, tp, sl),
            // No price yet: admission refuses an unpriced market order anyway.
            None => Ok(()),
        }
    }

    /// Creates the legs of a just-accepted parent: `held` for a bracket or OTO, live for OCO.
    pub(super) fn create_legs(&mut self, parent_id: Uuid, class: &ClassRequest) {
        let exits: Vec<(&'static str, OrderType, Option<Decimal>, Option<Decimal>)> = match class {
            ClassRequest::Simple => return,
            ClassRequest::Bracket {
                take_profit,
                stop_loss,
            } => vec![take_profit_leg(take_profit), stop_loss_leg(stop_loss)],
            ClassRequest::Oco { stop_loss, .. } => vec![stop_loss_leg(stop_loss)],
            ClassRequest::Oto {
                exit: Exit::TakeProfit(tp),
            } => vec![take_profit_leg(tp)],
            ClassRequest::Oto {
                exit: Exit::StopLoss(sl),
            } => vec![stop_loss_leg(sl)],
        };
        let Some(parent) = self.orders.get(&parent_id).cloned() else {
            return;
        };
        let oco = parent.order_class == OrderClass::Oco;
        let mut ids = Vec::with_capacity(exits.len());
        for (what, order_type, limit_price, stop_price) in exits {
            self.seq += 1;
            let id = stable_uuid(&format!("{parent_id}/{what}"));
            let leg = Order {
                id,
                keys: parent.keys_with_client_id(id.to_string()),
                seq: self.seq,
                // An OCO's exits are on one side; a bracket's or OTO's close the entry.
                side: if oco {
                    parent.side
                } else {
                    opposite(parent.side)
                },
                order_type,
                limit_price,
                stop_price,
                status: if oco {
                    parent.status
                } else {
                    OrderStatus::Held
                },
                activate_at: if oco { parent.activate_at } else { None },
                held_qty: Decimal::ZERO,
                reserved: Decimal::ZERO,
                reserve_price: Decimal::ZERO,
                legs: Vec::new(),
                parent: Some(parent_id),
                ..parent.clone()
            };
            self.orders.insert(leg);
            self.open_orders += 1;
            if oco {
                self.arm(id);
            }
            ids.push(id);
        }
        if let Some(p) = self.orders.get_mut(&parent_id) {
            p.legs = ids;
        }
    }

    /// Takes what a live exit holds (shares of the long it sells, or buying power for the
    /// short it covers) and puts it in its book.
    fn arm(&mut self, id: Uuid) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        let (side, symbol, account, leaves) =
            (o.side, o.symbol.clone(), o.account.clone(), o.leaves());
        let price = o.limit_price.or(o.stop_price).unwrap_or_default();
        let available = self
            .accounts
            .get(&account)
            .and_then(|a| a.positions.get(&symbol))
            .map_or(Decimal::ZERO, |h| (h.qty - h.held_for_orders).max0());
        if let Some(o) = self.orders.get_mut(&id) {
            match side {
                Side::Sell => o.held_qty = leaves.min(available),
                Side::Buy => o.reserve_price = price,
            }
        }
        self.set_reservation(id);
        self.attach(id);
    }

    /// A parent is done filling (filled, or closed after a partial fill): its held legs go
    /// live for the quantity it bought.
    fn release_legs(&mut self, parent_id: Uuid, out: &mut Vec<Event>) {
        let Some(p) = self.orders.get(&parent_id) else {
            return;
        };
        let (legs, filled) = (p.legs.clone(), p.filled_qty);
        let now = self.now_ts();
        let mut live = Vec::new();
        for id in legs {
            let Some(leg) = self.orders.get_mut(&id) else {
                continue;
            };
            if leg.status != OrderStatus::Held {
                continue;
            }
            leg.qty = Some(leg.qty.map_or(filled, |q| q.min(filled)));
            leg.status = OrderStatus::New;
            leg.updated_at = now;
            leg.submitted_at = now;
            live.push(id);
        }
        for &id in &live {
            self.arm(id);
            if let Some(o) = self.orders.get(&id) {
                out.push(Event::Accepted { order: o.boxed() });
            }
        }
        for id in live {
            self.execute_new(id, out);
        }
    }

    /// The open covering buys that share one buying-power hold with `id` (itself included):
    /// exits that cancel each other can never both fill, so their group holds what its largest
    /// member needs, once. Empty unless `id` is itself such an exit; held legs (not yet live)
    /// hold nothing and are left out.
    pub(super) fn hold_group(&self, id: Uuid) -> Vec<Uuid> {
        let live_buy =
            |o: &Order| o.side == Side::Buy && o.status.is_open() && o.status != OrderStatus::Held;
        let Some(o) = self.orders.get(&id).filter(|o| live_buy(o)) else {
            return Vec::new();
        };
        let mut group: Vec<Uuid> = self
            .partners(o)
            .into_iter()
            .filter(|p| self.orders.get(p).is_some_and(&live_buy))
            .collect();
        if group.is_empty() {
            return Vec::new();
        }
        group.push(id);
        group
    }

    /// The exits that cancel `id` (and that `id` cancels): a bracket leg's sibling, an OCO's
    /// other half. OTO legs and simple orders have none.
    pub(super) fn partners(&self, o: &Order) -> Vec<Uuid> {
        match (o.order_class, o.parent) {
            (OrderClass::Bracket, Some(p)) => self
                .orders
                .get(&p)
                .map(|p| p.legs.iter().copied().filter(|l| *l != o.id).collect())
                .unwrap_or_default(),
            (OrderClass::Oco, Some(p)) => vec![p],
            (OrderClass::Oco, None) => o.legs.clone(),
            _ => Vec::new(),
        }
    }

    /// After an execution of `id` (its event already out): an entry that is done releases
    /// its legs; an exit cancels its partner when done, and shrinks it when not.
    pub(super) fn after_fill(&mut self, id: Uuid, out: &mut Vec<Event>) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if o.order_class == OrderClass::Simple {
            return;
        }
        let done = o.status == OrderStatus::Filled;
        let leaves = o.leaves().max0();
        let entry = o.parent.is_none() && o.order_class != OrderClass::Oco;
        if entry {
            if done {
                self.release_legs(id, out);
            }
            return;
        }
        for partner in self.partners(o) {
            if !self
                .orders
                .get(&partner)
                .is_some_and(|p| p.status.is_open())
            {
                continue;
            }
            if done {
                self.close_order(partner, OrderStatus::Canceled, out);
            } else {
                self.shrink(partner, leaves, out);
            }
        }
    }

    /// Cuts an open exit down to `leaves` still to fill (releasing what it held beyond).
    fn shrink(&mut self, id: Uuid, leaves: Decimal, out: &mut Vec<Event>) {
        let Some(o) = self.orders.get_mut(&id) else {
            return;
        };
        let Some(qty) = o.qty else {
            return;
        };
        if qty - o.filled_qty <= leaves {
            return;
        }
        if leaves.is_zero() {
            self.close_order(id, OrderStatus::Canceled, out);
            return;
        }
        o.qty = Some(o.filled_qty + leaves);
        let excess = (o.held_qty - leaves).max0();
        o.held_qty -= excess;
        let (account, symbol) = (o.account.clone(), o.symbol.clone());
        if excess.gt0()
            && let Some(h) = self
                .accounts
                .get_mut(&account)
                .and_then(|a| a.positions.get_mut(&symbol))
        {
            h.held_for_orders -= excess;
        }
        self.set_reservation(id);
    }

    /// After `id` closed unfilled or part-filled (canceled, expired): a bracket's or OTO's
    /// legs go live for what the entry bought, or are canceled if it bought nothing; an OCO
    /// parent takes its leg with it.
    pub(super) fn after_close(&mut self, id: Uuid, out: &mut Vec<Event>) {
        let Some(o) = self.orders.get(&id) else {
            return;
        };
        if o.legs.is_empty() {
            return;
        }
        let legs = o.legs.clone();
        if o.order_class != OrderClass::Oco && o.filled_qty.gt0() {
            return self.release_legs(id, out);
        }
        for leg in legs {
            self.cancel_if_open(leg, out);
        }
    }

    /// PATCH of an open exit leg: a take-profit's `limit_price` or a stop-loss's
    /// `stop_price`, nothing else. As for any replace, the leg gets a new id (the old one
    /// ends `replaced`); the parent lists the new one, which keeps the old one's place in the
    /// group (held or live) for what the old one had left to fill.
    pub(super) fn replace_leg(
        &mut self,
        old: &Order,
        new_id: Uuid,
        changes: &ReplaceRequest,
        out: &mut Vec<Event>,
    ) -> Result<(), Rejection> {
        let take_profit = old.order_type == OrderType::Limit;
        let only_price = changes.qty.is_none()
            && changes.time_in_force.is_none()
            && changes.trail.is_none()
            && changes.client_order_id.is_none()
            && if take_profit {
                changes.limit_price.is_some() && changes.stop_price.is_none()
            } else {
                changes.stop_price.is_some() && changes.limit_price.is_none()
            };
        if !only_price {
            return Err(invalid(if take_profit {
                "only limit_price can be replaced on a take_profit leg"
            } else {
                "only stop_price can be replaced on a stop_loss leg"
            }));
        }
        let (limit_price, stop_price) = (
            changes.limit_price.or(old.limit_price),
            changes.stop_price.or(old.stop_price),
        );
        let (tp, sl) = if take_profit {
            let tp = TakeProfit {
                limit_price: limit_price.unwrap_or_default(),
            };
            check_prices(Some(&tp), None)?;
            (Some(tp.limit_price), None)
        } else {
            let sl = StopLoss {
                stop_price: stop_price.unwrap_or_default(),
                limit_price,
            };
            check_prices(None, Some(&sl))?;
            (None, Some(sl.stop_price))
        };
        // The take-profit stays on the profitable side of the stop-loss it is paired with.
        for partner in self.partners(old) {
            let Some(p) = self.orders.get(&partner).filter(|p| p.status.is_open()) else {
                continue;
            };
            let (tp, sl) = match (tp, sl) {
                (Some(tp), _) => (tp, p.stop_price.unwrap_or_default()),
                (_, Some(sl)) => (p.limit_price.unwrap_or_default(), sl),
                _ => continue,
            };
            let ordered = match old.side {
                Side::Sell => tp > sl,
                Side::Buy => tp < sl,
            };
            if !ordered {
                return Err(invalid(match old.side {
                    Side::Sell => "take_profit.limit_price must be > stop_loss.stop_price",
                    Side::Buy => "take_profit.limit_price must be < stop_loss.stop_price",
                }));
            }
        }
        let status = match old.status {
            OrderStatus::PartiallyFilled => OrderStatus::New,
            s => s,
        };
        let mut discard = Vec::new();
        self.close_order(old.id, OrderStatus::Replaced, &mut discard);
        let now = self.now_ts();
        self.seq += 1;
        let leg = Order {
            id: new_id,
            keys: old.keys_with_client_id(new_id.to_string()),
            created_at: now,
            updated_at: now,
            submitted_at: now,
            filled_at: None,
            expired_at: None,
            canceled_at: None,
            replaced_at: None,
            replaced_by: None,
            replaces: Some(old.id),
            qty: old.qty.map(|_| old.leaves().max0()),
            filled_qty: Decimal::ZERO,
            filled_avg_price: None,
            filled_notional: Decimal::ZERO,
            limit_price,
            stop_price,
            hwm: None,
            status,
            seq: self.seq,
            triggered: false,
            reserved: Decimal::ZERO,
            reserve_price: Decimal::ZERO,
            held_qty: Decimal::ZERO,
            ..old.clone()
        };
        self.orders.insert(leg);
        self.open_orders += 1;
        if let Some(o) = self.orders.get_mut(&old.id) {
            o.replaced_by = Some(new_id);
        }
        if let Some(parent) = old.parent.and_then(|p| self.orders.get_mut(&p)) {
            for l in parent.legs.iter_mut().filter(|l| **l == old.id) {
                *l = new_id;
            }
        }
        if status != OrderStatus::Held {
            self.arm(new_id);
        }
        if let (Some(o), Some(n)) = (self.orders.get(&old.id), self.orders.get(&new_id)) {
            out.push(Event::Replaced {
                old: o.boxed(),
                new: n.boxed(),
            });
        }
        if status == OrderStatus::New {
            self.execute_new(new_id, out);
        }
        Ok(())
    }

    /// An exit never opens a position: it trades at most the position it closes, less the
    /// shares other orders hold (a simple sell admitted against them, another group's exit).
    /// Its own hold and its partners' count as its own: partners share one hold (a bracket's
    /// take-profit holds the shares, its stop-loss none). Returns the quantity it may trade.
    pub(super) fn exit_cap(&self, o: &Order) -> Option<Decimal> {
        let exit = o.parent.is_some() || o.order_class == OrderClass::Oco;
        if !exit {
            return None;
        }
        let holding = self
            .accounts
            .get(&o.account)
            .and_then(|a| a.positions.get(&o.symbol));
        let Some(h) = holding else {
            return Some(Decimal::ZERO);
        };
        Some(match o.side {
            Side::Sell => {
                let group: Decimal = self
                    .partners(o)
                    .iter()
                    .filter_map(|p| self.orders.get(p))
                    .filter(|p| p.status.is_open())
                    .map(|p| p.held_qty)
                    .sum::<Decimal>()
                    + o.held_qty;
                let others = (h.held_for_orders - group).max0();
                (h.qty - others).max0()
            }
            Side::Buy => (-h.qty).max0(),
        })
    }
}

fn opposite(side: Side) -> Side {
    match side {
        Side::Buy => Side::Sell,
        Side::Sell => Side::Buy,
    }
}

fn take_profit_leg(tp: &TakeProfit) -> (&'static str, OrderType, Option<Decimal>, Option<Decimal>) {
    ("take_profit", OrderType::Limit, Some(tp.limit_price), None)
}

fn stop_loss_leg(sl: &StopLoss) -> (&'static str, OrderType, Option<Decimal>, Option<Decimal>) {
    let order_type = if sl.limit_price.is_some() {
        OrderType::StopLimit
    } else {
        OrderType::Stop
    };
    ("stop_loss", order_type, sl.limit_price, Some(sl.stop_price))
}
