//! Input that used to crash or stall the exchange is refused with Alpaca's 4xx, and if the
//! exchange thread dies anyway the server rebuilds it instead of answering 500 for ever.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use common::*;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// Asserts Alpaca's error shape and the status, and returns the message.
async fn refused(r: reqwest::Response, status: u16, what: &str) -> String {
    assert_eq!(r.status().as_u16(), status, "{what}");
    let body: Value = r.json().await.unwrap();
    assert!(body["code"].is_u64(), "{what}: {body}");
    assert_eq!(
        body["code"].as_u64().unwrap() / 100_000,
        u64::from(status),
        "{what}: {body}"
    );
    body["message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn reported_query_crashes_are_4xx_and_the_exchange_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let cases = [
        // issue 13: panicked inside the exchange thread, then 500 on every request.
        (
            "/v2/stocks/bars?symbols=AAPL&timeframe=999999999999999Min",
            400,
        ),
        ("/v2/stocks/AAPL/bars?timeframe=999999999999999Min", 400),
        (
            "/v2/stocks/bars?symbols=AAPL&timeframe=9999999999999Week",
            400,
        ),
        ("/v2/stocks/bars?symbols=AAPL&timeframe=60Min", 400),
        ("/v2/stocks/bars?symbols=AAPL&timeframe=24Hour", 400),
        ("/v2/stocks/bars?symbols=AAPL&timeframe=5Month", 400),
        ("/v2/stocks/bars?symbols=AAPL&timeframe=%C3%A9", 400),
        ("/v2/stocks/bars?symbols=AAPL&limit=0", 400),
        ("/v2/stocks/bars?symbols=AAPL&limit=10001", 400),
        (
            "/v2/stocks/bars?symbols=AAPL&limit=99999999999999999999999",
            400,
        ),
        // issue 13: panicked in the handler.
        (
            "/v2/account/portfolio/history?period=99999999999999999999D",
            422,
        ),
        (
            "/v2/account/portfolio/history?period=9999999999999999A",
            422,
        ),
        ("/v2/account/portfolio/history?period=%C3%A9", 422),
        ("/v2/account/portfolio/history?period=1%E2%82%AC", 422),
        ("/v2/account/portfolio/history?period=", 422),
        ("/v2/account/portfolio/history?period=0D", 422),
        ("/v2/account/portfolio/history?period=-5D", 422),
        ("/v2/account/portfolio/history?period=36501D", 422),
        ("/v2/orders?limit=99999999999999999999999", 400),
        ("/v2/orders?limit=-1", 400),
        (
            "/v2/account/activities?page_size=99999999999999999999999",
            400,
        ),
        ("/v2/calendar?start=not-a-date", 400),
    ];
    for (path, status) in cases {
        let r = s.client.get(s.url(path)).send().await.unwrap();
        refused(r, status, path).await;
        // Still serving after each one.
        assert_eq!(
            s.get("/v2/account").await["status"],
            "ACTIVE",
            "after {path}"
        );
    }
    // Valid but extreme values are answered, not refused.
    for path in [
        "/v2/stocks/bars?symbols=AAPL&timeframe=59Min",
        "/v2/stocks/bars?symbols=AAPL&timeframe=23Hour",
        "/v2/stocks/bars?symbols=AAPL&timeframe=1Week",
        "/v2/stocks/bars?symbols=AAPL&timeframe=12Month&limit=10000",
        "/v2/account/portfolio/history?period=36500D&timeframe=1D",
        "/v2/account/portfolio/history?period=100A",
        "/v2/calendar?start=0001-01-01&end=9999-12-31",
        "/v2/calendar?start=9999-12-31&end=9999-12-31",
    ] {
        s.get(path).await;
    }
    let cal = s.get("/v2/calendar?start=0001-01-01&end=9999-12-31").await;
    assert_eq!(cal[0]["date"], "1970-01-01");
    s.stop().await;
}

#[tokio::test]
async fn orders_beyond_the_caps_get_422_and_the_exchange_keeps_serving() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let max = "79228162514264337593543950335";
    let order = |extra: Value| {
        let mut o =
            json!({"symbol": "AAPL", "side": "buy", "type": "limit", "time_in_force": "gtc"});
        o.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        o
    };
    let cases = [
        // issue 13: qty near Decimal::MAX panicked inside the exchange thread.
        (
            order(json!({"qty": max, "limit_price": "1"})),
            "qty must be <= 1000000000",
        ),
        (
            order(json!({"qty": "1000000001", "limit_price": "1"})),
            "qty must be <= 1000000000",
        ),
        (
            order(json!({"qty": "1", "limit_price": max})),
            "limit_price must be <= 1000000",
        ),
        (
            order(json!({"qty": "1", "limit_price": "1000000.01"})),
            "limit_price must be <= 1000000",
        ),
        (
            order(json!({"qty": max, "limit_price": max})),
            "qty must be <= 1000000000",
        ),
        (
            order(json!({"qty": "1", "limit_price": "0"})),
            "limit_price must be > 0",
        ),
        (
            json!({"symbol": "AAPL", "side": "buy", "type": "market", "time_in_force": "day", "notional": max}),
            "notional must be <= 1000000000",
        ),
        (
            json!({"symbol": "AAPL", "side": "sell", "type": "market", "time_in_force": "day", "qty": max}),
            "qty must be <= 1000000000",
        ),
        (
            json!({"symbol": "AAPL", "side": "sell", "type": "trailing_stop", "time_in_force": "day", "qty": "1", "trail_price": max}),
            "trail_price must be <= 1000000",
        ),
        (
            json!({"symbol": "AAPL", "side": "buy", "type": "stop", "time_in_force": "day", "qty": "1", "stop_price": max}),
            "stop_price must be <= 1000000",
        ),
    ];
    for (body, wanted) in cases {
        let r = s
            .client
            .post(s.url("/v2/orders"))
            .json(&body)
            .send()
            .await
            .unwrap();
        let message = refused(r, 422, &body.to_string()).await;
        assert_eq!(message, wanted, "{body}");
    }
    // A number too large for a Decimal is a field error, not a crash.
    let r = s
        .client
        .post(s.url("/v2/orders"))
        .header("content-type", "application/json")
        .body(r#"{"symbol":"AAPL","side":"buy","type":"limit","time_in_force":"gtc","limit_price":"1","qty":1e400}"#)
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());

    // A resting order, then a replace with an absurd quantity: refused, the order unchanged.
    let (status, o) = s
        .post(
            "/v2/orders",
            order(json!({"qty": "2", "limit_price": "1.00"})),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    let id = o["id"].as_str().unwrap();
    let r = s
        .client
        .patch(s.url(&format!("/v2/orders/{id}")))
        .json(&json!({"qty": max}))
        .send()
        .await
        .unwrap();
    refused(r, 422, "replace").await;
    let still = s.get(&format!("/v2/orders/{id}")).await;
    assert_eq!(
        (still["status"].as_str(), still["qty"].as_str()),
        (Some("new"), Some("2"))
    );
    let r = s
        .client
        .delete(s.url(&format!("/v2/positions/AAPL?qty={max}")))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error());
    assert_eq!(s.get("/v2/account").await["status"], "ACTIVE");
    s.stop().await;
}

#[tokio::test]
async fn a_panic_in_the_exchange_thread_is_survived() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let (status, placed) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "3", "side": "buy", "type": "limit",
                   "limit_price": "1.00", "time_in_force": "gtc", "client_order_id": "kept"}),
        )
        .await;
    assert_eq!(status, 200, "{placed}");
    let id = placed["id"].as_str().unwrap().to_owned();

    // Something we did not foresee panics on the exchange thread.
    let _ = s.handle.read(|_| -> () { panic!("injected") }).await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let order = loop {
        let r = s
            .client
            .get(s.url(&format!("/v2/orders/{id}")))
            .send()
            .await
            .unwrap();
        match r.status().as_u16() {
            200 => break r.json::<Value>().await.unwrap(),
            503 => {
                assert_eq!(r.headers()["retry-after"], "1");
                refused(r, 503, "while rebuilding").await;
            }
            other => panic!("answered {other} after the exchange thread died"),
        }
        assert!(Instant::now() < deadline, "never served again");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(order["id"], id.as_str());
    assert_eq!(order["client_order_id"], "kept");
    assert_eq!(order["qty"], "3");
    assert_eq!(order["limit_price"], "1");
    assert_eq!(order["status"], "new");
    assert_eq!(s.handle.rebuilds(), 1);

    // Trading goes on: a market order fills on the next ticks of the feed.
    let (status, o) = s
        .post(
            "/v2/orders",
            json!({"symbol": "SPY", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}),
        )
        .await;
    assert_eq!(status, 200, "{o}");
    let filled = o["id"].as_str().unwrap().to_owned();
    eventually(|| {
        let (s, filled) = (&s, &filled);
        async move { s.get(&format!("/v2/orders/{filled}")).await["status"] == "filled" }
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn json_arrays_are_not_read_as_structs() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let order = json!([
        "AAPL", "1", null, "buy", "market", "day", null, null, null, null, null, null, null, null,
        null
    ]);
    let cases = [
        ("POST", "/v2/orders".to_owned(), order),
        (
            "POST",
            "/v2/watchlists".to_owned(),
            json!(["positional", ["AAPL"]]),
        ),
        ("PATCH", "/v2/account/configurations".to_owned(), json!([])),
        ("POST", "/v2/sandbox/reset".to_owned(), json!([true])),
    ];
    for (method, path, body) in cases {
        let r = s
            .client
            .request(method.parse().unwrap(), s.url(&path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let message = refused(r, 422, &path).await;
        assert!(message.contains("JSON object"), "{path}: {message}");
    }
    assert_eq!(s.get("/v2/watchlists").await, json!([]));
    assert_eq!(s.get("/v2/orders?status=all").await, json!([]));
    s.stop().await;
}
