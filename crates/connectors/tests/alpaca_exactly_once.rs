//! Exactly-once order submission: the vendor may act and the answer may never arrive.

mod support;

use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::types::{OrderRequest, OrderSide};
use brokerdesk_connectors::{ConnectorError, Trading};
use brokerdesk_model::{AccountId, ClientOrderId, Symbol};
use rust_decimal_macros::dec;
use std::time::Duration;
use support::{drop_server, fast_policy, fixture, fixture_json};
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn connector(url: &str) -> AlpacaConnector {
    let mut config = AlpacaConfig::local(url);
    config.trading_policy = fast_policy();
    AlpacaConnector::new(config, AlpacaCredential::api_key("k", "s")).expect("connector")
}

fn request(cid: &str) -> OrderRequest {
    OrderRequest::market(
        ClientOrderId::new(cid),
        Symbol::new("AAPL"),
        OrderSide::Buy,
        dec!(1),
    )
}

fn account() -> AccountId {
    AccountId::new("PALPACA_123")
}

async fn mount_account(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture("alpaca", "spec_example_GET_v2_account.json")),
        )
        .mount(server)
        .await;
}

#[tokio::test]
async fn accepted_order_with_a_dropped_reply_exists_exactly_once() {
    let server = drop_server::start(
        fixture_json("alpaca", "spec_example_POST_v2_orders_response_Equity.json"),
        fixture("alpaca", "spec_example_GET_v2_account.json"),
    )
    .await;
    let c = connector(&server.url);
    let order = c
        .submit_order(&account(), &request("cid-dropped-1"))
        .await
        .expect("adopted after lookup");
    assert_eq!(
        order.client_order_id,
        Some(ClientOrderId::new("cid-dropped-1"))
    );
    assert_eq!(server.orders.len(), 1, "exactly one order exists");
    assert_eq!(
        *server.posts.lock().expect("lock"),
        1,
        "found by lookup, not sent again"
    );

    // The app restarts and submits the persisted intent again, same id: still one order.
    let again = c
        .submit_order(&account(), &request("cid-dropped-1"))
        .await
        .expect("adopted");
    assert_eq!(again.id, order.id);
    assert_eq!(server.orders.len(), 1);
}

#[tokio::test]
async fn timeout_after_acceptance_is_resolved_by_lookup() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string(fixture(
                    "alpaca",
                    "spec_example_POST_v2_orders_response_Equity.json",
                ))
                .set_delay(Duration::from_secs(3)),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .and(query_param(
            "client_order_id",
            "5680c4bc-9ac1-4a12-a44c-df427ba53032",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture(
            "alpaca",
            "spec_example_POST_v2_orders_response_Equity.json",
        )))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let o = c
        .submit_order(&account(), &request("5680c4bc-9ac1-4a12-a44c-df427ba53032"))
        .await
        .expect("found");
    assert_eq!(o.id.as_str(), "7b08df51-c1ac-453c-99f9-323a5f075f0d");
    let posts = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn not_found_after_a_5xx_is_resent_with_the_same_client_order_id() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(
            ResponseTemplate::new(503).set_body_string(r#"{"message":"service unavailable"}"#),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture(
            "alpaca",
            "spec_example_POST_v2_orders_response_Equity.json",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"code":40410000,"message":"order not found"}"#),
        )
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    c.submit_order(&account(), &request("cid-same"))
        .await
        .expect("second send succeeds");
    let posts: Vec<serde_json::Value> = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .map(|r| serde_json::from_slice(&r.body).expect("json"))
        .collect();
    assert_eq!(posts.len(), 2);
    assert!(
        posts.iter().all(|p| p["client_order_id"] == "cid-same"),
        "never a new id on retry"
    );
}

#[tokio::test]
async fn duplicate_refusal_adopts_the_existing_order() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(
            ResponseTemplate::new(422)
                .set_body_string(r#"{"code":40010001,"message":"client_order_id must be unique"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .respond_with(ResponseTemplate::new(200).set_body_string(fixture(
            "alpaca",
            "alpaca-py_test_get_order_by_client_id.json",
        )))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let o = c
        .submit_order(&account(), &request("eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4"))
        .await
        .expect("adopted");
    assert_eq!(o.id.as_str(), "61e69015-8549-4bfd-b9c3-01e75843f47d");
}

#[tokio::test]
async fn unknown_outcome_and_failed_lookup_is_reported_not_resent() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .respond_with(ResponseTemplate::new(500))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c
        .submit_order(&account(), &request("cid-x"))
        .await
        .expect_err("unknown");
    assert!(
        matches!(&err, ConnectorError::Unavailable(m) if m.contains("cid-x") && m.contains("may or may not")),
        "{err:?}"
    );
    let posts = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.method.as_str() == "POST")
        .count();
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_plain_refusal_is_not_retried() {
    let server = MockServer::start().await;
    mount_account(&server).await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_string(r#"{"code":40310000,"message":"insufficient buying power"}"#),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c
        .submit_order(&account(), &request("cid-y"))
        .await
        .expect_err("refused");
    assert!(matches!(&err, ConnectorError::Rejected(m) if m == "insufficient buying power"));
}
