//! Latency of historical bars over a year of generated minute history, through HTTP on
//! loopback (auth, exchange read, generation, JSON): p50 and p99 of sequential requests.
//! `cargo bench -p brokerdesk-paper --bench history`

#![allow(clippy::unwrap_used, clippy::print_stdout)] // Benchmark setup and its report.

use brokerdesk_paper::{Sandbox, SandboxConfig};
use std::time::{Duration, Instant};

const REQUESTS: usize = 400;

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    rt.block_on(async {
        let config = SandboxConfig::new(dir.path()).with_key("BENCH", "bench-secret");
        let sandbox = Sandbox::start(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let router = sandbox.router(addr);
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        let client = reqwest::Client::new();
        let year_ago = (chrono::Utc::now() - chrono::Duration::days(365))
            .to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for (name, query) in [
            (
                "1Min, limit 10000 (a page of a year)",
                format!("timeframe=1Min&start={year_ago}&limit=10000"),
            ),
            (
                "1Min, limit 1000 (default)",
                format!("timeframe=1Min&start={year_ago}"),
            ),
            (
                "1Min, limit 1000, sort=desc",
                format!("timeframe=1Min&start={year_ago}&sort=desc"),
            ),
            (
                "1Hour, a year",
                format!("timeframe=1Hour&start={year_ago}&limit=10000"),
            ),
            (
                "1Day, a year",
                format!("timeframe=1Day&start={year_ago}&limit=10000"),
            ),
        ] {
            let url = format!("http://{addr}/v2/stocks/AAPL/bars?{query}");
            let get = || {
                client
                    .get(&url)
                    .header("APCA-API-KEY-ID", "BENCH")
                    .header("APCA-API-SECRET-KEY", "bench-secret")
                    .send()
            };
            // The first request builds the symbol's history (once per symbol).
            let first = Instant::now();
            let r = get().await.unwrap();
            assert!(r.status().is_success());
            let size = r.bytes().await.unwrap().len();
            let first = first.elapsed();
            let mut took: Vec<Duration> = Vec::with_capacity(REQUESTS);
            for _ in 0..REQUESTS {
                let t = Instant::now();
                let body = get().await.unwrap().bytes().await.unwrap();
                took.push(t.elapsed());
                assert_eq!(body.len() / 1000, size / 1000);
            }
            took.sort();
            let p = |q: f64| took[((took.len() as f64 * q) as usize).min(took.len() - 1)];
            println!(
                "history {name}: p50 {:.2} ms, p99 {:.2} ms, first {:.1} ms, {} KB",
                p(0.5).as_secs_f64() * 1e3,
                p(0.99).as_secs_f64() * 1e3,
                first.as_secs_f64() * 1e3,
                size / 1024
            );
        }
        drop(sandbox);
    });
}

/// The allocator the shipped binaries use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
