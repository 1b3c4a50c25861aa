//! `Server::stop` returns only once the sandbox's threads have ended. Alone in its binary, so
//! no other test's threads are counted.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use common::*;

/// Threads of this process named like the sandbox's.
fn sandbox_threads() -> usize {
    std::fs::read_dir("/proc/self/task")
        .unwrap()
        .filter_map(|t| std::fs::read_to_string(t.ok()?.path().join("comm")).ok())
        .filter(|name| name.starts_with("paper-"))
        .count()
}

#[tokio::test]
async fn stop_waits_for_the_exchange_and_journal_threads() {
    if !std::path::Path::new("/proc/self/task").exists() {
        eprintln!("skipping: no /proc to count threads");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let (status, _) = s
        .post(
            "/v2/orders",
            serde_json::json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}),
        )
        .await;
    assert_eq!(status, 200);
    assert!(sandbox_threads() >= 2, "exchange and journal threads run");
    // The HTTP server runs on the exchange thread's runtime (no hop between them).
    let on = s
        .handle
        .spawn(async { std::thread::current().name().map(str::to_owned) })
        .await
        .unwrap();
    assert_eq!(on.as_deref(), Some("paper-exchange"));
    let addr = s.addr;
    s.stop().await;
    assert_eq!(sandbox_threads(), 0, "threads left after stop");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still accepting connections after stop"
    );
}
