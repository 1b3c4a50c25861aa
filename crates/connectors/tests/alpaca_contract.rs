//! Alpaca contract tests: recorded vendor responses (tests/fixtures/alpaca, see SOURCES.md)
//! served by wiremock; each test checks the request we send (method, path, query, headers,
//! body) and what we make of the reply. The `suite_*` functions take any connector, so the same
//! checks run against the local paper sandbox (`sandbox_suite`, which starts one).

mod support;

use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::types::{
    OrderFilter, OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderType, ReplaceRequest,
    TimeInForce,
};
use brokerdesk_connectors::{ConnectorError, MarketData, Portfolio, Trading};
use brokerdesk_model::position_detail::BarTimeframe;
use brokerdesk_model::{AccountId, ClientOrderId, OrderId, PositionSide, Symbol};
use rust_decimal_macros::dec;
use support::{fast_policy, fixture, fixture_json};
use wiremock::matchers::{body_json, header, method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

const KEY: &str = "PKTEST1234";
const SECRET: &str = "s3cr3t-value";

fn connector(url: &str) -> AlpacaConnector {
    let mut config = AlpacaConfig::local(url);
    config.trading_policy = fast_policy();
    config.data_policy = fast_policy();
    AlpacaConnector::new(config, AlpacaCredential::api_key(KEY, SECRET)).expect("connector")
}

fn ok_fixture(name: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_raw(fixture("alpaca", name), "application/json")
}

/// GET /v2/account with the API key headers, answered with a recorded account.
async fn mount_account(server: &MockServer, name: &str) {
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .and(header("APCA-API-KEY-ID", KEY))
        .and(header("APCA-API-SECRET-KEY", SECRET))
        .respond_with(ok_fixture(name))
        .mount(server)
        .await;
}

// ---- the suite: runs against any Alpaca-compatible base URL ----

/// The account is visible, its balances readable and its positions consistent.
pub async fn suite_portfolio(c: &AlpacaConnector) -> AccountId {
    let accounts = c.accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 1, "one account per Alpaca credential");
    let account = accounts[0].clone();
    let b = c.balances(&account).await.expect("balances");
    assert!(!b.currency.is_empty());
    for p in c.positions(&account).await.expect("positions") {
        assert!(
            p.qty > dec!(0),
            "quantities are positive, the side says which way"
        );
    }
    let unknown = AccountId::new("NOT-THIS-ONE");
    assert!(matches!(
        c.balances(&unknown).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
    account
}

/// Submit, find by client id, list, cancel: the order round trip.
pub async fn suite_order_round_trip(c: &AlpacaConnector, account: &AccountId, symbol: &str) {
    let cid = ClientOrderId::new(uuid::Uuid::new_v4().to_string());
    let req = OrderRequest::limit(
        cid.clone(),
        Symbol::new(symbol),
        OrderSide::Buy,
        dec!(1),
        dec!(1.00),
    );
    let placed = c.submit_order(account, &req).await.expect("submit");
    assert_eq!(placed.client_order_id.as_ref(), Some(&cid));
    let found = c
        .order_by_client_id(account, &cid)
        .await
        .expect("lookup")
        .expect("exists");
    assert_eq!(found.id, placed.id);
    if found.status.is_open() {
        let open = c
            .orders(account, &OrderFilter::default())
            .await
            .expect("open orders");
        assert!(open.iter().any(|o| o.id == placed.id));
        c.cancel_order(account, &placed.id).await.expect("cancel");
    }
    let missing = ClientOrderId::new(uuid::Uuid::new_v4().to_string());
    assert_eq!(
        c.order_by_client_id(account, &missing)
            .await
            .expect("lookup"),
        None
    );
}

/// The same suite against Brokerdesk's own paper sandbox, started here on an ephemeral loopback
/// port: the connector trades against it unchanged.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_suite() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let url = format!("http://{}", listener.local_addr().expect("an address"));
    let config = brokerdesk_paper::SandboxConfig::new(dir.path()).with_key(KEY, SECRET);
    let server = tokio::spawn(brokerdesk_paper::serve(config, listener));
    let c = AlpacaConnector::new(
        AlpacaConfig::local(&url),
        AlpacaCredential::api_key(KEY, SECRET),
    )
    .expect("connector");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while c.accounts().await.is_err() {
        assert!(
            std::time::Instant::now() < deadline,
            "the sandbox never answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let account = suite_portfolio(&c).await;
    suite_order_round_trip(&c, &account, "AAPL").await;
    c.clock().await.expect("clock");
    suite_bars(&c).await;
    server.abort();
}

/// A month of daily bars: oldest first, within the span, no more than the limit.
pub async fn suite_bars(c: &AlpacaConnector) {
    let end = chrono::Utc::now();
    let start = end - chrono::Duration::days(31);
    let bars = c
        .bars(&Symbol::new("AAPL"), BarTimeframe::Day, start, end, 10)
        .await
        .expect("bars")
        .expect("Alpaca offers price history");
    assert!(!bars.is_empty(), "a month of sessions has bars");
    assert!(bars.len() <= 10, "the limit holds: {}", bars.len());
    assert!(
        bars.windows(2).all(|w| w[0].time < w[1].time),
        "oldest first"
    );
    assert!(
        bars.iter()
            .all(|b| b.time >= start - chrono::Duration::days(1) && b.time <= end)
    );
    assert!(bars.iter().all(|b| b.low <= b.high && b.close > dec!(0)));
}

// ---- recorded responses ----

/// `GET /v2/stocks/{symbol}/bars` as Alpaca's spec shows it: the query we send (timeframe,
/// span, limit, feed, newest first), exact decimals from JSON numbers, and the next page
/// followed with its token until the server has no more.
#[tokio::test]
async fn bars_follow_pages_and_read_exact_decimals() {
    let server = MockServer::start().await;
    let token = "QUFQTHxNfDIwMjItMDEtMDNUMDk6MDA6MDAuMDAwMDAwMDAwWg==";
    Mock::given(method("GET"))
        .and(path("/v2/stocks/AAPL/bars"))
        .and(header("APCA-API-KEY-ID", KEY))
        .and(query_param("timeframe", "1Min"))
        .and(query_param("start", "2022-01-03T00:00:00Z"))
        .and(query_param("end", "2022-01-04T00:00:00Z"))
        // One bar came on the first page: the next asks only for what is still wanted.
        .and(query_param("limit", "49"))
        .and(query_param("sort", "desc"))
        .and(query_param("feed", "iex"))
        .and(query_param("page_token", token))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "bars": null, "symbol": "AAPL", "next_page_token": null
        })))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/AAPL/bars"))
        .and(query_param("timeframe", "1Min"))
        .and(query_param("limit", "50"))
        .respond_with(ok_fixture("spec_example_GET_v2_stocks_symbol_bars.json"))
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let at = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .with_timezone(&chrono::Utc)
    };
    let bars = c
        .bars(
            &Symbol::new("AAPL"),
            BarTimeframe::Minute,
            at("2022-01-03T00:00:00Z"),
            at("2022-01-04T00:00:00Z"),
            50,
        )
        .await
        .expect("bars")
        .expect("Alpaca offers price history");
    assert_eq!(bars.len(), 1);
    let b = &bars[0];
    assert_eq!(b.time, at("2022-01-03T09:00:00Z"));
    assert_eq!(
        (b.open, b.high, b.low, b.close, b.volume),
        (
            dec!(178.26),
            dec!(178.26),
            dec!(178.21),
            dec!(178.21),
            dec!(1118)
        )
    );
}

/// A bar the vendor sends with a broken time is an error, not a point at the epoch.
#[tokio::test]
async fn a_bar_with_a_bad_time_is_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/AAPL/bars"))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "bars": [{"t": "yesterday", "o": 1, "h": 1, "l": 1, "c": 1, "v": 1}],
            "symbol": "AAPL", "next_page_token": null
        })))
        .mount(&server)
        .await;
    let now = chrono::Utc::now();
    let err = connector(&server.uri())
        .bars(
            &Symbol::new("AAPL"),
            BarTimeframe::Day,
            now - chrono::Duration::days(5),
            now,
            10,
        )
        .await
        .unwrap_err();
    assert!(matches!(err, ConnectorError::BadResponse(_)), "{err:?}");
}

#[tokio::test]
async fn account_balances_are_exact_decimals_from_strings() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    Mock::given(method("GET"))
        .and(path("/v2/positions"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let account = suite_portfolio(&c).await;
    assert_eq!(account.as_str(), "PALPACA_123");
    let b = c.balances(&account).await.expect("balances");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(122086.5), dec!(245432.61), dec!(123346.11))
    );
    assert_eq!(b.currency, "USD");
    assert!(c.positions(&account).await.expect("empty list").is_empty());
}

#[tokio::test]
async fn negative_cash_from_the_sdk_fixture() {
    let server = MockServer::start().await;
    mount_account(&server, "alpaca-py_test_get_account.json").await;
    let c = connector(&server.uri());
    let b = c
        .balances(&AccountId::new("010203ABCD"))
        .await
        .expect("balances");
    assert_eq!((b.cash, b.buying_power), (dec!(-23140.2), dec!(262113.632)));
}

#[tokio::test]
async fn oauth_tokens_go_as_bearer() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .and(header("Authorization", "Bearer oauth-token-1"))
        .respond_with(ok_fixture("spec_example_GET_v2_account.json"))
        .mount(&server)
        .await;
    let mut config = AlpacaConfig::local(server.uri());
    config.trading_policy = fast_policy();
    let c = AlpacaConnector::new(config, AlpacaCredential::oauth("oauth-token-1")).expect("c");
    assert_eq!(
        c.accounts().await.expect("accounts")[0].as_str(),
        "PALPACA_123"
    );
    let req = &server.received_requests().await.expect("recorded")[0];
    assert!(req.headers.get("APCA-API-KEY-ID").is_none());
}

#[tokio::test]
async fn positions_from_sdk_and_spec_fixtures() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    let mut list: Vec<serde_json::Value> =
        serde_json::from_str(&fixture("alpaca", "alpaca-py_test_get_all_positions.json"))
            .expect("json");
    list.push(fixture_json("alpaca", "spec_x-example_Position.json"));
    Mock::given(method("GET"))
        .and(path("/v2/positions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(list))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let ps = c
        .positions(&AccountId::new("PALPACA_123"))
        .await
        .expect("positions");
    assert_eq!(ps.len(), 2);
    let p = &ps[0];
    assert_eq!(p.symbol.as_str(), "AAPL");
    assert_eq!(p.side, PositionSide::Long);
    assert_eq!(
        (
            p.qty,
            p.avg_entry_price,
            p.cost_basis,
            p.current_price,
            p.market_value,
            p.unrealized_pl
        ),
        (
            dec!(5),
            dec!(100.0),
            dec!(500.0),
            dec!(120.0),
            dec!(600.0),
            dec!(100.0)
        )
    );
}

fn limit_request(cid: &str) -> OrderRequest {
    OrderRequest {
        time_in_force: TimeInForce::Gtc,
        ..OrderRequest::limit(
            ClientOrderId::new(cid),
            Symbol::new("AAPL"),
            OrderSide::Buy,
            dec!(2),
            dec!(150),
        )
    }
}

#[tokio::test]
async fn submit_sends_decimals_as_strings_with_the_client_order_id() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .and(header("APCA-API-KEY-ID", KEY))
        .and(body_json(serde_json::json!({
            "symbol": "AAPL", "qty": "2", "side": "buy", "type": "limit", "time_in_force": "gtc",
            "limit_price": "150", "extended_hours": false,
            "client_order_id": "5680c4bc-9ac1-4a12-a44c-df427ba53032"
        })))
        .respond_with(ok_fixture(
            "spec_example_POST_v2_orders_response_Equity.json",
        ))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let o = c
        .submit_order(
            &AccountId::new("PALPACA_123"),
            &limit_request("5680c4bc-9ac1-4a12-a44c-df427ba53032"),
        )
        .await
        .expect("submitted");
    assert_eq!(o.id.as_str(), "7b08df51-c1ac-453c-99f9-323a5f075f0d");
    assert_eq!(
        o.client_order_id.as_ref().map(|c| c.as_str()),
        Some("5680c4bc-9ac1-4a12-a44c-df427ba53032")
    );
    assert_eq!(o.quantity, Some(OrderQuantity::Qty(dec!(2))));
    assert_eq!(
        (o.order_type, o.time_in_force, o.status.clone()),
        (OrderType::Limit, TimeInForce::Gtc, OrderStatus::Accepted)
    );
    assert_eq!(o.limit_price, Some(dec!(150)));
    assert_eq!(o.filled_avg_price, None);
}

#[tokio::test]
async fn sdk_order_with_numeric_qty_parses_exactly() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .and(query_param(
            "client_order_id",
            "eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4",
        ))
        .respond_with(ok_fixture("alpaca-py_test_get_order_by_client_id.json"))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let o = c
        .order_by_client_id(
            &AccountId::new("PALPACA_123"),
            &ClientOrderId::new("eb9e2aaa-f71a-4f51-b5b4-52a6c565dad4"),
        )
        .await
        .expect("lookup")
        .expect("found");
    assert_eq!(o.quantity, Some(OrderQuantity::Qty(dec!(1))));
    assert_eq!((o.side, o.order_type), (OrderSide::Buy, OrderType::Market));
    assert_eq!(o.filled_qty, dec!(0));
}

#[tokio::test]
async fn lookup_of_an_unknown_client_id_is_none() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    Mock::given(method("GET"))
        .and(path("/v2/orders:by_client_order_id"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_string(r#"{"code":40410000,"message":"order not found"}"#),
        )
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let r = c
        .order_by_client_id(&AccountId::new("PALPACA_123"), &ClientOrderId::new("nope"))
        .await;
    assert_eq!(r.expect("404 is an answer"), None);
}

#[tokio::test]
async fn list_cancel_and_replace() {
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    let order = fixture_json("alpaca", "spec_example_POST_v2_orders_response_Equity.json");
    Mock::given(method("GET"))
        .and(path("/v2/orders"))
        .and(query_param("status", "open"))
        .and(query_param("limit", "50"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![order.clone()]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/orders"))
        .and(query_param("status", "closed"))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/v2/orders/7b08df51-c1ac-453c-99f9-323a5f075f0d"))
        .respond_with(ResponseTemplate::new(204))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("PATCH"))
        .and(path("/v2/orders/7b08df51-c1ac-453c-99f9-323a5f075f0d"))
        .and(body_json(
            serde_json::json!({"qty": "3", "limit_price": "149.5"}),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(order))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let acct = AccountId::new("PALPACA_123");
    let open = c
        .orders(
            &acct,
            &OrderFilter {
                limit: Some(50),
                ..Default::default()
            },
        )
        .await
        .expect("open");
    assert_eq!(open.len(), 1);
    let closed = c
        .orders(
            &acct,
            &OrderFilter {
                status: brokerdesk_connectors::types::OrderStatusFilter::Closed,
                ..Default::default()
            },
        )
        .await
        .expect("closed");
    assert!(closed.is_empty());
    let id = OrderId::new("7b08df51-c1ac-453c-99f9-323a5f075f0d");
    c.cancel_order(&acct, &id).await.expect("204 cancels");
    let replaced = c
        .replace_order(
            &id,
            &ReplaceRequest {
                qty: Some(dec!(3)),
                limit_price: Some(dec!(149.50)),
                ..Default::default()
            },
        )
        .await
        .expect("replaced");
    assert_eq!(replaced.id, id);
}

#[tokio::test]
async fn assets_clock_activities_and_history() {
    let server = MockServer::start().await;
    let asset = fixture_json("alpaca", "spec_x-example_Assets.json");
    Mock::given(method("GET"))
        .and(path("/v2/assets"))
        .and(query_param("status", "active"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![asset.clone()]))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/assets/AAPL"))
        .respond_with(ResponseTemplate::new(200).set_body_json(asset))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/clock"))
        .respond_with(ok_fixture("spec_x-example_Clock.json"))
        .mount(&server)
        .await;
    let activities = vec![
        fixture_json("alpaca", "spec_x-example_TradingActivities.json"),
        fixture_json("alpaca", "spec_x-example_NonTradeActivities.json"),
    ];
    Mock::given(method("GET"))
        .and(path("/v2/account/activities"))
        .and(query_param("page_size", "2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(activities))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/account/activities"))
        .and(query_param(
            "page_token",
            "20190801011955195::5f596936-6f23-4cef-bdf1-3806aae57dbf",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_string("[]"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/account/portfolio/history"))
        .and(query_param("period", "1D"))
        .and(query_param("timeframe", "15Min"))
        .respond_with(ok_fixture("spec_x-example_PortfolioHistory.json"))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let assets = c.assets().await.expect("assets");
    assert_eq!(assets[0].symbol.as_str(), "AAPL");
    assert!(assets[0].fractionable && assets[0].tradable);
    assert_eq!(
        c.asset(&Symbol::new("aapl")).await.expect("asset").name,
        "Apple Inc. Common Stock"
    );
    let clock = c.clock().await.expect("clock");
    assert!(clock.is_open);
    let page = c.activities(None, Some(2), None).await.expect("activities");
    assert_eq!(page.len(), 2);
    assert_eq!(
        (page[0].activity_type.as_str(), page[0].price, page[0].qty),
        ("FILL", Some(dec!(174.78)), Some(dec!(2)))
    );
    assert_eq!(
        (page[1].activity_type.as_str(), page[1].net_amount),
        ("DIV", Some(dec!(1.02)))
    );
    let next = c
        .activities(None, None, Some(&page[1].id))
        .await
        .expect("next page");
    assert!(next.is_empty(), "paging ends with an empty page");
    let h = c
        .portfolio_history(Some("1D"), Some("15Min"))
        .await
        .expect("history");
    assert_eq!(h.points.len(), 27);
    assert_eq!(h.points[0].equity, Some(dec!(2773.79)));
    assert_eq!(h.points[0].profit_loss, Some(dec!(-0.37)));
}

#[tokio::test]
async fn market_data_latest_quotes_trades_bars_snapshots() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/quotes/latest"))
        .and(query_param("symbols", "AAPL,TSLA"))
        .and(query_param("feed", "iex"))
        .respond_with(ok_fixture("spec_example_GET_v2_stocks_quotes_latest.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/trades/latest"))
        .respond_with(ok_fixture("alpaca-py_test_get_latest_trade.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/bars/latest"))
        .respond_with(ok_fixture("alpaca-py_test_stock_latest_bar.json"))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/stocks/snapshots"))
        .respond_with(ok_fixture("spec_example_GET_v2_stocks_snapshots.json"))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let quotes = c
        .latest_quotes(&[Symbol::new("AAPL"), Symbol::new("TSLA")])
        .await
        .expect("quotes");
    assert_eq!(quotes.len(), 2);
    let aapl = &quotes[0];
    assert_eq!(
        (aapl.bid, aapl.ask, aapl.bid_size, aapl.ask_size),
        (
            Some(dec!(172.62)),
            Some(dec!(172.7)),
            Some(dec!(2)),
            Some(dec!(1))
        )
    );
    let trades = c
        .latest_trades(&[Symbol::new("AAPL")])
        .await
        .expect("trades");
    assert_eq!(
        (trades[0].price, trades[0].size),
        (dec!(161.2958), dec!(100))
    );
    let bars = c.latest_bars(&[Symbol::new("SPY")]).await.expect("bars");
    assert_eq!((bars[0].close, bars[0].volume), (dec!(392.18), dec!(2100)));
    let snaps = c
        .snapshots(&[Symbol::new("AAPL"), Symbol::new("TSLA")])
        .await
        .expect("snapshots");
    assert_eq!(snaps.len(), 2);
    let q = snaps[0].quote.as_ref().expect("quote");
    assert_eq!((q.bid, q.last), (Some(dec!(172.6)), Some(dec!(172.61))));
    assert_eq!(
        snaps[0].daily_bar.as_ref().map(|b| b.low),
        Some(dec!(171.6618))
    );
    assert!(
        c.latest_quotes(&[])
            .await
            .expect("nothing asked")
            .is_empty()
    );
}

// ---- error bodies (shape: the spec's `Error` schema {code, message}) ----

async fn error_case(status: u16, body: &str) -> (ConnectorError, usize) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .respond_with(ResponseTemplate::new(status).set_body_string(body))
        .mount(&server)
        .await;
    let err = connector(&server.uri())
        .accounts()
        .await
        .expect_err("error status");
    (
        err,
        server.received_requests().await.expect("recorded").len(),
    )
}

#[tokio::test]
async fn error_bodies_become_typed_errors_with_the_vendor_message() {
    let (e, n) = error_case(
        401,
        r#"{"code":40110000,"message":"request is not authorized"}"#,
    )
    .await;
    assert!(
        matches!(&e, ConnectorError::NeedsSignIn(m) if m == "request is not authorized"),
        "{e:?}"
    );
    assert_eq!(n, 1);
    let (e, n) = error_case(
        403,
        r#"{"code":40310000,"message":"insufficient buying power"}"#,
    )
    .await;
    assert!(
        matches!(&e, ConnectorError::Rejected(m) if m == "insufficient buying power"),
        "{e:?}"
    );
    assert_eq!(n, 1);
    let (e, _) = error_case(404, r#"{"code":40410000,"message":"resource not found"}"#).await;
    assert!(matches!(&e, ConnectorError::Rejected(m) if m == "resource not found"));
    let (e, _) = error_case(422, r#"{"code":40010001,"message":"qty must be > 0"}"#).await;
    assert!(matches!(&e, ConnectorError::Rejected(m) if m == "qty must be > 0"));
    let (e, n) = error_case(429, "rate limit exceeded").await;
    assert!(
        matches!(&e, ConnectorError::RateLimited { message, .. } if message.contains("rate limit exceeded")),
        "{e:?}"
    );
    assert_eq!(n, 3, "429 is retried up to the policy's attempts");
    let (e, n) = error_case(
        500,
        r#"{"code":50010000,"message":"internal server error occurred"}"#,
    )
    .await;
    assert!(
        matches!(&e, ConnectorError::Unavailable(m) if m.contains("internal server error occurred"))
    );
    assert_eq!(n, 3, "an idempotent GET is retried on 5xx");
}

#[tokio::test]
async fn secrets_are_not_in_debug_output() {
    let c = connector("http://127.0.0.1:9");
    let s = format!("{c:?}");
    assert!(!s.contains(SECRET), "{s}");
}

/// The Activity capability over Alpaca's documented examples: the request carries
/// `direction=desc`, `page_size`, `after` (from `since`) and `page_token` (from the cursor);
/// a fill becomes a signed cash amount (−side × qty × price), a dividend keeps its net amount.
#[tokio::test]
async fn account_activity_maps_fills_and_non_trade_activities() {
    use brokerdesk_connectors::AccountActivity;
    use brokerdesk_connectors::types::TransactionQuery;
    use brokerdesk_model::{ActivityKind, ActivityStatus};
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    let mut fee = fixture_json("alpaca", "spec_x-example_NonTradeActivities.json");
    fee["activity_type"] = "CFEE".into();
    fee["id"] = "20190802::fee".into();
    fee["net_amount"] = "-0.25".into();
    fee["status"] = "canceled".into();
    let mut odd = fee.clone();
    odd["activity_type"] = "MISC".into();
    odd["id"] = "20190802::misc".into();
    let mut sell = fixture_json("alpaca", "spec_x-example_TradingActivities.json");
    sell["side"] = "sell".into();
    sell["id"] = "20220202::sell".into();
    let first = vec![
        fixture_json("alpaca", "spec_x-example_TradingActivities.json"),
        sell,
        fixture_json("alpaca", "spec_x-example_NonTradeActivities.json"),
    ];
    Mock::given(method("GET"))
        .and(path("/v2/account/activities"))
        .and(query_param("direction", "desc"))
        .and(query_param("page_size", "3"))
        .and(query_param("after", "2019-01-01T00:00:00.000000Z"))
        .respond_with(ResponseTemplate::new(200).set_body_json(first))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/account/activities"))
        .and(query_param(
            "page_token",
            "20190801011955195::5f596936-6f23-4cef-bdf1-3806aae57dbf",
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![fee, odd]))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let account = c.accounts().await.expect("accounts")[0].clone();
    let since = "2019-01-01T00:00:00Z".parse().expect("time");
    let page = c
        .activity(
            &account,
            &TransactionQuery {
                since: Some(since),
                limit: Some(3),
                ..TransactionQuery::default()
            },
        )
        .await
        .expect("first page");
    let rows: Vec<_> = page
        .entries
        .iter()
        .map(|e| (e.kind, e.amount, e.currency.as_str(), e.status))
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                ActivityKind::Fill,
                dec!(-349.56),
                "USD",
                ActivityStatus::Completed
            ),
            (
                ActivityKind::Fill,
                dec!(349.56),
                "USD",
                ActivityStatus::Completed
            ),
            (
                ActivityKind::Dividend,
                dec!(1.02),
                "USD",
                ActivityStatus::Completed
            ),
        ]
    );
    assert_eq!(page.entries[0].account_id, account);
    assert_eq!(
        page.entries[0].id,
        "20220202135509981::2d7be4ff-d1f3-43e9-856a-0f5cf5c5088e"
    );
    assert_eq!(page.entries[0].symbol, Some(Symbol::new("AAPL")));
    assert_eq!(
        page.entries[2].time,
        "2019-08-01T00:00:00Z"
            .parse::<chrono::DateTime<chrono::Utc>>()
            .expect("t")
    );
    let cursor = page.next_cursor.expect("a full page has a next one");
    let next = c
        .activity(
            &account,
            &TransactionQuery {
                cursor: Some(cursor),
                limit: Some(3),
                ..TransactionQuery::default()
            },
        )
        .await
        .expect("second page");
    assert_eq!(next.next_cursor, None, "a short page is the last");
    assert_eq!(
        next.entries
            .iter()
            .map(|e| (e.kind, e.amount, e.status))
            .collect::<Vec<_>>(),
        vec![
            (ActivityKind::Fee, dec!(-0.25), ActivityStatus::Cancelled),
            (ActivityKind::Other, dec!(-0.25), ActivityStatus::Cancelled),
        ]
    );
    assert!(
        next.entries[1]
            .description
            .as_deref()
            .is_some_and(|d| d.starts_with("MISC")),
        "an unknown type keeps its code in the description"
    );
    // An account this credential does not serve is refused before any request.
    let err = c
        .activity(
            &AccountId::new("NOT-THIS-ONE"),
            &TransactionQuery::default(),
        )
        .await
        .expect_err("unknown account");
    assert!(matches!(err, ConnectorError::UnknownAccount(_)));
}

/// The net worth back-fill: daily portfolio history (`timeframe=1D`, a `period` reaching back
/// to `since`), read from the spec's 1D example; days before `since`, and the zero equity of
/// the days before the account was funded, are left out.
#[tokio::test]
async fn equity_history_reads_daily_portfolio_history_from_since() {
    use brokerdesk_connectors::EquityHistory;
    let server = MockServer::start().await;
    mount_account(&server, "spec_example_GET_v2_account.json").await;
    let mut history = fixture_json("alpaca", "spec_x-example_PortfolioHistory_1D.json");
    // Two unfunded days in front, as Alpaca reports them for a new account.
    for (key, zero) in [("timestamp", 1_697_068_800_i64), ("equity", 0)] {
        let list = history[key].as_array_mut().expect("an array");
        list.insert(0, serde_json::json!(zero));
        list.insert(
            0,
            serde_json::json!(zero - 86_400 * i64::from(key == "timestamp")),
        );
    }
    Mock::given(method("GET"))
        .and(path("/v2/account/portfolio/history"))
        .and(query_param("timeframe", "1D"))
        .and(header("APCA-API-KEY-ID", KEY))
        .respond_with(ResponseTemplate::new(200).set_body_json(&history))
        .expect(2)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let account = AccountId::new("PALPACA_123");

    let all = c
        .equity_history(&account, chrono::DateTime::from_timestamp(0, 0).unwrap())
        .await
        .expect("history");
    let got: Vec<(i64, rust_decimal::Decimal)> =
        all.iter().map(|p| (p.time.timestamp(), p.equity)).collect();
    assert_eq!(
        got,
        vec![
            (1_697_241_600, dec!(2784.79)),
            (1_697_500_800, dec!(2794.79)),
            (1_697_587_200, dec!(2805.46)),
            (1_697_673_600, dec!(2774.16)),
            (1_697_760_000, dec!(2748.73)),
        ],
        "exact decimals, leading unfunded zeros dropped"
    );

    let since = chrono::DateTime::from_timestamp(1_697_587_200 + 3_600, 0).unwrap();
    let tail = c.equity_history(&account, since).await.expect("history");
    assert_eq!(
        tail.iter().map(|p| p.equity).collect::<Vec<_>>(),
        vec![dec!(2805.46), dec!(2774.16), dec!(2748.73)],
        "from since's day on"
    );
    let requests = server.received_requests().await.expect("recorded");
    let periods: Vec<String> = requests
        .iter()
        .filter(|r| r.url.path() == "/v2/account/portfolio/history")
        .filter_map(|r| {
            r.url
                .query_pairs()
                .find(|(k, _)| k == "period")
                .map(|(_, v)| v.into_owned())
        })
        .collect();
    assert_eq!(periods.len(), 2, "a period on every request");
    assert!(periods.iter().all(|p| p.ends_with('A')), "{periods:?}");

    assert!(matches!(
        c.equity_history(&AccountId::new("NOT-THIS-ONE"), since)
            .await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}
