//! `GET/PATCH /v2/account/configurations`, and the engine honouring what it means.

#![allow(clippy::unwrap_used)]

mod common;

use common::{Server, config};
use serde_json::{Value, json};

async fn patch(s: &Server, body: Value) -> (u16, Value) {
    let r = s
        .client
        .patch(s.url("/v2/account/configurations"))
        .json(&body)
        .send()
        .await
        .unwrap();
    let st = r.status().as_u16();
    (st, r.json().await.unwrap())
}

#[tokio::test]
async fn configurations_are_read_patched_kept_and_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let c = s.get("/v2/account/configurations").await;
    assert_eq!(
        c,
        json!({"dtbp_check": "entry", "trade_confirm_email": "all", "suspend_trade": false,
               "no_shorting": false, "fractional_trading": true, "max_margin_multiplier": "4",
               "pdt_check": "entry", "ptp_no_exception_entry": false,
               "max_options_trading_level": null})
    );
    let short = json!({"symbol": "AAPL", "qty": "1", "side": "sell", "type": "limit",
                       "limit_price": "9999", "time_in_force": "gtc"});
    let fractional = json!({"symbol": "AAPL", "qty": "0.5", "side": "buy", "type": "market", "time_in_force": "day"});
    let (st, o) = s.post("/v2/orders", short.clone()).await;
    assert_eq!(st, 200, "shorting is allowed by default: {o}");
    let r = s
        .client
        .delete(s.url(&format!("/v2/orders/{}", o["id"].as_str().unwrap())))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let acct = s.get("/v2/account").await;
    assert_eq!(
        (acct["buying_power"].as_str(), acct["multiplier"].as_str()),
        (Some("200000"), Some("2")),
        "{acct}"
    );

    let (st, c) = patch(&s, json!({"no_shorting": true, "fractional_trading": false, "max_margin_multiplier": "1", "trade_confirm_email": "none"})).await;
    assert_eq!(st, 200, "{c}");
    assert_eq!(
        (
            c["no_shorting"].as_bool(),
            c["max_margin_multiplier"].as_str(),
            c["dtbp_check"].as_str()
        ),
        (Some(true), Some("1"), Some("entry"))
    );
    let (st, err) = s.post("/v2/orders", short.clone()).await;
    assert_eq!(st, 403, "{err}");
    let (st, err) = s.post("/v2/orders", fractional.clone()).await;
    assert_eq!(st, 422, "{err}");
    assert!(
        err["message"].as_str().unwrap().contains("fractional"),
        "{err}"
    );
    let acct = s.get("/v2/account").await;
    assert_eq!(
        (acct["buying_power"].as_str(), acct["multiplier"].as_str()),
        (Some("100000"), Some("1")),
        "{acct}"
    );

    let (st, _) = patch(&s, json!({"suspend_trade": true})).await;
    assert_eq!(st, 200);
    let whole = json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"});
    let (st, err) = s.post("/v2/orders", whole.clone()).await;
    assert_eq!(st, 403, "{err}");
    assert!(err["code"].is_u64(), "{err}");
    assert_eq!(s.get("/v2/account").await["trade_suspended_by_user"], true);

    for bad in [
        json!({"max_margin_multiplier": "3"}),
        json!({"no_shorting": "yes"}),
        json!({"dtbp_check": "sometimes"}),
        json!({"colour": "blue"}),
        json!({"max_options_trading_level": 7}),
    ] {
        let (st, err) = patch(&s, bad.clone()).await;
        assert_eq!(st, 422, "{bad}: {err}");
    }
    s.stop().await;

    settle().await;
    // Kept across a restart; lifting the suspension lets orders through again.
    let s = Server::start(config(dir.path())).await;
    let c = s.get("/v2/account/configurations").await;
    assert_eq!(
        (c["suspend_trade"].as_bool(), c["no_shorting"].as_bool()),
        (Some(true), Some(true))
    );
    let (st, _) = patch(
        &s,
        json!({"suspend_trade": false, "fractional_trading": true}),
    )
    .await;
    assert_eq!(st, 200);
    let (st, o) = s.post("/v2/orders", fractional).await;
    assert_eq!(st, 200, "{o}");
    s.stop().await;
}

/// `Server::stop` ends the HTTP server; the old exchange's threads finish their last commit
/// and snapshot a moment later, and must not race the next server on the same journal.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
}
