//! Behaviour of each order type, time in force and account rule. Every test drives the engine
//! only through commands, as the journal replays it.

use super::*;
use chrono::{DateTime, Duration, Utc};
use rust_decimal_macros::dec;

pub(crate) fn ts(s: &str) -> Timestamp {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

pub(crate) struct Harness {
    pub e: Engine,
    pub t: Timestamp,
    pub n: u128,
}

pub(crate) fn margin() -> AccountId {
    AccountId::new("MARGIN")
}
pub(crate) fn cash_acct() -> AccountId {
    AccountId::new("CASH")
}

impl Harness {
    /// Monday 2026-11-30 10:00 New York: NYSE is open.
    pub fn new(calendar: CalendarKind) -> Self {
        Self::at(calendar, "2026-11-30T15:00:00Z")
    }

    pub fn at(calendar: CalendarKind, start: &str) -> Self {
        let mut h = Self {
            e: Engine::new(EngineConfig {
                calendar,
                ..EngineConfig::default()
            }),
            t: ts(start),
            n: 0,
        };
        h.cmd(CommandKind::OpenAccount {
            account: margin(),
            kind: AccountKind::Margin,
            cash: dec!(100000),
        });
        h.cmd(CommandKind::OpenAccount {
            account: cash_acct(),
            kind: AccountKind::Cash,
            cash: dec!(10000),
        });
        h
    }

    pub fn cmd(&mut self, kind: CommandKind) -> Vec<Event> {
        self.e.apply(Command::new(self.t, kind))
    }

    pub fn wait(&mut self, d: Duration) -> Vec<Event> {
        self.t += d;
        self.cmd(CommandKind::Clock)
    }

    pub fn quote(
        &mut self,
        sym: &str,
        bid: Decimal,
        bid_size: u32,
        ask: Decimal,
        ask_size: u32,
    ) -> Vec<Event> {
        self.t += Duration::milliseconds(1);
        self.cmd(CommandKind::Quote(Quote {
            symbol: Symbol::new(sym),
            bid_price: bid,
            bid_size: Decimal::from(bid_size),
            ask_price: ask,
            ask_size: Decimal::from(ask_size),
        }))
    }

    pub fn req(
        &mut self,
        account: AccountId,
        sym: &str,
        side: Side,
        order_type: OrderType,
        qty: Decimal,
    ) -> OrderRequest {
        self.n += 1;
        OrderRequest {
            account,
            id: Uuid::from_u128(self.n),
            client_order_id: format!("c{}", self.n),
            symbol: Symbol::new(sym),
            side,
            order_type,
            time_in_force: TimeInForce::Day,
            qty: Some(qty),
            notional: None,
            limit_price: None,
            stop_price: None,
            trail_price: None,
            trail_percent: None,
            extended_hours: false,
            class: Default::default(),
        }
    }

    pub fn submit(&mut self, req: OrderRequest) -> Vec<Event> {
        self.cmd(CommandKind::Submit(req))
    }

    pub fn order(&self, n: u128) -> &Order {
        self.e.order(&Uuid::from_u128(n)).unwrap()
    }
}

fn rejection(events: &[Event]) -> Option<&Rejection> {
    events.iter().find_map(|e| match e {
        Event::Rejected { rejection, .. } => Some(rejection),
        _ => None,
    })
}

fn fills(events: &[Event]) -> Vec<(Decimal, Decimal)> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Filled { fill, .. } | Event::PartiallyFilled { fill, .. } => {
                Some((fill.qty, fill.price))
            }
            _ => None,
        })
        .collect()
}

fn aapl(h: &mut Harness) {
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500);
}

#[test]
fn market_buy_fills_at_the_ask_and_sell_at_the_bid() {
    let mut h = Harness::new(CalendarKind::Nyse);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    let ev = h.submit(r);
    assert!(matches!(ev[0], Event::Accepted { .. }));
    assert_eq!(fills(&ev), vec![(dec!(10), dec!(100.02))]);
    assert_eq!(h.order(1).status, OrderStatus::Filled);
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(4));
    assert_eq!(fills(&h.submit(r)), vec![(dec!(4), dec!(100.00))]);
    let pos = h.e.position(&margin(), &Symbol::new("AAPL")).unwrap();
    assert_eq!(pos.qty, dec!(6));
    assert_eq!(pos.avg_entry_price, dec!(100.02));
    let s = h.e.summary(&margin()).unwrap();
    assert_eq!(s.cash, dec!(100000) - dec!(1000.2) + dec!(400));
    assert_eq!(s.realized_pl, dec!(-0.08));
}

/// An event must keep the order as it was when the event happened, however the order changes
/// afterwards, and a cloned engine (a snapshot) must not see changes made to the original:
/// what any sharing of orders between the venue and its events (tried for speed) must keep.
#[test]
fn an_event_keeps_the_order_as_it_was_when_the_order_changes_later() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    // Within one command: accepted (nothing filled), then filled.
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    let ev = h.submit(r);
    let [
        Event::Accepted { order: new },
        Event::Filled { order: done, .. },
    ] = &ev[..]
    else {
        panic!("{ev:?}");
    };
    assert_eq!((new.status, new.filled_qty), (OrderStatus::New, dec!(0)));
    assert_eq!(
        (done.status, done.filled_qty),
        (OrderStatus::Filled, dec!(10))
    );
    assert_eq!(new.filled_avg_price, None);
    // Across commands, with the event still held: a resting limit, then its fill.
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(5));
    r.limit_price = Some(dec!(99.50));
    let held = h.submit(r);
    let before = h.e.clone();
    h.quote("AAPL", dec!(99.40), 100, dec!(99.45), 100);
    assert_eq!(h.order(2).status, OrderStatus::Filled);
    let [Event::Accepted { order }] = &held[..] else {
        panic!("{held:?}");
    };
    assert_eq!(
        (order.status, order.filled_qty),
        (OrderStatus::New, dec!(0))
    );
    assert_eq!(
        before.order(&Uuid::from_u128(2)).unwrap().status,
        OrderStatus::New
    );
    assert_eq!(before.open_order_count(), 1);
    // And after the events are gone, the venue's copy changes in place as before.
    drop(held);
    drop(ev);
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(15));
    assert_eq!(fills(&h.submit(r)), vec![(dec!(15), dec!(99.40))]);
    assert_eq!(h.e.position(&margin(), &Symbol::new("AAPL")), None);
}

#[test]
fn limit_buy_rests_until_the_ask_crosses_and_fills_at_the_ask() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(5));
    r.limit_price = Some(dec!(99.50));
    assert!(fills(&h.submit(r)).is_empty());
    assert_eq!(h.order(1).status, OrderStatus::New);
    assert!(fills(&h.quote("AAPL", dec!(99.60), 100, dec!(99.51), 100)).is_empty());
    let ev = h.quote("AAPL", dec!(99.40), 100, dec!(99.45), 100);
    assert_eq!(fills(&ev), vec![(dec!(5), dec!(99.45))]);
}

#[test]
fn limit_sell_rests_until_the_bid_crosses() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(5));
    h.submit(r);
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Limit, dec!(5));
    r.limit_price = Some(dec!(101));
    assert!(fills(&h.submit(r)).is_empty());
    assert!(fills(&h.quote("AAPL", dec!(100.99), 100, dec!(101.05), 100)).is_empty());
    assert_eq!(
        fills(&h.quote("AAPL", dec!(101.10), 100, dec!(101.15), 100)),
        vec![(dec!(5), dec!(101.10))]
    );
}

#[test]
fn partial_fills_are_limited_by_quote_size() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(100), 100, dec!(100.02), 300);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(500));
    let ev = h.submit(r);
    assert_eq!(fills(&ev), vec![(dec!(300), dec!(100.02))]);
    assert_eq!(h.order(1).status, OrderStatus::PartiallyFilled);
    // The size was consumed: a second order cannot take the same liquidity.
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    assert!(fills(&h.submit(r)).is_empty());
    let ev = h.quote("AAPL", dec!(100), 100, dec!(100.05), 1000);
    assert_eq!(
        fills(&ev),
        vec![(dec!(200), dec!(100.05)), (dec!(1), dec!(100.05))]
    );
    let o = h.order(1);
    assert_eq!(o.status, OrderStatus::Filled);
    assert_eq!(o.filled_avg_price, Some(dec!(100.032)));
}

#[test]
fn waiting_market_orders_trade_in_arrival_order_across_sides_as_sizes_allow() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(100), 0, dec!(100.02), 0);
    for (side, qty) in [
        (Side::Buy, dec!(2)),
        (Side::Sell, dec!(1)),
        (Side::Buy, dec!(1)),
        (Side::Sell, dec!(3)),
        (Side::Buy, dec!(5)),
    ] {
        let r = h.req(margin(), "AAPL", side, OrderType::Market, qty);
        assert!(fills(&h.submit(r)).is_empty(), "no size: the order waits");
    }
    // Ask 3, bid 2: buy 1 takes 2, sell 2 takes 1, buy 3 takes the last ask share, sell 4 the
    // last bid share; buy 5 finds the ask used up.
    let ev = h.quote("AAPL", dec!(100), 2, dec!(100.02), 3);
    assert_eq!(
        fills(&ev),
        vec![
            (dec!(2), dec!(100.02)),
            (dec!(1), dec!(100)),
            (dec!(1), dec!(100.02)),
            (dec!(1), dec!(100)),
        ]
    );
    assert_eq!(h.order(4).status, OrderStatus::PartiallyFilled);
    assert_eq!(h.order(5).status, OrderStatus::New);
    // Plenty of both: the rest of sell 4 (older) before buy 5.
    let ev = h.quote("AAPL", dec!(100.01), 100, dec!(100.03), 100);
    assert_eq!(
        fills(&ev),
        vec![(dec!(2), dec!(100.01)), (dec!(5), dec!(100.03))]
    );
    assert!((1..=5).all(|n| h.order(n).status == OrderStatus::Filled));
}

#[test]
fn stop_buy_triggers_when_the_price_rises_to_it() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Stop, dec!(2));
    r.stop_price = Some(dec!(101));
    assert!(fills(&h.submit(r)).is_empty());
    assert!(fills(&h.quote("AAPL", dec!(100.5), 100, dec!(100.99), 100)).is_empty());
    assert_eq!(
        fills(&h.quote("AAPL", dec!(101.0), 100, dec!(101.02), 100)),
        vec![(dec!(2), dec!(101.02))]
    );
}

#[test]
fn stop_sell_triggers_on_a_trade_through_it() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(2));
    h.submit(r);
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Stop, dec!(2));
    r.stop_price = Some(dec!(95));
    assert!(fills(&h.submit(r)).is_empty());
    h.t += Duration::seconds(1);
    let ev = h.cmd(CommandKind::Trade(Trade {
        symbol: Symbol::new("AAPL"),
        price: dec!(94.9),
        size: dec!(1),
    }));
    // Triggered by the trade, filled at the (stale) bid of the book.
    assert_eq!(fills(&ev), vec![(dec!(2), dec!(100.00))]);
}

#[test]
fn stop_limit_becomes_a_limit_once_triggered() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::StopLimit, dec!(3));
    r.stop_price = Some(dec!(101));
    r.limit_price = Some(dec!(101.50));
    h.submit(r);
    // Triggered, but the ask is above the limit: it rests as a limit.
    assert!(fills(&h.quote("AAPL", dec!(101.6), 100, dec!(101.70), 100)).is_empty());
    assert!(h.order(1).triggered);
    assert_eq!(
        fills(&h.quote("AAPL", dec!(101.4), 100, dec!(101.45), 100)),
        vec![(dec!(3), dec!(101.45))]
    );
}

#[test]
fn trailing_stop_by_price_follows_the_high_and_triggers_on_the_pullback() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    h.submit(r);
    let mut r = h.req(
        margin(),
        "AAPL",
        Side::Sell,
        OrderType::TrailingStop,
        dec!(1),
    );
    r.trail_price = Some(dec!(2));
    h.submit(r);
    assert_eq!(h.order(2).hwm, Some(dec!(100.00)));
    h.quote("AAPL", dec!(105), 100, dec!(105.02), 100);
    assert_eq!(h.order(2).hwm, Some(dec!(105)));
    assert_eq!(h.order(2).stop_price, Some(dec!(103)));
    // 103.50 would have triggered a stop fixed at the start price + … no: still above 103.
    assert!(fills(&h.quote("AAPL", dec!(103.5), 100, dec!(103.52), 100)).is_empty());
    assert_eq!(
        fills(&h.quote("AAPL", dec!(102.9), 100, dec!(102.95), 100)),
        vec![(dec!(1), dec!(102.9))]
    );
}

#[test]
fn trailing_stop_by_percent_for_a_buy_follows_the_low() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(
        margin(),
        "AAPL",
        Side::Buy,
        OrderType::TrailingStop,
        dec!(1),
    );
    r.trail_percent = Some(dec!(5));
    h.submit(r);
    h.quote("AAPL", dec!(89.98), 100, dec!(90), 100);
    assert_eq!(h.order(1).stop_price, Some(dec!(94.5)));
    assert!(fills(&h.quote("AAPL", dec!(94), 100, dec!(94.4), 100)).is_empty());
    assert_eq!(
        fills(&h.quote("AAPL", dec!(94.5), 100, dec!(94.6), 100)),
        vec![(dec!(1), dec!(94.6))]
    );
}

#[test]
fn day_orders_expire_at_the_close_and_gtc_orders_do_not() {
    let mut h = Harness::new(CalendarKind::Nyse);
    aapl(&mut h);
    let mut day = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    day.limit_price = Some(dec!(90));
    h.submit(day);
    let mut gtc = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    gtc.limit_price = Some(dec!(90));
    gtc.time_in_force = TimeInForce::Gtc;
    h.submit(gtc);
    let reserved = h.e.summary(&margin()).unwrap().reserved;
    assert_eq!(reserved, dec!(180));
    // 16:00 New York = 21:00 UTC.
    assert!(
        h.wait(Duration::hours(5) + Duration::minutes(59))
            .is_empty()
    );
    let ev = h.wait(Duration::minutes(1));
    assert!(matches!(&ev[..], [Event::Expired { order }] if order.id == Uuid::from_u128(1)));
    assert_eq!(h.order(1).status, OrderStatus::Expired);
    assert_eq!(h.order(2).status, OrderStatus::New);
    assert_eq!(h.e.summary(&margin()).unwrap().reserved, dec!(90));
}

#[test]
fn day_orders_on_the_always_calendar_expire_at_midnight_utc() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut day = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    day.limit_price = Some(dec!(90));
    h.submit(day);
    h.t = ts("2026-11-30T23:59:59Z");
    assert!(h.cmd(CommandKind::Clock).is_empty());
    h.t = ts("2026-12-01T00:00:00Z");
    assert!(matches!(
        &h.cmd(CommandKind::Clock)[..],
        [Event::Expired { .. }]
    ));
}

#[test]
fn ioc_fills_what_it_can_and_cancels_the_rest() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(100), 100, dec!(100.02), 30);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(50));
    r.time_in_force = TimeInForce::Ioc;
    let ev = h.submit(r);
    assert_eq!(fills(&ev), vec![(dec!(30), dec!(100.02))]);
    assert!(matches!(ev.last(), Some(Event::Canceled { order }) if order.filled_qty == dec!(30)));
    assert_eq!(h.e.summary(&margin()).unwrap().reserved, dec!(0));
}

#[test]
fn fok_fills_all_or_nothing() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(100), 100, dec!(100.02), 30);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(50));
    r.time_in_force = TimeInForce::Fok;
    let ev = h.submit(r);
    assert!(fills(&ev).is_empty());
    assert!(matches!(ev.last(), Some(Event::Canceled { order }) if order.filled_qty.is_zero()));
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(30));
    r.time_in_force = TimeInForce::Fok;
    r.limit_price = Some(dec!(100.02));
    assert_eq!(fills(&h.submit(r)), vec![(dec!(30), dec!(100.02))]);
}

#[test]
fn opg_orders_trade_at_the_open_and_are_refused_after_the_cutoff() {
    // 08:00 New York on Monday.
    let mut h = Harness::at(CalendarKind::Nyse, "2026-11-30T13:00:00Z");
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(2));
    r.time_in_force = TimeInForce::Opg;
    let ev = h.submit(r);
    assert!(fills(&ev).is_empty());
    assert_eq!(h.order(1).status, OrderStatus::Accepted);
    h.t = ts("2026-11-30T14:29:00Z");
    let mut late = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    late.time_in_force = TimeInForce::Opg;
    assert!(matches!(
        rejection(&h.submit(late)),
        Some(Rejection::Invalid(_))
    ));
    h.t = ts("2026-11-30T14:30:00Z");
    let ev = h.cmd(CommandKind::Clock);
    assert_eq!(fills(&ev), vec![(dec!(2), dec!(100.02))]);
}

#[test]
fn cls_orders_trade_in_the_closing_cross() {
    let mut h = Harness::new(CalendarKind::Nyse);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(2));
    r.time_in_force = TimeInForce::Cls;
    assert!(fills(&h.submit(r)).is_empty());
    h.quote("AAPL", dec!(101), 100, dec!(101.02), 100);
    h.t = ts("2026-11-30T20:55:00Z");
    let mut late = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    late.time_in_force = TimeInForce::Cls;
    assert!(rejection(&h.submit(late)).is_some());
    h.t = ts("2026-11-30T21:00:00Z");
    assert_eq!(
        fills(&h.cmd(CommandKind::Clock)),
        vec![(dec!(2), dec!(101.02))]
    );
}

#[test]
fn orders_outside_hours_queue_for_the_open_and_ioc_is_refused() {
    // Saturday.
    let mut h = Harness::at(CalendarKind::Nyse, "2026-11-28T15:00:00Z");
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    let ev = h.submit(r);
    assert!(
        matches!(&ev[..], [Event::Accepted { order }] if order.status == OrderStatus::Accepted)
    );
    let mut ioc = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    ioc.time_in_force = TimeInForce::Ioc;
    assert_eq!(rejection(&h.submit(ioc)), Some(&Rejection::MarketClosed));
    assert!(fills(&h.quote("AAPL", dec!(100), 100, dec!(100.02), 100)).is_empty());
    h.t = ts("2026-11-30T14:30:00Z");
    assert_eq!(
        fills(&h.cmd(CommandKind::Clock)),
        vec![(dec!(1), dec!(100.02))]
    );
}

#[test]
fn notional_orders_buy_fractional_shares() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(199.98), 100, dec!(200), 100);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    r.qty = None;
    r.notional = Some(dec!(50));
    assert_eq!(fills(&h.submit(r)), vec![(dec!(0.25), dec!(200))]);
    let mut r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(0.125));
    assert_eq!(
        fills(&h.submit(r.clone())),
        vec![(dec!(0.125), dec!(199.98))]
    );
    r.id = Uuid::from_u128(99);
    r.client_order_id = "x".into();
    r.order_type = OrderType::Limit;
    r.limit_price = Some(dec!(1));
    assert!(
        matches!(rejection(&h.submit(r)), Some(Rejection::Invalid(m)) if m.contains("fractional"))
    );
}

#[test]
fn request_validation() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut both = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    both.notional = Some(dec!(10));
    assert!(matches!(
        rejection(&h.submit(both)),
        Some(Rejection::Invalid(_))
    ));
    let mut subpenny = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    subpenny.limit_price = Some(dec!(100.001));
    let rej = h.submit(subpenny);
    assert!(matches!(rejection(&rej), Some(Rejection::SubPenny { .. })));
    assert_eq!(rejection(&rej).unwrap().http_status(), 422);
    let unknown = h.req(margin(), "ZZZZ", Side::Buy, OrderType::Market, dec!(1));
    assert_eq!(
        rejection(&h.submit(unknown)),
        Some(&Rejection::UnknownSymbol(Symbol::new("ZZZZ")))
    );
    let too_fine = h.req(
        margin(),
        "AAPL",
        Side::Buy,
        OrderType::Market,
        dec!(0.0000000001),
    );
    assert!(rejection(&h.submit(too_fine)).is_some());
    let missing_limit = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    assert!(rejection(&h.submit(missing_limit)).is_some());
}

#[test]
fn duplicate_client_order_id_is_refused_per_account() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    let mut dup = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    dup.client_order_id = r.client_order_id.clone();
    let mut other_account = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    other_account.client_order_id = r.client_order_id.clone();
    h.submit(r);
    assert_eq!(
        rejection(&h.submit(dup)),
        Some(&Rejection::DuplicateClientOrderId)
    );
    assert!(rejection(&h.submit(other_account)).is_none());
}

#[test]
fn buying_power_cash_versus_margin() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    // Cash account with $10k: 99 shares × 100.02 × 1.03 = 10,199 > 10k.
    let r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(99));
    assert!(matches!(
        rejection(&h.submit(r)),
        Some(Rejection::InsufficientBuyingPower { .. })
    ));
    let r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(95));
    assert!(rejection(&h.submit(r)).is_none());
    // Margin: $100k equity buys ~$200k.
    h.quote("AAPL", dec!(100), 5000, dec!(100.02), 5000);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1900));
    assert!(rejection(&h.submit(r)).is_none());
    let s = h.e.summary(&margin()).unwrap();
    assert!(s.cash < Decimal::ZERO, "margin loan: {}", s.cash);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(200));
    assert!(matches!(
        rejection(&h.submit(r)),
        Some(Rejection::InsufficientBuyingPower { .. })
    ));
}

#[test]
fn open_buy_orders_reserve_buying_power_and_sells_release_nothing() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let before = h.e.summary(&cash_acct()).unwrap().buying_power;
    let mut r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Limit, dec!(50));
    r.limit_price = Some(dec!(90));
    h.submit(r);
    assert_eq!(
        h.e.summary(&cash_acct()).unwrap().buying_power,
        before - dec!(4500)
    );
    // 5,500 left: 62 × 90 = 5,580 does not fit while the first order is open.
    let mut r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Limit, dec!(62));
    r.limit_price = Some(dec!(90));
    assert!(matches!(
        rejection(&h.submit(r)),
        Some(Rejection::InsufficientBuyingPower { .. })
    ));
    h.cmd(CommandKind::Cancel {
        account: cash_acct(),
        order_id: Uuid::from_u128(1),
    });
    assert_eq!(h.e.summary(&cash_acct()).unwrap().buying_power, before);
    // A market buy holds 3 % above the ask.
    let mut r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.time_in_force = TimeInForce::Gtc;
    h.quote("AAPL", dec!(100), 0, dec!(100.02), 0);
    h.submit(r);
    assert_eq!(h.e.summary(&cash_acct()).unwrap().reserved, dec!(1030.206));
}

#[test]
fn short_selling_needs_margin_whole_shares_and_a_shortable_asset() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(cash_acct(), "AAPL", Side::Sell, OrderType::Market, dec!(1));
    assert!(matches!(
        rejection(&h.submit(r)),
        Some(Rejection::InsufficientQty { .. })
    ));
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(0.5));
    assert_eq!(rejection(&h.submit(r)), Some(&Rejection::FractionalShort));
    let r = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(10));
    assert_eq!(fills(&h.submit(r)), vec![(dec!(10), dec!(100))]);
    let s = h.e.summary(&margin()).unwrap();
    assert_eq!(s.short_market_value, dec!(-1000.10));
    assert_eq!(
        h.e.position(&margin(), &Symbol::new("AAPL")).unwrap().qty,
        dec!(-10)
    );
    let mut e = h.e.clone();
    let asset = e.assets.get_mut(&Symbol::new("MSFT")).unwrap();
    asset.shortable = false;
    h.e = e;
    h.quote("MSFT", dec!(400), 100, dec!(400.1), 100);
    let r = h.req(margin(), "MSFT", Side::Sell, OrderType::Market, dec!(1));
    assert_eq!(
        rejection(&h.submit(r)),
        Some(&Rejection::NotShortable(Symbol::new("MSFT")))
    );
}

#[test]
fn shares_held_by_an_open_sell_cannot_be_sold_twice() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    h.submit(r);
    let mut s1 = h.req(margin(), "AAPL", Side::Sell, OrderType::Limit, dec!(8));
    s1.limit_price = Some(dec!(120));
    h.submit(s1);
    let s2 = h.req(margin(), "AAPL", Side::Sell, OrderType::Market, dec!(5));
    assert_eq!(
        rejection(&h.submit(s2)),
        Some(&Rejection::InsufficientQty {
            requested: dec!(5),
            available: dec!(2)
        })
    );
    assert_eq!(
        h.e.position(&margin(), &Symbol::new("AAPL"))
            .unwrap()
            .qty_available,
        dec!(2)
    );
}

#[test]
fn cancel_and_its_refusals() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(1));
    r.limit_price = Some(dec!(50));
    h.submit(r);
    let ev = h.cmd(CommandKind::Cancel {
        account: margin(),
        order_id: Uuid::from_u128(1),
    });
    assert!(matches!(&ev[..], [Event::Canceled { .. }]));
    let ev = h.cmd(CommandKind::Cancel {
        account: margin(),
        order_id: Uuid::from_u128(1),
    });
    assert_eq!(rejection(&ev), Some(&Rejection::NotCancelable));
    let ev = h.cmd(CommandKind::Cancel {
        account: cash_acct(),
        order_id: Uuid::from_u128(1),
    });
    assert_eq!(rejection(&ev), Some(&Rejection::OrderNotFound));
}

#[test]
fn replace_swaps_in_a_new_order_or_keeps_the_old_one() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(5));
    r.limit_price = Some(dec!(90));
    h.submit(r);
    let new_id = Uuid::from_u128(500);
    let changes = ReplaceRequest {
        limit_price: Some(dec!(95)),
        qty: Some(dec!(6)),
        ..Default::default()
    };
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: Uuid::from_u128(1),
        new_id,
        changes,
    });
    assert!(
        matches!(&ev[..], [Event::Replaced { old, new }] if old.replaced_by == Some(new_id) && new.replaces == Some(Uuid::from_u128(1)))
    );
    assert_eq!(h.order(1).status, OrderStatus::Replaced);
    assert_eq!(h.e.summary(&margin()).unwrap().reserved, dec!(570));
    // A replacement that cannot be afforded leaves the working order alone.
    let changes = ReplaceRequest {
        qty: Some(dec!(100000)),
        ..Default::default()
    };
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: new_id,
        new_id: Uuid::from_u128(501),
        changes,
    });
    assert!(matches!(
        rejection(&ev),
        Some(Rejection::InsufficientBuyingPower { .. })
    ));
    assert_eq!(h.e.order(&new_id).unwrap().status, OrderStatus::New);
    assert_eq!(h.e.summary(&margin()).unwrap().reserved, dec!(570));
    // Replacing to a marketable price fills at once.
    let changes = ReplaceRequest {
        limit_price: Some(dec!(101)),
        ..Default::default()
    };
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: new_id,
        new_id: Uuid::from_u128(502),
        changes,
    });
    assert_eq!(fills(&ev), vec![(dec!(6), dec!(100.02))]);
}

#[test]
fn unrealized_and_realized_pl_follow_the_mark() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    h.submit(r);
    h.t += Duration::seconds(1);
    h.cmd(CommandKind::Trade(Trade {
        symbol: Symbol::new("AAPL"),
        price: dec!(110),
        size: dec!(1),
    }));
    let p = h.e.position(&margin(), &Symbol::new("AAPL")).unwrap();
    assert_eq!(p.market_value, dec!(1100));
    assert_eq!(p.cost_basis, dec!(1000.20));
    assert_eq!(p.unrealized_pl, dec!(99.80));
    let s = h.e.summary(&margin()).unwrap();
    assert_eq!(s.equity, dec!(100000) - dec!(1000.20) + dec!(1100));
    assert_eq!(s.long_market_value, dec!(1100));
}

#[test]
fn pattern_day_trader_protection_refuses_the_fourth_day_trade_under_25k() {
    let mut h = Harness::new(CalendarKind::Always);
    h.cmd(CommandKind::OpenAccount {
        account: AccountId::new("SMALL"),
        kind: AccountKind::Margin,
        cash: dec!(20000),
    });
    aapl(&mut h);
    for _ in 0..3 {
        let b = h.req(
            AccountId::new("SMALL"),
            "AAPL",
            Side::Buy,
            OrderType::Market,
            dec!(1),
        );
        h.submit(b);
        let s = h.req(
            AccountId::new("SMALL"),
            "AAPL",
            Side::Sell,
            OrderType::Market,
            dec!(1),
        );
        assert!(rejection(&h.submit(s)).is_none());
        aapl(&mut h);
    }
    assert_eq!(
        h.e.summary(&AccountId::new("SMALL"))
            .unwrap()
            .daytrade_count,
        3
    );
    let b = h.req(
        AccountId::new("SMALL"),
        "AAPL",
        Side::Buy,
        OrderType::Market,
        dec!(1),
    );
    h.submit(b);
    let s = h.req(
        AccountId::new("SMALL"),
        "AAPL",
        Side::Sell,
        OrderType::Market,
        dec!(1),
    );
    assert_eq!(rejection(&h.submit(s)), Some(&Rejection::PatternDayTrading));
    // The next day the position is no longer a same-day one.
    h.wait(Duration::days(1));
    aapl(&mut h);
    let s = h.req(
        AccountId::new("SMALL"),
        "AAPL",
        Side::Sell,
        OrderType::Market,
        dec!(1),
    );
    assert!(rejection(&h.submit(s)).is_none());
}

#[test]
fn many_accounts_are_independent() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let r = h.req(cash_acct(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    h.submit(r);
    assert!(h.e.positions(&margin()).unwrap().is_empty());
    assert_eq!(h.e.positions(&cash_acct()).unwrap().len(), 1);
    assert_eq!(h.e.account_ids().len(), 2);
}

#[test]
fn every_command_and_event_survives_the_journal_encoding() {
    let mut h = Harness::new(CalendarKind::Always);
    let q = Quote {
        symbol: Symbol::new("AAPL"),
        bid_price: dec!(1),
        bid_size: dec!(1),
        ask_price: dec!(2),
        ask_size: dec!(1),
    };
    let t = Trade {
        symbol: Symbol::new("AAPL"),
        price: dec!(1.5),
        size: dec!(1),
    };
    let r = h.req(margin(), "ZZZ", Side::Buy, OrderType::Market, dec!(1));
    let kinds = vec![
        CommandKind::OpenAccount {
            account: margin(),
            kind: AccountKind::Cash,
            cash: dec!(1),
        },
        CommandKind::Submit(r),
        CommandKind::Cancel {
            account: margin(),
            order_id: Uuid::from_u128(7),
        },
        CommandKind::Replace {
            account: margin(),
            order_id: Uuid::from_u128(7),
            new_id: Uuid::from_u128(8),
            changes: ReplaceRequest::default(),
        },
        CommandKind::Quote(q.clone()),
        CommandKind::Trade(t.clone()),
        CommandKind::Market(vec![MarketUpdate::Quote(q), MarketUpdate::Trade(t)]),
        CommandKind::Clock,
    ];
    for kind in kinds {
        let cmd = Command::new(h.t, kind);
        let text = serde_json::to_string(&cmd).unwrap();
        assert_eq!(serde_json::from_str::<Command>(&text).unwrap(), cmd);
        let events = h.e.apply(cmd);
        let text = serde_json::to_string(&events).unwrap();
        assert_eq!(serde_json::from_str::<Vec<Event>>(&text).unwrap(), events);
    }
}

#[test]
fn seeded_random_partial_fills_split_executions_reproducibly() {
    let run = |seed: u64| {
        let mut h = Harness::new(CalendarKind::Always);
        let mut config = h.e.config().clone();
        config.random_partial_fill_pct = 100;
        config.seed = seed;
        h.e = Engine::new(config);
        h.cmd(CommandKind::OpenAccount {
            account: margin(),
            kind: AccountKind::Margin,
            cash: dec!(100000),
        });
        aapl(&mut h);
        let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
        let first = fills(&h.submit(r));
        assert_eq!(first.len(), 1);
        assert!(first[0].0 < dec!(10) && first[0].0 >= dec!(1), "{first:?}");
        assert_eq!(h.order(1).status, OrderStatus::PartiallyFilled);
        let mut total = first[0].0;
        for _ in 0..20 {
            total += fills(&aapl_quote(&mut h))
                .iter()
                .map(|f| f.0)
                .sum::<Decimal>();
        }
        assert_eq!(total, dec!(10));
        assert_eq!(h.order(1).status, OrderStatus::Filled);
        first[0].0
    };
    assert_eq!(run(1), run(1));
    // FOK stays all-or-nothing even when partials are on.
    let mut h = Harness::new(CalendarKind::Always);
    let mut config = h.e.config().clone();
    config.random_partial_fill_pct = 100;
    h.e = Engine::new(config);
    h.cmd(CommandKind::OpenAccount {
        account: margin(),
        kind: AccountKind::Margin,
        cash: dec!(100000),
    });
    aapl(&mut h);
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(10));
    r.time_in_force = TimeInForce::Fok;
    assert_eq!(fills(&h.submit(r)), vec![(dec!(10), dec!(100.02))]);
}

fn aapl_quote(h: &mut Harness) -> Vec<Event> {
    h.quote("AAPL", dec!(100.00), 500, dec!(100.02), 500)
}

#[test]
fn orders_beyond_the_caps_are_refused_and_nothing_panics() {
    let mut h = Harness::new(CalendarKind::Always);
    aapl(&mut h);
    let big = [
        (Side::Buy, OrderType::Limit, Decimal::MAX, Some(dec!(1))),
        (Side::Buy, OrderType::Limit, dec!(1000000001), Some(dec!(1))),
        (Side::Buy, OrderType::Limit, dec!(1), Some(Decimal::MAX)),
        (Side::Buy, OrderType::Limit, dec!(1), Some(dec!(1000000.01))),
        (
            Side::Buy,
            OrderType::Limit,
            Decimal::MAX,
            Some(Decimal::MAX),
        ),
        (Side::Buy, OrderType::Market, Decimal::MAX, None),
        (Side::Sell, OrderType::Market, Decimal::MAX, None),
        (
            Side::Sell,
            OrderType::Limit,
            Decimal::MAX,
            Some(dec!(1000000)),
        ),
    ];
    for (side, order_type, qty, limit) in big {
        let mut r = h.req(margin(), "AAPL", side, order_type, qty);
        r.limit_price = limit;
        let ev = h.submit(r);
        let why = rejection(&ev).unwrap_or_else(|| panic!("{qty} @ {limit:?} accepted"));
        assert_eq!(why.http_status(), 422, "{why}");
    }
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    r.qty = None;
    r.notional = Some(Decimal::MAX);
    assert!(rejection(&h.submit(r)).is_some());
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Stop, dec!(1));
    r.stop_price = Some(Decimal::MAX);
    assert!(rejection(&h.submit(r)).is_some());
    let mut r = h.req(
        margin(),
        "AAPL",
        Side::Sell,
        OrderType::TrailingStop,
        dec!(1),
    );
    r.trail_price = Some(Decimal::MAX);
    assert!(rejection(&h.submit(r)).is_some());
    // At the caps an order is judged on buying power, as any other.
    let mut r = h.req(
        margin(),
        "AAPL",
        Side::Buy,
        OrderType::Limit,
        dec!(1000000000),
    );
    r.limit_price = Some(dec!(1000000));
    let why = rejection(&h.submit(r)).cloned();
    assert!(
        matches!(why, Some(Rejection::InsufficientBuyingPower { .. })),
        "{why:?}"
    );

    // A resting order replaced with an absurd quantity stays as it was.
    let mut r = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(2));
    r.limit_price = Some(dec!(50));
    let resting = r.id;
    assert!(rejection(&h.submit(r)).is_none());
    let ev = h.cmd(CommandKind::Replace {
        account: margin(),
        order_id: resting,
        new_id: Uuid::from_u128(9_999),
        changes: ReplaceRequest {
            qty: Some(Decimal::MAX),
            ..ReplaceRequest::default()
        },
    });
    assert!(rejection(&ev).is_some());
    let o = h.e.order(&resting).unwrap();
    assert_eq!((o.status, o.qty), (OrderStatus::New, Some(dec!(2))));
}

#[test]
fn accounts_and_ticks_out_of_range_are_refused() {
    let mut h = Harness::new(CalendarKind::Always);
    let ev = h.cmd(CommandKind::OpenAccount {
        account: AccountId::new("HUGE"),
        kind: AccountKind::Margin,
        cash: Decimal::MAX,
    });
    assert!(rejection(&ev).is_some());
    assert!(h.e.account(&AccountId::new("HUGE")).is_none());

    aapl(&mut h);
    let r = h.req(margin(), "AAPL", Side::Buy, OrderType::Market, dec!(1));
    h.submit(r);
    let before = h.e.summary(&margin()).unwrap();
    h.quote("AAPL", Decimal::MAX, 1, Decimal::MAX, 1);
    h.cmd(CommandKind::Trade(Trade {
        symbol: Symbol::new("AAPL"),
        price: Decimal::MAX,
        size: Decimal::MAX,
    }));
    assert_eq!(h.e.summary(&margin()).unwrap(), before);
    assert_eq!(
        h.e.quote(&Symbol::new("AAPL")).unwrap().ask_price,
        dec!(100.02)
    );
}

/// A quote for a symbol already quoted is updated in place (`on_quote`): every field of the
/// new one must replace the old, and a resting order trades on the new figures.
#[test]
fn a_later_quote_replaces_every_field_of_the_earlier() {
    let mut h = Harness::new(CalendarKind::Always);
    h.quote("AAPL", dec!(100), 10, dec!(101), 20);
    h.quote("AAPL", dec!(98), 3, dec!(99), 4);
    let q = h.e.quote(&Symbol::new("AAPL")).unwrap().clone();
    assert_eq!(
        (
            q.symbol.as_str(),
            q.bid_price,
            q.bid_size,
            q.ask_price,
            q.ask_size
        ),
        ("AAPL", dec!(98), dec!(3), dec!(99), dec!(4))
    );
    let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, dec!(10));
    req.limit_price = Some(dec!(99.5));
    h.submit(req);
    // Only the new ask size (4) trades; the old one (20) would have filled all 10.
    assert_eq!(h.order(1).filled_qty, dec!(4));
    assert_eq!(h.order(1).filled_avg_price, Some(dec!(99)));
    assert_eq!(h.e.quote(&Symbol::new("AAPL")).unwrap().ask_size, dec!(0));
}
