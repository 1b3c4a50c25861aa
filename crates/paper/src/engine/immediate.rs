//! Simple orders that trade in full the moment they arrive (nearly every market order, any
//! marketable limit the quote covers): matched before they would rest, as a venue matches an
//! incoming order first and books only what is left.
//!
//! Such an order never waits, so it skips what the general path takes and gives back within
//! the same command: a place in its book, a buying-power hold, a share hold and the look-ups
//! of each. Its events and the state it leaves are the general path's; a property test runs
//! both on the same commands and compares them.

use rust_decimal::Decimal;
use uuid::Uuid;

use super::booking::{Execution, HoldsIn, Unbooked, book_execution};
use super::fast_decimal;
use super::matching::{executable_on, need_of, random_partial, wanted_qty};
use super::*;

impl Engine {
    /// The execution that fills all of just-admitted simple order `id` (stored, not yet open)
    /// now, if there is one: it may trade now, the quote crosses it, and the quote's size (and
    /// the venue's partial-fill draw) gives it every share. That size is then taken from the
    /// quote (one look-up of it for both). `None` changes nothing and sends the order down the
    /// general path.
    pub(super) fn take_full_fill_now(&mut self, id: &Uuid) -> Option<Execution> {
        #[cfg(test)]
        if self.general_path_only {
            return None;
        }
        let o = self.orders.get(id)?;
        // Stops wait for a trigger; notional orders finish by value (the general path's
        // rounding decides when); held and queued orders do not trade yet.
        let whole = o.qty?;
        let simple = o.order_class == OrderClass::Simple && o.parent.is_none();
        let trades_on_quote = matches!(o.order_type, OrderType::Market | OrderType::Limit);
        if !simple || !trades_on_quote || o.status != OrderStatus::New {
            return None;
        }
        if !self.may_trade(o) {
            return None;
        }
        // As `fill_from_quote` works it out; for FOK the draw never cuts, and a full fill is
        // what its all-or-nothing test asks; IOC has nothing left to cancel.
        let q = self.quotes.get_mut(&o.symbol)?;
        let (price, size) = executable_on(q, o)?;
        let qty = random_partial(&self.config, o, wanted_qty(o, price, size));
        if !fast_decimal::cmp(qty, whole).is_eq() {
            return None;
        }
        match o.side {
            Side::Buy => q.ask_size -= qty,
            Side::Sell => q.bid_size -= qty,
        }
        Some(Execution { qty, price })
    }

    /// Books order `id` (new, stored, not yet open) as filled by `execution` (already taken
    /// from the quote), where it is stored: the order is copied into the store once, not
    /// moved through each step on its way there.
    pub(super) fn fill_on_arrival(&mut self, id: Uuid, execution: Execution, out: &mut Vec<Event>) {
        let clock = self.fill_clock();
        let Some(order) = self.orders.get_mut(&id) else {
            return;
        };
        // The `accepted` event shows the order as the general path shows it: holding its need.
        let mut accepted = order.boxed();
        accepted.reserved = need_of(order);
        out.push(Event::Accepted { order: accepted });
        let booked = book_execution(
            &mut self.accounts,
            &mut self.activities,
            order,
            execution,
            clock,
            HoldsIn::OrderOnly,
        );
        match booked {
            Ok(booked) if booked.done => {
                order.reserved = Decimal::ZERO;
                order.held_qty = Decimal::ZERO;
                let overheld = booked
                    .overheld
                    .then(|| (order.account.clone(), order.symbol.clone()));
                out.push(booked.into_event(order));
                if let Some((account, symbol)) = overheld {
                    self.trim_holds(&account, &symbol);
                }
            }
            // `take_full_fill_now` promised every share; should it not hold, the rest waits as
            // any order's would rather than being lost.
            Ok(booked) => {
                self.open_stored(id);
                if let Some(o) = self.orders.get(&id) {
                    out.push(booked.into_event(o));
                }
            }
            // Admission found the account, so this is unreachable; the general path leaves
            // such an order open, and so does this one.
            Err(Unbooked::NoAccount) => self.open_stored(id),
            Err(Unbooked::OutOfRange) => {
                self.open_stored(id);
                self.close_order(id, OrderStatus::Canceled, out);
            }
        }
    }
}
