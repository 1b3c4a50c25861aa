//! Orders at brokers that do not simply say "placed": IBKR's warnings answered by the user, an
//! IBKR gateway whose session ended, and SnapTrade orders followed to their fills by the
//! brokerage order id. Vendors stand on loopback wiremocks serving the connectors' recorded
//! fixtures (crates/connectors/tests/fixtures, see SOURCES.md there).

use crate::service_tests::{config, trader};
use crate::{BrokerageService, ServiceConfig, ServiceError};
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderStatus, OrderType, TimeInForce};
use brokerdesk_model::{
    AccountId, ConnectionId, ConnectionStatus, ErrorCode, IbkrGatewayArgs, KeyConnectionArgs,
    OrderTicket, Symbol, VendorId,
};
use rust_decimal_macros::dec;
use serde_json::{Value, json};
use std::time::Duration;
use wiremock::matchers::{body_json, method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(vendor: &str, name: &str) -> Value {
    let path = format!(
        "{}/../connectors/tests/fixtures/{vendor}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

const IB_ACCOUNT: &str = "DU123456";
const REPLY_ID: &str = "99097238-9824-4830-84ef-46979aa22593";

/// A signed-in paper gateway whose order endpoint answers with the spec's warning example.
async fn warning_gateway() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(ok(json!([{ "id": IB_ACCOUNT, "currency": "USD" }])))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/accounts"))
        .respond_with(ok(
            json!({ "accounts": [IB_ACCOUNT], "selectedAccount": IB_ACCOUNT }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_GET_portfolio_accountId_summary__success.json",
        )))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/positions/0$"))
        .respond_with(ok(json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_tickle__success.json",
        )))
        .mount(&server)
        .await;
    // The session lists no order: an order still waiting for the user's answer is not IBKR's.
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/account/orders"))
        .respond_with(ok(json!({ "orders": [] })))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/api/iserver/account/{IB_ACCOUNT}/orders")))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
        )))
        .mount(&server)
        .await;
    server
}

async fn with_gateway(server: &MockServer) -> (tempfile::TempDir, BrokerageService, ConnectionId) {
    let (dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let added = service
        .add_ibkr(IbkrGatewayArgs {
            gateway_url: format!("{}/v1/api", server.uri()),
            accept_self_signed: false,
        })
        .await
        .unwrap();
    (dir, service, added.id)
}

fn limit_buy(connection: &ConnectionId, account: &str, symbol: &str) -> OrderTicket {
    OrderTicket {
        connection: connection.clone(),
        account: AccountId::new(account),
        symbol: Symbol::new(symbol),
        side: OrderSide::Buy,
        quantity: OrderQuantity::Qty(dec!(1)),
        order_type: OrderType::Limit,
        time_in_force: TimeInForce::Day,
        limit_price: Some(dec!(10)),
        stop_price: None,
        confirm_large: true,
    }
}

async fn posts_to(server: &MockServer, suffix: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with(suffix))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

async fn replies(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.url.path().contains("/iserver/reply/"))
        .map(|r| serde_json::from_slice(&r.body).unwrap_or(Value::Null))
        .collect()
}

#[tokio::test]
async fn an_ibkr_warning_waits_for_the_users_yes_and_the_journal_keeps_one_order() {
    let server = warning_gateway().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/api/iserver/reply/{REPLY_ID}")))
        .and(body_json(json!({ "confirmed": true })))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, service, id) = with_gateway(&server).await;
    let err = service
        .place_order(limit_buy(&id, IB_ACCOUNT, "265598"))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::OrderWarnings, "{err}");
    let ServiceError::OrderWarnings(warnings) = err else {
        unreachable!()
    };
    assert!(
        warnings.messages[0].contains("without market data"),
        "{warnings:?}"
    );
    assert_eq!(warnings.connection, id);
    assert!(replies(&server).await.is_empty());

    // The refresh leaves the waiting order alone: it is not "not sent" while the user reads.
    service.refresh_orders().await.unwrap();
    let journal = service.orders().run(|j| j.orders()).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert!(journal[0].is_open(), "{:?}", journal[0]);

    let entry = service
        .answer_order_warnings(&warnings.confirmation, true)
        .await
        .unwrap()
        .expect("placed");
    assert_eq!(entry.order.id.as_str(), "1370093239");
    assert_eq!(
        entry.order.client_order_id.as_ref(),
        Some(&warnings.client_order_id)
    );
    let journal = service.orders().run(|j| j.orders()).await.unwrap();
    assert_eq!(
        journal.len(),
        1,
        "exactly one order per confirmed submission"
    );
    assert_eq!(journal[0].request.client_order_id, warnings.client_order_id);
    assert_eq!(
        journal[0].broker_order.as_ref().map(|o| o.id.as_str()),
        Some("1370093239")
    );
    // The order went out once, with our client order id as IBKR's cOID.
    let orders = posts_to(&server, "/orders").await;
    assert_eq!(orders.len(), 1);
    assert_eq!(
        orders[0]["orders"][0]["cOID"],
        json!(warnings.client_order_id.as_str())
    );
    // A confirmation is answered once.
    let again = service
        .answer_order_warnings(&warnings.confirmation, true)
        .await
        .unwrap_err();
    assert!(matches!(again, ServiceError::WarningsExpired), "{again}");
}

#[tokio::test]
async fn an_ibkr_warning_declined_is_never_sent_and_journaled_as_not_sent() {
    let server = warning_gateway().await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/api/iserver/reply/{REPLY_ID}")))
        .and(body_json(json!({ "confirmed": false })))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_iserver_reply_replyId__orderSubmitErrorExample.json",
        )))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, service, id) = with_gateway(&server).await;
    let Err(ServiceError::OrderWarnings(warnings)) = service
        .place_order(limit_buy(&id, IB_ACCOUNT, "265598"))
        .await
    else {
        panic!("expected warnings")
    };
    let answered = service
        .answer_order_warnings(&warnings.confirmation, false)
        .await
        .unwrap();
    assert!(answered.is_none(), "declined");
    let journal = service.orders().run(|j| j.orders()).await.unwrap();
    assert_eq!(journal.len(), 1);
    assert!(!journal[0].is_open());
    // Journaled as not sent (the blotter shows that as rejected: the broker never had it).
    let shown = journal[0].broker_order.as_ref().expect("closed");
    assert_eq!(shown.status, OrderStatus::Rejected);
    assert_ne!(shown.id.as_str(), "1370093239");
    assert_eq!(posts_to(&server, "/orders").await.len(), 1);
}

#[tokio::test]
async fn a_live_ibkr_warning_needs_the_arm_to_confirm() {
    let server = warning_gateway().await;
    // The same gateway, but its account is live.
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(ok(json!([{ "id": "U1234567", "currency": "USD" }])))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/account/U1234567/orders"))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
        )))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path(format!("/v1/api/iserver/reply/{REPLY_ID}")))
        .respond_with(ok(fixture(
            "ibkr",
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        )))
        .mount(&server)
        .await;
    let (_dir, service, id) = with_gateway(&server).await;
    service.vault().arm_live(Duration::from_secs(60)).unwrap();
    let Err(ServiceError::OrderWarnings(warnings)) = service
        .place_order(limit_buy(&id, "U1234567", "265598"))
        .await
    else {
        panic!("expected warnings")
    };
    service.vault().disarm_live().unwrap();
    let err = service
        .answer_order_warnings(&warnings.confirmation, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert!(replies(&server).await.is_empty());
    // Armed again, the same question can still be answered.
    service.vault().arm_live(Duration::from_secs(60)).unwrap();
    let entry = service
        .answer_order_warnings(&warnings.confirmation, true)
        .await
        .unwrap()
        .expect("placed");
    assert_eq!(entry.order.id.as_str(), "1370093239");
}

#[tokio::test]
async fn an_expired_ibkr_session_shows_needs_sign_in_with_the_gateway_steps() {
    let server = warning_gateway().await;
    let (_dir, service, id) = with_gateway(&server).await;
    // The gateway's login ends: every call is a 401 from now on.
    server.reset().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(401))
        .mount(&server)
        .await;
    let overview = service.accounts_overview().await.unwrap();
    let shown = overview
        .unreachable
        .iter()
        .find(|c| c.id == id)
        .expect("listed as unreachable");
    let ConnectionStatus::NeedsSignIn(how) = &shown.status else {
        panic!("{:?}", shown.status)
    };
    assert!(
        how.contains(&format!("Open {} in your browser", server.uri())),
        "{how}"
    );
    assert!(how.contains("log in"), "{how}");
}

// --- SnapTrade ---------------------------------------------------------------------------

const ST_ACCOUNT: &str = "917c8734-8470-4a3e-a18f-57c3f2ee6631";
const ST_ORDER: &str = "66a033fa-da74-4fcf-b527-feefdec9257e";

/// The spec's order record as SnapTrade would show our order: AAPL, bought, with `status`,
/// filled quantity and price as given.
fn st_order(status: &str, filled: &str, price: Option<&str>) -> Value {
    let mut o = fixture("snaptrade", "spec_synth_POST_trade_place.json");
    o["action"] = json!("BUY");
    o["status"] = json!(status);
    o["universal_symbol"]["symbol"] = json!("AAPL");
    o["universal_symbol"]["raw_symbol"] = json!("AAPL");
    o["total_quantity"] = json!("10");
    o["open_quantity"] = json!("0");
    o["canceled_quantity"] = json!("0");
    o["filled_quantity"] = json!(filled);
    o["execution_price"] = json!(price);
    o
}

fn st_positions(units: Option<&str>) -> Value {
    let mut p = fixture(
        "snaptrade",
        "spec_synth_GET_accounts_accountId_positions_all.json",
    );
    match units {
        Some(u) => {
            p["results"][0]["units"] = json!(u);
            p["results"][0]["cost_basis"] = json!("12.34");
            p["results"][0]["price"] = json!("12.50");
        }
        None => p["results"] = json!([]),
    }
    p
}

/// SnapTrade's side of one account, with the order listing and positions given.
async fn snaptrade(server: &MockServer, orders: Value, positions: Value) {
    let mut accounts = fixture("snaptrade", "spec_synth_GET_accounts.json");
    accounts[0]["id"] = json!(ST_ACCOUNT);
    let get = |p: String, body: Value| {
        Mock::given(method("GET"))
            .and(path(p))
            .respond_with(ok(body))
    };
    get("/api/v1/accounts".into(), accounts).mount(server).await;
    get(
        format!("/api/v1/accounts/{ST_ACCOUNT}/balances"),
        fixture(
            "snaptrade",
            "spec_synth_GET_accounts_accountId_balances.json",
        ),
    )
    .mount(server)
    .await;
    get(
        format!("/api/v1/accounts/{ST_ACCOUNT}/positions/all"),
        positions,
    )
    .mount(server)
    .await;
    get(format!("/api/v1/accounts/{ST_ACCOUNT}/orders"), orders)
        .mount(server)
        .await;
    get(
        "/api/v1/authorizations/87b24961-b51e-4db8-9226-f198f6518a89".into(),
        fixture(
            "snaptrade",
            "spec_synth_GET_authorizations_authorizationId.json",
        ),
    )
    .mount(server)
    .await;
    // Placed, nothing filled yet.
    Mock::given(method("POST"))
        .and(path("/api/v1/trade/place"))
        .respond_with(ok(st_order("PENDING", "0", None)))
        .mount(server)
        .await;
}

#[tokio::test]
async fn a_snaptrade_order_is_followed_to_its_fill_and_reconciles_without_a_break() {
    let server = MockServer::start().await;
    snaptrade(&server, json!([]), st_positions(None)).await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().join("data"));
    config
        .key_vendor_urls
        .insert("snaptrade".into(), format!("{}/api/v1", server.uri()));
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let added = service
        .add_key_connection(KeyConnectionArgs {
            vendor: VendorId::new("snaptrade"),
            fields: [
                ("client_id", "BROKERDESK-TEST"),
                ("consumer_key", "consumer-key-e2e"),
                ("user_id", "user-1"),
                ("user_secret", "user-secret-e2e"),
            ]
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
            sandbox: false,
            label: String::new(),
        })
        .await
        .unwrap();
    service.vault().arm_live(Duration::from_secs(300)).unwrap();
    // First sight of the account (empty): the reconciliation's baseline.
    assert!(service.reconcile().await.unwrap().is_empty());
    let account = AccountId::new(ST_ACCOUNT);
    let placed = service
        .place_order(OrderTicket {
            connection: added.id.clone(),
            account: account.clone(),
            symbol: Symbol::new("AAPL"),
            side: OrderSide::Buy,
            quantity: OrderQuantity::Qty(dec!(10)),
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Day,
            limit_price: None,
            stop_price: None,
            confirm_large: true,
        })
        .await
        .unwrap();
    assert_eq!(placed.order.id.as_str(), ST_ORDER);
    assert_eq!(placed.order.filled_qty, dec!(0));

    // SnapTrade now lists the order executed, and the account holds the shares.
    server.reset().await;
    snaptrade(
        &server,
        json!([st_order("EXECUTED", "10", Some("12.34"))]),
        st_positions(Some("10")),
    )
    .await;
    assert_eq!(service.refresh_orders().await.unwrap(), 1);
    assert_eq!(
        service.refresh_orders().await.unwrap(),
        0,
        "closed: not asked again"
    );
    let (c, a) = (added.id.clone(), account.clone());
    let fills = service
        .orders()
        .run(move |j| j.fills(&c, &a))
        .await
        .unwrap();
    assert_eq!(fills.len(), 1, "{fills:?}");
    assert_eq!(
        (fills[0].qty, fills[0].price, fills[0].symbol.as_str()),
        (dec!(10), dec!(12.34), "AAPL")
    );
    let blotter = service.blotter_entries().await.unwrap();
    assert_eq!(blotter.len(), 1);
    assert_eq!(blotter[0].order.status, OrderStatus::Filled);

    let overview = service.accounts_overview().await.unwrap();
    let snapshot = overview
        .accounts
        .iter()
        .find(|s| s.account_id == account)
        .expect("the SnapTrade account");
    assert_eq!(snapshot.positions.len(), 1);
    assert_eq!(snapshot.positions[0].qty, dec!(10));

    let breaks = service.reconcile().await.unwrap();
    assert!(
        breaks.is_empty(),
        "the app's own fill is no break: {breaks:?}"
    );
}
