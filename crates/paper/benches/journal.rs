//! Durable orders per second: journal appends with WAL + fsync per commit, by batch size.

#![allow(clippy::unwrap_used)] // Benchmark setup.

use brokerdesk_model::{AccountId, Symbol};
use brokerdesk_paper::engine::*;
use brokerdesk_paper::store::{Durability, Journal};
use chrono::Utc;
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rust_decimal::Decimal;
use std::time::{Duration, Instant};
use uuid::Uuid;

fn entry(n: u128) -> (Command, Vec<Event>) {
    let req = OrderRequest {
        account: AccountId::new("BENCH"),
        id: Uuid::from_u128(n),
        client_order_id: format!("j{n}"),
        symbol: Symbol::new("AAPL"),
        side: Side::Buy,
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Gtc,
        qty: Some(Decimal::ONE),
        notional: None,
        limit_price: Some(Decimal::ONE),
        stop_price: None,
        trail_price: None,
        trail_percent: None,
        extended_hours: false,
        class: Default::default(),
    };
    // A realistic event payload: run the command through an engine once.
    let mut e = Engine::new(EngineConfig::default());
    let now = Utc::now();
    e.apply(Command::new(
        now,
        CommandKind::OpenAccount {
            account: req.account.clone(),
            kind: AccountKind::Margin,
            cash: Decimal::from(1_000_000),
        },
    ));
    let cmd = Command::new(now, CommandKind::Submit(req));
    let events = e.apply(cmd.clone());
    (cmd, events)
}

/// A market buy that fills at once: a command and two events (accepted, filled).
fn market_fill() -> (Command, Vec<Event>) {
    let (Command { at, kind }, _) = entry(2);
    let CommandKind::Submit(mut req) = kind else {
        unreachable!("entry() makes a submit")
    };
    req.order_type = OrderType::Market;
    req.limit_price = None;
    let mut e = Engine::new(EngineConfig::default());
    e.apply(Command::new(
        at,
        CommandKind::OpenAccount {
            account: req.account.clone(),
            kind: AccountKind::Margin,
            cash: Decimal::from(1_000_000),
        },
    ));
    e.apply(Command::new(
        at,
        CommandKind::Quote(Quote {
            symbol: req.symbol.clone(),
            bid_price: Decimal::new(18_742, 2),
            bid_size: Decimal::ONE_HUNDRED,
            ask_price: Decimal::new(18_743, 2),
            ask_size: Decimal::ONE_HUNDRED,
        }),
    ));
    let cmd = Command::new(at, CommandKind::Submit(req));
    let events = e.apply(cmd.clone());
    assert_eq!(events.len(), 2);
    (cmd, events)
}

/// Bytes one journal row takes (command, events), as stored.
fn row_bytes(entry: &(Command, Vec<Event>)) -> (i64, i64) {
    let dir = tempfile::tempdir().unwrap();
    let mut j = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
    j.append(std::slice::from_ref(entry)).unwrap();
    drop(j);
    let conn = rusqlite::Connection::open(dir.path().join("journal.sqlite3")).unwrap();
    conn.query_row(
        "SELECT length(CAST(command AS BLOB)), length(CAST(events AS BLOB)) FROM journal",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

fn journal(c: &mut Criterion) {
    for (name, e) in [
        ("limit order (1 event)", entry(1)),
        ("market fill (2 events)", market_fill()),
    ] {
        let (cmd, ev) = row_bytes(&e);
        println!(
            "journal row, {name}: command {cmd} B, events {ev} B ({} B/event)",
            ev / e.1.len() as i64
        );
    }
    let mut g = c.benchmark_group("journal");
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(10);
    let template = entry(1);
    for (durability, name) in [
        (Durability::Full, "fsync"),
        (Durability::Normal, "wal_normal"),
    ] {
        for batch in [1usize, 64, 1024] {
            let dir = tempfile::tempdir().unwrap();
            let mut j = Journal::open_dir(dir.path(), durability).unwrap();
            let entries: Vec<_> = (0..batch).map(|_| template.clone()).collect();
            g.throughput(Throughput::Elements(batch as u64));
            g.bench_function(format!("durable_orders/{name}/batch_{batch}"), |b| {
                b.iter_custom(|iters| {
                    let start = Instant::now();
                    for _ in 0..iters {
                        j.append(&entries).unwrap();
                    }
                    start.elapsed()
                })
            });
        }
    }
    g.finish();
}

criterion_group!(benches, journal);
criterion_main!(benches);
