//! Requests a minute one connection makes to its vendor at idle: one account holding 10
//! positions, the app's supervisor running, streams up. Goal: at most 2 a minute. The vendor is
//! a local paper sandbox served here (so its requests can be counted), connected through the
//! Alpaca connector exactly as the app connects the sandbox and Alpaca. For comparison the same
//! is measured with the connection's streams off (REST polling only).
//!
//! `IDLE_WINDOW_SECS` (default 30) sets how long each idle window is counted.

use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::{MarketData, Portfolio, Streams, Trading};
use brokerdesk_model::order::{OrderQuantity, OrderSide, OrderStatus, OrderType, TimeInForce};
use brokerdesk_model::{ConnectionId, OrderTicket, Symbol, TradingMode, VendorId};
use brokerdesk_paper::{Sandbox, SandboxConfig, SandboxCredentials};
use brokerdesk_service::paper_connection::LOOPBACK_RATE;
use brokerdesk_service::{BrokerageService, ConnectionParts, ServiceConfig};
use rust_decimal::Decimal;
use std::sync::Arc;
use std::time::Duration;

const HELD: [&str; 10] = [
    "AAPL", "MSFT", "NVDA", "AMZN", "GOOGL", "GOOG", "META", "TSLA", "AVGO", "JPM",
];

async fn vendor(dir: &std::path::Path) -> (Sandbox, String, SandboxCredentials) {
    let credentials = SandboxCredentials::load_or_create(dir).expect("a key");
    let sandbox = Sandbox::start(SandboxConfig::new(dir).with_credentials(&credentials))
        .await
        .expect("the vendor starts");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("loopback");
    let addr = listener.local_addr().expect("an address");
    let router = sandbox.router(addr);
    tokio::spawn(async move { axum::serve(listener, router).await });
    (sandbox, format!("http://{addr}"), credentials)
}

/// Requests a minute over `window` at idle, with the connection's streams on or off.
async fn idle_rate(streams: bool, window: Duration) -> f64 {
    let dir = tempfile::tempdir().expect("a temp dir");
    let (sandbox, url, key) = vendor(&dir.path().join("vendor")).await;
    let service = BrokerageService::start(ServiceConfig::new(dir.path().join("app")))
        .await
        .expect("the service starts");
    // Orders on a connection of the user's own need a vault that lets them trade.
    service
        .vault()
        .create(
            secrecy::SecretString::from("correct horse battery"),
            brokerdesk_model::vault::Role::Trader,
        )
        .await
        .expect("a vault");
    let mut config = AlpacaConfig::local(&url);
    config.trading_policy.rate_limit = LOOPBACK_RATE;
    config.data_policy.rate_limit = LOOPBACK_RATE;
    let alpaca = Arc::new(
        AlpacaConnector::new(
            config,
            AlpacaCredential::api_key(key.key_id(), key.secret_key()),
        )
        .expect("a connector"),
    );
    let id = ConnectionId::new("measured");
    service.attach(ConnectionParts {
        id: id.clone(),
        vendor: VendorId::new("alpaca"),
        display_name: "Measured".into(),
        mode: TradingMode::Paper,
        portfolio: alpaca.clone() as Arc<dyn Portfolio>,
        trading: Some(alpaca.clone() as Arc<dyn Trading>),
        market: Some(alpaca.clone() as Arc<dyn MarketData>),
        streams: streams.then(|| alpaca.clone() as Arc<dyn Streams>),
        latency: None,
        keep: Vec::new(),
    });
    let account = service.connection_accounts(&id).await.expect("the account")[0]
        .account_id
        .clone();
    for symbol in HELD {
        service
            .place_order(OrderTicket {
                connection: id.clone(),
                account: account.clone(),
                symbol: Symbol::new(symbol),
                side: OrderSide::Buy,
                quantity: OrderQuantity::Qty(Decimal::ONE),
                order_type: OrderType::Market,
                time_in_force: TimeInForce::Day,
                limit_price: None,
                stop_price: None,
                confirm_large: false,
            })
            .await
            .expect("an order");
    }
    for _ in 0..100 {
        let blotter = service.blotter().await.expect("the blotter");
        if blotter
            .iter()
            .all(|e| e.order.status == OrderStatus::Filled)
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let held = service.connection_accounts(&id).await.expect("a read")[0]
        .positions
        .len();
    assert_eq!(held, HELD.len(), "10 positions");
    // The page on screen: the positions' quotes are watched, as the Accounts page asks.
    let symbols: Vec<Symbol> = HELD.iter().map(|s| Symbol::new(*s)).collect();
    service.quotes(&id, &symbols).await.expect("quotes");
    let supervisor = tokio::spawn(service.clone().supervise());
    // Settle: the streams connect and resync once.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let before = sandbox.requests();
    // Keep the quotes watched through the window, as a page on screen does (every 20 s).
    let watching = {
        let service = service.clone();
        let id = id.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(20)).await;
                let _ = service.quotes(&id, &symbols).await;
            }
        })
    };
    tokio::time::sleep(window).await;
    let made = sandbox.requests() - before;
    watching.abort();
    supervisor.abort();
    made as f64 * 60.0 / window.as_secs_f64()
}

fn main() {
    // `cargo test --benches` runs this file too: only measure under `cargo bench`.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    let window = Duration::from_secs(
        std::env::var("IDLE_WINDOW_SECS")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(30),
    );
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let streamed = runtime.block_on(idle_rate(true, window));
    let polled = runtime.block_on(idle_rate(false, window));
    println!(
        "idle requests/min to one connection (1 account, 10 positions, {} s window): \
         streams up {streamed:.1}, polling only {polled:.1}",
        window.as_secs()
    );
    assert!(streamed <= 2.0, "goal: at most 2 a minute with streams up");
}
