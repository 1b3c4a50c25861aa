//! Bracket, OCO and OTO orders over HTTP: Alpaca's request shape, `legs` with `nested=true`,
//! one exit's fill canceling the other, Alpaca's 422s, and links kept across a restart.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use common::*;
use serde_json::{Value, json};

/// Whole fills: the sandbox's random partial fills (10 % of orders by default) would leave an
/// entry partially filled at the reply, or a position short of its exit; partial fills of
/// order classes are the property tests' business.
fn whole_fills(dir: &std::path::Path) -> brokerdesk_paper::SandboxConfig {
    let mut c = config(dir);
    c.random_partial_fill_pct = 0;
    c
}

async fn price(s: &Server, p: &str) {
    let (status, body) = s
        .post("/v2/sandbox/prices/AAPL", json!({ "price": p }))
        .await;
    assert_eq!(status, 200, "{body}");
}

async fn status_of(s: &Server, id: &str) -> String {
    s.get(&format!("/v2/orders/{id}")).await["status"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn a_bracket_order_has_legs_and_its_take_profit_cancels_its_stop_loss() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(whole_fills(dir.path())).await;
    price(&s, "100.00").await;
    let (status, order) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "10", "side": "buy", "type": "market",
                   "time_in_force": "gtc", "order_class": "bracket",
                   "take_profit": {"limit_price": "130"},
                   "stop_loss": {"stop_price": "70", "limit_price": "69.5"}}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["order_class"], "bracket");
    assert_eq!(order["status"], "filled");
    let legs = order["legs"].as_array().unwrap();
    assert_eq!(legs.len(), 2);
    assert_eq!(legs[0]["type"], "limit");
    assert_eq!(legs[0]["side"], "sell");
    assert_eq!(legs[0]["limit_price"], "130");
    assert_eq!(legs[0]["status"], "new");
    assert_eq!(legs[0]["order_class"], "bracket");
    assert_eq!(legs[1]["type"], "stop_limit");
    assert_eq!(legs[1]["stop_price"], "70");
    assert_eq!(legs[1]["limit_price"], "69.5");
    let (id, tp, sl) = (
        order["id"].as_str().unwrap().to_owned(),
        legs[0]["id"].as_str().unwrap().to_owned(),
        legs[1]["id"].as_str().unwrap().to_owned(),
    );

    // Nested: the parent alone at the top, its legs under it. Flat: three orders, no legs.
    let nested = s.get("/v2/orders?status=all&nested=true").await;
    let nested = nested.as_array().unwrap();
    assert_eq!(nested.len(), 1, "{nested:?}");
    assert_eq!(nested[0]["legs"].as_array().unwrap().len(), 2);
    let flat = s.get("/v2/orders?status=all").await;
    assert_eq!(flat.as_array().unwrap().len(), 3);
    assert!(flat.as_array().unwrap().iter().all(|o| o["legs"].is_null()));
    // Open, nested: the filled entry is listed while its legs are open.
    let open = s.get("/v2/orders?nested=true").await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let one = s.get(&format!("/v2/orders/{id}?nested=true")).await;
    assert_eq!(one["legs"][1]["id"], Value::String(sl.clone()));
    assert!(s.get(&format!("/v2/orders/{id}")).await["legs"].is_null());

    price(&s, "131.00").await;
    eventually(|| async { status_of(&s, &tp).await == "filled" }).await;
    assert_eq!(status_of(&s, &sl).await, "canceled");
    eventually(|| async {
        let r = s
            .client
            .get(s.url("/v2/positions/AAPL"))
            .send()
            .await
            .unwrap();
        r.status().as_u16() == 404
    })
    .await;
    s.stop().await;
}

#[tokio::test]
async fn order_classes_are_refused_with_alpacas_422() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(whole_fills(dir.path())).await;
    price(&s, "100.00").await;
    let base = json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit",
                      "limit_price": "100", "time_in_force": "day"});
    let with = |extra: Value| {
        let mut b = base.clone();
        for (k, v) in extra.as_object().unwrap() {
            b[k] = v.clone();
        }
        b
    };
    let cases = [
        (
            json!({"order_class": "bracket", "take_profit": {"limit_price": "99"}, "stop_loss": {"stop_price": "90"}}),
            "take_profit.limit_price must be >= base_price + 0.01",
        ),
        (
            json!({"order_class": "bracket", "take_profit": {"limit_price": "110"}, "stop_loss": {"stop_price": "100"}}),
            "stop_loss.stop_price must be <= base_price - 0.01",
        ),
        (
            json!({"order_class": "bracket", "time_in_force": "ioc", "take_profit": {"limit_price": "110"}, "stop_loss": {"stop_price": "90"}}),
            "bracket orders must be day or gtc",
        ),
        (
            json!({"order_class": "bracket", "take_profit": {"limit_price": "110"}}),
            "bracket orders require take_profit and stop_loss",
        ),
        (
            json!({"order_class": "oto"}),
            "oto orders require take_profit or stop_loss",
        ),
        (
            json!({"take_profit": {"limit_price": "110"}}),
            "only allowed for bracket, oco and oto orders",
        ),
        (json!({"order_class": "mleg"}), "invalid order_class"),
        // Extended hours: day limit orders only.
        (
            json!({"type": "market", "limit_price": null, "extended_hours": true}),
            "extended hours order must be DAY limit orders",
        ),
    ];
    for (extra, message) in cases {
        let (status, body) = s.post("/v2/orders", with(extra.clone())).await;
        assert_eq!(status, 422, "{extra}: {body}");
        assert_eq!(body["code"], 42210000, "{body}");
        assert!(
            body["message"].as_str().unwrap().contains(message),
            "{extra}: {body}"
        );
    }
    assert_eq!(
        s.get("/v2/orders?status=all")
            .await
            .as_array()
            .unwrap()
            .len(),
        0
    );
    s.stop().await;
}

#[tokio::test]
async fn held_legs_and_their_links_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(whole_fills(dir.path())).await;
    price(&s, "100.00").await;
    let (status, order) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "5", "side": "buy", "type": "limit",
                   "limit_price": "50", "time_in_force": "gtc", "order_class": "oto",
                   "stop_loss": {"stop_price": "40"}}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    assert_eq!(order["legs"][0]["status"], "held");
    let id = order["id"].as_str().unwrap().to_owned();
    let leg = order["legs"][0]["id"].as_str().unwrap().to_owned();
    s.stop().await;

    let s = Server::start(whole_fills(dir.path())).await;
    let again = s.get(&format!("/v2/orders/{id}?nested=true")).await;
    assert_eq!(again["order_class"], "oto");
    assert_eq!(again["legs"][0]["id"], Value::String(leg.clone()));
    assert_eq!(again["legs"][0]["status"], "held");
    let r = s
        .client
        .delete(s.url(&format!("/v2/orders/{id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 204);
    assert_eq!(status_of(&s, &leg).await, "canceled");
    s.stop().await;
}

#[tokio::test]
async fn an_oco_exits_a_position_with_a_limit_and_a_stop() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(whole_fills(dir.path())).await;
    price(&s, "100.00").await;
    let (status, _) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "4", "side": "buy", "type": "market", "time_in_force": "day"}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, oco) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "4", "side": "sell", "type": "limit",
                   "time_in_force": "gtc", "order_class": "oco",
                   "take_profit": {"limit_price": "150"}, "stop_loss": {"stop_price": "60"}}),
        )
        .await;
    assert_eq!(status, 200, "{oco}");
    assert_eq!(oco["limit_price"], "150");
    assert_eq!(oco["legs"][0]["type"], "stop");
    assert_eq!(oco["legs"][0]["status"], "new");
    let leg = oco["legs"][0]["id"].as_str().unwrap().to_owned();
    let id = oco["id"].as_str().unwrap().to_owned();
    price(&s, "59.00").await;
    price(&s, "58.90").await;
    eventually(|| async { status_of(&s, &leg).await == "filled" }).await;
    assert_eq!(status_of(&s, &id).await, "canceled");
    s.stop().await;
}

async fn patch(s: &Server, id: &str, body: Value) -> (u16, Value) {
    let r = s
        .client
        .patch(s.url(&format!("/v2/orders/{id}")))
        .json(&body)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.json().await.unwrap())
}

/// Alpaca lets a bracket's exits move: `limit_price` on the take-profit leg, `stop_price` on
/// the stop-loss leg, each by `PATCH /v2/orders/{leg_id}`; the answer is the new leg.
#[tokio::test]
async fn a_bracket_legs_prices_are_replaced_by_patch() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(whole_fills(dir.path())).await;
    price(&s, "100.00").await;
    let (status, order) = s
        .post(
            "/v2/orders",
            json!({"symbol": "AAPL", "qty": "10", "side": "buy", "type": "market",
                   "time_in_force": "gtc", "order_class": "bracket",
                   "take_profit": {"limit_price": "130"},
                   "stop_loss": {"stop_price": "70"}}),
        )
        .await;
    assert_eq!(status, 200, "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    let tp = order["legs"][0]["id"].as_str().unwrap().to_owned();
    let sl = order["legs"][1]["id"].as_str().unwrap().to_owned();

    let (status, new_tp) = patch(&s, &tp, json!({"limit_price": "120"})).await;
    assert_eq!(status, 200, "{new_tp}");
    assert_ne!(new_tp["id"], Value::String(tp.clone()));
    assert_eq!(new_tp["limit_price"], "120");
    assert_eq!(new_tp["replaces"], Value::String(tp.clone()));
    assert_eq!(new_tp["order_class"], "bracket");
    assert_eq!(new_tp["status"], "new");
    assert_eq!(status_of(&s, &tp).await, "replaced");
    let (status, new_sl) = patch(&s, &sl, json!({"stop_price": "80"})).await;
    assert_eq!(status, 200, "{new_sl}");
    assert_eq!(new_sl["stop_price"], "80");
    let nested = s.get(&format!("/v2/orders/{id}?nested=true")).await;
    assert_eq!(nested["legs"][0]["id"], new_tp["id"]);
    assert_eq!(nested["legs"][1]["id"], new_sl["id"]);

    // Only the leg's own price, and the take-profit above the stop-loss: Alpaca's 422 shape.
    let new_tp_id = new_tp["id"].as_str().unwrap().to_owned();
    for body in [
        json!({"qty": "5"}),
        json!({"stop_price": "90"}),
        json!({"limit_price": "79"}),
    ] {
        let (status, err) = patch(&s, &new_tp_id, body).await;
        assert_eq!(status, 422, "{err}");
        assert_eq!(err["code"], 42210000);
    }
    // The entry itself still cannot be replaced.
    let (status, _) = patch(&s, &id, json!({"qty": "3"})).await;
    assert_eq!(status, 422);

    // The moved take-profit trades at its new price and cancels the moved stop-loss.
    price(&s, "121.00").await;
    eventually(|| async { status_of(&s, &new_tp_id).await == "filled" }).await;
    assert_eq!(
        status_of(&s, new_sl["id"].as_str().unwrap()).await,
        "canceled"
    );
    s.stop().await;
}
