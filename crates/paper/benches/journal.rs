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

fn journal(c: &mut Criterion) {
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

/// The allocator the shipped binaries use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
