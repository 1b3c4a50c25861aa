//! Stripe contract tests: Stripe's own fixtures (stripe/openapi fixtures3.json, the set
//! stripe-mock serves) and error bodies shaped by its spec (tests/fixtures/stripe, see
//! SOURCES.md) served by wiremock; each test checks the request we send (method, path,
//! headers, query, form body) and what we make of the reply.

mod support;

use brokerdesk_connectors::stripe::http::StripePost;
use brokerdesk_connectors::stripe::{StripeConfig, StripeConnector, StripeKey, StripeMode};
use brokerdesk_connectors::types::TransactionQuery;
use brokerdesk_connectors::{ConnectorError, Payments};
use brokerdesk_model::AccountId;
use chrono::{DateTime, Utc};
use rust_decimal_macros::dec;
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{body_string, header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
const CONNECT: &str = "acct_1032D82eZvKYlo2C";
const BALANCE: &str = "stripe-openapi_fixtures3_balance.json";
const TXN: &str = "stripe-openapi_fixtures3_balance_transaction.json";

fn connector(url: &str) -> StripeConnector {
    let mut config = StripeConfig::new(url);
    config.policy = fast_policy();
    StripeConnector::new(config, StripeKey::new(KEY).expect("key")).expect("connector")
}

fn own() -> AccountId {
    AccountId::new("self")
}

/// Every Stripe request: the key as bearer and the pinned API version.
fn stripe(verb: &str, p: &str) -> wiremock::MockBuilder {
    Mock::given(method(verb))
        .and(path(p))
        .and(header("authorization", format!("Bearer {KEY}").as_str()))
        .and(header("stripe-version", "2023-08-16"))
}

fn error(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture("stripe", name), "application/json")
}

/// The recorded transaction with other id, amount, fee, currency and type.
fn txn(id: &str, amount: i64, fee: i64, currency: &str, kind: &str) -> serde_json::Value {
    let mut t = fixture_json("stripe", TXN);
    t["id"] = id.into();
    t["amount"] = amount.into();
    t["fee"] = fee.into();
    t["net"] = (amount - fee).into();
    t["currency"] = currency.into();
    t["type"] = kind.into();
    t
}

fn list(data: Vec<serde_json::Value>, has_more: bool) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(serde_json::json!({
        "object": "list", "data": data, "has_more": has_more, "url": "/v1/balance_transactions"
    }))
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a date")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn the_recorded_balance_reads_as_zero_usd() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance")
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("stripe", BALANCE), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let b = c.payment_balances(&own()).await.unwrap();
    assert_eq!(b.len(), 1);
    assert_eq!(
        (b[0].currency.as_str(), b[0].available, b[0].pending),
        ("USD", dec!(0), dec!(0))
    );
    let sent = &server.received_requests().await.unwrap()[0];
    assert!(
        sent.headers.get("stripe-account").is_none(),
        "own account: no Stripe-Account"
    );
    assert!(
        sent.headers.get("idempotency-key").is_none(),
        "a read carries no idempotency key"
    );
}

#[tokio::test]
async fn balances_in_minor_units_including_zero_decimal_currencies() {
    let server = MockServer::start().await;
    let mut b = fixture_json("stripe", BALANCE);
    b["available"][0]["amount"] = 123_456.into();
    b["pending"][0]["amount"] = (-1_999).into();
    b["available"].as_array_mut().unwrap().push(
        serde_json::json!({"amount": 5000, "currency": "jpy", "source_types": {"card": 5000}}),
    );
    stripe("GET", "/v1/balance")
        .respond_with(ResponseTemplate::new(200).set_body_json(b))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let b = c.payment_balances(&own()).await.unwrap();
    assert_eq!(
        (b[0].available, b[0].pending),
        (dec!(1234.56), dec!(-19.99))
    );
    assert_eq!(
        (b[1].currency.as_str(), b[1].available),
        ("JPY", dec!(5000))
    );
}

#[tokio::test]
async fn a_connect_account_is_named_in_every_request() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance")
        .and(header("stripe-account", CONNECT))
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("stripe", BALANCE), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    let mut config = StripeConfig::new(server.uri())
        .for_connect_account(CONNECT)
        .unwrap();
    config.policy = fast_policy();
    let c = StripeConnector::new(config, StripeKey::new(KEY).unwrap()).unwrap();
    assert_eq!(c.account().as_str(), CONNECT);
    c.payment_balances(&AccountId::new(CONNECT)).await.unwrap();
    assert!(matches!(
        c.payment_balances(&own()).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn transactions_page_with_starting_after_and_keep_their_filters() {
    let server = MockServer::start().await;
    let (since, until) = (at("2024-01-01T00:00:00Z"), at("2024-02-01T00:00:00Z"));
    stripe("GET", "/v1/balance_transactions")
        .and(query_param("limit", "2"))
        .and(query_param(
            "created[gte]",
            since.timestamp().to_string().as_str(),
        ))
        .and(query_param(
            "created[lte]",
            until.timestamp().to_string().as_str(),
        ))
        .and(query_param_is_missing("starting_after"))
        .respond_with(list(
            vec![
                fixture_json("stripe", TXN),
                txn("txn_payout2", -5000, 0, "usd", "payout"),
            ],
            true,
        ))
        .expect(1)
        .mount(&server)
        .await;
    stripe("GET", "/v1/balance_transactions")
        .and(query_param("limit", "2"))
        .and(query_param("starting_after", "txn_payout2"))
        .and(query_param(
            "created[gte]",
            since.timestamp().to_string().as_str(),
        ))
        .and(query_param(
            "created[lte]",
            until.timestamp().to_string().as_str(),
        ))
        .respond_with(list(
            vec![txn("txn_fee3", -150, 0, "usd", "stripe_fee")],
            false,
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(since),
        until: Some(until),
        limit: Some(2),
        cursor: None,
    };
    let p1 = c.transactions(&own(), &q).await.unwrap();
    let [charge, payout] = p1.transactions.as_slice() else {
        panic!("{p1:?}")
    };
    assert_eq!(charge.id, "txn_1PgaxNB7WZ01zgkWEV3TLf40");
    assert_eq!(charge.amount, dec!(1.00));
    assert_eq!(charge.fee, Some(dec!(0)));
    assert_eq!(charge.currency, "USD");
    assert_eq!(charge.time, at("2009-02-13T23:31:30Z"));
    assert_eq!(charge.status, "available");
    assert_eq!(
        charge.description.as_deref(),
        Some("My First Test Charge (created for API docs)")
    );
    assert_eq!(payout.amount, dec!(-50.00));
    // Only the cursor: it carries the filters itself.
    let q2 = TransactionQuery {
        cursor: p1.next_cursor,
        limit: Some(2),
        ..TransactionQuery::default()
    };
    let p2 = c.transactions(&own(), &q2).await.unwrap();
    assert_eq!(p2.transactions.len(), 1);
    assert_eq!(p2.transactions[0].amount, dec!(-1.50));
    assert_eq!(p2.next_cursor, None);
}

#[tokio::test]
async fn an_empty_list_is_an_empty_last_page() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance_transactions")
        .and(query_param("limit", "100"))
        .respond_with(list(vec![], false))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let p = c
        .transactions(&own(), &TransactionQuery::default())
        .await
        .unwrap();
    assert!(p.transactions.is_empty());
    assert_eq!(p.next_cursor, None);
}

#[tokio::test]
async fn zero_and_three_decimal_transactions() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance_transactions")
        .respond_with(list(
            vec![
                txn("txn_jpy", 5000, 180, "jpy", "charge"),
                txn("txn_bhd", 5120, 30, "bhd", "charge"),
            ],
            false,
        ))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let p = c
        .transactions(&own(), &TransactionQuery::default())
        .await
        .unwrap();
    assert_eq!(
        (p.transactions[0].amount, p.transactions[0].fee),
        (dec!(5000), Some(dec!(180)))
    );
    assert_eq!(p.transactions[0].currency, "JPY");
    assert_eq!(
        (p.transactions[1].amount, p.transactions[1].fee),
        (dec!(5.120), Some(dec!(0.030)))
    );
}

#[tokio::test]
async fn one_transaction_by_id_and_404_is_none() {
    let server = MockServer::start().await;
    stripe(
        "GET",
        "/v1/balance_transactions/txn_1PgaxNB7WZ01zgkWEV3TLf40",
    )
    .respond_with(
        ResponseTemplate::new(200).set_body_raw(fixture("stripe", TXN), "application/json"),
    )
    .mount(&server)
    .await;
    stripe("GET", "/v1/balance_transactions/txn_missing")
        .respond_with(error(404, "synth_error_404.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let t = c
        .transaction("txn_1PgaxNB7WZ01zgkWEV3TLf40")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(t.amount, dec!(1.00));
    assert_eq!(c.transaction("txn_missing").await.unwrap(), None);
}

#[tokio::test]
async fn a_bad_key_asks_to_sign_in_and_a_narrow_one_is_rejected() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance")
        .respond_with(error(401, "synth_error_401.json"))
        .expect(1)
        .mount(&server)
        .await;
    stripe("GET", "/v1/balance_transactions")
        .respond_with(error(403, "synth_error_403.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    assert!(matches!(
        c.payment_balances(&own()).await,
        Err(ConnectorError::NeedsSignIn(m)) if m.contains("Invalid API Key")
    ));
    match c.transactions(&own(), &TransactionQuery::default()).await {
        Err(ConnectorError::Rejected(m)) => {
            assert!(
                m.contains("rak_balance_read") && m.contains("restricted key"),
                "{m}"
            )
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rate_limits_wait_for_retry_after_and_server_errors_give_up() {
    let server = MockServer::start().await;
    stripe("GET", "/v1/balance")
        .respond_with(error(429, "synth_error_429.json").insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    stripe("GET", "/v1/balance")
        .respond_with(
            ResponseTemplate::new(200).set_body_raw(fixture("stripe", BALANCE), "application/json"),
        )
        .expect(1)
        .mount(&server)
        .await;
    stripe("GET", "/v1/balance_transactions")
        .respond_with(error(500, "synth_error_500.json"))
        .expect(3)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let started = std::time::Instant::now();
    c.payment_balances(&own()).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(matches!(
        c.transactions(&own(), &TransactionQuery::default()).await,
        Err(ConnectorError::Unavailable(m)) if m.contains("unknown error")
    ));
}

#[tokio::test]
async fn a_retried_post_carries_the_same_idempotency_key_and_form() {
    let server = MockServer::start().await;
    stripe("POST", "/v1/payouts")
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string(
            "amount=1000&currency=usd&metadata%5Bnote%5D=rent",
        ))
        .respond_with(error(500, "synth_error_500.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    stripe("POST", "/v1/payouts")
        .and(body_string(
            "amount=1000&currency=usd&metadata%5Bnote%5D=rent",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "id": "po_1", "object": "payout", "amount": 1000, "currency": "usd"
        })))
        .expect(2)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let post = StripePost::new("/v1/payouts")
        .param("amount", "1000")
        .param("currency", "usd")
        .param("metadata[note]", "rent");
    let reply = c.post(&post).await.unwrap();
    assert_eq!(reply["id"], "po_1");
    // A second, separate write gets a key of its own.
    let other = StripePost::new("/v1/payouts")
        .param("amount", "1000")
        .param("currency", "usd")
        .param("metadata[note]", "rent");
    c.post(&other).await.unwrap();
    let keys: Vec<String> = server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            r.headers
                .get("idempotency-key")
                .expect("every POST carries a key")
                .to_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(keys.len(), 3);
    assert_eq!(keys[0], post.idempotency_key());
    assert_eq!(keys[0], keys[1], "the resend reuses the key");
    assert_eq!(keys[2], other.idempotency_key());
    assert_ne!(keys[1], keys[2]);
}

#[test]
fn the_key_says_test_or_live() {
    let c = StripeConnector::new(StripeConfig::api(), StripeKey::new(KEY).unwrap()).unwrap();
    assert_eq!(c.mode(), StripeMode::Test);
    let live = StripeConnector::new(
        StripeConfig::api(),
        StripeKey::new("rk_live_51HabcDEF").unwrap(),
    )
    .unwrap();
    assert_eq!(live.mode(), StripeMode::Live);
}
