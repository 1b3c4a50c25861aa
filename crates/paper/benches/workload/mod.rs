//! The engine workload both the criterion bench (`benches/engine.rs`) and the instruction
//! count (`examples/round_trip_count.rs`) run: one funded account, AAPL quoted, `resting`
//! limit buys below the market, and market round trips.

#![allow(clippy::unwrap_used, dead_code)] // Benchmark setup; each user takes what it needs.

use brokerdesk_model::{AccountId, Symbol};
use brokerdesk_paper::engine::*;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

pub fn t0() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-30T15:00:00Z")
        .unwrap()
        .to_utc()
}

pub fn account() -> AccountId {
    AccountId::new("BENCH")
}

pub fn quote(sym: &Symbol, bid: Decimal) -> CommandKind {
    CommandKind::Quote(Quote {
        symbol: sym.clone(),
        bid_price: bid,
        bid_size: Decimal::from(1_000_000),
        ask_price: bid + Decimal::new(2, 2),
        ask_size: Decimal::from(1_000_000),
    })
}

pub fn order(n: u128, sym: &Symbol, side: Side, limit: Option<Decimal>) -> CommandKind {
    CommandKind::Submit(OrderRequest {
        account: account(),
        id: Uuid::from_u128(n),
        client_order_id: format!("b{n}"),
        symbol: sym.clone(),
        side,
        order_type: if limit.is_some() {
            OrderType::Limit
        } else {
            OrderType::Market
        },
        time_in_force: TimeInForce::Gtc,
        qty: Some(Decimal::ONE),
        notional: None,
        limit_price: limit,
        stop_price: None,
        trail_price: None,
        trail_percent: None,
        extended_hours: false,
        class: Default::default(),
    })
}

/// An engine with one funded account, a quoted symbol and `resting` limit buys below the market.
pub fn base(resting: u128) -> (Engine, DateTime<Utc>) {
    let mut e = Engine::new(EngineConfig::default());
    let mut t = t0();
    let aapl = Symbol::new("AAPL");
    e.apply(Command::new(
        t,
        CommandKind::OpenAccount {
            account: account(),
            kind: AccountKind::Margin,
            cash: Decimal::from(1_000_000_000_000i64),
        },
    ));
    e.apply(Command::new(t, quote(&aapl, Decimal::from(200))));
    for i in 0..resting {
        t += Duration::microseconds(1);
        // Spread across prices 50.00..149.99 so the book has depth, all below the market.
        let price = Decimal::new(5_000 + (i % 10_000) as i64, 2);
        e.apply(Command::new(
            t,
            order(1_000_000_000 + i, &aapl, Side::Buy, Some(price)),
        ));
    }
    assert_eq!(e.open_order_count() as u128, resting);
    (e, t)
}

/// Round trip: a quote, a market buy and a market sell: 4 order events (2 new, 2 filled).
pub fn round_trips(start: DateTime<Utc>, first_id: u128, count: u64) -> Vec<Command> {
    let aapl = Symbol::new("AAPL");
    let mut t = start;
    let mut out = Vec::with_capacity(count as usize * 3);
    for i in 0..count as u128 {
        t += Duration::microseconds(1);
        out.push(Command::new(t, quote(&aapl, Decimal::from(200))));
        out.push(Command::new(
            t,
            order(first_id + 2 * i, &aapl, Side::Buy, None),
        ));
        out.push(Command::new(
            t,
            order(first_id + 2 * i + 1, &aapl, Side::Sell, None),
        ));
    }
    out
}
