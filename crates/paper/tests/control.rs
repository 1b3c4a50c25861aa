//! The sandbox's own controls: a price set by hand, an account reset, a replayed price file, and
//! handing its data dir to the next sandbox.

#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_paper::PriceSource;
use brokerdesk_paper::ReplayEnd;
use chrono::{Duration, Utc};
use common::{Server, authed_client, config, eventually};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::str::FromStr;

fn dec(v: &Value) -> Decimal {
    match v {
        Value::String(s) => Decimal::from_str(s).unwrap(),
        other => Decimal::from_str(&other.to_string()).unwrap(),
    }
}

#[tokio::test]
async fn a_price_set_by_hand_triggers_a_resting_stop_at_once_and_the_tape_goes_on_from_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let (st, o) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "stop", "stop_price": "300", "time_in_force": "gtc"}),
        )
        .await;
    assert_eq!(st, 200, "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    let (st, body) = s
        .post("/v2/sandbox/prices/AAPL", json!({"price": "310.00"}))
        .await;
    assert_eq!(st, 200, "{body}");
    // Honoured in the same command: filled by the time the answer came back.
    let order = s.get(&format!("/v2/orders/{id}")).await;
    assert!(
        matches!(
            order["status"].as_str(),
            Some("filled" | "partially_filled")
        ),
        "{order}"
    );
    assert!(dec(&order["filled_avg_price"]) >= Decimal::from(300));
    // The simulation continues from the new price instead of jumping back.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let q = s.get("/v2/stocks/AAPL/quotes/latest").await;
    let bid = dec(&q["quote"]["bp"]);
    assert!(bid > Decimal::from(290) && bid < Decimal::from(330), "{q}");

    for (body, status) in [
        (json!({"price": "0"}), 422),
        (json!({"price": "-5"}), 422),
        (json!({"price": "10.001"}), 422),
        (json!({"price": "1000001"}), 422),
        (json!({"cost": 1}), 422),
        (json!([190]), 422),
    ] {
        let (st, err) = s.post("/v2/sandbox/prices/AAPL", body.clone()).await;
        assert_eq!(st, status, "{body} -> {err}");
        assert!(err["code"].is_u64() && err["message"].is_string(), "{err}");
    }
    let (st, _) = s
        .post("/v2/sandbox/prices/NOPE", json!({"price": "10"}))
        .await;
    assert_eq!(st, 404);
    let anon = reqwest::Client::new()
        .post(s.url("/v2/sandbox/prices/AAPL"))
        .json(&json!({"price": "10"}))
        .send()
        .await
        .unwrap();
    assert_eq!(anon.status(), 401);
    s.stop().await;
}

async fn fresh(s: &Server) {
    let acct = s.get("/v2/account").await;
    assert_eq!(dec(&acct["cash"]), Decimal::from(100_000), "{acct}");
    assert_eq!(dec(&acct["equity"]), Decimal::from(100_000), "{acct}");
    assert_eq!(dec(&acct["long_market_value"]), Decimal::ZERO, "{acct}");
    assert!(s.get("/v2/positions").await.as_array().unwrap().is_empty());
    assert!(
        s.get("/v2/orders?status=all")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        s.get("/v2/account/activities")
            .await
            .as_array()
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_reset_needs_confirming_and_leaves_a_fresh_account_that_survives_restart() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.snapshot_every = 5;
    let s = Server::start(cfg.clone()).await;
    let (st, _) = s
        .post(
            "/v2/orders",
            json!({"symbol": "SPY", "qty": "3", "side": "buy", "type": "market", "time_in_force": "day"}),
        )
        .await;
    assert_eq!(st, 200);
    let (st, _) = s
        .post(
            "/v2/orders",
            json!({"symbol": "TSLA", "qty": "1", "side": "buy", "type": "limit", "limit_price": "1.00", "time_in_force": "gtc"}),
        )
        .await;
    assert_eq!(st, 200);
    eventually(|| {
        let s = &s;
        async move { !s.get("/v2/positions").await.as_array().unwrap().is_empty() }
    })
    .await;

    for body in [
        json!({}),
        json!([true]),
        json!({"confirm": "true"}),
        json!({"confirm": 1}),
    ] {
        let (st, err) = s.post("/v2/sandbox/reset", body.clone()).await;
        assert_eq!(st, 422, "{body}: {err}");
    }
    assert!(!s.get("/v2/positions").await.as_array().unwrap().is_empty());

    let (st, body) = s.post("/v2/sandbox/reset", json!({"confirm": true})).await;
    assert_eq!(st, 200, "{body}");
    fresh(&s).await;
    s.stop().await;
    settle().await;

    let s = Server::start(cfg).await;
    fresh(&s).await;
    // The account trades as any new one does.
    let (st, o) = s
        .post(
            "/v2/orders",
            json!({"symbol": "SPY", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}),
        )
        .await;
    assert_eq!(st, 200, "{o}");
    s.stop().await;
}

#[tokio::test]
async fn replaying_a_file_reproduces_its_prices_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("spy.csv");
    let t0 = chrono::DateTime::parse_from_rfc3339("2024-01-02T14:30:00Z")
        .unwrap()
        .to_utc();
    let prices: Vec<Decimal> = (0..25)
        .map(|i| Decimal::new(47_000 + (i * 37 % 101) - 50, 2))
        .collect();
    let mut csv = String::from("timestamp,symbol,price,size\n");
    for (i, p) in prices.iter().enumerate() {
        let at = t0 + Duration::milliseconds(40 * i64::try_from(i).unwrap());
        csv += &format!("{},SPY,{p},{}\n", at.to_rfc3339(), i + 1);
    }
    std::fs::write(&file, csv).unwrap();
    let mut cfg = config(&dir.path().join("data"));
    cfg.prices = PriceSource::Replay {
        path: file,
        at_end: ReplayEnd::Stop,
    };
    let before = Utc::now() - Duration::seconds(1);
    let s = Server::start(cfg).await;
    let path = format!(
        "/v2/stocks/SPY/trades?start={}&limit=1000",
        before.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    );
    eventually(|| {
        let (s, path, n) = (&s, &path, prices.len());
        async move { s.get(path).await["trades"].as_array().unwrap().len() >= n }
    })
    .await;
    // Stopped at the end: nothing more comes.
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let trades = s.get(&path).await;
    let got: Vec<Decimal> = trades["trades"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| dec(&t["p"]))
        .collect();
    assert_eq!(got, prices);
    // History before the file starts where the file does.
    let bars = s
        .get(&format!(
            "/v2/stocks/SPY/bars?timeframe=1Day&start={}&end={}&sort=desc&limit=1",
            (before - Duration::days(30)).format("%Y-%m-%d"),
            (before - Duration::days(1)).format("%Y-%m-%d")
        ))
        .await;
    assert!(!bars["bars"].as_array().unwrap().is_empty(), "{bars}");
    s.stop().await;
}

#[tokio::test]
async fn a_broken_parquet_file_or_a_missing_one_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    // Parquet is read now (tests in `quotes::parquet_replay`); a file that is not is refused.
    std::fs::write(dir.path().join("prices.parquet"), b"not parquet").unwrap();
    for name in ["prices.parquet", "missing.csv"] {
        let mut cfg = config(dir.path());
        cfg.prices = PriceSource::Replay {
            path: dir.path().join(name),
            at_end: ReplayEnd::Loop,
        };
        let err = brokerdesk_paper::Sandbox::start(cfg).await.err().unwrap();
        assert!(
            err.to_string().contains(if name.ends_with("parquet") {
                "Parquet"
            } else {
                "missing.csv"
            }),
            "{err}"
        );
    }
}

/// `Server::stop` ends the HTTP server; the old exchange's threads finish their last commit
/// and snapshot a moment later, and must not race the next server on the same journal.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}

/// A dropped sandbox gives up its journal at once, even while a client still holds a
/// keep-alive connection and something still holds its exchange handle (the service does):
/// a sandbox started next on the same data dir gets it, and the old handle answers "gone".
#[tokio::test]
async fn a_dropped_sandbox_frees_its_journal_for_the_next_one() {
    let dir = tempfile::tempdir().unwrap();
    let sandbox = brokerdesk_paper::Sandbox::start(config(dir.path()))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let serving = sandbox.serve(listener).unwrap();
    let client = authed_client();
    let r = client
        .post(format!("http://{addr}/v2/orders"))
        .json(&serde_json::json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let held = sandbox.handle();
    drop(sandbox);
    // The server ends cleanly (not cancelled), the pooled connection notwithstanding.
    serving.await.unwrap().unwrap();
    let next = brokerdesk_paper::Sandbox::start(config(dir.path()))
        .await
        .expect("the next sandbox opens the journal");
    let orders = next
        .handle()
        .read(|s| s.engine.order_count())
        .await
        .unwrap();
    assert_eq!(orders, 1, "the order placed before is there");
    assert!(
        held.read(|_| ()).await.is_err(),
        "the old exchange still answers"
    );
    drop(client);
}
