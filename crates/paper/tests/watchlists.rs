//! Alpaca's watchlist API, by id and by name, kept across restarts.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, config};
use serde_json::{Value, json};

async fn send(
    s: &Server,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (u16, Value) {
    let mut req = s.client.request(method, s.url(path));
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

fn symbols(w: &Value) -> Vec<String> {
    w["assets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["symbol"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn every_watchlist_operation_by_id_and_by_name_survives_a_restart() {
    use reqwest::Method as M;
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.snapshot_every = 7;
    let s = Server::start(cfg.clone()).await;

    let (st, w) = send(
        &s,
        M::POST,
        "/v2/watchlists",
        Some(json!({"name": "Tech", "symbols": ["AAPL", "msft"]})),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    let id = w["id"].as_str().unwrap().to_owned();
    assert_eq!(symbols(&w), ["AAPL", "MSFT"]);
    assert_eq!(w["name"], "Tech");

    for (body, status) in [
        (json!({"name": "Tech"}), 422),
        (json!({"name": "Other", "symbols": ["NOPE"]}), 422),
        (json!({"name": "Dup", "symbols": ["SPY", "SPY"]}), 422),
        (json!({"name": ""}), 422),
        (json!({"symbols": ["SPY"]}), 422),
    ] {
        let (st, err) = send(&s, M::POST, "/v2/watchlists", Some(body.clone())).await;
        assert_eq!(st, status, "{body}: {err}");
        assert!(err["code"].is_u64() && err["message"].is_string(), "{err}");
    }

    let (st, w) = send(
        &s,
        M::POST,
        &format!("/v2/watchlists/{id}"),
        Some(json!({"symbol": "NVDA"})),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(symbols(&w), ["AAPL", "MSFT", "NVDA"]);
    let (st, _) = send(
        &s,
        M::POST,
        &format!("/v2/watchlists/{id}"),
        Some(json!({"symbol": "NVDA"})),
    )
    .await;
    assert_eq!(st, 422, "a symbol once per list");
    let (st, w) = send(&s, M::DELETE, &format!("/v2/watchlists/{id}/MSFT"), None).await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(symbols(&w), ["AAPL", "NVDA"]);
    let (st, _) = send(&s, M::DELETE, &format!("/v2/watchlists/{id}/MSFT"), None).await;
    assert_eq!(st, 404);

    // By name.
    let (st, w) = send(&s, M::GET, "/v2/watchlists:by_name?name=Tech", None).await;
    assert_eq!((st, w["id"].as_str()), (200, Some(id.as_str())));
    let (st, w) = send(
        &s,
        M::POST,
        "/v2/watchlists:by_name?name=Tech",
        Some(json!({"symbol": "SPY"})),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(symbols(&w), ["AAPL", "NVDA", "SPY"]);
    let (st, w) = send(
        &s,
        M::PUT,
        "/v2/watchlists:by_name?name=Tech",
        Some(json!({"name": "Big tech", "symbols": ["GOOGL"]})),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    assert_eq!(
        (w["name"].as_str(), symbols(&w)),
        (Some("Big tech"), vec!["GOOGL".to_owned()])
    );
    let (st, _) = send(&s, M::GET, "/v2/watchlists:by_name?name=Tech", None).await;
    assert_eq!(st, 404);

    // By id: PUT, and a second list to delete by name.
    let (st, w) = send(
        &s,
        M::PUT,
        &format!("/v2/watchlists/{id}"),
        Some(json!({"name": "Tech", "symbols": ["AAPL", "TSLA"]})),
    )
    .await;
    assert_eq!(st, 200, "{w}");
    let (st, _) = send(
        &s,
        M::POST,
        "/v2/watchlists",
        Some(json!({"name": "Scratch"})),
    )
    .await;
    assert_eq!(st, 200);
    let (st, _) = send(
        &s,
        M::PUT,
        &format!("/v2/watchlists/{id}"),
        Some(json!({"name": "Scratch"})),
    )
    .await;
    assert_eq!(st, 422, "renaming onto another list's name");
    let (st, all) = send(&s, M::GET, "/v2/watchlists", None).await;
    assert_eq!((st, all.as_array().unwrap().len()), (200, 2));
    let (st, _) = send(&s, M::DELETE, "/v2/watchlists:by_name?name=Scratch", None).await;
    assert_eq!(st, 204);
    let (st, _) = send(&s, M::GET, &format!("/v2/watchlists/{}", uuid_like()), None).await;
    assert_eq!(st, 404);
    let (st, _) = send(&s, M::GET, "/v2/watchlists/not-a-uuid", None).await;
    assert_eq!(st, 404);
    s.stop().await;
    settle().await;

    let s = Server::start(cfg.clone()).await;
    let (st, all) = send(&s, M::GET, "/v2/watchlists", None).await;
    assert_eq!(st, 200);
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");
    let (_, w) = send(&s, M::GET, &format!("/v2/watchlists/{id}"), None).await;
    assert_eq!(
        (w["name"].as_str(), symbols(&w)),
        (Some("Tech"), vec!["AAPL".to_owned(), "TSLA".to_owned()])
    );
    let (st, _) = send(&s, M::DELETE, &format!("/v2/watchlists/{id}"), None).await;
    assert_eq!(st, 204);
    s.stop().await;
    settle().await;
    let s = Server::start(cfg).await;
    let (_, all) = send(&s, M::GET, "/v2/watchlists", None).await;
    assert!(all.as_array().unwrap().is_empty());
    s.stop().await;
}

fn uuid_like() -> &'static str {
    "00000000-0000-4000-8000-000000000000"
}

/// `Server::stop` ends the HTTP server; the old exchange's threads finish their last commit
/// and snapshot a moment later, and must not race the next server on the same journal.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}
