//! Nothing trades live unless the user armed live trading: modes decided from facts nobody can
//! type, the connection list sealed to the vault, IBKR's paper accounts, and the order size
//! guard — end to end through the service.

use crate::registry::{ConnectionRecord, SignInKind};
use crate::registry_v2;
use crate::service_tests::{config, market_buy, paper_account, serve_elsewhere, trader};
use crate::{BrokerageService, ConnectionParts, LOCAL_PAPER_CONNECTION, ServiceError};
use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, Portfolio, Trading};
use brokerdesk_model::order::{
    Order, OrderFilter, OrderQuantity, OrderRequest, OrderStatus, OrderType,
};
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::{
    AccountId, AlpacaEnvironment, ApiKeyConnectionArgs, Balances, ClientOrderId, ConnectionId,
    ErrorCode, IbkrGatewayArgs, IpcError, OrderId, OrderTicket, Position, Symbol, TradingMode,
    VendorId,
};
use brokerdesk_vault::NewCredential;
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "correct horse battery";

fn pw() -> SecretString {
    SecretString::from(PASSWORD)
}

fn limit_buy(
    connection: &str,
    account: &AccountId,
    symbol: &str,
    qty: Decimal,
    price: Decimal,
) -> OrderTicket {
    OrderTicket {
        order_type: OrderType::Limit,
        limit_price: Some(price),
        ..market_buy(connection, account, symbol, qty)
    }
}

fn connections_json(service: &BrokerageService) -> std::path::PathBuf {
    std::path::PathBuf::from(service.app_info().data_dir).join("connections.json")
}

fn read_json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn write_json(path: &std::path::Path, json: &serde_json::Value) {
    std::fs::write(path, serde_json::to_vec_pretty(json).unwrap()).unwrap();
}

/// Seals an Alpaca key pair in the vault for `connection`, as `add_alpaca` does.
fn alpaca_key(service: &BrokerageService, connection: &ConnectionId) -> String {
    service
        .vault()
        .with_store(|s| {
            s.put(NewCredential {
                vendor: VendorId::new("alpaca"),
                connection: Some(connection.clone()),
                label: "API key".into(),
                kind: CredentialKind::ApiSecret,
                expires_at: None,
                secret: SecretString::from(r#"{"key_id":"PKBROKER","secret_key":"broker-secret"}"#),
            })
        })
        .unwrap()
        .id
        .to_string()
}

// ---- 1. A custom Alpaca URL is live unless it is this computer --------------------------

/// This machine's address on its network (not loopback), if it has one. Connecting a UDP
/// socket sends nothing; it only picks the interface a packet would leave by.
fn own_address() -> Option<std::net::IpAddr> {
    let socket = std::net::UdpSocket::bind("0.0.0.0:0").ok()?;
    socket.connect("192.0.2.1:9").ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip)
}

#[tokio::test]
async fn adding_a_custom_url_refuses_clear_text_keys_and_user_names() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let args = |url: &str| ApiKeyConnectionArgs {
        environment: AlpacaEnvironment::Custom(url.into()),
        key_id: "PKLIVE".into(),
        secret_key: "live-secret".into(),
        label: String::new(),
    };
    let http = service
        .add_alpaca(args("http://api.alpaca.markets"))
        .await
        .unwrap_err();
    assert_eq!(http.code(), ErrorCode::InvalidInput);
    assert!(http.to_string().contains("unencrypted"), "{http}");
    let trick = service
        .add_alpaca(args("http://127.0.0.1.evil.example"))
        .await
        .unwrap_err();
    assert!(trick.to_string().contains("unencrypted"), "{trick}");
    for userinfo in ["http://localhost@evil.example", "https://u:p@127.0.0.1:1"] {
        let err = service.add_alpaca(args(userinfo)).await.unwrap_err();
        assert!(err.to_string().contains("user name"), "{userinfo}: {err}");
    }
    assert!(service.vault().credentials().unwrap().is_empty());
}

#[tokio::test]
async fn a_custom_url_to_another_computer_is_live_and_nothing_goes_there_unarmed() {
    let Some(ip) = own_address() else {
        eprintln!("no network interface besides loopback: nothing to test here");
        return;
    };
    // A "broker" on this machine's network address: not loopback, so not the user's sandbox.
    let listener = std::net::TcpListener::bind((ip, 0)).unwrap();
    let url = format!("https://{}", listener.local_addr().unwrap());
    let reached = Arc::new(AtomicUsize::new(0));
    {
        let reached = Arc::clone(&reached);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                reached.fetch_add(1, Ordering::SeqCst);
                drop(stream);
            }
        });
    }
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let id = ConnectionId::new("alpaca-custom");
    let record = ConnectionRecord {
        id: id.clone(),
        display_name: "Alpaca — custom".into(),
        vendor: VendorId::new("alpaca"),
        sign_in: SignInKind::Form,
        config: serde_json::json!({ "environment": AlpacaEnvironment::Custom(url) }),
        credential: Some(alpaca_key(&service, &id)),
        created_at: chrono::Utc::now(),
    };
    service.inner.registry.save(&[record]).unwrap();
    service.reload_linked();

    let listed = service.list_connections().await.unwrap();
    let custom = listed.iter().find(|c| c.id == id).unwrap();
    assert_eq!(custom.mode, TradingMode::Live);
    let err = service
        .place_order(market_buy(
            id.as_str(),
            &AccountId::new("ACCT-1"),
            "AAPL",
            dec!(1),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        reached.load(Ordering::SeqCst),
        0,
        "nothing was sent to the server"
    );
    assert!(service.blotter_entries().await.unwrap().is_empty());
}

// ---- 2. The connection list is sealed to the vault --------------------------------------

#[tokio::test]
async fn an_edited_connection_list_is_refused_at_unlock_and_no_order_reaches_the_edited_url() {
    let (_dir, config) = config();
    let broker_dir = tempfile::tempdir().unwrap();
    let (broker_url, _broker) = serve_elsewhere(
        brokerdesk_paper::SandboxConfig::new(broker_dir.path())
            .with_key("PKBROKER", "broker-secret"),
    );
    // Where an edit would send the orders: any request there fails the test.
    let elsewhere = MockServer::start().await;
    Mock::given(wiremock::matchers::any())
        .respond_with(ResponseTemplate::new(500))
        .mount(&elsewhere)
        .await;

    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let added = service
        .add_alpaca(ApiKeyConnectionArgs {
            environment: AlpacaEnvironment::Custom(broker_url.clone()),
            key_id: "PKBROKER".into(),
            secret_key: "broker-secret".into(),
            label: String::new(),
        })
        .await
        .unwrap();
    let file = connections_json(&service);
    let sealed = read_json(&file);
    assert!(sealed["tag"].is_string(), "{sealed}");

    let mut edited = sealed.clone();
    edited["connections"][0]["config"]["environment"]["url"] = elsewhere.uri().into();
    write_json(&file, &edited);
    service.vault().lock().unwrap();
    let err = service.unlock(pw()).await.unwrap_err();
    assert!(
        matches!(err, ServiceError::ConnectionsTampered { .. }),
        "{err}"
    );
    let shown = IpcError::from(&err);
    assert_eq!(shown.code, ErrorCode::Forbidden);
    for words in [
        "changed outside Brokerdesk",
        "remove that file",
        "connections.json",
    ] {
        assert!(shown.message.contains(words), "{words}: {}", shown.message);
    }

    // The vault is open and the sandbox works; the list's connections are not opened.
    assert!(service.vault().state().unwrap().unlocked);
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(overview.accounts.len(), 1);
    assert_eq!(
        overview.accounts[0].connection.id.as_str(),
        LOCAL_PAPER_CONNECTION
    );
    assert!(
        overview
            .unreachable
            .iter()
            .any(|c| c.status.to_string().contains("changed outside Brokerdesk")),
        "the refusal shows where the connections would be: {:?}",
        overview.unreachable
    );
    let order = service
        .place_order(market_buy(
            added.id.as_str(),
            &AccountId::new("PA-ANY"),
            "SPY",
            dec!(1),
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(order, ServiceError::ConnectionsTampered { .. }),
        "{order}"
    );
    assert!(
        elsewhere.received_requests().await.unwrap().is_empty(),
        "nothing reached the edited URL"
    );
    assert_eq!(read_json(&file), edited, "the file is left as found");

    // What the message says to do works: remove the file, unlock, add again.
    std::fs::remove_file(&file).unwrap();
    service.vault().lock().unwrap();
    service.unlock(pw()).await.unwrap();
    assert_eq!(service.list_connections().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_list_whose_tag_was_stripped_is_refused() {
    let (_dir, config) = config();
    let broker_dir = tempfile::tempdir().unwrap();
    let (broker_url, _broker) = serve_elsewhere(
        brokerdesk_paper::SandboxConfig::new(broker_dir.path())
            .with_key("PKBROKER", "broker-secret"),
    );
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    service
        .add_alpaca(ApiKeyConnectionArgs {
            environment: AlpacaEnvironment::Custom(broker_url),
            key_id: "PKBROKER".into(),
            secret_key: "broker-secret".into(),
            label: String::new(),
        })
        .await
        .unwrap();
    let file = connections_json(&service);
    for version in [2, 1] {
        let mut stripped = read_json(&file);
        stripped.as_object_mut().unwrap().remove("tag");
        stripped["version"] = version.into();
        let before = read_json(&file);
        write_json(&file, &stripped);
        service.vault().lock().unwrap();
        let err = service.unlock(pw()).await.unwrap_err();
        assert!(
            matches!(err, ServiceError::ConnectionsTampered { .. }),
            "version {version}: {err}"
        );
        write_json(&file, &before);
    }
    service.vault().lock().unwrap();
    service.unlock(pw()).await.unwrap();
}

#[tokio::test]
async fn a_version_1_list_is_sealed_at_the_first_unlock_of_a_vault_that_never_sealed_one() {
    let (_dir, config) = config();
    let broker_dir = tempfile::tempdir().unwrap();
    let (broker_url, _broker) = serve_elsewhere(
        brokerdesk_paper::SandboxConfig::new(broker_dir.path())
            .with_key("PKBROKER", "broker-secret"),
    );
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    // The list as the previous version wrote it: no tag.
    let id = ConnectionId::new("alpaca-old");
    let record = registry_v2::Record {
        id: id.clone(),
        display_name: "Alpaca — sandbox".into(),
        endpoint: registry_v2::Endpoint::Alpaca {
            environment: AlpacaEnvironment::Custom(broker_url),
            credential: alpaca_key(&service, &id),
        },
        created_at: chrono::Utc::now(),
    };
    let file = connections_json(&service);
    write_json(
        &file,
        &serde_json::json!({ "version": 1, "connections": [record] }),
    );
    service.vault().lock().unwrap();
    service.unlock(pw()).await.unwrap();
    let sealed = read_json(&file);
    // Sealed as the current version (3: the generic record of issue 14).
    assert_eq!(sealed["version"], 3);
    assert!(sealed["tag"].is_string());
    let account = service
        .connection_accounts(&id)
        .await
        .unwrap()
        .remove(0)
        .account_id;
    let placed = service
        .place_order(market_buy(id.as_str(), &account, "SPY", dec!(1)))
        .await
        .unwrap();
    assert_eq!(placed.mode, TradingMode::Paper);
}

// ---- 3. IBKR: each account's own mode ---------------------------------------------------

/// A Client Portal gateway with one account, answering what a read and an order need.
async fn gateway(account: &str, is_paper: Option<bool>) -> MockServer {
    let server = MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(ok(
            serde_json::json!([{ "id": account, "currency": "USD" }]),
        ))
        .mount(&server)
        .await;
    let mut session = serde_json::json!({ "accounts": [account], "selectedAccount": account });
    if let Some(flag) = is_paper {
        session["isPaper"] = flag.into();
    }
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/accounts"))
        .respond_with(ok(session))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
        .respond_with(ok(serde_json::json!({
            "netliquidation": { "amount": 100000, "currency": "USD" },
            "totalcashvalue": { "amount": 50000, "currency": "USD" },
            "buyingpower": { "amount": 200000, "currency": "USD" },
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/positions/0$"))
        .respond_with(ok(serde_json::json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(ok(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/api/iserver/account/[^/]+/orders$"))
        .respond_with(ok(
            serde_json::json!([{ "order_id": "987", "order_status": "Submitted" }]),
        ))
        .mount(&server)
        .await;
    server
}

async fn order_posts(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/orders"))
        .count()
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

#[tokio::test]
async fn an_ibkr_paper_account_is_paper_and_trades_without_the_arm() {
    let server = gateway("DU123456", None).await;
    let (_dir, service, id) = with_gateway(&server).await;
    let overview = service.accounts_overview().await.unwrap();
    let du = overview
        .accounts
        .iter()
        .find(|a| a.account_id.as_str() == "DU123456")
        .unwrap();
    assert_eq!(du.mode, TradingMode::Paper);
    // The connection itself is live: the gateway could hold a live account too.
    assert_eq!(du.connection.mode, TradingMode::Live);
    let placed = service
        .place_order(limit_buy(
            id.as_str(),
            &AccountId::new("DU123456"),
            "265598",
            dec!(1),
            dec!(10),
        ))
        .await
        .unwrap();
    assert_eq!(placed.mode, TradingMode::Paper);
    assert_eq!(order_posts(&server).await, 1);
    assert_eq!(
        service.blotter_entries().await.unwrap()[0].mode,
        TradingMode::Paper
    );
}

#[tokio::test]
async fn an_ibkr_live_account_is_live_and_refused_unarmed() {
    let server = gateway("U1234567", None).await;
    let (_dir, service, id) = with_gateway(&server).await;
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(overview.accounts[1].account_id.as_str(), "U1234567");
    assert_eq!(overview.accounts[1].mode, TradingMode::Live);
    let ticket = limit_buy(
        id.as_str(),
        &AccountId::new("U1234567"),
        "265598",
        dec!(1),
        dec!(10),
    );
    let err = service.place_order(ticket.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert_eq!(order_posts(&server).await, 0, "nothing sent unarmed");
    service.vault().arm_live(Duration::from_secs(60)).unwrap();
    let placed = service.place_order(ticket).await.unwrap();
    assert_eq!(placed.mode, TradingMode::Live);
    assert_eq!(order_posts(&server).await, 1);
}

#[tokio::test]
async fn a_gateway_that_says_its_session_is_live_wins_over_the_account_id() {
    let server = gateway("DU123456", Some(false)).await;
    let (_dir, service, id) = with_gateway(&server).await;
    let err = service
        .place_order(limit_buy(
            id.as_str(),
            &AccountId::new("DU123456"),
            "265598",
            dec!(1),
            dec!(10),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden, "{err}");
    assert_eq!(order_posts(&server).await, 0);
}

// ---- 5. The order size guard ------------------------------------------------------------

fn figures(err: &ServiceError) -> (Option<Decimal>, Option<Decimal>, Decimal) {
    match err {
        ServiceError::NeedsConfirmation(large) => {
            (large.notional, large.pct_of_equity, large.limit_pct)
        }
        other => panic!("expected needs_confirmation, got {other}"),
    }
}

#[tokio::test]
async fn an_order_above_the_limit_needs_a_second_confirmation_with_its_figures() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    // $30,000 of a $100,000 account: above the default 25 %.
    let big = limit_buy(
        LOCAL_PAPER_CONNECTION,
        &account,
        "AAPL",
        dec!(300),
        dec!(100),
    );
    let err = service.place_order(big.clone()).await.unwrap_err();
    assert_eq!(figures(&err), (Some(dec!(30000)), Some(dec!(30)), dec!(25)));
    let shown = IpcError::from(&err);
    assert_eq!(shown.code, ErrorCode::NeedsConfirmation);
    assert_eq!(
        shown.message,
        "This order is $30,000.00, 30 % of the account's equity — above your limit of 25 %. \
         Confirm it a second time to place it."
    );
    assert!(
        service.blotter_entries().await.unwrap().is_empty(),
        "nothing journaled, nothing sent"
    );
    // A dollar amount is its own value.
    let notional = OrderTicket {
        quantity: OrderQuantity::Notional(dec!(26000)),
        ..market_buy(LOCAL_PAPER_CONNECTION, &account, "AAPL", dec!(1))
    };
    let err = service.place_order(notional).await.unwrap_err();
    assert_eq!(figures(&err).0, Some(dec!(26000)));

    let confirmed = service
        .place_order(OrderTicket {
            confirm_large: true,
            ..big
        })
        .await
        .unwrap();
    assert_eq!(confirmed.order.symbol.as_str(), "AAPL");
    let small = limit_buy(
        LOCAL_PAPER_CONNECTION,
        &account,
        "MSFT",
        dec!(200),
        dec!(100),
    );
    service.place_order(small).await.unwrap();
    assert_eq!(service.blotter_entries().await.unwrap().len(), 2);
}

#[tokio::test]
async fn a_market_order_is_valued_at_its_connections_own_quote() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    let quote = service
        .quotes(
            &ConnectionId::new(LOCAL_PAPER_CONNECTION),
            &[Symbol::new("AAPL")],
        )
        .await
        .unwrap()
        .remove(0);
    let price = [quote.bid, quote.ask, quote.last]
        .into_iter()
        .flatten()
        .max()
        .unwrap();
    // Just over a quarter of the equity at the highest quoted price.
    let qty = (dec!(25001) / price).ceil();
    let err = service
        .place_order(market_buy(LOCAL_PAPER_CONNECTION, &account, "AAPL", qty))
        .await
        .unwrap_err();
    let (notional, _, _) = figures(&err);
    let notional = notional.unwrap();
    assert!(notional > dec!(25000), "{notional}");
    service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "AAPL",
            dec!(1),
        ))
        .await
        .unwrap();
}

#[tokio::test]
async fn the_limit_is_the_users_setting() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config.clone()).await.unwrap();
    let account = paper_account(&service).await;
    assert_eq!(service.settings().unwrap().max_order_pct, dec!(25));
    let order = limit_buy(
        LOCAL_PAPER_CONNECTION,
        &account,
        "AAPL",
        dec!(300),
        dec!(100),
    );
    assert!(service.place_order(order.clone()).await.is_err());
    assert_eq!(
        service.set_max_order_pct(dec!(50)).unwrap().max_order_pct,
        dec!(50)
    );
    service.place_order(order.clone()).await.unwrap();
    assert!(
        service
            .set_max_order_pct(dec!(0))
            .unwrap_err()
            .to_string()
            .contains("more than 0")
    );
    // Kept on disk for the next start (and the CLI).
    service.set_max_order_pct(dec!(10)).unwrap();
    let settings = std::fs::read_to_string(config.data_dir.join("settings.json")).unwrap();
    assert!(settings.contains("\"10\""), "{settings}");
    let err = service
        .place_order(limit_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "AAPL",
            dec!(150),
            dec!(100),
        ))
        .await
        .unwrap_err();
    assert_eq!(figures(&err).2, dec!(10));
}

/// A broker that takes orders but quotes nothing, and counts what it was sent.
#[derive(Default)]
struct NoQuotes {
    sent: Mutex<Vec<OrderRequest>>,
}

#[async_trait]
impl Portfolio for NoQuotes {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![AccountId::new("NQ-1")])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(Balances {
            currency: "USD".into(),
            cash: dec!(100000),
            buying_power: dec!(100000),
            equity: dec!(100000),
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(Vec::new())
    }
}

#[async_trait]
impl Trading for NoQuotes {
    async fn submit_order(
        &self,
        _: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        self.sent.lock().unwrap().push(request.clone());
        Ok(Order {
            id: OrderId::new("nq-1"),
            client_order_id: Some(request.client_order_id.clone()),
            symbol: request.symbol.clone(),
            side: request.side,
            order_type: request.order_type,
            time_in_force: request.time_in_force,
            quantity: Some(request.quantity),
            filled_qty: Decimal::ZERO,
            filled_avg_price: None,
            limit_price: request.limit_price,
            stop_price: request.stop_price,
            status: OrderStatus::New,
            created_at: None,
            updated_at: None,
        })
    }
    async fn cancel_order(&self, _: &AccountId, _: &OrderId) -> Result<(), ConnectorError> {
        Ok(())
    }
    async fn orders(&self, _: &AccountId, _: &OrderFilter) -> Result<Vec<Order>, ConnectorError> {
        Ok(Vec::new())
    }
    async fn order_by_client_id(
        &self,
        _: &AccountId,
        _: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        Ok(None)
    }
}

#[tokio::test]
async fn a_market_order_with_no_known_price_asks_and_says_why() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    let broker = Arc::new(NoQuotes::default());
    service.attach(ConnectionParts {
        id: ConnectionId::new("no-quotes"),
        vendor: VendorId::new("mock"),
        display_name: "No quotes".into(),
        mode: TradingMode::Paper,
        portfolio: broker.clone(),
        trading: Some(broker.clone()),
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    });
    let ticket = market_buy("no-quotes", &AccountId::new("NQ-1"), "XYZ", dec!(1));
    let err = service.place_order(ticket.clone()).await.unwrap_err();
    assert_eq!(figures(&err).0, None);
    assert!(
        err.to_string().contains("No price is known for XYZ"),
        "{err}"
    );
    assert!(broker.sent.lock().unwrap().is_empty());
    service
        .place_order(OrderTicket {
            confirm_large: true,
            ..ticket
        })
        .await
        .unwrap();
    assert_eq!(broker.sent.lock().unwrap().len(), 1);
}
