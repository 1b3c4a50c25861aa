//! The service end to end: the local sandbox, connections from the vault, orders through the
//! journal, reconciliation, and the fan-out.

use crate::{BrokerageService, ConnectionParts, LOCAL_PAPER_CONNECTION, ServiceConfig};
use async_trait::async_trait;
use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::{ConnectorError, Portfolio, Trading};
use brokerdesk_model::order::{
    OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce,
};
use brokerdesk_model::vault::Role;
use brokerdesk_model::{
    AccountId, AlpacaEnvironment, ApiKeyConnectionArgs, Balances, BreakKind, ClientOrderId,
    ConnectionId, ConnectionStatus, ErrorCode, IpcError, OrderTicket, Position, ServiceEvent,
    Symbol, TradingMode, VendorId,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use secrecy::SecretString;
use std::sync::Arc;
use std::time::Duration;

pub(crate) fn config() -> (tempfile::TempDir, ServiceConfig) {
    let dir = tempfile::tempdir().unwrap();
    let config = ServiceConfig::new(dir.path().join("data"));
    (dir, config)
}

pub(crate) async fn trader(service: &BrokerageService) {
    service
        .vault()
        .create(SecretString::from("correct horse battery"), Role::Trader)
        .await
        .unwrap();
}

pub(crate) fn market_buy(
    connection: &str,
    account: &AccountId,
    symbol: &str,
    qty: Decimal,
) -> OrderTicket {
    OrderTicket {
        connection: ConnectionId::new(connection),
        account: account.clone(),
        symbol: Symbol::new(symbol),
        side: OrderSide::Buy,
        quantity: OrderQuantity::Qty(qty),
        order_type: OrderType::Market,
        time_in_force: TimeInForce::Day,
        limit_price: None,
        stop_price: None,
        confirm_large: false,
    }
}

/// The key the service's own sandbox accepts, as another Alpaca client on this machine would
/// find it: in the per-install file.
fn sandbox_key(service: &BrokerageService) -> AlpacaCredential {
    let file = service.app_info().sandbox_credentials_file.unwrap();
    let dir = std::path::Path::new(&file).parent().unwrap().to_owned();
    let creds = crate::SandboxCredentials::load_or_create(&dir).unwrap();
    AlpacaCredential::api_key(creds.key_id(), creds.secret_key())
}

pub(crate) async fn paper_account(service: &BrokerageService) -> AccountId {
    service.accounts_overview().await.unwrap().accounts[0]
        .account_id
        .clone()
}

/// Waits until `check` holds (the sandbox fills on its own clock).
pub(crate) async fn eventually<F: std::future::Future<Output = bool>>(
    mut check: impl FnMut() -> F,
) {
    for _ in 0..100 {
        if check().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn starting_cash_comes_from_the_config() {
    let (_dir, mut config) = config();
    config.paper_starting_cash = Decimal::new(1_234_567, 2);
    let service = BrokerageService::start(config).await.unwrap();
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(
        overview.accounts[0].balances.cash,
        Decimal::new(1_234_567, 2)
    );
    let info = service.app_info();
    assert!(info.data_dir.ends_with("data"));
    assert!(info.sandbox_url.unwrap().starts_with("http://127.0.0.1:"));
}

#[tokio::test]
async fn the_sandbox_key_is_per_install_and_only_its_id_is_shown() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config.clone()).await.unwrap();
    let info = service.app_info();
    let file = info.sandbox_credentials_file.clone().unwrap();
    assert_eq!(
        std::path::Path::new(&file),
        config.data_dir.join("paper").join("credentials.json")
    );
    let creds = crate::SandboxCredentials::load_or_create(&config.data_dir.join("paper")).unwrap();
    assert_eq!(info.sandbox_key_id.as_deref(), Some(creds.key_id()));
    assert_ne!(creds.key_id(), "PKSANDBOX");
    let shown = serde_json::to_string(&info).unwrap();
    assert!(
        !shown.contains(creds.secret_key()),
        "the secret crossed IPC"
    );

    // The well-known key of old is refused; the per-install one trades.
    let url = info.sandbox_url.unwrap();
    let old = AlpacaConnector::new(
        AlpacaConfig::local(&url),
        AlpacaCredential::api_key("PKSANDBOX", "sandbox-secret"),
    )
    .unwrap();
    let refused = old.accounts().await;
    assert!(
        matches!(refused, Err(ConnectorError::NeedsSignIn(_))),
        "{refused:?}"
    );
    let mine = AlpacaConnector::new(AlpacaConfig::local(&url), sandbox_key(&service)).unwrap();
    assert_eq!(mine.accounts().await.unwrap().len(), 1);
    drop(service);

    // The next start keeps the same pair.
    let again = BrokerageService::start(config).await.unwrap();
    assert_eq!(
        again.app_info().sandbox_key_id.as_deref(),
        Some(creds.key_id())
    );
}

#[tokio::test]
async fn a_sandbox_key_given_in_code_is_used_and_not_written() {
    let (_dir, mut config) = config();
    config.sandbox_credentials = Some(crate::SandboxCredentials::new("PKGIVEN", "given-secret"));
    let service = BrokerageService::start(config.clone()).await.unwrap();
    let info = service.app_info();
    assert_eq!(info.sandbox_key_id.as_deref(), Some("PKGIVEN"));
    assert_eq!(info.sandbox_credentials_file, None);
    assert!(
        !config
            .data_dir
            .join("paper")
            .join("credentials.json")
            .exists()
    );
    assert_eq!(service.accounts_overview().await.unwrap().accounts.len(), 1);
}

#[tokio::test]
async fn first_start_shows_the_funded_paper_account_through_the_alpaca_api() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config.clone()).await.unwrap();
    let overview = service.accounts_overview().await.unwrap();
    assert!(overview.unreachable.is_empty());
    assert_eq!(overview.accounts.len(), 1);
    let paper = &overview.accounts[0];
    assert_eq!(paper.connection.id.as_str(), LOCAL_PAPER_CONNECTION);
    assert_eq!(paper.connection.mode, TradingMode::Paper);
    assert_eq!(paper.connection.status, ConnectionStatus::Connected);
    assert!(paper.connection.latency_ms.is_some());
    assert!(paper.connection.last_refresh.is_some());
    assert_eq!(paper.balances.cash, Decimal::from(100_000));
    assert_eq!(paper.balances.buying_power, Decimal::from(200_000));
    assert!(paper.positions.is_empty());
}

#[tokio::test]
async fn the_paper_journal_has_one_owner_and_survives_a_restart() {
    let (_dir, mut config) = config();
    config.paper_starting_cash = Decimal::from(5_000);
    let first = BrokerageService::start(config.clone()).await.unwrap();
    assert_eq!(
        first.accounts_overview().await.unwrap().accounts[0]
            .balances
            .cash,
        Decimal::from(5_000)
    );
    // A second process-like owner is refused, and says why, instead of forking the history.
    let second = BrokerageService::start(config.clone()).await.unwrap();
    let overview = second.accounts_overview().await.unwrap();
    assert!(overview.accounts.is_empty());
    assert!(matches!(
        &overview.unreachable[0].status,
        ConnectionStatus::Disconnected(why) if why.contains("another Brokerdesk process")
    ));
    drop(second);
    drop(first);
    config.paper_starting_cash = Decimal::from(999);
    let again = BrokerageService::start(config).await.unwrap();
    let overview = again.accounts_overview().await.unwrap();
    assert_eq!(overview.accounts[0].balances.cash, Decimal::from(5_000));
}

#[tokio::test]
async fn a_paper_order_fills_shows_in_the_blotter_and_the_positions_and_reconciles() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config.clone()).await.unwrap();
    let mut events = service.subscribe();
    let account = paper_account(&service).await;
    // Before any vault exists the local sandbox trades: no key, no real money.
    let placed = service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "aapl",
            dec!(3),
        ))
        .await
        .unwrap();
    assert_eq!(placed.order.symbol.as_str(), "AAPL");
    assert_eq!(placed.mode, TradingMode::Paper);
    loop {
        if let ServiceEvent::Order(entry) = events.recv().await.unwrap() {
            assert_eq!(entry.order.client_order_id, placed.order.client_order_id);
            break;
        }
    }

    eventually(|| {
        let s = service.clone();
        async move { s.blotter().await.unwrap()[0].order.status == OrderStatus::Filled }
    })
    .await;
    let overview = service.accounts_overview().await.unwrap();
    let aapl = &overview.accounts[0].positions[0];
    assert_eq!((aapl.symbol.as_str(), aapl.qty), ("AAPL", dec!(3)));
    assert!(
        service.reconcile().await.unwrap().is_empty(),
        "the journal explains the position"
    );

    // A restart recovers the same blotter from the journal.
    drop(service);
    let again = BrokerageService::start(config).await.unwrap();
    let blotter = again.blotter().await.unwrap();
    assert_eq!(blotter.len(), 1);
    assert_eq!(blotter[0].order.filled_qty, dec!(3));
    assert!(again.reconcile().await.unwrap().is_empty());
}

#[tokio::test]
async fn positions_changed_outside_the_app_are_breaks_until_resolved() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    // First sight: what the account holds is the starting point, not a break.
    assert!(service.reconcile().await.unwrap().is_empty());

    // Someone trades the same account with another Alpaca client.
    let url = service.app_info().sandbox_url.unwrap();
    let outsider = AlpacaConnector::new(AlpacaConfig::local(&url), sandbox_key(&service)).unwrap();
    outsider
        .submit_order(
            &account,
            &OrderRequest::market(
                ClientOrderId::new("outside-1"),
                Symbol::new("MSFT"),
                OrderSide::Buy,
                dec!(2),
            ),
        )
        .await
        .unwrap();
    eventually(|| {
        let s = service.clone();
        async move {
            s.accounts_overview().await.unwrap().accounts[0]
                .positions
                .iter()
                .any(|p| p.symbol.as_str() == "MSFT" && p.qty == dec!(2))
        }
    })
    .await;
    let breaks = service.reconcile().await.unwrap();
    assert_eq!(breaks.len(), 1);
    assert_eq!(breaks[0].kind, BreakKind::OpenedOutsideApp);
    assert_eq!(
        (breaks[0].expected_qty, breaks[0].broker_qty),
        (dec!(0), dec!(2))
    );
    assert!(breaks[0].still_present);

    // It stays listed on the next run, with the same id, until the user resolves it.
    let again = service.reconcile().await.unwrap();
    assert_eq!(again[0].id, breaks[0].id);
    assert!(service.resolve_break(breaks[0].id).unwrap().is_empty());
    assert!(service.reconcile().await.unwrap().is_empty());
    assert!(
        service.resolve_break(breaks[0].id).is_err(),
        "already resolved"
    );
}

#[tokio::test]
async fn an_alpaca_key_is_checked_stored_in_the_vault_and_the_connection_trades() {
    let (_dir, config) = config();
    // The "broker": another sandbox process, as a user would run `brokerdesk sandbox serve`.
    let broker_dir = tempfile::tempdir().unwrap();
    let broker_config = brokerdesk_paper::SandboxConfig::new(broker_dir.path())
        .with_key("PKBROKER", "broker-secret");
    let (url, stop_broker) = serve_elsewhere(broker_config);

    let service = BrokerageService::start(config.clone()).await.unwrap();
    let args = |secret: &str| ApiKeyConnectionArgs {
        environment: AlpacaEnvironment::Custom(url.clone()),
        key_id: "PKBROKER".into(),
        secret_key: secret.into(),
        label: String::new(),
    };
    // No vault yet: nowhere to keep the key.
    let err = service.add_alpaca(args("broker-secret")).await.unwrap_err();
    assert!(err.to_string().contains("create a vault"), "{err}");
    trader(&service).await;

    let wrong = service.add_alpaca(args("wrong")).await.unwrap_err();
    assert_eq!(
        IpcError::from(&wrong).code,
        ErrorCode::NeedsSignIn,
        "{wrong}"
    );
    assert!(
        service.vault().credentials().unwrap().is_empty(),
        "nothing stored for a bad key"
    );

    let added = service.add_alpaca(args("broker-secret")).await.unwrap();
    assert_eq!(added.display_name, "Alpaca — sandbox");
    assert_eq!(added.status, ConnectionStatus::Connected);
    let stored = service.vault().credentials().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].connection.as_ref(), Some(&added.id));
    let on_disk = std::fs::read_to_string(config.data_dir.join("connections.json")).unwrap();
    assert!(
        !on_disk.contains("broker-secret"),
        "secrets only in the vault"
    );

    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(overview.accounts.len(), 2);
    let account = overview
        .accounts
        .iter()
        .find(|a| a.connection.id == added.id)
        .unwrap()
        .account_id
        .clone();
    service
        .place_order(market_buy(added.id.as_str(), &account, "SPY", dec!(1)))
        .await
        .unwrap();

    // Locking drops the connection (its key leaves memory); unlocking brings it back.
    service.vault().lock().unwrap();
    service
        .vault()
        .unlock(SecretString::from("correct horse battery"))
        .await
        .unwrap();
    let names: Vec<_> = service
        .list_connections()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert!(names.contains(&added.id));

    // The broker goes away: the connection says so, and comes back when the broker does.
    stop_broker.stop();
    let overview = service.accounts_overview().await.unwrap();
    assert!(matches!(
        overview
            .unreachable
            .iter()
            .find(|c| c.id == added.id)
            .unwrap()
            .status,
        ConnectionStatus::Disconnected(_)
    ));

    let left = service.remove_connection(&added.id).await.unwrap();
    assert_eq!(left.len(), 1);
    assert!(service.vault().credentials().unwrap().is_empty());
}

#[tokio::test]
async fn a_viewer_cannot_trade_and_live_orders_need_the_arm() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    service
        .vault()
        .create(SecretString::from("correct horse battery"), Role::Viewer)
        .await
        .unwrap();
    let account = paper_account(&service).await;
    let err = service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "AAPL",
            dec!(1),
        ))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    assert!(
        service.blotter().await.unwrap().is_empty(),
        "nothing journaled"
    );

    let (_dir2, config) = config_pair();
    let service = BrokerageService::start(config).await.unwrap();
    trader(&service).await;
    service.attach(slow_parts("live", TradingMode::Live, Duration::ZERO));
    let ticket = market_buy("live", &AccountId::new("L-1"), "AAPL", dec!(1));
    let err = service.place_order(ticket.clone()).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Forbidden);
    service.vault().arm_live(Duration::from_secs(60)).unwrap();
    let err = service.place_order(ticket).await.unwrap_err();
    // Armed: the order reaches the connector (which takes no orders).
    assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
    assert!(err.to_string().contains("does not take orders"));
}

/// Serves a sandbox on its own runtime, as another process would; sending on the returned
/// channel stops it, closing every connection it had.
pub(crate) fn serve_elsewhere(config: brokerdesk_paper::SandboxConfig) -> (String, StopBroker) {
    let (url_tx, url_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            url_tx
                .send(format!("http://{}", listener.local_addr().unwrap()))
                .unwrap();
            // The server runs on the exchange's own thread: only the end of `serve` says its
            // listener and connections are closed, so wait for it rather than drop it.
            let stopped = async {
                let _ = stop_rx.await;
            };
            brokerdesk_paper::serve_with_shutdown(config, listener, stopped)
                .await
                .unwrap();
        });
    });
    (url_rx.recv().unwrap(), StopBroker(stop_tx, thread))
}

/// Stops a broker started by `serve_elsewhere` and waits until its sockets are closed.
pub(crate) struct StopBroker(
    tokio::sync::oneshot::Sender<()>,
    std::thread::JoinHandle<()>,
);

impl StopBroker {
    pub(crate) fn stop(self) {
        self.0.send(()).unwrap();
        self.1.join().unwrap();
    }
}

fn config_pair() -> (tempfile::TempDir, ServiceConfig) {
    config()
}

/// Reads in flight across every `Slow` vendor of a test, and the most seen at once.
#[derive(Default)]
struct InFlight {
    now: std::sync::atomic::AtomicUsize,
    max: std::sync::atomic::AtomicUsize,
}

/// A vendor that answers every read after `delay`.
struct Slow(Duration, Arc<InFlight>);

#[async_trait]
impl Portfolio for Slow {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.1.now.fetch_add(1, SeqCst) + 1;
        self.1.max.fetch_max(now, SeqCst);
        tokio::time::sleep(self.0).await;
        self.1.now.fetch_sub(1, SeqCst);
        Ok(vec![AccountId::new("S-1")])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Ok(Balances {
            currency: "USD".into(),
            cash: dec!(1),
            buying_power: dec!(1),
            equity: dec!(1),
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(Vec::new())
    }
}

struct Broken;

#[async_trait]
impl Portfolio for Broken {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Err(ConnectorError::NeedsSignIn("token expired".into()))
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        Err(ConnectorError::NeedsSignIn("token expired".into()))
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Err(ConnectorError::NeedsSignIn("token expired".into()))
    }
}

fn slow_parts(id: &str, mode: TradingMode, delay: Duration) -> ConnectionParts {
    slow_counted(id, mode, delay, Arc::default())
}

fn slow_counted(
    id: &str,
    mode: TradingMode,
    delay: Duration,
    counter: Arc<InFlight>,
) -> ConnectionParts {
    ConnectionParts {
        id: ConnectionId::new(id),
        vendor: VendorId::new("mock"),
        display_name: id.to_owned(),
        mode,
        portfolio: Arc::new(Slow(delay, counter)),
        trading: None,
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    }
}

#[tokio::test]
async fn reads_fan_out_and_one_failing_vendor_does_not_hide_the_others() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let counter = Arc::new(InFlight::default());
    for i in 0..8 {
        service.attach(slow_counted(
            &format!("slow-{i}"),
            TradingMode::Paper,
            Duration::from_millis(300),
            counter.clone(),
        ));
    }
    service.attach(ConnectionParts {
        portfolio: Arc::new(Broken),
        ..slow_parts("broken", TradingMode::Live, Duration::ZERO)
    });
    let overview = service.accounts_overview().await.unwrap();
    // All eight were asked at once, not one after another (the time is in the fan-out bench).
    assert_eq!(counter.max.load(std::sync::atomic::Ordering::SeqCst), 8);
    assert_eq!(overview.accounts.len(), 9);
    assert_eq!(overview.unreachable.len(), 1);
    assert_eq!(
        overview.unreachable[0].status,
        ConnectionStatus::NeedsSignIn("token expired".into())
    );
    let missing = service
        .connection_accounts(&ConnectionId::new("nope"))
        .await
        .unwrap_err();
    assert_eq!(missing.code(), ErrorCode::NotFound);
}

#[tokio::test]
async fn the_supervisor_follows_young_orders_every_tick_and_resting_ones_less_often() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    // An order journaled ten minutes ago and resting at the broker (a limit far below).
    let request = OrderRequest::limit(
        ClientOrderId::new("bd-resting-1"),
        Symbol::new("AAPL"),
        OrderSide::Buy,
        dec!(1),
        dec!(1),
    );
    let then = chrono::Utc::now() - chrono::TimeDelta::minutes(10);
    let journaled = request.clone();
    let on = account.clone();
    service
        .orders()
        .run(move |j| {
            j.record_submission(
                &ConnectionId::new(LOCAL_PAPER_CONNECTION),
                &on,
                &journaled,
                then,
            )
        })
        .await
        .unwrap();
    let url = service.app_info().sandbox_url.unwrap();
    let broker = AlpacaConnector::new(AlpacaConfig::local(&url), sandbox_key(&service)).unwrap();
    broker.submit_order(&account, &request).await.unwrap();

    assert_eq!(
        service.follow_orders(false).await.unwrap(),
        0,
        "resting: not every tick"
    );
    assert_eq!(
        service.follow_orders(true).await.unwrap(),
        1,
        "resting: on its turn"
    );
    let blotter = service.blotter().await.unwrap();
    assert_eq!(blotter[0].order.status, OrderStatus::New);
}

#[tokio::test]
async fn a_first_sync_of_many_slow_connections_reports_its_progress_once() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    // Slow, and each slower than the last: they answer one after another.
    for i in 0..5u64 {
        service.attach(slow_parts(
            &format!("slow-{i}"),
            TradingMode::Paper,
            Duration::from_millis(100 + 60 * i),
        ));
    }
    let mut events = service.subscribe();
    let progress = |events: &mut tokio::sync::broadcast::Receiver<ServiceEvent>| {
        let mut seen = Vec::new();
        while let Ok(event) = events.try_recv() {
            if let ServiceEvent::SyncProgress { done, total } = event {
                seen.push((done, total));
            }
        }
        seen
    };
    service.accounts_overview().await.unwrap();
    // The five slow ones and the local paper connection, each counted once as it answers.
    let seen = progress(&mut events);
    assert_eq!(
        seen,
        (0..=6).map(|done| (done, 6)).collect::<Vec<_>>(),
        "progress from 0 of 6 to 6 of 6"
    );
    // The next read is no first sync: nothing is reported.
    service.accounts_overview().await.unwrap();
    assert_eq!(progress(&mut events), Vec::new());
    // A connection opened later is a first sync of one.
    service.attach(slow_parts(
        "late",
        TradingMode::Paper,
        Duration::from_millis(50),
    ));
    service.accounts_overview().await.unwrap();
    assert_eq!(progress(&mut events), vec![(0, 1), (1, 1)]);
}
