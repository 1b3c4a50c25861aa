//! Booking one execution: the position, cash, day trades, the order's fill figures and the
//! fill record. Shared by orders that trade while they wait (`matching`) and orders that fill
//! in full on arrival (`immediate`), which differ only in where the order's share hold is
//! counted (`HoldsIn`).

use brokerdesk_model::AccountId;
use rust_decimal::Decimal;
use std::collections::BTreeMap;

use super::fast_decimal::{self, Sign};
use super::*;

impl Engine {
    /// What booking a fill needs to know of the venue's time.
    pub(super) fn fill_clock(&self) -> FillClock {
        FillClock {
            now: self.now_ts(),
            session: self.session_date(),
            daytrade_window: self.daytrade_window,
        }
    }
}

/// The venue's time as a fill sees it.
#[derive(Clone, Copy)]
pub(super) struct FillClock {
    now: Timestamp,
    session: chrono::NaiveDate,
    daytrade_window: chrono::NaiveDate,
}

/// One trade of an order: how many shares at what price.
#[derive(Clone, Copy)]
pub(super) struct Execution {
    pub qty: Decimal,
    pub price: Decimal,
}

/// Where an order's share hold is counted: in its position's `held_for_orders` (a stored,
/// attached order), or only on the order (one that trades in full on arrival and was never
/// attached).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum HoldsIn {
    Position,
    OrderOnly,
}

pub(super) enum Unbooked {
    /// The order's account is gone: nothing changed.
    NoAccount,
    /// A total out of `Decimal`'s range (unreachable within the order caps): the fill is not
    /// booked and the order must be canceled.
    OutOfRange,
}

/// What booking one execution did.
pub(super) struct Booked {
    fill: Fill,
    /// The order has nothing left to fill.
    pub done: bool,
    /// A sell that held no shares (admitted as a short while flat) sold shares of a long that
    /// other orders hold: their holds must shrink to what is left (`trim_holds`).
    pub overheld: bool,
}

impl Booked {
    /// The fill's event, with the order as it is after the fill.
    pub(super) fn into_event(self, order: &Order) -> Event {
        let order = order.boxed();
        if self.done {
            Event::Filled {
                order,
                fill: self.fill,
            }
        } else {
            Event::PartiallyFilled {
                order,
                fill: self.fill,
            }
        }
    }
}

/// Books one execution against `order` and its account: position, cash, day trades, the
/// order's fill figures and status, the fill record. Where the order waits (book, reservation)
/// is the caller's.
pub(super) fn book_execution(
    accounts: &mut BTreeMap<AccountId, Account>,
    activities: &mut chunked::Chunked<fills::FillRecord>,
    order: &mut Order,
    Execution { qty, price }: Execution,
    clock: FillClock,
    holds_in: HoldsIn,
) -> Result<Booked, Unbooked> {
    let Some(account) = accounts.get_mut(&order.account) else {
        return Err(Unbooked::NoAccount);
    };
    let signed = match order.side {
        Side::Buy => qty,
        Side::Sell => -qty,
    };
    if order.held_qty.gt0() {
        let release = order.held_qty.min(qty);
        if holds_in == HoldsIn::Position
            && let Some(h) = account.positions.get_mut(&order.symbol)
        {
            h.held_for_orders -= release;
        }
        order.held_qty -= release;
    }
    // Worked out before anything is booked: a total out of range (unreachable within the
    // order caps) cancels the order rather than booking half a fill or panicking.
    let totals = order.filled_qty.checked_add(qty).zip(
        qty.checked_mul(price)
            .and_then(|v| order.filled_notional.checked_add(v)),
    );
    let effect =
        totals.and_then(|_| account.apply_fill(&order.symbol, signed, price, clock.session));
    let (Some((filled_qty, filled_notional)), Some(effect)) = (totals, effect) else {
        return Err(Unbooked::OutOfRange);
    };
    if effect.day_trade {
        account.forget_day_trades_until(clock.daytrade_window);
        // Once flagged, an account stays a pattern day trader: no need to count again.
        if !account.pattern_day_trader && account.daytrade_count(clock.daytrade_window) >= 4 {
            account.pattern_day_trader = true;
        }
    }
    order.filled_qty = filled_qty;
    order.filled_notional = filled_notional;
    // One execution so far: its price is the average (spares a Decimal division).
    order.filled_avg_price = Some(if fast_decimal::cmp(order.filled_qty, qty).is_eq() {
        price.normalize()
    } else {
        filled_notional
            .checked_div(filled_qty)
            .map_or(price, |avg| avg.round_dp(9))
            .normalize()
    });
    order.updated_at = clock.now;
    let done = match order.qty {
        Some(q) => !fast_decimal::lt(order.filled_qty, q),
        None => order
            .leaves()
            .checked_div(price)
            .is_none_or(|q| trunc_qty(q).is_zero()),
    };
    order.status = if done {
        OrderStatus::Filled
    } else {
        OrderStatus::PartiallyFilled
    };
    if done {
        order.filled_at = Some(clock.now);
    }
    let overheld = signed.lt0() && effect.held_for_orders > effect.position_qty.max0();
    let leaves_qty = order.qty.map_or(Decimal::ZERO, |q| q - order.filled_qty);
    activities.push(fills::FillRecord {
        at: clock.now,
        order_id: order.id,
        order_seq: order.seq,
        qty,
        price,
        cum_qty: order.filled_qty,
        leaves_qty,
        order_status: order.status,
    });
    Ok(Booked {
        fill: Fill {
            qty,
            price,
            at: clock.now,
            position_qty: effect.position_qty,
        },
        done,
        overheld,
    })
}
