//! PayPal contract tests: responses shaped by PayPal's Transaction Search spec
//! (tests/fixtures/paypal, see SOURCES.md) served by wiremock; each test checks the request we
//! send (method, path, headers, query, form body) and what we make of the reply.

mod support;

use brokerdesk_connectors::paypal::{PayPalConfig, PayPalConnector, PayPalCredential};
use brokerdesk_connectors::types::TransactionQuery;
use brokerdesk_connectors::{ConnectorError, Payments};
use brokerdesk_model::AccountId;
use chrono::{DateTime, Duration, Utc};
use rust_decimal_macros::dec;
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{body_string, header, method, path, query_param};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const CLIENT_ID: &str = "AcL13nt-ID";
const SECRET: &str = "s3cr3t-EL";
/// base64("AcL13nt-ID:s3cr3t-EL")
const BASIC: &str = "Basic QWNMMTNudC1JRDpzM2NyM3QtRUw=";
/// The access token in the recorded token reply.
const TOKEN: &str = "A21AAFixtureTokenOne";
const ACCOUNT: &str = "BHS2A6RXCTYJW";

fn connector(url: &str) -> PayPalConnector {
    let mut config = PayPalConfig::new(url);
    config.policy = fast_policy();
    PayPalConnector::new(
        config,
        PayPalCredential::client_credentials(CLIENT_ID, SECRET),
    )
    .expect("connector")
}

fn json(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("paypal", name), "application/json")
}

fn token_reply(token: &str, expires_in: u64) -> ResponseTemplate {
    let mut t = fixture_json("paypal", "docs_shape_POST_v1_oauth2_token.json");
    t["access_token"] = token.into();
    t["expires_in"] = expires_in.into();
    ResponseTemplate::new(200).set_body_json(t)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a date")
        .with_timezone(&Utc)
}

/// The token request exactly as PayPal documents it: Basic client id and secret, a form body
/// with the client credentials grant.
fn token_request() -> wiremock::MockBuilder {
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .and(header("authorization", BASIC))
        .and(header("content-type", "application/x-www-form-urlencoded"))
        .and(body_string("grant_type=client_credentials"))
}

async fn mount_token(server: &MockServer, expect: u64) {
    token_request()
        .respond_with(token_reply(TOKEN, 32400))
        .expect(expect)
        .mount(server)
        .await;
}

async fn mount_balances(server: &MockServer) {
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .respond_with(json("synth_GET_v1_reporting_balances.json"))
        .mount(server)
        .await;
}

fn account() -> AccountId {
    AccountId::new(ACCOUNT)
}

#[tokio::test]
async fn balances_with_a_cached_client_credentials_token() {
    let server = MockServer::start().await;
    // One token serves every call until it nears expiry.
    mount_token(&server, 1).await;
    mount_balances(&server).await;
    let c = connector(&server.uri());
    assert_eq!(c.accounts().await.unwrap(), vec![account()]);
    let b = c.payment_balances(&account()).await.unwrap();
    assert_eq!(b.len(), 2);
    assert_eq!(b[0].currency, "USD");
    assert_eq!(b[0].available, dec!(998.03));
    assert_eq!(b[0].pending, dec!(23.50));
    assert_eq!(b[1].currency, "JPY");
    assert_eq!(b[1].available, dec!(12500));
    c.payment_balances(&account()).await.unwrap();
    assert!(matches!(
        c.payment_balances(&AccountId::new("SOMEONEELSE01")).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn a_token_near_expiry_is_fetched_again() {
    let server = MockServer::start().await;
    // 30 s is inside the 60 s refresh margin: every call needs a new token.
    token_request()
        .respond_with(token_reply(TOKEN, 30))
        .expect(2)
        .mount(&server)
        .await;
    mount_balances(&server).await;
    let c = connector(&server.uri());
    c.payment_balances(&account()).await.unwrap();
    c.payment_balances(&account()).await.unwrap();
}

#[tokio::test]
async fn a_huge_expires_in_is_clamped_not_a_panic() {
    let server = MockServer::start().await;
    // u64::MAX seconds cannot be added to the clock: clamped, one token serves both calls.
    token_request()
        .respond_with(token_reply(TOKEN, u64::MAX))
        .expect(1)
        .mount(&server)
        .await;
    mount_balances(&server).await;
    let c = connector(&server.uri());
    c.payment_balances(&account()).await.unwrap();
    c.payment_balances(&account()).await.unwrap();
}

#[tokio::test]
async fn a_401_fetches_a_new_token_once_and_resends_with_it() {
    let server = MockServer::start().await;
    token_request()
        .respond_with(token_reply("A21AAOldToken", 32400))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    token_request()
        .respond_with(token_reply(TOKEN, 32400))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .and(header("authorization", "Bearer A21AAOldToken"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_token",
            "error_description": "Token signature verification failed"
        })))
        .expect(1)
        .mount(&server)
        .await;
    mount_balances(&server).await;
    let c = connector(&server.uri());
    let b = c.payment_balances(&account()).await.unwrap();
    assert_eq!(b[0].available, dec!(998.03));
}

#[tokio::test]
async fn a_wrong_secret_asks_to_sign_in_again() {
    let server = MockServer::start().await;
    token_request()
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("paypal", "docs_shape_token_error_invalid_client.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c.payment_balances(&account()).await {
        Err(ConnectorError::NeedsSignIn(m)) => assert!(m.contains("Client Authentication failed")),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bearer_token_from_elsewhere_is_used_as_is_and_401_means_sign_in() {
    let server = MockServer::start().await;
    token_request()
        .respond_with(token_reply(TOKEN, 32400))
        .expect(0)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .and(header("authorization", "Bearer lipp-token"))
        .respond_with(ResponseTemplate::new(401).set_body_json(serde_json::json!({
            "error": "invalid_token", "error_description": "Access Token expired"
        })))
        .expect(1)
        .mount(&server)
        .await;
    let mut config = PayPalConfig::new(server.uri());
    config.policy = fast_policy();
    let c = PayPalConnector::new(config, PayPalCredential::access_token("lipp-token")).unwrap();
    assert!(matches!(
        c.payment_balances(&account()).await,
        Err(ConnectorError::NeedsSignIn(m)) if m.contains("Access Token expired")
    ));
}

#[tokio::test]
async fn transactions_of_one_window() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    mount_balances(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/transactions"))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(query_param("start_date", "2024-01-01T00:00:00Z"))
        .and(query_param("end_date", "2024-01-31T23:59:59Z"))
        .and(query_param("page", "1"))
        .and(query_param("page_size", "100"))
        .and(query_param("fields", "transaction_info,payer_info"))
        .respond_with(json("synth_GET_v1_reporting_transactions.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(at("2024-01-01T00:00:00Z")),
        until: Some(at("2024-01-31T23:59:59.750Z")),
        ..TransactionQuery::default()
    };
    let page = c.transactions(&account(), &q).await.unwrap();
    assert_eq!(page.next_cursor, None);
    let [sale, payout] = page.transactions.as_slice() else {
        panic!("{page:?}")
    };
    assert_eq!(sale.id, "5TY05013RG002845M");
    assert_eq!(sale.time, at("2024-01-28T23:46:19Z"));
    assert_eq!(sale.amount, dec!(465.00));
    assert_eq!(sale.fee, Some(dec!(13.79)));
    assert_eq!(sale.currency, "USD");
    assert_eq!(sale.counterparty.as_deref(), Some("Norma Ram"));
    assert_eq!(sale.description.as_deref(), Some("Order 1001"));
    assert_eq!(sale.status, "completed");
    assert_eq!(payout.amount, dec!(-250.00));
    assert_eq!(payout.fee, None);
    assert_eq!(payout.status, "pending");
    assert_eq!(payout.description.as_deref(), Some("Withdrawal to bank"));
}

#[tokio::test]
async fn pages_within_a_window_follow_the_cursor() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    mount_balances(&server).await;
    let mut first = fixture_json("paypal", "synth_GET_v1_reporting_transactions.json");
    first["total_pages"] = 2.into();
    first["total_items"] = 3.into();
    let mut second = fixture_json("paypal", "synth_GET_v1_reporting_transactions.json");
    second["page"] = 2.into();
    second["total_pages"] = 2.into();
    second["transaction_details"]
        .as_array_mut()
        .unwrap()
        .truncate(1);
    for (page, body) in [("1", first), ("2", second)] {
        Mock::given(method("GET"))
            .and(path("/v1/reporting/transactions"))
            .and(query_param("page", page))
            .and(query_param("page_size", "2"))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(at("2024-01-01T00:00:00Z")),
        until: Some(at("2024-01-31T00:00:00Z")),
        limit: Some(2),
        ..TransactionQuery::default()
    };
    let p1 = c.transactions(&account(), &q).await.unwrap();
    assert_eq!(p1.transactions.len(), 2);
    let cursor = p1.next_cursor.expect("a second page");
    let q2 = TransactionQuery {
        cursor: Some(cursor),
        ..TransactionQuery::default()
    };
    let p2 = c.transactions(&account(), &q2).await.unwrap();
    assert_eq!(p2.transactions.len(), 1);
    assert_eq!(p2.next_cursor, None);
}

#[tokio::test]
async fn a_long_range_is_read_in_windows_of_at_most_31_days_skipping_empty_ones() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    mount_balances(&server).await;
    let empty = serde_json::json!({
        "transaction_details": [], "account_number": "XZXSPECPDZHZU",
        "page": 1, "total_items": 0, "total_pages": 0
    });
    // 2024-01-01 .. 2024-03-10T23:59:59: three windows, newest first.
    let windows = [
        (
            "2024-02-09T00:00:00Z",
            "2024-03-10T23:59:59Z",
            empty.clone(),
        ),
        (
            "2024-01-09T00:00:00Z",
            "2024-02-08T23:59:59Z",
            fixture_json("paypal", "synth_GET_v1_reporting_transactions.json"),
        ),
        ("2024-01-01T00:00:00Z", "2024-01-08T23:59:59Z", empty),
    ];
    for (start, end, body) in windows {
        Mock::given(method("GET"))
            .and(path("/v1/reporting/transactions"))
            .and(query_param("start_date", start))
            .and(query_param("end_date", end))
            .respond_with(ResponseTemplate::new(200).set_body_json(body))
            .expect(1)
            .mount(&server)
            .await;
    }
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(at("2024-01-01T00:00:00Z")),
        until: Some(at("2024-03-10T23:59:59Z")),
        ..TransactionQuery::default()
    };
    let p1 = c.transactions(&account(), &q).await.unwrap();
    assert_eq!(
        p1.transactions.len(),
        2,
        "the empty newest window is skipped"
    );
    let q2 = TransactionQuery {
        cursor: p1.next_cursor,
        ..TransactionQuery::default()
    };
    let p2 = c.transactions(&account(), &q2).await.unwrap();
    assert!(p2.transactions.is_empty());
    assert_eq!(p2.next_cursor, None, "the oldest window ends the walk");
    let requests: Vec<Request> = server.received_requests().await.unwrap();
    for r in requests
        .iter()
        .filter(|r| r.url.path() == "/v1/reporting/transactions")
    {
        let get = |k: &str| {
            r.url
                .query_pairs()
                .find(|(n, _)| n == k)
                .map(|(_, v)| at(&v))
                .unwrap()
        };
        assert!(
            get("end_date") - get("start_date") <= Duration::days(31),
            "{}",
            r.url
        );
    }
}

#[tokio::test]
async fn a_missing_permission_says_what_to_enable() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .respond_with(ResponseTemplate::new(403).set_body_raw(
            fixture("paypal", "synth_error_403.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c.payment_balances(&account()).await {
        Err(ConnectorError::Rejected(m)) => {
            assert!(m.contains("insufficient permissions"), "{m}");
            assert!(m.contains("Transaction Search"), "{m}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_bad_request_is_rejected_with_paypals_reason() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    mount_balances(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/transactions"))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            fixture("paypal", "synth_error_400.json"),
            "application/json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c
        .transactions(&account(), &TransactionQuery::default())
        .await
    {
        Err(ConnectorError::Rejected(m)) => assert!(m.contains("INVALID_DATE_RANGE"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rate_limited_requests_wait_for_retry_after() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "1")
                .set_body_json(serde_json::json!({
                    "name": "RATE_LIMIT_REACHED",
                    "message": "Too many requests. Blocked due to rate limiting."
                })),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_balances(&server).await;
    let c = connector(&server.uri());
    let started = std::time::Instant::now();
    c.payment_balances(&account()).await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
}

#[tokio::test]
async fn server_errors_are_retried_then_reported_unavailable() {
    let server = MockServer::start().await;
    mount_token(&server, 1).await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .respond_with(ResponseTemplate::new(500).set_body_raw(
            fixture("paypal", "spec_example_error_500.json"),
            "application/json",
        ))
        // fast_policy: three attempts for an idempotent GET.
        .expect(3)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c.payment_balances(&account()).await {
        Err(ConnectorError::Unavailable(m)) => assert!(m.contains("90957fca61718"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn live_and_sandbox_urls() {
    assert_eq!(PayPalConfig::live().base_url, "https://api-m.paypal.com");
    assert_eq!(
        PayPalConfig::sandbox().base_url,
        "https://api-m.sandbox.paypal.com"
    );
    assert!(PayPalConfig::sandbox().is_sandbox());
    assert!(!PayPalConfig::live().is_sandbox());
}
