//! Square contract tests: response examples from Square's own spec and error bodies shaped by
//! it (tests/fixtures/square, see SOURCES.md) served by wiremock; each test checks the request
//! we send (method, path, headers, query) and what we make of the reply.

mod support;

use brokerdesk_connectors::square::{
    BALANCES_UNAVAILABLE, SquareConfig, SquareConnector, SquareCredential,
};
use brokerdesk_connectors::types::TransactionQuery;
use brokerdesk_connectors::{AccountActivity, ConnectorError, Payments};
use brokerdesk_model::AccountId;
use brokerdesk_model::{ActivityKind, ActivityStatus};
use chrono::{DateTime, Utc};
use rust_decimal_macros::dec;
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{header, method, path, query_param, query_param_is_missing};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "EAAAEsandbox-token-123";
/// The first location of the recorded ListLocations example.
const LOCATION: &str = "18YC4JDH91E1H";
const LOCATIONS: &str = "spec_example_GET_v2_locations.json";
const PAYMENTS: &str = "spec_example_GET_v2_payments.json";

fn connector(url: &str) -> SquareConnector {
    let mut config = SquareConfig::new(url);
    config.policy = fast_policy();
    SquareConnector::new(config, SquareCredential::access_token(TOKEN)).expect("connector")
}

fn square(p: &str) -> wiremock::MockBuilder {
    Mock::given(method("GET"))
        .and(path(p))
        .and(header("authorization", format!("Bearer {TOKEN}").as_str()))
        .and(header("square-version", "2025-08-20"))
}

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("square", name), "application/json")
}

fn error(status: u16, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture("square", name), "application/json")
}

async fn mount_locations(server: &MockServer) {
    square("/v2/locations")
        .respond_with(ok(LOCATIONS))
        .expect(1)
        .mount(server)
        .await;
}

fn location() -> AccountId {
    AccountId::new(LOCATION)
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("a date")
        .with_timezone(&Utc)
}

#[tokio::test]
async fn locations_are_the_accounts_read_once() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    let c = connector(&server.uri());
    assert_eq!(
        c.accounts().await.unwrap(),
        vec![location(), AccountId::new("3Z4V4WHQK64X9")]
    );
    let l = &c.locations().await.unwrap()[1];
    assert_eq!(l.name.as_deref(), Some("Midtown"));
    assert_eq!(l.currency.as_deref(), Some("USD"));
    assert_eq!(l.status.as_deref(), Some("ACTIVE"));
}

#[tokio::test]
async fn payments_of_a_location_in_a_time_range() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    square("/v2/payments")
        .and(query_param("location_id", LOCATION))
        .and(query_param("begin_time", "2021-10-01T00:00:00.000Z"))
        .and(query_param("end_time", "2021-11-01T00:00:00.000Z"))
        .and(query_param("sort_order", "DESC"))
        .and(query_param("limit", "100"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(PAYMENTS))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(at("2021-10-01T00:00:00Z")),
        until: Some(at("2021-11-01T00:00:00Z")),
        ..TransactionQuery::default()
    };
    let page = c.transactions(&location(), &q).await.unwrap();
    assert_eq!(page.next_cursor, None);
    let [p] = page.transactions.as_slice() else {
        panic!("{page:?}")
    };
    assert_eq!(p.id, "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY");
    assert_eq!(p.time, at("2021-10-13T19:34:33.524Z"));
    assert_eq!(p.amount, dec!(5.55));
    assert_eq!(p.fee, Some(dec!(0.34)));
    assert_eq!(p.currency, "USD");
    assert_eq!(p.status, "completed");
    assert_eq!(p.description.as_deref(), Some("Test Note"));
    assert_eq!(p.counterparty, None);
}

#[tokio::test]
async fn the_cursor_pages_on_with_the_first_pages_range() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    let mut first = fixture_json("square", PAYMENTS);
    first["cursor"] = "sq-cursor/abc+def=".into();
    square("/v2/payments")
        .and(query_param_is_missing("cursor"))
        .and(query_param("limit", "1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .expect(1)
        .mount(&server)
        .await;
    // Page two: a zero-decimal JPY payment with a tip, no fee yet, a buyer.
    let mut second = fixture_json("square", PAYMENTS);
    let p = &mut second["payments"][0];
    p["id"] = "yen-payment-2".into();
    p["amount_money"] = serde_json::json!({"amount": 1500, "currency": "JPY"});
    p["tip_money"] = serde_json::json!({"amount": 200, "currency": "JPY"});
    p["total_money"] = serde_json::json!({"amount": 1700, "currency": "JPY"});
    p["processing_fee"] = serde_json::json!([]);
    p["status"] = "APPROVED".into();
    p["buyer_email_address"] = "buyer@example.com".into();
    square("/v2/payments")
        .and(query_param("cursor", "sq-cursor/abc+def="))
        .and(query_param("begin_time", "2021-10-01T00:00:00.000Z"))
        .and(query_param("location_id", LOCATION))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let q = TransactionQuery {
        since: Some(at("2021-10-01T00:00:00Z")),
        limit: Some(1),
        ..TransactionQuery::default()
    };
    let p1 = c.transactions(&location(), &q).await.unwrap();
    let q2 = TransactionQuery {
        cursor: p1.next_cursor,
        limit: Some(1),
        ..TransactionQuery::default()
    };
    let p2 = c.transactions(&location(), &q2).await.unwrap();
    assert_eq!(p2.next_cursor, None);
    let yen = &p2.transactions[0];
    assert_eq!((yen.amount, yen.currency.as_str()), (dec!(1700), "JPY"));
    assert_eq!(yen.fee, None);
    assert_eq!(yen.status, "approved");
    assert_eq!(yen.counterparty.as_deref(), Some("buyer@example.com"));
}

#[tokio::test]
async fn no_payments_is_an_empty_object_and_an_empty_page() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    square("/v2/payments")
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({})))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let p = c
        .transactions(&location(), &TransactionQuery::default())
        .await
        .unwrap();
    assert!(p.transactions.is_empty());
    assert_eq!(p.next_cursor, None);
}

#[tokio::test]
async fn balances_are_not_available_and_square_is_not_asked() {
    let server = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c.payment_balances(&location()).await {
        Err(ConnectorError::BalanceUnknown(brokerdesk_model::BalanceUnknown::NotReported {
            note,
        })) => assert_eq!(note, BALANCES_UNAVAILABLE),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_location_is_an_unknown_account() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    let c = connector(&server.uri());
    assert!(matches!(
        c.transactions(&AccountId::new("NOPE"), &TransactionQuery::default())
            .await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn unauthorized_and_expired_tokens_ask_to_sign_in() {
    for name in [
        "synth_error_401_UNAUTHORIZED.json",
        "synth_error_401_ACCESS_TOKEN_EXPIRED.json",
    ] {
        let server = MockServer::start().await;
        square("/v2/locations")
            .respond_with(error(401, name))
            .expect(1)
            .mount(&server)
            .await;
        let c = connector(&server.uri());
        assert!(
            matches!(c.accounts().await, Err(ConnectorError::NeedsSignIn(_))),
            "{name}"
        );
    }
}

#[tokio::test]
async fn missing_scopes_and_unknown_ids_are_rejected() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    square("/v2/payments")
        .and(query_param("location_id", LOCATION))
        .respond_with(error(403, "synth_error_403_INSUFFICIENT_SCOPES.json"))
        .expect(1)
        .mount(&server)
        .await;
    square("/v2/payments")
        .and(query_param("location_id", "3Z4V4WHQK64X9"))
        .respond_with(error(404, "synth_error_404_NOT_FOUND.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    match c
        .transactions(&location(), &TransactionQuery::default())
        .await
    {
        Err(ConnectorError::Rejected(m)) => assert!(m.contains("PAYMENTS_READ"), "{m}"),
        other => panic!("{other:?}"),
    }
    match c
        .transactions(
            &AccountId::new("3Z4V4WHQK64X9"),
            &TransactionQuery::default(),
        )
        .await
    {
        Err(ConnectorError::Rejected(m)) => assert!(m.contains("(field location_id)"), "{m}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn rate_limited_waits_for_retry_after_and_server_errors_give_up() {
    let server = MockServer::start().await;
    square("/v2/locations")
        .respond_with(
            error(429, "synth_error_429_RATE_LIMITED.json").insert_header("retry-after", "1"),
        )
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    mount_locations(&server).await;
    square("/v2/payments")
        .respond_with(error(500, "synth_error_500_INTERNAL_SERVER_ERROR.json"))
        .expect(3)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let started = std::time::Instant::now();
    c.accounts().await.unwrap();
    assert!(started.elapsed() >= std::time::Duration::from_secs(1));
    assert!(matches!(
        c.transactions(&location(), &TransactionQuery::default()).await,
        Err(ConnectorError::Unavailable(m)) if m.contains("internal error")
    ));
}

#[test]
fn production_and_sandbox_urls() {
    assert_eq!(
        SquareConfig::production().base_url,
        "https://connect.squareup.com"
    );
    assert_eq!(
        SquareConfig::sandbox().base_url,
        "https://connect.squareupsandbox.com"
    );
    assert!(SquareConfig::sandbox().is_sandbox());
    assert!(!SquareConfig::production().is_sandbox());
}

/// Activity: the location's payments and payouts, merged newest first, a payout's money
/// leaving the balance (negative), and the payouts' cursor carried on alone.
#[tokio::test]
async fn activity_merges_payments_and_payouts_newest_first() {
    let server = MockServer::start().await;
    mount_locations(&server).await;
    square("/v2/payments")
        .and(query_param("location_id", LOCATION))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok(PAYMENTS))
        .expect(1)
        .mount(&server)
        .await;
    square("/v2/payouts")
        .and(query_param("location_id", LOCATION))
        .and(query_param("sort_order", "DESC"))
        .and(query_param_is_missing("cursor"))
        .respond_with(ok("spec_example_GET_v2_payouts.json"))
        .expect(1)
        .mount(&server)
        .await;
    let recorded = fixture_json("square", "spec_example_GET_v2_payouts.json");
    let square_cursor = recorded["cursor"].as_str().expect("a cursor").to_owned();
    square("/v2/payouts")
        .and(query_param("cursor", square_cursor.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_raw("{}", "application/json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let page = c
        .activity(&location(), &TransactionQuery::default())
        .await
        .unwrap();
    let ids: Vec<&str> = page.entries.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "po_b345d2c7-90b3-4f0b-a2aa-df1def7f8afc",
            "po_f3c0fb38-a5ce-427d-b858-52b925b72e45",
            "bP9mAsEMYPUGjjGNaNO5ZDVyLhSZY"
        ],
        "newest first across both lists"
    );
    let paid = &page.entries[0];
    assert_eq!(paid.kind, ActivityKind::Payout);
    assert_eq!(paid.amount, dec!(-62.59), "a payout leaves the balance");
    assert_eq!(paid.fee, Some(dec!(0.95)));
    assert_eq!(paid.status, ActivityStatus::Completed);
    assert_eq!(paid.counterparty.as_deref(), Some("Card"));
    assert_eq!(
        page.entries[1].amount,
        dec!(1.03),
        "a negative payout came in"
    );
    let sale = &page.entries[2];
    assert_eq!(
        (sale.kind, sale.amount, sale.status),
        (ActivityKind::Payment, dec!(5.55), ActivityStatus::Completed)
    );
    assert_eq!(sale.account_id, location());

    // Payments are read to the end; only the payouts go on.
    let next = TransactionQuery {
        cursor: page.next_cursor.clone(),
        ..TransactionQuery::default()
    };
    assert!(next.cursor.is_some());
    let page2 = c.activity(&location(), &next).await.unwrap();
    assert!(
        page2.entries.is_empty() && page2.next_cursor.is_none(),
        "{page2:?}"
    );
}
