//! IBKR Client Portal contract tests: the spec's recorded examples (tests/fixtures/ibkr, see
//! SOURCES.md) served by wiremock in place of the gateway.

mod support;

use brokerdesk_connectors::ibkr::{GatewayStatus, IbkrConfig, IbkrConnector, PlaceOutcome};
use brokerdesk_connectors::types::{
    OrderFilter, OrderRequest, OrderSide, OrderStatus, OrderStatusFilter, TimeInForce,
};
use brokerdesk_connectors::{ConnectorError, MarketData, OrderWarnings, Portfolio, Trading};
use brokerdesk_model::{AccountId, ClientOrderId, PositionSide, Symbol};
use rust_decimal_macros::dec;
use std::sync::Arc;
use std::time::Duration;
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{body_json, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn config(url: &str) -> IbkrConfig {
    IbkrConfig {
        base_url: format!("{url}/v1/api"),
        policy: fast_policy(),
        snapshot_retry_delay: Duration::from_millis(10),
        ..IbkrConfig::default()
    }
}

fn connector(url: &str) -> IbkrConnector {
    IbkrConnector::new(config(url)).expect("connector")
}

fn ok(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("ibkr", name), "application/json")
}

async fn mount(server: &MockServer, verb: &str, p: &str, name: &str) {
    Mock::given(method(verb))
        .and(path(format!("/v1/api{p}")))
        .respond_with(ok(name))
        .mount(server)
        .await;
}

async fn mount_accounts(server: &MockServer) {
    mount(
        server,
        "GET",
        "/portfolio/accounts",
        "spec_example_GET_portfolio_accounts__accounts.json",
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            serde_json::json!({"accounts": ["DU123456"], "selectedAccount": "DU123456"}),
        ))
        .mount(server)
        .await;
}

fn acct() -> AccountId {
    AccountId::new("DU123456")
}

#[tokio::test]
async fn auth_status_and_tickle_become_a_connection_status() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/iserver/auth/status",
        "spec_example_POST_iserver_auth_status__success.json",
    )
    .await;
    mount(
        &server,
        "POST",
        "/tickle",
        "spec_example_POST_tickle__success.json",
    )
    .await;
    let c = connector(&server.uri());
    let watch = c.watch_status();
    assert_eq!(*watch.borrow(), GatewayStatus::Unknown);
    assert_eq!(
        c.auth_status().await.expect("status"),
        GatewayStatus::Authenticated
    );
    assert_eq!(
        c.tickle().await.expect("tickle"),
        GatewayStatus::Authenticated
    );
    assert_eq!(*watch.borrow(), GatewayStatus::Authenticated);
}

#[tokio::test]
async fn a_failed_tickle_asks_to_sign_in_again() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(
            ResponseTemplate::new(401)
                .set_body_string(fixture("ibkr", "spec_example_POST_tickle__fail.json")),
        )
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c.tickle().await.expect_err("401");
    assert!(
        matches!(&err, ConnectorError::NeedsSignIn(m)
            if m.contains("(failed to process request)") && m.contains("Open http://127.0.0.1:")),
        "{err:?}"
    );
    assert_eq!(
        *c.watch_status().borrow(),
        GatewayStatus::NeedsSignIn("failed to process request".into())
    );
}

#[tokio::test]
async fn competing_session_is_its_own_status() {
    let server = MockServer::start().await;
    let mut body = fixture_json(
        "ibkr",
        "spec_example_POST_iserver_auth_status__success.json",
    );
    body["competing"] = serde_json::json!(true);
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/auth/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    assert!(matches!(
        c.auth_status().await.expect("status"),
        GatewayStatus::Competing(_)
    ));
}

#[tokio::test]
async fn keep_alive_tickles_on_its_own() {
    let server = MockServer::start().await;
    mount(
        &server,
        "POST",
        "/tickle",
        "spec_example_POST_tickle__success.json",
    )
    .await;
    let mut cfg = config(&server.uri());
    cfg.tickle_interval = Duration::from_millis(20);
    let c = Arc::new(IbkrConnector::new(cfg).expect("c"));
    let handle = c.spawn_keep_alive();
    let mut watch = c.watch_status();
    tokio::time::timeout(
        Duration::from_secs(5),
        watch.wait_for(|s| *s == GatewayStatus::Authenticated),
    )
    .await
    .expect("a tickle within the timeout")
    .expect("watch open");
    tokio::time::timeout(Duration::from_secs(5), async {
        while server.received_requests().await.expect("recorded").len() < 3 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("tickles repeat");
    handle.abort();
}

#[tokio::test]
async fn accounts_and_balances_from_the_summary() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    mount(
        &server,
        "GET",
        "/portfolio/DU123456/summary",
        "spec_example_GET_portfolio_accountId_summary__success.json",
    )
    .await;
    let c = connector(&server.uri());
    assert_eq!(c.accounts().await.expect("accounts"), vec![acct()]);
    let b = c.balances(&acct()).await.expect("balances");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(205646432.0), dec!(821079744.0), dec!(206415536.0))
    );
    assert!(matches!(
        c.balances(&AccountId::new("U999")).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
    let account_calls = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/v1/api/portfolio/accounts")
        .count();
    assert_eq!(account_calls, 1, "the account list is read once");
}

#[tokio::test]
async fn positions_are_paged_and_exact() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    // A full page (entries == pageSize) means there may be more: the recorded page, with its
    // pageSize set to its length, then an empty page.
    let mut page0 = fixture_json(
        "ibkr",
        "spec_example_GET_portfolio_accountId_positions_pageId__positions.json",
    );
    let n = page0.as_array().map_or(0, Vec::len);
    for p in page0.as_array_mut().expect("array") {
        p["pageSize"] = serde_json::json!(n);
    }
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/DU123456/positions/0"))
        .respond_with(ResponseTemplate::new(200).set_body_json(page0))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/DU123456/positions/1"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let ps = c.positions(&acct()).await.expect("positions");
    assert_eq!(ps.len(), 3);
    let btc = &ps[0];
    assert_eq!(
        (btc.symbol.as_str(), btc.side, btc.qty),
        ("BTC", PositionSide::Long, dec!(0.00365831))
    );
    assert_eq!(
        (btc.current_price, btc.market_value, btc.unrealized_pl),
        (dec!(69814.3984375), dec!(255.4), dec!(154.4))
    );
    let spy = &ps[1];
    assert_eq!(
        (spy.avg_entry_price, spy.cost_basis),
        (dec!(58.010401), dec!(5801.0401))
    );
}

#[tokio::test]
async fn a_short_page_ends_paging() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    mount(
        &server,
        "GET",
        "/portfolio/DU123456/positions/0",
        "spec_example_GET_portfolio_accountId_positions_pageId__positions.json",
    )
    .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/DU123456/positions/1"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    assert_eq!(c.positions(&acct()).await.expect("positions").len(), 3);
}

#[tokio::test]
async fn live_orders_map_to_our_orders() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    mount(
        &server,
        "GET",
        "/iserver/account/orders",
        "spec_example_GET_iserver_account_orders__orders.json",
    )
    .await;
    let c = connector(&server.uri());
    let all = c
        .orders(
            &acct(),
            &OrderFilter {
                status: OrderStatusFilter::All,
                ..Default::default()
            },
        )
        .await
        .expect("orders");
    assert_eq!(all.len(), 1);
    let o = &all[0];
    assert_eq!(o.id.as_str(), "1370093238");
    assert_eq!(
        (o.status.clone(), o.side, o.time_in_force),
        (OrderStatus::Filled, OrderSide::Buy, TimeInForce::Cls)
    );
    assert_eq!(
        (o.filled_qty, o.limit_price, o.filled_avg_price),
        (dec!(2499.99), Some(dec!(0.90000)), Some(dec!(0.8908)))
    );
    assert!(
        c.orders(&acct(), &OrderFilter::default())
            .await
            .expect("open")
            .is_empty(),
        "a filled order is not open"
    );
}

fn order_request() -> OrderRequest {
    OrderRequest::limit(
        ClientOrderId::new("cid-ib-1"),
        Symbol::new("265598"),
        OrderSide::Buy,
        dec!(10),
        dec!(172.5),
    )
}

async fn mount_order_reply(server: &MockServer, first: &str) {
    mount_order_reply_n(server, first, 1).await;
}

async fn mount_order_reply_n(server: &MockServer, first: &str, times: u64) {
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/account/DU123456/orders"))
        .and(body_json(serde_json::json!({"orders": [{
            "acctId": "DU123456", "conid": 265598, "cOID": "cid-ib-1", "orderType": "LMT",
            "side": "BUY", "quantity": 10.0, "price": 172.5, "tif": "DAY", "outsideRTH": false
        }]})))
        .respond_with(ok(first))
        .expect(times)
        .mount(server)
        .await;
}

#[tokio::test]
async fn order_warnings_are_confirmed_when_the_user_opted_in() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    mount_order_reply(
        &server,
        "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
    )
    .await;
    Mock::given(method("POST"))
        .and(path(
            "/v1/api/iserver/reply/99097238-9824-4830-84ef-46979aa22593",
        ))
        .and(body_json(serde_json::json!({"confirmed": true})))
        .respond_with(ok(
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let mut cfg = config(&server.uri());
    cfg.confirm_order_warnings = true;
    let c = IbkrConnector::new(cfg).expect("c");
    let o = c
        .submit_order(&acct(), &order_request())
        .await
        .expect("placed after confirming");
    assert_eq!(o.id.as_str(), "1370093239");
    assert_eq!(o.client_order_id, Some(ClientOrderId::new("cid-ib-1")));
}

#[tokio::test]
async fn order_warnings_come_back_to_the_user_by_default() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    mount_order_reply_n(
        &server,
        "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
        2,
    )
    .await;
    let c = connector(&server.uri());
    let outcome = c
        .place_order(&acct(), 265598, &order_request())
        .await
        .expect("asks");
    assert!(
        matches!(&outcome, PlaceOutcome::NeedsConfirmation { reply_id, messages }
        if reply_id == "99097238-9824-4830-84ef-46979aa22593" && messages[0].contains("without market data")),
        "{outcome:?}"
    );
    let err = c
        .submit_order(&acct(), &order_request())
        .await
        .expect_err("not confirmed");
    assert!(
        matches!(&err, ConnectorError::NeedsConfirmation(OrderWarnings { reply_id, messages })
            if reply_id == "99097238-9824-4830-84ef-46979aa22593"
                && messages[0].contains("without market data")),
        "a warning is the user's question, not a refusal: {err:?}"
    );
    let replies = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path().contains("/reply/"))
        .count();
    assert_eq!(replies, 0, "nothing is confirmed without the user's opt-in");
}

#[tokio::test]
async fn order_errors_and_prompts_are_refusals() {
    for (fixture_name, expected) in [
        (
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitErrorExample.json",
            "Order not confirmed",
        ),
        (
            "spec_example_POST_iserver_account_accountId_orders__advancedOrderRejectPromptExample.json",
            "Price Management Algo",
        ),
    ] {
        let server = MockServer::start().await;
        mount_accounts(&server).await;
        mount_order_reply(&server, fixture_name).await;
        let c = connector(&server.uri());
        let err = c
            .submit_order(&acct(), &order_request())
            .await
            .expect_err("refused");
        assert!(
            matches!(&err, ConnectorError::Rejected(m) if m.contains(expected)),
            "{err:?}"
        );
    }
}

#[tokio::test]
async fn unknown_symbol_is_refused_before_sending() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    // The contract search finds nothing (asked once: the answer is kept).
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/secdef/search"))
        .and(query_param("symbol", "ZZZZ"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/account/DU123456/orders"))
        .respond_with(ResponseTemplate::new(500))
        .expect(0)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let r = OrderRequest {
        symbol: Symbol::new("ZZZZ"),
        ..order_request()
    };
    let err = c.submit_order(&acct(), &r).await.expect_err("no contract");
    assert!(
        matches!(&err, ConnectorError::Rejected(m) if m.contains("no such contract") && m.contains("ZZZZ")),
        "{err:?}"
    );
    // Quotes leave out a symbol with no contract (the trait's rule), without a second search.
    assert!(
        c.latest_quotes(&[Symbol::new("ZZZZ")])
            .await
            .expect("no error")
            .is_empty()
    );
}

/// An order for a stock the account does not hold: the contract search (the spec's example for
/// IBM) gives the NYSE listing's conid, which the order carries; the next order reuses it.
#[tokio::test]
async fn a_symbol_not_held_is_found_by_the_contract_search() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/secdef/search"))
        .and(query_param("symbol", "IBM"))
        .and(query_param("secType", "STK"))
        .respond_with(ok("spec_example_GET_iserver_secdef_search__found.json"))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/account/DU123456/orders"))
        .and(body_json(serde_json::json!({"orders": [{
            "acctId": "DU123456", "conid": 8314, "cOID": "cid-ib-1", "orderType": "LMT",
            "side": "BUY", "quantity": 10.0, "price": 172.5, "tif": "DAY", "outsideRTH": false
        }]})))
        .respond_with(ok(
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        ))
        .expect(2)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let r = OrderRequest {
        symbol: Symbol::new("IBM"),
        ..order_request()
    };
    let o = c.submit_order(&acct(), &r).await.expect("placed");
    assert_eq!(o.id.as_str(), "1370093239");
    assert_eq!(o.symbol.as_str(), "IBM");
    c.submit_order(&acct(), &r)
        .await
        .expect("again, from the cache");
    assert_eq!(
        c.resolve_conid(&Symbol::new("IBM")).await.expect("kept"),
        8314
    );
    let requests = server.received_requests().await.expect("recorded");
    let accounts_at = requests
        .iter()
        .position(|r| r.url.path() == "/v1/api/iserver/accounts");
    let search_at = requests
        .iter()
        .position(|r| r.url.path().ends_with("/secdef/search"));
    assert!(
        accounts_at < search_at,
        "/iserver/accounts precedes the search"
    );
}

/// When the search lists the symbol only away from a US primary exchange, IBKR's stock list
/// (`/trsrv/stocks`, the spec's IBM example) names the US contract.
#[tokio::test]
async fn the_stock_list_settles_which_contract_is_the_us_one() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    let mut search = fixture_json("ibkr", "spec_example_GET_iserver_secdef_search__found.json");
    // Keep only the recorded LSE listing.
    let lse: Vec<serde_json::Value> = search
        .as_array()
        .expect("list")
        .iter()
        .filter(|i| i["description"] == "LSE")
        .cloned()
        .collect();
    assert_eq!(lse.len(), 1);
    search = serde_json::Value::Array(lse);
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/secdef/search"))
        .respond_with(ResponseTemplate::new(200).set_body_json(search))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/trsrv/stocks"))
        .and(query_param("symbols", "IBM"))
        .respond_with(ok("spec_example_GET_trsrv_stocks__ibm.json"))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    assert_eq!(
        c.resolve_conid(&Symbol::new("IBM")).await.expect("US"),
        8314
    );
}

/// The user's yes goes to /iserver/reply/{id}; a second warning comes back as a question
/// again, and the next yes places the order.
#[tokio::test]
async fn the_users_yes_answers_each_warning_in_turn() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    let reply_path = "/v1/api/iserver/reply/99097238-9824-4830-84ef-46979aa22593";
    let mut second = fixture_json(
        "ibkr",
        "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
    );
    second[0]["id"] = serde_json::json!("second-reply");
    Mock::given(method("POST"))
        .and(path(reply_path))
        .and(body_json(serde_json::json!({"confirmed": true})))
        .respond_with(ResponseTemplate::new(200).set_body_json(second))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/reply/second-reply"))
        .and(body_json(serde_json::json!({"confirmed": true})))
        .respond_with(ok(
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let r = order_request();
    let err = c
        .confirm_order(&acct(), &r, "99097238-9824-4830-84ef-46979aa22593", true)
        .await
        .expect_err("another warning");
    let ConnectorError::NeedsConfirmation(w) = err else {
        panic!("{err:?}")
    };
    assert_eq!(w.reply_id, "second-reply");
    let o = c
        .confirm_order(&acct(), &r, &w.reply_id, true)
        .await
        .expect("placed");
    assert_eq!(o.id.as_str(), "1370093239");
    assert_eq!(o.client_order_id, Some(ClientOrderId::new("cid-ib-1")));
}

/// No is sent as `{"confirmed": false}` and the order is refused, whatever the gateway says
/// (the spec's "Order not confirmed" error here).
#[tokio::test]
async fn the_users_no_withdraws_the_order() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/reply/r-1"))
        .and(body_json(serde_json::json!({"confirmed": false})))
        .respond_with(ok(
            "spec_example_POST_iserver_reply_replyId__orderSubmitErrorExample.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c
        .confirm_order(&acct(), &order_request(), "r-1", false)
        .await
        .expect_err("declined");
    assert!(
        matches!(&err, ConnectorError::Rejected(m) if m.contains("declined")),
        "{err:?}"
    );
    // A reply id the gateway no longer knows is a refusal with IBKR's words.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/reply/gone"))
        .respond_with(ok(
            "spec_example_POST_iserver_reply_replyId__orderReplyNotFoundExample.json",
        ))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c
        .confirm_order(&acct(), &order_request(), "gone", true)
        .await
        .expect_err("expired");
    assert!(
        matches!(&err, ConnectorError::Rejected(m) if m.contains("reply id not found")),
        "{err:?}"
    );
}

/// The gateway's session ended: a 401 is Needs sign-in with the steps and the user's own
/// gateway address; after the keep-alive hears `authenticated: false`, reads ask the gateway
/// again and refuse the same way until the user has signed in.
#[tokio::test]
async fn an_expired_session_says_how_to_sign_in_at_the_users_gateway() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(ResponseTemplate::new(401))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let err = c.accounts().await.expect_err("401");
    let ConnectorError::NeedsSignIn(m) = &err else {
        panic!("{err:?}")
    };
    assert!(
        m.contains(&format!("Open {} in your browser", server.uri())),
        "{m}"
    );
    assert!(m.contains("log in"), "{m}");
    assert!(
        !m.contains("/v1/api"),
        "the gateway's page, not its API: {m}"
    );

    let server = MockServer::start().await;
    mount_accounts(&server).await;
    let mut tickle = fixture_json("ibkr", "spec_example_POST_tickle__success.json");
    tickle["iserver"]["authStatus"]["authenticated"] = serde_json::json!(false);
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tickle))
        .mount(&server)
        .await;
    let mut status = fixture_json(
        "ibkr",
        "spec_example_POST_iserver_auth_status__success.json",
    );
    status["authenticated"] = serde_json::json!(false);
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/auth/status"))
        .respond_with(ResponseTemplate::new(200).set_body_json(status))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "POST",
        "/iserver/auth/status",
        "spec_example_POST_iserver_auth_status__success.json",
    )
    .await;
    let c = connector(&server.uri());
    assert!(matches!(
        c.tickle().await.expect("tickle"),
        GatewayStatus::NeedsSignIn(_)
    ));
    let err = c.accounts().await.expect_err("still signed out");
    assert!(
        matches!(&err, ConnectorError::NeedsSignIn(m) if m.contains(&server.uri())),
        "{err:?}"
    );
    // Signed in again (the second status answer): reads work.
    assert_eq!(c.accounts().await.expect("back").len(), 1);
    assert_eq!(*c.watch_status().borrow(), GatewayStatus::Authenticated);
}

#[tokio::test]
async fn snapshot_warms_up_then_maps_field_ids_to_a_quote() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/marketdata/snapshot"))
        .and(query_param("conids", "265598"))
        .and(query_param("fields", "31,55,84,85,86,88"))
        .respond_with(ok("synth_GET_iserver_marketdata_snapshot_preflight.json"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    mount(
        &server,
        "GET",
        "/iserver/marketdata/snapshot",
        "synth_GET_iserver_marketdata_snapshot.json",
    )
    .await;
    let c = connector(&server.uri());
    c.register_conid(Symbol::new("AAPL"), 265598);
    let quotes = c
        .latest_quotes(&[Symbol::new("AAPL")])
        .await
        .expect("quotes");
    assert_eq!(quotes.len(), 1);
    let q = &quotes[0];
    assert_eq!(q.symbol.as_str(), "AAPL");
    assert_eq!(
        (q.bid, q.ask, q.last),
        (Some(dec!(172.60)), Some(dec!(172.62)), Some(dec!(172.61)))
    );
    assert_eq!(
        (q.bid_size, q.ask_size),
        (Some(dec!(300)), Some(dec!(1200)))
    );
    let requests = server.received_requests().await.expect("recorded");
    let snapshots = requests
        .iter()
        .filter(|r| r.url.path().ends_with("/snapshot"))
        .count();
    assert_eq!(snapshots, 2, "one pre-flight, one with data");
    let accounts_first = requests
        .iter()
        .position(|r| r.url.path() == "/v1/api/iserver/accounts");
    let snapshot_first = requests
        .iter()
        .position(|r| r.url.path().ends_with("/snapshot"));
    assert!(
        accounts_first < snapshot_first,
        "/iserver/accounts precedes the snapshot"
    );
}

#[tokio::test]
async fn gateway_errors_are_typed() {
    for (status, body, check) in [
        (
            401u16,
            "",
            (|e: &ConnectorError| matches!(e, ConnectorError::NeedsSignIn(_)))
                as fn(&ConnectorError) -> bool,
        ),
        (
            500,
            r#"{"error":"failed to process request"}"#,
            |e| matches!(e, ConnectorError::Unavailable(m) if m.contains("failed to process request")),
        ),
        (503, "", |e| matches!(e, ConnectorError::Unavailable(_))),
        (429, "", |e| matches!(e, ConnectorError::RateLimited { .. })),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .and(path("/v1/api/portfolio/accounts"))
            .respond_with(ResponseTemplate::new(status).set_body_string(body))
            .mount(&server)
            .await;
        let c = connector(&server.uri());
        let e = c.accounts().await.expect_err("error");
        assert!(check(&e), "{status}: {e:?}");
    }
}

#[test]
fn self_signed_is_refused_away_from_this_machine() {
    let cfg = IbkrConfig::gateway("https://ibkr-gateway.example.net:5000/v1/api", true);
    assert!(IbkrConnector::new(cfg).is_err());
    assert!(IbkrConnector::new(IbkrConfig::gateway("https://localhost:5000/v1/api", true)).is_ok());
    assert_eq!(
        IbkrConfig::default().base_url,
        "https://localhost:5000/v1/api"
    );
    assert!(!IbkrConfig::default().accept_self_signed, "opt-in only");
}

#[tokio::test]
async fn unknown_order_outcome_is_resolved_from_the_session_orders() {
    let server = MockServer::start().await;
    mount_accounts(&server).await;
    Mock::given(method("POST"))
        .and(path("/v1/api/iserver/account/DU123456/orders"))
        .respond_with(ResponseTemplate::new(503))
        .expect(1)
        .mount(&server)
        .await;
    // The recorded live order, echoing our cOID in `order_ref` as the gateway does.
    let mut live = fixture_json(
        "ibkr",
        "spec_example_GET_iserver_account_orders__orders.json",
    );
    live["orders"][0]["order_ref"] = serde_json::json!("cid-ib-1");
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/account/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(live))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let o = c
        .submit_order(&acct(), &order_request())
        .await
        .expect("adopted");
    assert_eq!(o.id.as_str(), "1370093238");
    assert_eq!(o.client_order_id, Some(ClientOrderId::new("cid-ib-1")));
}
