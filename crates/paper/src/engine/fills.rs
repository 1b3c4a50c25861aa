//! Executions as the engine keeps them. A fill's account, symbol and side are its order's, so
//! the record holds the order's id instead of copies of its strings (two allocations per fill,
//! for a list that is read only by the activities endpoint and snapshots); `FillActivity`, the
//! listed shape, is built from the record and its order when asked for.

use rust_decimal::Decimal;
use uuid::Uuid;

use brokerdesk_model::{AccountId, Symbol};
use serde::Serialize;

use super::FillActivity;
use super::types::{Order, OrderStatus, Side, Timestamp};

#[derive(Clone, Debug, PartialEq)]
pub(super) struct FillRecord {
    pub at: Timestamp,
    pub order_id: Uuid,
    /// The order's sequence number: orders are stored in that order, so an image finds a
    /// fill's order by it without a map of every order by id (`snapshot::OrderFinder`).
    pub order_seq: u64,
    pub qty: Decimal,
    pub price: Decimal,
    pub cum_qty: Decimal,
    pub leaves_qty: Decimal,
    pub order_status: OrderStatus,
}

impl FillRecord {
    /// The activity this fill of `order` (the order with `order_id`) lists as.
    pub fn view(&self, order: &Order) -> FillActivity {
        debug_assert_eq!(order.id, self.order_id);
        FillActivity {
            account: order.account.clone(),
            at: self.at,
            order_id: self.order_id,
            symbol: order.symbol.clone(),
            side: order.side,
            qty: self.qty,
            price: self.price,
            cum_qty: self.cum_qty,
            leaves_qty: self.leaves_qty,
            order_status: self.order_status,
        }
    }

    /// What `view` lists, borrowing the order's account and symbol (for encoding an image).
    pub fn view_of<'a>(&self, order: &'a Order) -> FillView<'a> {
        debug_assert_eq!(order.id, self.order_id);
        FillView {
            account: &order.account,
            at: self.at,
            order_id: self.order_id,
            symbol: &order.symbol,
            side: order.side,
            qty: self.qty,
            price: self.price,
            cum_qty: self.cum_qty,
            leaves_qty: self.leaves_qty,
            order_status: self.order_status,
        }
    }

    /// The record of a listed activity whose order has sequence number `order_seq`.
    pub fn from_activity(a: FillActivity, order_seq: u64) -> Self {
        Self {
            at: a.at,
            order_id: a.order_id,
            order_seq,
            qty: a.qty,
            price: a.price,
            cum_qty: a.cum_qty,
            leaves_qty: a.leaves_qty,
            order_status: a.order_status,
        }
    }
}

/// A `FillActivity` that borrows its order's account and symbol: an image encodes every fill,
/// and cloning the two strings for each was 3 % of its encoding. Same fields in the same order,
/// so it encodes exactly as the activity does (the snapshot property test compares the two).
#[derive(Serialize)]
pub(super) struct FillView<'a> {
    account: &'a AccountId,
    #[serde(serialize_with = "super::time::serialize")]
    at: Timestamp,
    order_id: Uuid,
    symbol: &'a Symbol,
    side: Side,
    qty: Decimal,
    price: Decimal,
    cum_qty: Decimal,
    leaves_qty: Decimal,
    order_status: OrderStatus,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::{Harness, margin};
    use crate::engine::{CalendarKind, Event, OrderType, Side};

    #[test]
    fn a_record_lists_as_the_activity_it_was_made_from() {
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(Decimal::ONE);
        let events = h.submit(req);
        assert!(matches!(events[..], [Event::Accepted { .. }]), "{events:?}");
        let order = h.order(1).clone();
        let activity = FillActivity {
            account: order.account.clone(),
            at: order.created_at,
            order_id: order.id,
            symbol: order.symbol.clone(),
            side: order.side,
            qty: Decimal::new(3, 0),
            price: Decimal::new(12_345, 2),
            cum_qty: Decimal::new(4, 0),
            leaves_qty: Decimal::new(5, 0),
            order_status: OrderStatus::PartiallyFilled,
        };
        let record = FillRecord::from_activity(activity.clone(), order.seq);
        assert_eq!(record.view(&order), activity);
        // The account, symbol and side come from the order, not from the record.
        let mut other = order.clone();
        other.side = Side::Sell;
        assert_eq!(record.view(&other).side, Side::Sell);
    }
}
