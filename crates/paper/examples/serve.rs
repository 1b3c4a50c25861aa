//! A release-built sandbox for load tests (`wrk` against nginx, BENCHMARKS.md):
//! `cargo run --release -p brokerdesk-paper --example serve -- DIR PORT`, key `BENCH` /
//! `bench-secret`, a trillion dollars of cash, default durability.

#![allow(clippy::unwrap_used)] // A benchmark harness: failing loudly is the point.

use brokerdesk_paper::{Sandbox, SandboxConfig};
use rust_decimal::Decimal;

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let dir = std::path::PathBuf::from(args.next().expect("data directory"));
    let port: u16 = args.next().map_or(8787, |p| p.parse().expect("port"));
    let mut config = SandboxConfig::new(&dir).with_key("BENCH", "bench-secret");
    config.cash = Decimal::from(1_000_000_000_000i64);
    let sandbox = Sandbox::start(config).await.unwrap();
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .unwrap();
    sandbox.serve(listener).unwrap().await.unwrap().unwrap();
}

/// The allocator the shipped binaries use, so the figures are theirs.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
