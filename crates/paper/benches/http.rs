//! HTTP orders per second over loopback against a hello-world endpoint on the same stack
//! (axum on the same listener; `/healthz` skips auth and the engine), with 32 concurrent
//! keep-alive clients. Ends with alternating rounds of both loads and their median ratio.

#![allow(clippy::unwrap_used)] // Benchmark setup.

use brokerdesk_paper::store::Durability;
use brokerdesk_paper::{Sandbox, SandboxConfig};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use reqwest::header::{HeaderMap, HeaderValue};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

const CONCURRENCY: u64 = 32;
/// Alternating hello-world / order rounds for the same-conditions ratio.
const ROUNDS: usize = 7;
const ROUND_REQUESTS: u64 = 20_000;

fn http(c: &mut Criterion) {
    for (durability, name) in [
        (Durability::Full, "fsync"),
        (Durability::Normal, "wal_normal"),
    ] {
        bench_stack(c, durability, name);
    }
}

fn bench_stack(c: &mut Criterion, durability: Durability, name: &str) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (base, client, _guard) = rt.block_on(async {
        let mut config = SandboxConfig::new(dir.path()).with_key("BENCH", "bench-secret");
        config.cash = Decimal::from(1_000_000_000_000i64);
        config.durability = durability;
        let sandbox = Sandbox::start(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = sandbox.router(addr);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let mut h = HeaderMap::new();
        h.insert("APCA-API-KEY-ID", HeaderValue::from_static("BENCH"));
        h.insert(
            "APCA-API-SECRET-KEY",
            HeaderValue::from_static("bench-secret"),
        );
        let client = reqwest::Client::builder()
            .default_headers(h)
            .pool_max_idle_per_host(64)
            .build()
            .unwrap();
        (format!("http://{addr}"), client, sandbox)
    });
    let seq = Arc::new(AtomicU64::new(0));

    let run = |iters: u64, order: bool| -> Duration {
        rt.block_on(async {
            let start = Instant::now();
            let mut tasks = Vec::new();
            for w in 0..CONCURRENCY {
                let n = iters / CONCURRENCY + u64::from(w < iters % CONCURRENCY);
                let (client, base, seq) = (client.clone(), base.clone(), seq.clone());
                tasks.push(tokio::spawn(async move {
                    for _ in 0..n {
                        let r = if order {
                            let id = seq.fetch_add(1, Ordering::Relaxed);
                            client
                                .post(format!("{base}/v2/orders"))
                                .json(&serde_json::json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit",
                                    "limit_price": "1.00", "time_in_force": "gtc", "client_order_id": format!("h{id}")}))
                                .send()
                                .await
                                .unwrap()
                        } else {
                            client.get(format!("{base}/healthz")).send().await.unwrap()
                        };
                        assert!(r.status().is_success());
                        let _ = r.bytes().await.unwrap();
                    }
                }));
            }
            for t in tasks {
                t.await.unwrap();
            }
            start.elapsed()
        })
    };

    let mut g = c.benchmark_group(format!("http_{name}"));
    g.warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(10);
    g.throughput(Throughput::Elements(1));
    g.bench_function("hello_world_get", |b| {
        b.iter_custom(|iters| run(iters, false))
    });
    g.bench_function("post_order_durable", |b| {
        b.iter_custom(|iters| run(iters, true))
    });
    g.finish();

    // The machine is shared and its load drifts over seconds, so the two groups above, run
    // one after the other, can see different machines. Alternating short rounds of the same
    // two loads gives a ratio both sides of which saw the same conditions.
    let mut ratios = Vec::new();
    for _ in 0..ROUNDS {
        let hello = ROUND_REQUESTS as f64 / run(ROUND_REQUESTS, false).as_secs_f64();
        let orders = ROUND_REQUESTS as f64 / run(ROUND_REQUESTS, true).as_secs_f64();
        ratios.push((orders / hello, hello, orders));
    }
    ratios.sort_by(|a, b| a.0.total_cmp(&b.0));
    for (ratio, hello, orders) in &ratios {
        println!(
            "http_{name}/interleaved: hello {hello:.0}/s, orders {orders:.0}/s, {:.0} %",
            ratio * 100.0
        );
    }
    let (ratio, hello, orders) = ratios[ratios.len() / 2];
    println!(
        "http_{name}/interleaved median: orders/hello = {:.0} % ({orders:.0} vs {hello:.0} per s)",
        ratio * 100.0
    );
}

criterion_group!(benches, http);
criterion_main!(benches);

/// The allocator the shipped binaries use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
