//! `kill -9` during a burst of orders loses no acknowledged order.
//!
//! The test binary re-runs itself as the server (`crash_child_server` with an env var set),
//! hammers it with concurrent orders, SIGKILLs it mid-burst, restarts the sandbox on the same
//! data dir and checks that every order that got a 200 is there.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use common::*;
use serde_json::json;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const CHILD_ENV: &str = "BROKERDESK_CRASH_CHILD_DIR";

/// Not a test on its own: the server half of `kill_9_loses_no_acknowledged_order`.
#[test]
fn crash_child_server() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        // A file, not stdout: the test harness may hold the child's stdout back.
        let port = listener.local_addr().unwrap().port();
        std::fs::write(
            std::path::Path::new(&dir).join("port.tmp"),
            port.to_string(),
        )
        .unwrap();
        std::fs::rename(
            std::path::Path::new(&dir).join("port.tmp"),
            std::path::Path::new(&dir).join("port"),
        )
        .unwrap();
        brokerdesk_paper::serve(config(std::path::Path::new(&dir)), listener)
            .await
            .unwrap();
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn kill_9_loses_no_acknowledged_order() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "crash_child_server",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let port_file = dir.path().join("port");
    let mut port: Option<u16> = None;
    for _ in 0..500 {
        if let Ok(p) = std::fs::read_to_string(&port_file) {
            port = Some(p.trim().parse().unwrap());
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let port = port.expect("child server did not start");
    let base = format!("http://127.0.0.1:{port}");
    let client = authed_client();
    // Wait until it answers.
    for _ in 0..100 {
        if client.get(format!("{base}/v2/clock")).send().await.is_ok() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let mut tasks = Vec::new();
    for worker in 0..16 {
        let (client, base, acked) = (client.clone(), base.clone(), acked.clone());
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let cid = format!("w{worker}-{n}");
                let body = if n % 2 == 0 {
                    json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "limit_price": "1.00", "time_in_force": "gtc", "client_order_id": cid})
                } else {
                    // Tiny fractional buys: buying power must outlast the burst.
                    json!({"symbol": "SPY", "qty": "0.001", "side": "buy", "type": "market", "time_in_force": "day", "client_order_id": cid})
                };
                let Ok(r) = client.post(format!("{base}/v2/orders")).json(&body).send().await else {
                    return None; // the server died under us: what this test is about
                };
                if r.status().as_u16() != 200 {
                    return Some(r.status().as_u16());
                }
                let Ok(o) = r.json::<serde_json::Value>().await else { return None };
                acked.lock().unwrap().push((o["id"].as_str().unwrap().to_owned(), cid));
            }
            None
        }));
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    for t in tasks {
        // Every worker must have been cut off by the kill, not stopped early by a refusal.
        assert_eq!(t.await.unwrap(), None, "a worker stopped before the kill");
    }
    let acked = acked.lock().unwrap().clone();
    assert!(
        acked.len() > 50,
        "the burst was too small to mean anything: {}",
        acked.len()
    );

    let s = Server::start(config(dir.path())).await;
    let all = s.get("/v2/orders?status=all&limit=500").await;
    assert!(!all.as_array().unwrap().is_empty());
    for (id, cid) in &acked {
        let r = s
            .client
            .get(s.url(&format!("/v2/orders/{id}")))
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status().as_u16(),
            200,
            "acknowledged order {id} ({cid}) was lost"
        );
        let o: serde_json::Value = r.json().await.unwrap();
        assert_eq!(o["client_order_id"], cid.as_str());
    }
    println!(
        "{} acknowledged orders all recovered after kill -9",
        acked.len()
    );
    s.stop().await;
}
