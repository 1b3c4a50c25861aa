//! Executions as the engine keeps them. A fill's account, symbol and side are its order's, so
//! the record holds the order's id instead of copies of its strings (two allocations per fill,
//! for a list that is read only by the activities endpoint and snapshots); `FillActivity`, the
//! listed shape, is built from the record and its order when asked for.

use rust_decimal::Decimal;
use serde::ser::SerializeStruct;
use serde::{Serialize, Serializer};
use uuid::Uuid;

use super::FillActivity;
use super::types::{Order, OrderStatus, Timestamp};

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

    /// The activity, borrowing the order's account and symbol (for encoding an image).
    pub fn view_of<'a>(&'a self, order: &'a Order) -> FillView<'a> {
        debug_assert_eq!(order.id, self.order_id);
        FillView {
            record: self,
            order,
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

/// A fill encoded as its `FillActivity` is, from the record and its order without cloning the
/// order's account and symbol: an image encodes every fill, and the two clones per fill were
/// 3 % of its encoding. Its fields are `FillActivity`'s in their order (the snapshot property
/// test compares the two encodings).
pub(super) struct FillView<'a> {
    record: &'a FillRecord,
    order: &'a Order,
}

impl Serialize for FillView<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (r, o) = (self.record, self.order);
        let mut st = s.serialize_struct("FillActivity", 10)?;
        st.serialize_field("account", &o.account)?;
        // As `FillActivity`'s `serialize_with` writes it.
        st.serialize_field("at", &super::time::Text(&r.at))?;
        st.serialize_field("order_id", &r.order_id)?;
        st.serialize_field("symbol", &o.symbol)?;
        st.serialize_field("side", &o.side)?;
        st.serialize_field("qty", &r.qty)?;
        st.serialize_field("price", &r.price)?;
        st.serialize_field("cum_qty", &r.cum_qty)?;
        st.serialize_field("leaves_qty", &r.leaves_qty)?;
        st.serialize_field("order_status", &r.order_status)?;
        st.end()
    }
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
