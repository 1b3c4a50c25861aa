//! An in-process MCP client (the official Rust SDK's) talking to `BrokerdeskMcp` over a pipe,
//! and a live stand-in connection that counts every order sent to it.

#![allow(dead_code, clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, Portfolio, Trading};
use brokerdesk_mcp::BrokerdeskMcp;
use brokerdesk_model::order::{OrderFilter, OrderRequest};
use brokerdesk_model::{
    AccountId, Balances, ClientOrderId, ConnectionId, Order, OrderId, OrderStatus, Position,
    PositionSide, Symbol, TradingMode, VendorId,
};
use brokerdesk_service::{BrokerageService, ConnectionParts, ServiceConfig};
use rmcp::model::{CallToolRequestParams, CallToolResult, ClientConfig, Implementation};
use rmcp::service::RunningService;
use rmcp::{ClientHandler, RoleClient, ServiceExt};
use rust_decimal_macros::dec;
use serde_json::Value;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

pub const CLIENT_NAME: &str = "brokerdesk-test-client";
pub const LIVE_ACCOUNT: &str = "LIVE00012345678";

#[derive(Clone, Default)]
pub struct TestClient;

impl ClientHandler for TestClient {
    fn get_info(&self) -> ClientConfig {
        ClientConfig::new(Default::default(), Implementation::new(CLIENT_NAME, "1.0"))
    }
}

pub type Client = RunningService<RoleClient, TestClient>;

pub async fn service(dir: &std::path::Path) -> BrokerageService {
    BrokerageService::start(ServiceConfig::new(dir.to_path_buf()))
        .await
        .expect("service starts")
}

pub async fn connect(service: BrokerageService) -> Client {
    let (server_io, client_io) = tokio::io::duplex(1 << 20);
    tokio::spawn(async move {
        if let Ok(running) = BrokerdeskMcp::new(service).serve(server_io).await {
            let _ = running.waiting().await;
        }
    });
    TestClient.serve(client_io).await.expect("client connects")
}

pub async fn call(client: &Client, tool: &str, args: Value) -> CallToolResult {
    let mut params = CallToolRequestParams::new(tool.to_owned());
    if let Value::Object(map) = args {
        params = params.with_arguments(map);
    }
    client.call_tool(params).await.expect("a tool reply")
}

/// Everything a client sees of a reply, as one string.
pub fn seen(result: &CallToolResult) -> String {
    serde_json::to_string(result).unwrap()
}

pub fn data(result: &CallToolResult) -> Value {
    result
        .structured_content
        .clone()
        .expect("structured content")
}

pub fn is_error(result: &CallToolResult) -> bool {
    result.is_error == Some(true)
}

/// A live broker stand-in: one account with one position; counts orders sent to it, and
/// accepts them or refuses them all.
pub struct LiveBroker {
    pub sent: AtomicUsize,
    accepts: bool,
}

#[async_trait]
impl Portfolio for LiveBroker {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![AccountId::new(LIVE_ACCOUNT)])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(Balances {
            currency: "USD".into(),
            cash: dec!(2500.10),
            buying_power: dec!(2500.10),
            equity: dec!(4500.10),
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(vec![Position {
            symbol: Symbol::new("MSFT"),
            side: PositionSide::Long,
            qty: dec!(5),
            avg_entry_price: dec!(380),
            cost_basis: dec!(1900),
            current_price: dec!(400),
            market_value: dec!(2000),
            unrealized_pl: dec!(100),
            asset_class: brokerdesk_model::AssetClass::Equity,
        }])
    }
}

#[async_trait]
impl Trading for LiveBroker {
    async fn submit_order(&self, _: &AccountId, r: &OrderRequest) -> Result<Order, ConnectorError> {
        self.sent.fetch_add(1, Ordering::SeqCst);
        if !self.accepts {
            return Err(ConnectorError::Rejected(
                "the stand-in takes no orders".into(),
            ));
        }
        Ok(Order {
            id: OrderId::new("live-1"),
            client_order_id: Some(r.client_order_id.clone()),
            symbol: r.symbol.clone(),
            side: r.side,
            order_type: r.order_type,
            time_in_force: r.time_in_force,
            quantity: Some(r.quantity),
            filled_qty: dec!(0),
            filled_avg_price: None,
            limit_price: r.limit_price,
            stop_price: r.stop_price,
            status: OrderStatus::Accepted,
            created_at: Some(chrono::Utc::now()),
            updated_at: Some(chrono::Utc::now()),
        })
    }
    async fn cancel_order(&self, _: &AccountId, _: &OrderId) -> Result<(), ConnectorError> {
        Ok(())
    }
    async fn orders(&self, _: &AccountId, _: &OrderFilter) -> Result<Vec<Order>, ConnectorError> {
        Ok(vec![])
    }
    async fn order_by_client_id(
        &self,
        _: &AccountId,
        _: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        Ok(None)
    }
}

/// Attaches a live connection named `name` to `service`; the broker counts orders and
/// refuses them.
pub fn attach_live(service: &BrokerageService, name: &str) -> Arc<LiveBroker> {
    attach_broker(service, name, false)
}

/// [`attach_live`] with a broker that accepts every order.
pub fn attach_accepting_live(service: &BrokerageService, name: &str) -> Arc<LiveBroker> {
    attach_broker(service, name, true)
}

fn attach_broker(service: &BrokerageService, name: &str, accepts: bool) -> Arc<LiveBroker> {
    let broker = Arc::new(LiveBroker {
        sent: AtomicUsize::new(0),
        accepts,
    });
    service.attach(ConnectionParts {
        id: ConnectionId::new("live-broker"),
        vendor: VendorId::new("standin"),
        display_name: name.to_owned(),
        mode: TradingMode::Live,
        portfolio: broker.clone(),
        trading: Some(broker.clone()),
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    });
    broker
}

pub fn orders_sent(broker: &LiveBroker) -> usize {
    broker.sent.load(Ordering::SeqCst)
}
