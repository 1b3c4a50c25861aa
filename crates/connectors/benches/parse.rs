//! Parsing cost of large replies: 10,000 positions and 10,000 orders, vendor JSON to our types.
//! Built from the recorded fixtures, repeated.

use brokerdesk_connectors::alpaca::http::{models as am, parse as ap};
use brokerdesk_connectors::ibkr::http::{models as im, parse as ip};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;

const N: usize = 10_000;

fn repeated(vendor: &str, name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/{vendor}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let one = std::fs::read_to_string(&path).expect("fixture");
    let v: serde_json::Value = serde_json::from_str(&one).expect("json");
    let item = match v {
        serde_json::Value::Array(mut a) => a.remove(0),
        other => other,
    };
    serde_json::to_vec(&vec![item; N]).expect("serialise")
}

fn bench(c: &mut Criterion) {
    let mut g = c.benchmark_group("parse");
    g.throughput(Throughput::Elements(N as u64));

    let positions = repeated("alpaca", "spec_x-example_Position.json");
    g.bench_function("alpaca_positions_10k", |b| {
        b.iter(|| {
            let raw: Vec<am::Position> =
                serde_json::from_slice(black_box(&positions)).expect("parse");
            let out: Vec<_> = raw
                .iter()
                .map(ap::position)
                .collect::<Result<_, _>>()
                .expect("map");
            black_box(out)
        })
    });

    let orders = repeated("alpaca", "spec_example_POST_v2_orders_response_Equity.json");
    g.bench_function("alpaca_orders_10k", |b| {
        b.iter(|| {
            let raw: Vec<am::Order> = serde_json::from_slice(black_box(&orders)).expect("parse");
            let out: Vec<_> = raw
                .iter()
                .map(ap::order)
                .collect::<Result<_, _>>()
                .expect("map");
            black_box(out)
        })
    });

    let ib_positions = repeated(
        "ibkr",
        "spec_example_GET_portfolio_accountId_positions_pageId__positions.json",
    );
    g.bench_function("ibkr_positions_10k", |b| {
        b.iter(|| {
            let raw: Vec<im::Position> =
                serde_json::from_slice(black_box(&ib_positions)).expect("parse");
            let out: Vec<_> = raw.iter().map(ip::position).collect();
            black_box(out)
        })
    });

    let ib_orders = {
        let path = format!(
            "{}/tests/fixtures/ibkr/spec_example_GET_iserver_account_orders__orders.json",
            env!("CARGO_MANIFEST_DIR")
        );
        let v: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("json");
        let one = v["orders"][0].clone();
        serde_json::to_vec(&serde_json::json!({ "orders": vec![one; N], "snapshot": true }))
            .expect("serialise")
    };
    g.bench_function("ibkr_orders_10k", |b| {
        b.iter(|| {
            let raw: im::LiveOrders = serde_json::from_slice(black_box(&ib_orders)).expect("parse");
            let out: Vec<_> = raw
                .orders
                .iter()
                .map(ip::live_order)
                .collect::<Result<_, _>>()
                .expect("map");
            black_box(out)
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
