//! Fan-out: one refresh of 8 vendors that each answer after 100 ms should take about 100 ms
//! (the slowest vendor), not 800 ms (the sum). Vendors are Alpaca connectors against 8 local
//! mock servers (wiremock) whose every answer is delayed by 100 ms, so the figure includes real
//! HTTP, JSON parsing and the service's bookkeeping.

use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::{MarketData, Portfolio, Trading};
use brokerdesk_model::{ConnectionId, TradingMode, VendorId};
use brokerdesk_service::paper_connection::LOOPBACK_RATE;
use brokerdesk_service::{BrokerageService, ConnectionParts, ServiceConfig};
use criterion::{Criterion, criterion_group, criterion_main};
use std::sync::Arc;
use std::time::Duration;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const VENDORS: usize = 8;
const DELAY: Duration = Duration::from_millis(100);

const ACCOUNT: &str = r#"{"id":"acc-1","account_number":"PA1","status":"ACTIVE","currency":"USD",
 "cash":"1000.00","buying_power":"2000.00","equity":"1000.00","portfolio_value":"1000.00",
 "long_market_value":"0","short_market_value":"0","multiplier":"2","pattern_day_trader":false,
 "trading_blocked":false,"account_blocked":false,"created_at":"2024-01-01T00:00:00Z"}"#;

async fn vendor() -> MockServer {
    let server = MockServer::start().await;
    let ok = |body: &str| {
        ResponseTemplate::new(200)
            .set_delay(DELAY)
            .insert_header("content-type", "application/json")
            .set_body_string(body.to_owned())
    };
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .respond_with(ok(ACCOUNT))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/positions"))
        .respond_with(ok("[]"))
        .mount(&server)
        .await;
    server
}

fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Runtime::new().expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let (service, _servers) = runtime.block_on(async {
        let service = BrokerageService::start(ServiceConfig::new(dir.path().to_path_buf()))
            .await
            .expect("the service starts");
        let mut servers = Vec::new();
        for i in 0..VENDORS {
            let server = vendor().await;
            let mut config = AlpacaConfig::local(server.uri());
            // Back-to-back refreshes would otherwise be paced by Alpaca's 200 a minute (as
            // they should be against Alpaca); the mocks have no quota and the bench measures
            // the fan-out.
            config.trading_policy.rate_limit = LOOPBACK_RATE;
            let alpaca = Arc::new(
                AlpacaConnector::new(config, AlpacaCredential::api_key("PK", "secret"))
                    .expect("a connector"),
            );
            service.attach(ConnectionParts {
                id: ConnectionId::new(format!("mock-{i}")),
                vendor: VendorId::new("alpaca"),
                display_name: format!("Mock vendor {i}"),
                mode: TradingMode::Paper,
                portfolio: alpaca.clone() as Arc<dyn Portfolio>,
                trading: Some(alpaca.clone() as Arc<dyn Trading>),
                market: Some(alpaca as Arc<dyn MarketData>),
                streams: None,
                latency: None,
                keep: Vec::new(),
            });
            servers.push(server);
        }
        // The overview must really hold all 8 (plus the local sandbox), or the figure lies.
        let overview = service.accounts_overview().await.expect("an overview");
        assert_eq!(
            overview.accounts.len(),
            VENDORS + 1,
            "{:?}",
            overview.unreachable
        );
        (service, servers)
    });
    let mut group = c.benchmark_group("fanout");
    group.sample_size(20);
    group.bench_function("refresh 8 vendors x 100 ms", |b| {
        b.to_async(&runtime).iter(|| async {
            let overview = service.accounts_overview().await.expect("an overview");
            assert_eq!(overview.accounts.len(), VENDORS + 1);
        })
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
