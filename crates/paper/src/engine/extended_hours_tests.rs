//! Extended hours on the NYSE calendar: day limit orders marked `extended_hours` trade from
//! 04:00 to 20:00 New York time; every other order waits for the regular session.

use super::tests::{Harness, margin};
use super::*;
use chrono::Duration;
use rust_decimal_macros::dec;

fn limit_buy(h: &mut Harness, price: Decimal, extended: bool) -> OrderRequest {
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    r.limit_price = Some(price);
    r.extended_hours = extended;
    r
}

#[test]
fn pre_market_fills_extended_orders_only() {
    // Monday 2026-11-30 07:00 New York (EST): pre-market.
    let mut h = Harness::at(CalendarKind::Nyse, "2026-11-30T12:00:00Z");
    let r = limit_buy(&mut h, dec!(101), true);
    h.submit(r);
    let r = limit_buy(&mut h, dec!(101), false);
    h.submit(r);
    assert_eq!(h.order(1).status, OrderStatus::New);
    assert_eq!(h.order(2).status, OrderStatus::Accepted);
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
    assert_eq!(h.order(1).status, OrderStatus::Filled);
    assert_eq!(h.order(2).status, OrderStatus::Accepted);
    // The regular session's first quote fills the other.
    h.t = tests::ts("2026-11-30T14:30:00Z");
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
    assert_eq!(h.order(2).status, OrderStatus::Filled);
}

#[test]
fn after_hours_fill_extended_orders_until_20_00_when_they_expire() {
    // 17:00 New York: after-hours.
    let mut h = Harness::at(CalendarKind::Nyse, "2026-11-30T22:00:00Z");
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
    let r = limit_buy(&mut h, dec!(100.02), true);
    h.submit(r);
    assert_eq!(h.order(1).status, OrderStatus::Filled);
    let r = limit_buy(&mut h, dec!(99), true);
    h.submit(r);
    let r = limit_buy(&mut h, dec!(99), false);
    h.submit(r);
    // A market order placed now waits for the next session.
    let m = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    h.submit(m);
    h.quote("AAPL", dec!(98.00), 500, dec!(98.50), 500);
    assert_eq!(h.order(2).status, OrderStatus::Filled);
    assert_eq!(h.order(3).status, OrderStatus::Accepted);
    assert_eq!(h.order(4).status, OrderStatus::Accepted);
    let r = limit_buy(&mut h, dec!(90), true);
    h.submit(r);
    assert_eq!(
        h.order(5).expires_at,
        Some(tests::ts("2026-12-01T01:00:00Z"))
    );
    h.wait(Duration::hours(3));
    assert_eq!(h.order(5).status, OrderStatus::Expired);
}

#[test]
fn an_extended_order_placed_overnight_goes_live_at_4_00() {
    // 21:00 New York: no session of any kind until 04:00.
    let mut h = Harness::at(CalendarKind::Nyse, "2026-12-01T02:00:00Z");
    let r = limit_buy(&mut h, dec!(101), true);
    h.submit(r);
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
    assert_eq!(h.order(1).status, OrderStatus::Accepted);
    assert_eq!(
        h.order(1).activate_at,
        Some(tests::ts("2026-12-01T09:00:00Z"))
    );
    h.t = tests::ts("2026-12-01T09:00:01Z");
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
    assert_eq!(h.order(1).status, OrderStatus::Filled);
}

#[test]
fn extended_hours_need_a_day_limit_order() {
    let mut h = Harness::at(CalendarKind::Nyse, "2026-11-30T12:00:00Z");
    let mut m = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    m.extended_hours = true;
    let mut g = limit_buy(&mut h, dec!(100), true);
    g.time_in_force = TimeInForce::Gtc;
    for r in [m, g] {
        let ev = h.submit(r);
        let refused = ev.iter().find_map(|e| match e {
            Event::Rejected { rejection, .. } => Some(rejection.clone()),
            _ => None,
        });
        let refused = refused.unwrap();
        assert_eq!(refused.http_status(), 422);
        assert_eq!(
            refused.to_string(),
            "extended hours order must be DAY limit orders"
        );
    }
}
