//! Compatibility with the official Alpaca SDK: alpaca-py, pointed at the sandbox with its URL
//! override, trades, reads positions and streams (see `alpaca_py/compat.py`).
//!
//! Skipped when Python or alpaca-py is missing, unless `BROKERDESK_REQUIRE_ALPACA_PY=1`, which
//! turns a missing SDK into a failure (CI sets it after `pip install alpaca-py`).
//! `BROKERDESK_PYTHON` picks the interpreter (default `python3.11`, then `python3`).

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use common::*;
use std::process::Command;

fn python_with_alpaca() -> Option<String> {
    let candidates: Vec<String> = match std::env::var("BROKERDESK_PYTHON") {
        Ok(p) => vec![p],
        Err(_) => vec!["python3.11".into(), "python3".into()],
    };
    candidates.into_iter().find(|py| {
        Command::new(py)
            .args(["-c", "import alpaca.trading, alpaca.data, msgpack"])
            .output()
            .is_ok_and(|o| o.status.success())
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn alpaca_py_trades_reads_positions_and_streams() {
    let Some(python) = python_with_alpaca() else {
        if std::env::var("BROKERDESK_REQUIRE_ALPACA_PY").as_deref() == Ok("1") {
            panic!(
                "alpaca-py is required (BROKERDESK_REQUIRE_ALPACA_PY=1) but no python with it was found"
            );
        }
        eprintln!("skipping: python with alpaca-py not found (pip install alpaca-py)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/alpaca_py/compat.py");
    let base = s.base.clone();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(python)
            .arg(script)
            .env("SANDBOX_URL", base)
            .env("SANDBOX_KEY", KEY)
            .env("SANDBOX_SECRET", SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success() && stdout.contains("ALPACA_PY_OK"),
        "alpaca-py run failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    println!("{stdout}");
    s.stop().await;
}
