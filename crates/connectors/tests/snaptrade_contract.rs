//! SnapTrade contract tests: the spec's shapes (tests/fixtures/snaptrade, see SOURCES.md) served
//! by wiremock in place of api.snaptrade.com, with every request checked for method, path, query,
//! body and its `Signature` header against known answers computed by the reference script
//! (tests/fixtures/snaptrade/signature_vectors.py, SnapTrade's SDK algorithm).

mod support;

use brokerdesk_connectors::directory::InstitutionDirectory;
use brokerdesk_connectors::snaptrade::credential::{signature, signed_text};
use brokerdesk_connectors::snaptrade::{
    ConnectionType, SnapTradeConfig, SnapTradeConnector, SnapTradeCredential, SnapTradeUser,
};
use brokerdesk_connectors::types::{
    OrderFilter, OrderRequest, OrderSide, OrderStatus, OrderStatusFilter,
};
use brokerdesk_connectors::{ConnectorError, Portfolio, Trading};
use brokerdesk_model::{AccountId, ClientOrderId, OrderId, PositionSide, Symbol};
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ACCOUNT: &str = "917c8734-8470-4a3e-a18f-57c3f2ee6631";
const USER_SECRET: &str = "adf2aa34-8219-40f7-a6b3-60156985cc61";

fn config(url: &str) -> SnapTradeConfig {
    SnapTradeConfig {
        base_url: format!("{url}/api/v1"),
        policy: fast_policy(),
        fixed_timestamp: Some(1_700_000_000),
    }
}

fn partner(url: &str) -> SnapTradeConnector {
    SnapTradeConnector::new(
        config(url),
        SnapTradeCredential::new("BROKERDESK-TEST", "BROKERDESK-TEST-CONSUMER-KEY"),
    )
    .expect("connector")
}

fn connector(url: &str) -> SnapTradeConnector {
    partner(url).with_user(SnapTradeUser::new("snaptrade-user-123", USER_SECRET))
}

fn acct() -> AccountId {
    AccountId::new(ACCOUNT)
}

fn vector(name: &str) -> Value {
    let all = fixture_json("snaptrade", "signature_vectors.json");
    all.as_array()
        .expect("list")
        .iter()
        .find(|v| v["name"] == name)
        .cloned()
        .unwrap_or_else(|| panic!("no vector {name}"))
}

fn ok_json(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("snaptrade", name), "application/json")
}

async fn mount(server: &MockServer, verb: &str, p: &str, response: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(format!("/api/v1{p}")))
        .respond_with(response)
        .mount(server)
        .await;
}

/// The accounts fixture with a real id: the spec gives `AccountID` no example, so the synth
/// shape has `"id": {}` there.
fn accounts_body() -> Value {
    let mut body = fixture_json("snaptrade", "spec_synth_GET_accounts.json");
    body[0]["id"] = json!(ACCOUNT);
    body
}

/// Order records with an action: the spec's `Action` has no example (synth gives `null`).
fn order_record(action: &str) -> Value {
    let mut o = fixture_json("snaptrade", "spec_synth_POST_trade_place.json");
    o["action"] = json!(action);
    o
}

/// Checks the one request made to the vector's path: method, exact query, JSON body and the
/// Signature header against the reference script's answer.
async fn assert_signed(server: &MockServer, verb: &str, name: &str) {
    let v = vector(name);
    let requests = server.received_requests().await.expect("recorded");
    let matching: Vec<_> = requests
        .iter()
        .filter(|r| r.url.path() == v["path"].as_str().expect("path"))
        .collect();
    assert!(!matching.is_empty(), "no request to {}", v["path"]);
    for r in matching {
        assert_eq!(r.method.as_str(), verb, "{name}");
        assert_eq!(r.url.query().unwrap_or(""), v["query"], "{name}: query");
        if v["content"].is_null() {
            assert!(r.body.is_empty(), "{name}: no body expected");
        } else {
            let body: Value = serde_json::from_slice(&r.body).expect("JSON body");
            assert_eq!(body, v["content"], "{name}: body");
            assert_eq!(
                r.headers
                    .get("content-type")
                    .map(|h| h.to_str().expect("ascii")),
                Some("application/json"),
            );
        }
        let sig = r.headers.get("signature").expect("Signature header");
        assert_eq!(
            sig.to_str().expect("ascii"),
            v["signature"],
            "{name}: signature"
        );
    }
}

#[test]
fn signatures_match_the_reference_vectors() {
    let all = fixture_json("snaptrade", "signature_vectors.json");
    let all = all.as_array().expect("list");
    assert!(all.len() >= 10);
    for v in all {
        let key = SecretString::from(v["consumer_key"].as_str().expect("key").to_owned());
        let content = (!v["content"].is_null()).then_some(&v["content"]);
        let p = v["path"].as_str().expect("path");
        let q = v["query"].as_str().expect("query");
        assert_eq!(signed_text(p, q, content), v["signed"], "{}", v["name"]);
        assert_eq!(
            signature(&key, p, q, content),
            v["signature"],
            "{}",
            v["name"]
        );
    }
    // A changed byte anywhere changes the signature.
    let key = SecretString::from("BROKERDESK-TEST-CONSUMER-KEY".to_owned());
    let v = vector("accounts");
    let q = v["query"]
        .as_str()
        .expect("q")
        .replace("1700000000", "1700000001");
    assert_ne!(
        signature(&key, v["path"].as_str().expect("p"), &q, None),
        v["signature"]
    );
}

#[tokio::test]
async fn register_user_returns_a_secret_that_never_shows_in_debug() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/snapTrade/registerUser",
        ok("spec_synth_POST_snapTrade_registerUser.json"),
    )
    .await;
    let user = partner(&server.uri())
        .register_user("snaptrade-user-123")
        .await
        .expect("registered");
    assert_eq!(user.user_id, "snaptrade-user-123");
    assert_eq!(user.user_secret.expose_secret(), USER_SECRET);
    assert!(!format!("{user:?}").contains(USER_SECRET));
    assert_signed(&server, "POST", "register_user").await;
}

#[tokio::test]
async fn a_server_error_on_register_is_not_resent() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/snapTrade/registerUser",
        ResponseTemplate::new(500).set_body_raw(
            fixture(
                "snaptrade",
                "spec_synth_POST_snapTrade_registerUser_500.json",
            ),
            "application/json",
        ),
    )
    .await;
    let err = partner(&server.uri())
        .register_user("u")
        .await
        .expect_err("500");
    assert!(
        matches!(&err, ConnectorError::Unavailable(m) if m.contains("Encountered an unexpected exception")),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.expect("r").len(),
        1,
        "POST sent once"
    );
}

#[tokio::test]
async fn the_portal_link_sends_the_browser_back_to_our_loopback_listener() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/snapTrade/login",
        ok("spec_synth_POST_snapTrade_login.json"),
    )
    .await;
    let c = connector(&server.uri());
    let redirect = url::Url::parse("http://127.0.0.1:53682/snaptrade/done").expect("url");
    let link = c
        .portal_link(&redirect, ConnectionType::Trade, None, None)
        .await
        .expect("link");
    let expected = fixture_json("snaptrade", "spec_synth_POST_snapTrade_login.json");
    assert_eq!(link.url, expected["redirectURI"]);
    assert_eq!(link.session_id.as_deref(), expected["sessionId"].as_str());
    assert_signed(&server, "POST", "login").await;

    let elsewhere = url::Url::parse("https://evil.example/cb").expect("url");
    let err = c
        .portal_link(&elsewhere, ConnectionType::Read, None, None)
        .await
        .expect_err("not loopback");
    assert!(matches!(err, ConnectorError::Rejected(_)));
    assert_eq!(
        server.received_requests().await.expect("r").len(),
        1,
        "nothing sent"
    );
}

#[tokio::test]
async fn login_errors_are_typed() {
    for (status, file) in [
        (400, "spec_synth_POST_snapTrade_login_400.json"),
        (403, "spec_synth_POST_snapTrade_login_403.json"),
        (404, "spec_synth_POST_snapTrade_login_404.json"),
    ] {
        let server = MockServer::start().await;
        let body = fixture_json("snaptrade", file);
        mount(
            &server,
            "POST",
            "/snapTrade/login",
            ResponseTemplate::new(status).set_body_json(&body),
        )
        .await;
        let redirect = url::Url::parse("http://127.0.0.1:1/cb").expect("url");
        let err = connector(&server.uri())
            .portal_link(&redirect, ConnectionType::Read, Some("ALPACA"), None)
            .await
            .expect_err("error");
        let detail = body["default_detail"].as_str().expect("detail");
        assert!(
            matches!(&err, ConnectorError::Rejected(m) if m == detail),
            "{status}: {err:?}"
        );
    }
}

#[tokio::test]
async fn a_bad_signature_asks_to_sign_in_again() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/accounts",
        ResponseTemplate::new(401).set_body_json(json!({
            "detail": "Unable to verify signature sent", "status_code": 401, "code": "1076"
        })),
    )
    .await;
    let err = connector(&server.uri()).accounts().await.expect_err("401");
    assert!(
        matches!(&err, ConnectorError::NeedsSignIn(m) if m == "Unable to verify signature sent"),
        "{err:?}"
    );
}

#[tokio::test]
async fn brokerages_are_searched_locally_and_read_once() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/brokerages",
        ok("spec_synth_GET_brokerages.json"),
    )
    .await;
    let c = partner(&server.uri());
    let hits = c.search_institutions("robin").await.expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].id, "ROBINHOOD");
    assert_eq!(hits[0].name, "Robinhood");
    assert_eq!(hits[0].trading, Some(true));
    assert!(
        c.search_institutions("zzqx")
            .await
            .expect("search")
            .is_empty()
    );
    let all = c.brokerages().await.expect("list");
    assert!(all[0].allows_trading && all[0].maintenance_mode);
    assert_eq!(
        server.received_requests().await.expect("r").len(),
        1,
        "read once"
    );
    assert_signed(&server, "GET", "brokerages").await;
}

#[tokio::test]
async fn accounts_and_balances() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/accounts", ok_json(accounts_body())).await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/balances"),
        ok("spec_synth_GET_accounts_accountId_balances.json"),
    )
    .await;
    let c = connector(&server.uri());
    assert_eq!(c.accounts().await.expect("accounts"), vec![acct()]);
    let b = c.balances(&acct()).await.expect("balances");
    assert_eq!(b.currency, "USD");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(300.71), dec!(410.71), dec!(15363.23))
    );
    assert_signed(&server, "GET", "accounts").await;
    assert_signed(&server, "GET", "balances").await;
    assert!(matches!(
        c.balances(&AccountId::new("nope")).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn empty_balances_fall_back_to_the_account_total_and_strings_parse_too() {
    let server = MockServer::start().await;
    mount(&server, "GET", "/accounts", ok_json(accounts_body())).await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/balances"),
        ok_json(json!([])),
    )
    .await;
    let b = connector(&server.uri())
        .balances(&acct())
        .await
        .expect("balances");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(0), dec!(0), dec!(15363.23))
    );

    let server = MockServer::start().await;
    let mut accounts = accounts_body();
    accounts[0]["balance"]["total"]["amount"] = json!("0.30000000000000004441");
    mount(&server, "GET", "/accounts", ok_json(accounts)).await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/balances"),
        ok_json(json!([{"currency": {"code": "USD"}, "cash": "1.10", "buying_power": null}])),
    )
    .await;
    let b = connector(&server.uri())
        .balances(&acct())
        .await
        .expect("balances");
    assert_eq!(b.equity.to_string(), "0.30000000000000004441");
    assert_eq!((b.cash, b.buying_power), (dec!(1.1), dec!(1.1)));
}

#[tokio::test]
async fn the_synth_accounts_shape_is_refused_not_guessed() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/accounts",
        ok("spec_synth_GET_accounts.json"),
    )
    .await;
    let err = connector(&server.uri())
        .accounts()
        .await
        .expect_err("id is {}");
    assert!(matches!(err, ConnectorError::BadResponse(_)), "{err:?}");
}

#[tokio::test]
async fn positions_from_positions_all() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/positions/all"),
        ok("spec_synth_GET_accounts_accountId_positions_all.json"),
    )
    .await;
    let p = connector(&server.uri())
        .positions(&acct())
        .await
        .expect("positions");
    assert_eq!(p.len(), 1);
    let aapl = &p[0];
    assert_eq!(aapl.symbol, Symbol::new("AAPL"));
    assert_eq!(aapl.side, PositionSide::Long);
    assert_eq!(
        (aapl.qty, aapl.current_price, aapl.avg_entry_price),
        (dec!(10.5), dec!(123.45), dec!(118.2))
    );
    assert_eq!(
        (aapl.market_value, aapl.cost_basis, aapl.unrealized_pl),
        (dec!(1296.225), dec!(1241.1), dec!(55.125))
    );
    assert_signed(&server, "GET", "positions").await;
}

#[tokio::test]
async fn positions_with_numbers_shorts_and_empty_lists() {
    let server = MockServer::start().await;
    let mut body = fixture_json(
        "snaptrade",
        "spec_synth_GET_accounts_accountId_positions_all.json",
    );
    body["results"][0]["units"] = json!(-2);
    body["results"][0]["price"] = json!(100.5);
    body["results"][0]["cost_basis"] = json!("110");
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/positions/all"),
        ok_json(body),
    )
    .await;
    let p = connector(&server.uri())
        .positions(&acct())
        .await
        .expect("positions");
    assert_eq!((p[0].side, p[0].qty), (PositionSide::Short, dec!(2)));
    assert_eq!(
        p[0].unrealized_pl,
        dec!(19),
        "a short gains when the price falls"
    );

    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/positions/all"),
        ok_json(json!({"results": [], "data_freshness": {"as_of": "2026-06-02 14:30:00+00:00"}})),
    )
    .await;
    assert!(
        connector(&server.uri())
            .positions(&acct())
            .await
            .expect("empty")
            .is_empty()
    );
}

#[tokio::test]
async fn an_unknown_account_is_a_404() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/accounts/nope/positions/all",
        ResponseTemplate::new(404).set_body_raw(
            fixture("snaptrade", "spec_synth_POST_snapTrade_login_404.json"),
            "application/json",
        ),
    )
    .await;
    assert!(matches!(
        connector(&server.uri())
            .positions(&AccountId::new("nope"))
            .await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn orders_of_an_account() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/orders"),
        ok_json(json!([order_record("BUY")])),
    )
    .await;
    let c = connector(&server.uri());
    let orders = c
        .orders(&acct(), &OrderFilter::default())
        .await
        .expect("orders");
    assert_eq!(orders.len(), 1);
    let o = &orders[0];
    assert_eq!(o.id, OrderId::new("66a033fa-da74-4fcf-b527-feefdec9257e"));
    assert_eq!(o.symbol, Symbol::new("VAB.TO"));
    assert_eq!(o.side, OrderSide::Buy);
    assert_eq!(
        (o.filled_qty, o.limit_price, o.filled_avg_price),
        (dec!(80), Some(dec!(12.34)), Some(dec!(12.34)))
    );
    assert_eq!(o.status, OrderStatus::Other("NONE".into()));
    assert_signed(&server, "GET", "orders_open").await;
    let closed = OrderFilter {
        status: OrderStatusFilter::Closed,
        ..OrderFilter::default()
    };
    assert!(
        c.orders(&acct(), &closed).await.expect("closed").is_empty(),
        "NONE is not finished"
    );
}

fn limit_buy() -> OrderRequest {
    OrderRequest::limit(
        ClientOrderId::new("550e8400-e29b-41d4-a716-446655440000"),
        Symbol::new("AAPL"),
        OrderSide::Buy,
        dec!(10.50),
        dec!(31.330),
    )
}

async fn trading_server(authorization: Value) -> MockServer {
    let server = MockServer::start().await;
    mount(&server, "GET", "/accounts", ok_json(accounts_body())).await;
    mount(
        &server,
        "GET",
        "/authorizations/87b24961-b51e-4db8-9226-f198f6518a89",
        ok_json(authorization),
    )
    .await;
    mount(
        &server,
        "POST",
        "/trade/place",
        ok_json(order_record("BUY")),
    )
    .await;
    server
}

fn authorization() -> Value {
    fixture_json(
        "snaptrade",
        "spec_synth_GET_authorizations_authorizationId.json",
    )
}

#[tokio::test]
async fn orders_go_where_the_brokerage_and_connection_allow_trading() {
    let server = trading_server(authorization()).await;
    let order = connector(&server.uri())
        .submit_order(&acct(), &limit_buy())
        .await
        .expect("placed");
    assert_eq!(
        order.id,
        OrderId::new("66a033fa-da74-4fcf-b527-feefdec9257e")
    );
    assert_signed(&server, "POST", "place_limit").await;
}

async fn refused(authorization: Value) -> (ConnectorError, MockServer) {
    let server = trading_server(authorization).await;
    let err = connector(&server.uri())
        .submit_order(&acct(), &limit_buy())
        .await
        .expect_err("refused");
    (err, server)
}

async fn placed(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("r")
        .iter()
        .filter(|r| r.url.path() == "/api/v1/trade/place")
        .count()
}

#[tokio::test]
async fn a_read_only_brokerage_is_refused_by_name_before_sending() {
    let mut auth = authorization();
    auth["brokerage"]["allows_trading"] = json!(false);
    auth["brokerage"]["display_name"] = json!("Fidelity");
    let (err, server) = refused(auth).await;
    assert!(
        matches!(&err, ConnectorError::Rejected(m) if m.contains("Fidelity") && m.contains("does not allow trading")),
        "{err:?}"
    );
    assert_eq!(placed(&server).await, 0);

    let mut auth = authorization();
    auth["type"] = json!("read");
    let (err, server) = refused(auth).await;
    assert!(
        matches!(&err, ConnectorError::Rejected(m) if m.contains("Robinhood") && m.contains("read-only")),
        "{err:?}"
    );
    assert_eq!(placed(&server).await, 0);

    let mut auth = authorization();
    auth["disabled"] = json!(true);
    let (err, server) = refused(auth).await;
    assert!(
        matches!(&err, ConnectorError::NeedsSignIn(m) if m.contains("Robinhood")),
        "{err:?}"
    );
    assert_eq!(placed(&server).await, 0);
}

#[tokio::test]
async fn orders_snaptrade_cannot_express_are_refused_before_sending() {
    let server = trading_server(authorization()).await;
    let c = connector(&server.uri());
    let mut r = limit_buy();
    r.time_in_force = brokerdesk_connectors::types::TimeInForce::Opg;
    assert!(matches!(
        c.submit_order(&acct(), &r).await,
        Err(ConnectorError::Rejected(_))
    ));
    let mut r = limit_buy();
    r.limit_price = Some(dec!(31.123456789012345678));
    assert!(matches!(
        c.submit_order(&acct(), &r).await,
        Err(ConnectorError::Rejected(_))
    ));
    assert_eq!(placed(&server).await, 0);
}

#[tokio::test]
async fn a_lost_order_reply_is_not_resent() {
    let server = trading_server(authorization()).await;
    // Replace the place mock with a 502.
    server.reset().await;
    mount(&server, "GET", "/accounts", ok_json(accounts_body())).await;
    mount(
        &server,
        "GET",
        "/authorizations/87b24961-b51e-4db8-9226-f198f6518a89",
        ok_json(authorization()),
    )
    .await;
    mount(
        &server,
        "POST",
        "/trade/place",
        ResponseTemplate::new(502).set_body_string("bad gateway"),
    )
    .await;
    let err = connector(&server.uri())
        .submit_order(&acct(), &limit_buy())
        .await
        .expect_err("unknown");
    assert!(
        matches!(&err, ConnectorError::Unavailable(m) if m.contains("may or may not")),
        "{err:?}"
    );
    assert_eq!(placed(&server).await, 1);
}

#[tokio::test]
async fn cancel_and_the_missing_client_id_lookup() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        &format!("/accounts/{ACCOUNT}/trading/cancel"),
        ok("spec_synth_POST_accounts_accountId_trading_cancel.json"),
    )
    .await;
    let c = connector(&server.uri());
    c.cancel_order(&acct(), &OrderId::new("66a033fa"))
        .await
        .expect("cancelled");
    assert_signed(&server, "POST", "cancel").await;
    assert!(matches!(
        c.order_by_client_id(&acct(), &ClientOrderId::new("x"))
            .await,
        Err(ConnectorError::Rejected(_))
    ));
}

#[tokio::test]
async fn a_throttled_request_is_retried_through_the_shared_policy() {
    let server = MockServer::start().await;
    let throttled = json!({"detail": "Request was throttled. Expected available in 1 seconds.", "status_code": 429, "code": "0000"});
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts"))
        .respond_with(ResponseTemplate::new(429).set_body_json(&throttled))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    mount(&server, "GET", "/accounts", ok_json(accounts_body())).await;
    let c = connector(&server.uri());
    assert_eq!(c.accounts().await.expect("after a retry"), vec![acct()]);
    assert_eq!(server.received_requests().await.expect("r").len(), 2);

    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/accounts",
        ResponseTemplate::new(429).set_body_json(&throttled),
    )
    .await;
    let err = connector(&server.uri())
        .accounts()
        .await
        .expect_err("still throttled");
    assert!(
        matches!(&err, ConnectorError::RateLimited { message, .. } if message.contains("throttled")),
        "{err:?}"
    );
    assert_eq!(
        server.received_requests().await.expect("r").len(),
        3,
        "max attempts"
    );
}

#[tokio::test]
async fn server_errors_on_reads_are_retried() {
    let server = MockServer::start().await;
    mount(
        &server,
        "GET",
        "/accounts",
        ResponseTemplate::new(500).set_body_raw(
            fixture(
                "snaptrade",
                "spec_synth_POST_snapTrade_registerUser_500.json",
            ),
            "application/json",
        ),
    )
    .await;
    let err = connector(&server.uri()).accounts().await.expect_err("500");
    assert!(matches!(err, ConnectorError::Unavailable(_)));
    assert_eq!(server.received_requests().await.expect("r").len(), 3);
}

#[tokio::test]
async fn the_user_secret_never_reaches_an_error_message() {
    // Nothing listens on port 1: reqwest's error quotes the URL, query and all.
    let err = connector("http://127.0.0.1:1")
        .accounts()
        .await
        .expect_err("refused");
    let text = format!("{err} {err:?}");
    assert!(matches!(err, ConnectorError::Unavailable(_)));
    assert!(!text.contains(USER_SECRET), "{text}");
}

#[tokio::test]
async fn without_a_user_nothing_user_scoped_is_sent() {
    let server = MockServer::start().await;
    let c = partner(&server.uri());
    assert!(matches!(
        c.accounts().await,
        Err(ConnectorError::NeedsSignIn(_))
    ));
    assert!(server.received_requests().await.expect("r").is_empty());
}

#[test]
fn production_config_points_at_snaptrade() {
    let c = SnapTradeConfig::production();
    assert_eq!(c.base_url, "https://api.snaptrade.com/api/v1");
    assert!(c.fixed_timestamp.is_none());
}

/// An order placed through SnapTrade is followed by the brokerage order id its placing reply
/// gave: found in the account's order listing with its fills, carrying our client order id.
#[tokio::test]
async fn a_placed_order_is_followed_by_its_brokerage_order_id() {
    let server = trading_server(authorization()).await;
    let mut other = order_record("SELL");
    other["brokerage_order_id"] = json!("someone-elses-order");
    let mut ours = order_record("BUY");
    ours["status"] = json!("EXECUTED");
    mount(
        &server,
        "GET",
        &format!("/accounts/{ACCOUNT}/orders"),
        ok_json(json!([other, ours])),
    )
    .await;
    let c = connector(&server.uri());
    let request = limit_buy();
    let placed = c.submit_order(&acct(), &request).await.expect("placed");
    let found = c
        .find_order(&acct(), &request.client_order_id, Some(&placed.id))
        .await
        .expect("read")
        .expect("found by its brokerage order id");
    assert_eq!(found.id, placed.id);
    assert_eq!(found.client_order_id, Some(request.client_order_id.clone()));
    assert_eq!(found.status, OrderStatus::Filled);
    assert_eq!(
        (found.filled_qty, found.filled_avg_price),
        (dec!(80), Some(dec!(12.34)))
    );
    assert!(
        c.find_order(
            &acct(),
            &request.client_order_id,
            Some(&OrderId::new("nope"))
        )
        .await
        .expect("read")
        .is_none(),
        "an id the listing does not have is not found"
    );
}

/// An account's transactions from `GET /accounts/{id}/activities` (the spec's shape): a buy is
/// money out, the page continues by offset while SnapTrade says more exist, dates go as days.
#[tokio::test]
async fn account_activity_from_the_activities_listing() {
    use brokerdesk_connectors::AccountActivity;
    use brokerdesk_connectors::types::TransactionQuery;
    use brokerdesk_model::{ActivityKind, ActivityStatus};
    let server = MockServer::start().await;
    let page = fixture_json(
        "snaptrade",
        "spec_synth_GET_accounts_accountId_activities.json",
    );
    Mock::given(method("GET"))
        .and(path(format!("/api/v1/accounts/{ACCOUNT}/activities")))
        .and(wiremock::matchers::query_param("offset", "0"))
        .and(wiremock::matchers::query_param("limit", "1"))
        .and(wiremock::matchers::query_param("startDate", "2024-03-01"))
        .respond_with(ok_json(page))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let since = chrono::DateTime::parse_from_rfc3339("2024-03-01T10:00:00Z")
        .unwrap()
        .with_timezone(&chrono::Utc);
    let got = c
        .activity(
            &acct(),
            &TransactionQuery {
                since: Some(since),
                limit: Some(1),
                ..TransactionQuery::default()
            },
        )
        .await
        .expect("activity");
    assert_eq!(got.entries.len(), 1);
    let e = &got.entries[0];
    assert_eq!(e.id, "2f7dc9b3-5c33-4668-3440-2b31e056ebe6");
    assert_eq!(e.kind, ActivityKind::Fill);
    assert_eq!(e.status, ActivityStatus::Completed);
    assert_eq!(e.amount, dec!(-263.82), "a buy takes money out");
    assert_eq!(e.currency, "USD");
    assert_eq!(e.symbol, Some(Symbol::new("VAB.TO")));
    assert_eq!((e.quantity, e.price), (Some(dec!(5.2)), Some(dec!(0.4))));
    assert_eq!(e.fee, None, "a zero fee is no fee");
    assert_eq!(e.time.to_rfc3339(), "2024-03-22T16:27:55+00:00");
    // 1 of 1000 read: the next page starts at offset 1.
    assert_eq!(got.next_cursor.as_deref(), Some("1"));
}

/// A brokerage found by SnapTrade's search opens the portal on that brokerage (`broker` is its
/// slug), not on the full list.
#[tokio::test]
async fn the_portal_for_a_search_hit_names_its_brokerage() {
    use brokerdesk_connectors::vendor::AggregatorPortal;
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/snapTrade/login",
        ok("spec_synth_POST_snapTrade_login.json"),
    )
    .await;
    let c = connector(&server.uri());
    let back = url::Url::parse("http://127.0.0.1:53682/snaptrade/done").expect("url");
    c.portal_url_for(&back, "ROBINHOOD").await.expect("link");
    let requests = server.received_requests().await.expect("requests");
    let body: Value = serde_json::from_slice(&requests[0].body).expect("json body");
    assert_eq!(body["broker"], "ROBINHOOD", "{body}");
    assert_eq!(body["customRedirect"], back.as_str(), "{body}");
}
