//! Streams as the primary data path, each account priced by its own connection, and polling
//! only where there is no stream (and never against a 429's Retry-After).

use crate::service_tests::{config, market_buy, paper_account, trader};
use crate::{BrokerageService, ConnectionParts, LOCAL_PAPER_CONNECTION};
use async_trait::async_trait;
use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::types::{OrderFilter, OrderRequest};
use brokerdesk_connectors::{
    ConnectorError, MarketData, Portfolio, StreamControl, StreamHandle, StreamKind, StreamUpdate,
    Streams, Trading,
};
use brokerdesk_model::{
    AccountId, Balances, ClientOrderId, ConnectionId, ConnectionStatus, ErrorCode, Order, OrderId,
    OrderStatus, Position, PositionSide, PriceSource, Quote, ServiceEvent, Symbol, TradingMode,
    VendorId,
};
use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering::SeqCst};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc};

/// A broker in code: one account holding 2 AAPL priced `payload` in its positions, quoting
/// `quote`, taking orders, and counting every request it answers.
struct FakeBroker {
    payload: Decimal,
    quote: Decimal,
    requests: AtomicUsize,
    orders: Mutex<HashMap<ClientOrderId, Order>>,
    /// The test's end of the streams, once opened.
    stream: Mutex<Option<mpsc::Sender<StreamUpdate>>>,
    /// The broker's process is gone: every request fails.
    down: std::sync::atomic::AtomicBool,
}

impl FakeBroker {
    fn new(payload: Decimal, quote: Decimal) -> Arc<Self> {
        Arc::new(Self {
            payload,
            quote,
            requests: AtomicUsize::new(0),
            orders: Mutex::default(),
            stream: Mutex::default(),
            down: Default::default(),
        })
    }

    fn hit(&self) {
        self.requests.fetch_add(1, SeqCst);
    }

    fn requests(&self) -> usize {
        self.requests.load(SeqCst)
    }

    /// The broker fills `cid` on its own (nothing is pushed: the stream may be down).
    fn fill(&self, cid: &ClientOrderId, qty: Decimal, price: Decimal) -> Order {
        let mut orders = self.orders.lock().unwrap();
        let order = orders.get_mut(cid).unwrap();
        order.status = OrderStatus::Filled;
        order.filled_qty = qty;
        order.filled_avg_price = Some(price);
        order.clone()
    }

    async fn push(&self, update: StreamUpdate) {
        let tx = self.stream.lock().unwrap().clone().expect("streams open");
        tx.send(update).await.unwrap();
    }

    fn parts(self: &Arc<Self>, id: &str, market: bool, streams: bool) -> ConnectionParts {
        ConnectionParts {
            id: ConnectionId::new(id),
            vendor: VendorId::new("mock"),
            display_name: id.to_owned(),
            mode: TradingMode::Paper,
            portfolio: self.clone() as Arc<dyn Portfolio>,
            trading: Some(self.clone() as Arc<dyn Trading>),
            market: market.then(|| self.clone() as Arc<dyn MarketData>),
            streams: streams.then(|| self.clone() as Arc<dyn Streams>),
            latency: None,
            keep: Vec::new(),
        }
    }
}

#[async_trait]
impl Portfolio for FakeBroker {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.hit();
        if self.down.load(SeqCst) {
            return Err(ConnectorError::Unavailable("connection refused".into()));
        }
        Ok(vec![AccountId::new("F-1")])
    }
    async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
        self.hit();
        Ok(Balances {
            currency: "USD".into(),
            cash: dec!(100000),
            buying_power: dec!(100000),
            equity: dec!(100000),
        })
    }
    async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        self.hit();
        Ok(vec![Position {
            symbol: Symbol::new("AAPL"),
            side: PositionSide::Long,
            qty: dec!(2),
            avg_entry_price: dec!(50),
            cost_basis: dec!(100),
            current_price: self.payload,
            market_value: self.payload * dec!(2),
            unrealized_pl: (self.payload - dec!(50)) * dec!(2),
            asset_class: Default::default(),
        }])
    }
}

#[async_trait]
impl MarketData for FakeBroker {
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError> {
        self.hit();
        Ok(symbols
            .iter()
            .map(|s| Quote {
                symbol: s.clone(),
                bid: Some(self.quote),
                bid_size: None,
                ask: Some(self.quote),
                ask_size: None,
                last: Some(self.quote),
                timestamp: None,
            })
            .collect())
    }
}

#[async_trait]
impl Trading for FakeBroker {
    async fn submit_order(
        &self,
        _: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        self.hit();
        let mut order = crate::journal::placeholder_order(request, OrderStatus::New);
        order.id = OrderId::new(format!("o-{}", request.client_order_id));
        self.orders
            .lock()
            .unwrap()
            .insert(request.client_order_id.clone(), order.clone());
        Ok(order)
    }
    async fn cancel_order(&self, _: &AccountId, _: &OrderId) -> Result<(), ConnectorError> {
        self.hit();
        Ok(())
    }
    async fn orders(&self, _: &AccountId, _: &OrderFilter) -> Result<Vec<Order>, ConnectorError> {
        self.hit();
        Ok(self.orders.lock().unwrap().values().cloned().collect())
    }
    async fn order_by_client_id(
        &self,
        _: &AccountId,
        cid: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        self.hit();
        Ok(self.orders.lock().unwrap().get(cid).cloned())
    }
}

impl Streams for FakeBroker {
    fn open(&self) -> StreamHandle {
        let (tx, updates) = mpsc::channel(64);
        *self.stream.lock().unwrap() = Some(tx);
        let (quotes, _) = tokio::sync::watch::channel(Default::default());
        StreamHandle {
            updates,
            control: StreamControl::new(quotes, Vec::new()),
        }
    }
}

/// Waits (up to 10 s) for an event `wanted` accepts.
async fn event(
    events: &mut broadcast::Receiver<ServiceEvent>,
    wanted: impl Fn(&ServiceEvent) -> bool,
) -> ServiceEvent {
    tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let e = events.recv().await.unwrap();
            if wanted(&e) {
                return e;
            }
        }
    })
    .await
    .expect("the event came")
}

/// Waits until `check` holds.
async fn until(mut check: impl FnMut() -> bool) {
    for _ in 0..100 {
        if check() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("condition never held");
}

#[tokio::test]
async fn each_account_is_priced_by_its_own_connection_never_the_sandboxs() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let (a, b, c) = (
        FakeBroker::new(dec!(100), dec!(150)),
        FakeBroker::new(dec!(200), dec!(250)),
        FakeBroker::new(dec!(300), dec!(999)),
    );
    service.attach(a.parts("broker-a", true, false));
    service.attach(b.parts("broker-b", true, false));
    // No market data: its positions keep their own payload's price.
    service.attach(c.parts("broker-c", false, false));
    let aapl = [Symbol::new("aapl")];
    let sandbox = service
        .quotes(&ConnectionId::new(LOCAL_PAPER_CONNECTION), &aapl)
        .await
        .unwrap();
    assert_ne!(sandbox[0].last, Some(dec!(150)));

    // The ticket's quote comes from the account it trades in.
    let quote_a = service
        .quotes(&ConnectionId::new("broker-a"), &aapl)
        .await
        .unwrap();
    let quote_b = service
        .quotes(&ConnectionId::new("broker-b"), &aapl)
        .await
        .unwrap();
    assert_eq!(quote_a[0].last, Some(dec!(150)));
    assert_eq!(quote_b[0].last, Some(dec!(250)));
    let none = service
        .quotes(&ConnectionId::new("broker-c"), &aapl)
        .await
        .unwrap_err();
    assert_eq!(none.code(), ErrorCode::InvalidInput, "{none}");
    assert!(none.to_string().contains("no market data"), "{none}");

    let overview = service.accounts_overview().await.unwrap();
    let priced = |id: &str| {
        let s = overview
            .accounts
            .iter()
            .find(|s| s.connection.id.as_str() == id)
            .unwrap();
        (
            s.positions[0].clone(),
            s.prices[&Symbol::new("AAPL")],
            s.as_of,
        )
    };
    let (pa, sa, _) = priced("broker-a");
    assert_eq!((pa.current_price, pa.market_value), (dec!(150), dec!(300)));
    assert_eq!(pa.unrealized_pl, dec!(200));
    assert_eq!(sa, PriceSource::Quote { at: None });
    let (pb, sb, _) = priced("broker-b");
    assert_eq!(pb.current_price, dec!(250));
    assert_eq!(sb, PriceSource::Quote { at: None });
    let (pc, sc, as_of) = priced("broker-c");
    assert_eq!(
        pc.current_price,
        dec!(300),
        "its own payload, not anyone's quote"
    );
    assert_eq!(sc, PriceSource::Positions { as_of });
}

#[tokio::test]
async fn a_fill_while_the_stream_is_down_is_journaled_once_after_the_resync() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    // Orders on a connection of the user's own need a vault that lets them trade.
    trader(&service).await;
    let mut events = service.subscribe();
    let broker = FakeBroker::new(dec!(100), dec!(100));
    service.attach(broker.parts("streamed", true, true));
    service.listen(&service.connections().await);
    broker
        .push(StreamUpdate::Connected(StreamKind::Orders))
        .await;
    event(&mut events, |e| matches!(e, ServiceEvent::AccountsChanged)).await;

    let account = AccountId::new("F-1");
    let placed = service
        .place_order(market_buy("streamed", &account, "AAPL", dec!(3)))
        .await
        .unwrap();
    let cid = placed.order.client_order_id.clone().unwrap();
    // The stream reports the acceptance, then drops; the broker fills while it is down.
    broker
        .push(StreamUpdate::Order {
            order: placed.order.clone(),
            fill: None,
        })
        .await;
    broker
        .push(StreamUpdate::Disconnected {
            kind: StreamKind::Orders,
            reason: "killed".into(),
        })
        .await;
    let filled = broker.fill(&cid, dec!(3), dec!(101));
    // Back up: the resync asks for the order by its client id and journals the fill.
    broker
        .push(StreamUpdate::Connected(StreamKind::Orders))
        .await;
    let seen = event(
        &mut events,
        |e| matches!(e, ServiceEvent::Order(o) if o.order.status == OrderStatus::Filled),
    )
    .await;
    let ServiceEvent::Order(seen) = seen else {
        unreachable!()
    };
    assert_eq!(seen.order.filled_qty, dec!(3));
    // A late copy of the fill on the stream changes nothing.
    broker
        .push(StreamUpdate::Order {
            order: filled,
            fill: Some((dec!(101), dec!(3))),
        })
        .await;
    event(&mut events, |e| matches!(e, ServiceEvent::AccountsChanged)).await;

    let fills = service
        .orders()
        .run(move |j| j.fills(&ConnectionId::new("streamed"), &account))
        .await
        .unwrap();
    assert_eq!(fills.len(), 1, "{fills:?}");
    assert_eq!((fills[0].qty, fills[0].price), (dec!(3), dec!(101)));
    let blotter = service.blotter_entries().await.unwrap();
    assert_eq!(blotter[0].order.status, OrderStatus::Filled);
    assert_eq!(blotter[0].order.client_order_id, Some(cid));
}

#[tokio::test]
async fn with_streams_nothing_is_read_on_a_timer_without_them_it_is() {
    let (_dir, mut config) = config();
    config.refresh_every = Duration::from_millis(100);
    config.quote_poll_every = Duration::from_millis(100);
    let service = BrokerageService::start(config).await.unwrap();
    let streamed = FakeBroker::new(dec!(100), dec!(100));
    let polled = FakeBroker::new(dec!(100), dec!(100));
    service.attach(streamed.parts("streamed", true, true));
    service.attach(polled.parts("polled", true, false));
    let supervisor = tokio::spawn(service.clone().supervise());
    until(|| streamed.stream.lock().unwrap().is_some()).await;
    streamed
        .push(StreamUpdate::Connected(StreamKind::Orders))
        .await;
    // The connect's resync: one read of the account (accounts, balances, positions).
    until(|| streamed.requests() == 3).await;
    let after_resync = streamed.requests();
    tokio::time::sleep(Duration::from_millis(2500)).await;
    supervisor.abort();
    assert_eq!(
        streamed.requests(),
        after_resync,
        "no periodic reads with streams"
    );
    // The supervisor ticks each second: two rounds at least (3 requests a read).
    assert!(
        polled.requests() >= 2 * 3,
        "without streams it is polled: {}",
        polled.requests()
    );
}

#[tokio::test]
async fn a_429_with_retry_after_is_not_asked_again_before_then() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("retry-after", "30")
                .set_body_string(r#"{"code":42910000,"message":"rate limit exceeded"}"#),
        )
        .mount(&server)
        .await;
    let alpaca = Arc::new(
        AlpacaConnector::new(
            AlpacaConfig::local(server.uri()),
            AlpacaCredential::api_key("PK", "secret"),
        )
        .unwrap(),
    );
    service.attach(ConnectionParts {
        id: ConnectionId::new("limited"),
        vendor: VendorId::new("alpaca"),
        display_name: "Limited".into(),
        mode: TradingMode::Paper,
        portfolio: alpaca.clone() as Arc<dyn Portfolio>,
        trading: None,
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    });
    let overview = service.refresh().await;
    let limited = overview
        .unreachable
        .iter()
        .find(|c| c.id.as_str() == "limited")
        .unwrap();
    assert!(
        matches!(&limited.status, ConnectionStatus::Degraded(why) if why.contains("rate limited")),
        "{:?}",
        limited.status
    );
    // The supervisor's next rounds skip it until the 30 s are up.
    let connection = service
        .connection(&ConnectionId::new("limited"))
        .await
        .unwrap();
    let now = std::time::Instant::now();
    assert!(!connection.due(now + Duration::from_secs(25)));
    assert!(connection.due(now + Duration::from_secs(31)));
    service
        .refresh_where(|c| c.due(std::time::Instant::now()))
        .await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_sandbox_fill_reaches_the_blotter_through_the_stream_alone() {
    let (_dir, mut config) = config();
    config.rest_polling = false;
    let service = BrokerageService::start(config).await.unwrap();
    let account = paper_account(&service).await;
    let mut events = service.subscribe();
    let paper = service
        .connection(&ConnectionId::new(LOCAL_PAPER_CONNECTION))
        .await
        .unwrap();
    service.listen(std::slice::from_ref(&paper));
    until(|| !paper.polled()).await;
    // Connected: wait for the stream's resync read before the order goes.
    event(&mut events, |e| matches!(e, ServiceEvent::AccountsChanged)).await;
    let placed = service
        .place_order(market_buy(
            LOCAL_PAPER_CONNECTION,
            &account,
            "MSFT",
            dec!(2),
        ))
        .await
        .unwrap();
    let cid = placed.order.client_order_id.clone();
    // No blotter() call, no REST lookup: the trade update alone moves the journal.
    event(&mut events, |e| {
        matches!(e, ServiceEvent::Order(o) if o.order.client_order_id == cid
            && o.order.status == OrderStatus::Filled)
    })
    .await;
    let blotter = service.blotter_entries().await.unwrap();
    assert_eq!(blotter[0].order.status, OrderStatus::Filled);
    assert_eq!(blotter[0].order.filled_qty, dec!(2));
    // And its quotes stream for what is watched, as that connection's own.
    service
        .quotes(&paper.id, &[Symbol::new("MSFT")])
        .await
        .unwrap();
    let quotes = event(&mut events, |e| matches!(e, ServiceEvent::Quotes { .. })).await;
    let ServiceEvent::Quotes { connection, quotes } = quotes else {
        unreachable!()
    };
    assert_eq!(connection, paper.id);
    assert!(quotes.iter().all(|q| q.symbol.as_str() == "MSFT"));
}

#[test]
fn a_report_older_than_the_journal_never_takes_back_a_fill_or_reopens_an_order() {
    use brokerdesk_model::order::OrderSide;
    let dir = tempfile::tempdir().unwrap();
    let mut journal = crate::journal::Journal::open(&dir.path().join("orders.sqlite3")).unwrap();
    let (connection, account) = (ConnectionId::new("c"), AccountId::new("a"));
    let cid = ClientOrderId::new("bd-race");
    let request = OrderRequest::limit(
        cid.clone(),
        Symbol::new("AAPL"),
        OrderSide::Buy,
        dec!(3),
        dec!(10),
    );
    let now = chrono::Utc::now();
    journal
        .record_submission(&connection, &account, &request, now)
        .unwrap();
    let accepted = crate::journal::placeholder_order(&request, OrderStatus::New);
    let filled = Order {
        status: OrderStatus::Filled,
        filled_qty: dec!(3),
        filled_avg_price: Some(dec!(10)),
        ..accepted.clone()
    };
    // The stream's fill lands first; the submit's own reply ("accepted") comes after it.
    assert!(
        journal
            .record_broker_order(&cid, &filled, now)
            .unwrap()
            .is_some()
    );
    assert!(
        journal
            .record_broker_order(&cid, &accepted, now)
            .unwrap()
            .is_none()
    );
    let held = journal.order(&cid).unwrap().unwrap();
    assert_eq!(held.broker_order.unwrap().status, OrderStatus::Filled);
    assert_eq!(held.filled_qty, dec!(3));
    assert_eq!(journal.fills(&connection, &account).unwrap().len(), 1);
}

#[tokio::test]
async fn a_broker_that_goes_away_shows_disconnected_and_comes_back_connected() {
    let (_dir, config) = config();
    let service = BrokerageService::start(config).await.unwrap();
    let mut events = service.subscribe();
    let broker = FakeBroker::new(dec!(100), dec!(100));
    service.attach(broker.parts("streamed", true, true));
    service.listen(&service.connections().await);
    broker
        .push(StreamUpdate::Connected(StreamKind::Orders))
        .await;
    event(&mut events, |e| matches!(e, ServiceEvent::AccountsChanged)).await;

    // The process dies: its stream drops, and nothing polls a streaming connection, so the
    // drop itself must tell the user.
    broker.down.store(true, SeqCst);
    broker
        .push(StreamUpdate::Disconnected {
            kind: StreamKind::Orders,
            reason: "connection reset".into(),
        })
        .await;
    let seen = event(&mut events, |e| {
        matches!(e, ServiceEvent::Connection(c)
            if c.id.as_str() == "streamed"
            && matches!(c.status, ConnectionStatus::Disconnected(_)))
    })
    .await;
    assert!(matches!(seen, ServiceEvent::Connection(_)));

    broker.down.store(false, SeqCst);
    broker
        .push(StreamUpdate::Connected(StreamKind::Orders))
        .await;
    event(&mut events, |e| {
        matches!(e, ServiceEvent::Connection(c)
            if c.id.as_str() == "streamed" && c.status == ConnectionStatus::Connected)
    })
    .await;
}
