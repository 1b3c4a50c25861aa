//! The Alpaca connector: our types in, our types out, over the raw endpoints.

use super::config::AlpacaConfig;
use super::credential::AlpacaCredential;
use super::http::client as ep;
use super::http::error::is_duplicate_client_order_id;
use super::http::{AlpacaHttp, parse};
use crate::ConnectorError;
use crate::capability::{MarketData, Portfolio, Trading};
use crate::http::{HttpError, LatencySnapshot};
use crate::types::{
    Activity, Asset, Bar, MarketClock, Order, OrderFilter, OrderRequest, OrderStatusFilter,
    PortfolioHistory, Quote, ReplaceRequest, Snapshot, Trade,
};
use async_trait::async_trait;
use brokerdesk_model::position_detail::{BarTimeframe, PriceBar};
use brokerdesk_model::{AccountId, Balances, ClientOrderId, OrderId, Position, Symbol};
use chrono::{DateTime, Utc};
use tokio::sync::OnceCell;

#[derive(Debug)]
pub struct AlpacaConnector {
    pub(super) http: AlpacaHttp,
    config: AlpacaConfig,
    /// Kept for the streams, which authenticate in-band.
    credential: AlpacaCredential,
    /// Alpaca serves one account per credential; its number is learnt once.
    account_number: OnceCell<AccountId>,
}

impl AlpacaConnector {
    pub fn new(config: AlpacaConfig, credential: AlpacaCredential) -> Result<Self, ConnectorError> {
        let http = AlpacaHttp::new(&config, credential.clone())?;
        Ok(Self {
            http,
            config,
            credential,
            account_number: OnceCell::new(),
        })
    }

    /// Latency of the trading API, for the status display.
    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.trading.latency().snapshot()
    }

    pub fn raw(&self) -> &AlpacaHttp {
        &self.http
    }

    async fn account_id(&self) -> Result<&AccountId, ConnectorError> {
        self.account_number
            .get_or_try_init(|| async {
                let a = self.http.trading.send(&ep::GetAccount).await?;
                Ok::<_, ConnectorError>(AccountId::new(a.account_number))
            })
            .await
    }

    pub(super) async fn check(&self, account: &AccountId) -> Result<(), ConnectorError> {
        if self.account_id().await? == account {
            Ok(())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }

    /// The order with this client id, `None` if Alpaca has none (404).
    async fn lookup(&self, cid: &ClientOrderId) -> Result<Option<Order>, ConnectorError> {
        match self
            .http
            .trading
            .send(&ep::GetOrderByClientId(cid.as_str().to_owned()))
            .await
        {
            Ok(o) => parse::order(&o).map(Some),
            Err(HttpError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn order(&self, id: &OrderId) -> Result<Order, ConnectorError> {
        parse::order(
            &self
                .http
                .trading
                .send(&ep::GetOrder(id.as_str().to_owned()))
                .await?,
        )
    }

    /// Replaces a working order; Alpaca answers with the new order that replaces it.
    pub async fn replace_order(
        &self,
        id: &OrderId,
        change: &ReplaceRequest,
    ) -> Result<Order, ConnectorError> {
        let body = parse::replace_order(change);
        parse::order(
            &self
                .http
                .trading
                .send(&ep::ReplaceOrder(id.as_str().to_owned(), body))
                .await?,
        )
    }

    pub async fn assets(&self) -> Result<Vec<Asset>, ConnectorError> {
        let list = self
            .http
            .trading
            .send(&ep::ListAssets {
                status: Some("active"),
                asset_class: Some("us_equity"),
            })
            .await?;
        Ok(list.iter().map(parse::asset).collect())
    }

    pub async fn asset(&self, symbol: &Symbol) -> Result<Asset, ConnectorError> {
        Ok(parse::asset(
            &self
                .http
                .trading
                .send(&ep::GetAsset(symbol.as_str().to_owned()))
                .await?,
        ))
    }

    pub async fn clock(&self) -> Result<MarketClock, ConnectorError> {
        parse::clock(&self.http.trading.send(&ep::GetClock).await?)
    }

    /// One page of account activities, newest first; pass the last id as `page_token` for the
    /// next page.
    pub async fn activities(
        &self,
        activity_type: Option<&str>,
        page_size: Option<u32>,
        page_token: Option<&str>,
    ) -> Result<Vec<Activity>, ConnectorError> {
        let list = self
            .http
            .trading
            .send(&ep::ListActivities {
                activity_type: activity_type.map(str::to_owned),
                page_size,
                page_token: page_token.map(str::to_owned),
                after: None,
                until: None,
            })
            .await?;
        list.iter().map(parse::activity).collect()
    }

    pub async fn portfolio_history(
        &self,
        period: Option<&str>,
        timeframe: Option<&str>,
    ) -> Result<PortfolioHistory, ConnectorError> {
        let h = self
            .http
            .trading
            .send(&ep::GetPortfolioHistory {
                period: period.map(str::to_owned),
                timeframe: timeframe.map(str::to_owned),
            })
            .await?;
        parse::portfolio_history(&h)
    }

    fn symbols(&self, symbols: &[Symbol]) -> ep::Symbols {
        ep::Symbols {
            symbols: symbols.iter().map(|s| s.as_str().to_owned()).collect(),
            feed: self.config.feed.clone(),
        }
    }

    pub async fn latest_trades(&self, symbols: &[Symbol]) -> Result<Vec<Trade>, ConnectorError> {
        let r = self
            .http
            .data
            .send(&ep::LatestTrades(self.symbols(symbols)))
            .await?;
        r.trades.iter().map(|(s, t)| parse::trade(s, t)).collect()
    }

    pub async fn latest_bars(&self, symbols: &[Symbol]) -> Result<Vec<Bar>, ConnectorError> {
        let r = self
            .http
            .data
            .send(&ep::LatestBars(self.symbols(symbols)))
            .await?;
        r.bars.iter().map(|(s, b)| parse::bar(s, b)).collect()
    }

    pub async fn snapshots(&self, symbols: &[Symbol]) -> Result<Vec<Snapshot>, ConnectorError> {
        let r = self
            .http
            .data
            .send(&ep::Snapshots(self.symbols(symbols)))
            .await?;
        r.iter().map(|(s, snap)| parse::snapshot(s, snap)).collect()
    }

    /// Open orders, read again after a stream reconnect (streams do not backfill).
    pub async fn open_orders(&self) -> Result<Vec<Order>, ConnectorError> {
        let list = self
            .http
            .trading
            .send(&ep::ListOrders {
                status: "open",
                limit: Some(500),
                symbols: Vec::new(),
            })
            .await?;
        list.iter().map(parse::order).collect()
    }
}

#[async_trait]
impl Portfolio for AlpacaConnector {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![self.account_id().await?.clone()])
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        let a = self.http.trading.send(&ep::GetAccount).await?;
        if a.account_number != account.as_str() {
            return Err(ConnectorError::UnknownAccount(account.clone()));
        }
        Ok(parse::balances(&a))
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        self.check(account).await?;
        let list = self.http.trading.send(&ep::ListPositions).await?;
        list.iter().map(parse::position).collect()
    }
}

#[async_trait]
impl Trading for AlpacaConnector {
    /// Exactly once: the same client order id on every send; after an answer that leaves the
    /// outcome unknown (timeout, dropped connection, 5xx) the order is looked up by that id and
    /// adopted if it exists; a duplicate-id refusal means it exists, so it is adopted too.
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        self.check(account).await?;
        let cid = &request.client_order_id;
        let body = parse::new_order(request);
        let retry = &self.config.trading_policy.retry;
        let mut sends = 0;
        loop {
            sends += 1;
            let err = match self.http.trading.send(&ep::SubmitOrder(body.clone())).await {
                Ok(o) => return parse::order(&o),
                Err(e) => e,
            };
            if is_duplicate_client_order_id(&err) {
                tracing::info!(client_order_id = %cid, "order already exists; adopting it");
                return self.lookup(cid).await?.ok_or_else(|| {
                    ConnectorError::Unavailable(format!(
                        "Alpaca says order {cid} exists but cannot find it; look it up later"
                    ))
                });
            }
            if !err.outcome_unknown() {
                return Err(err.into());
            }
            tracing::warn!(client_order_id = %cid, error = %err, "order outcome unknown; looking it up");
            match self.lookup(cid).await {
                Ok(Some(order)) => return Ok(order),
                Ok(None) if sends < self.config.max_order_sends => {
                    tokio::time::sleep(retry.backoff(sends)).await;
                }
                Ok(None) => return Err(err.into()),
                Err(lookup_err) => {
                    return Err(ConnectorError::Unavailable(format!(
                        "order {cid} may or may not have been placed ({err}); looking it up \
                         failed too ({lookup_err}); look it up by its client order id before \
                         sending it again"
                    )));
                }
            }
        }
    }

    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError> {
        self.check(account).await?;
        self.http
            .trading
            .send(&ep::CancelOrder(order.as_str().to_owned()))
            .await?;
        Ok(())
    }

    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError> {
        self.check(account).await?;
        let status = match filter.status {
            OrderStatusFilter::Open => "open",
            OrderStatusFilter::Closed => "closed",
            OrderStatusFilter::All => "all",
        };
        let list = self
            .http
            .trading
            .send(&ep::ListOrders {
                status,
                limit: filter.limit,
                symbols: filter
                    .symbols
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect(),
            })
            .await?;
        list.iter().map(parse::order).collect()
    }

    async fn order_by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        self.check(account).await?;
        self.lookup(client_order_id).await
    }
}

#[async_trait]
impl MarketData for AlpacaConnector {
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError> {
        if symbols.is_empty() {
            return Ok(Vec::new());
        }
        let r = self
            .http
            .data
            .send(&ep::LatestQuotes(self.symbols(symbols)))
            .await?;
        r.quotes.iter().map(|(s, q)| parse::quote(s, q)).collect()
    }

    async fn bars(
        &self,
        symbol: &Symbol,
        timeframe: BarTimeframe,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limit: u32,
    ) -> Result<Option<Vec<PriceBar>>, ConnectorError> {
        // Newest first so the limit keeps the newest; pages followed until the limit is met
        // (Alpaca caps a page at 10,000 bars; a few pages at most for a chart).
        const MAX_PAGES: usize = 20;
        let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        let mut out: Vec<PriceBar> = Vec::new();
        let mut page_token = None;
        for _ in 0..MAX_PAGES {
            let want = limit.saturating_sub(u32::try_from(out.len()).unwrap_or(u32::MAX));
            if want == 0 {
                break;
            }
            let page = self
                .http
                .data
                .send(&ep::SymbolBars {
                    symbol: symbol.as_str().to_owned(),
                    timeframe: match timeframe {
                        BarTimeframe::Minute => "1Min",
                        BarTimeframe::FiveMinutes => "5Min",
                        BarTimeframe::Hour => "1Hour",
                        BarTimeframe::Day => "1Day",
                    },
                    start: rfc(start),
                    end: rfc(end),
                    limit: want.min(10_000),
                    feed: self.config.feed.clone(),
                    sort: "desc",
                    page_token: page_token.take(),
                })
                .await?;
            for b in page.bars.iter().flatten() {
                let bar = parse::bar(symbol.as_str(), b)?;
                out.push(PriceBar {
                    time: bar.timestamp,
                    open: bar.open,
                    high: bar.high,
                    low: bar.low,
                    close: bar.close,
                    volume: bar.volume,
                });
            }
            match page.next_page_token.filter(|t| !t.is_empty()) {
                Some(t) => page_token = Some(t),
                None => break,
            }
        }
        // Whatever order the server used, the chart wants oldest first, one bar per time.
        out.sort_by_key(|b| b.time);
        out.dedup_by_key(|b| b.time);
        let keep = usize::try_from(limit).unwrap_or(usize::MAX);
        if out.len() > keep {
            out.drain(..out.len() - keep);
        }
        Ok(Some(out))
    }
}

impl AlpacaConnector {
    /// The trade-updates stream at the configured URL; it re-reads this connector's open orders
    /// after each (re)connect. `spawn()` it to start.
    pub fn trade_updates_stream(self: &std::sync::Arc<Self>) -> super::websocket::AlpacaStream {
        let me = std::sync::Arc::clone(self);
        let resync: super::websocket::ResyncFn = std::sync::Arc::new(move || {
            let me = std::sync::Arc::clone(&me);
            Box::pin(async move { me.open_orders().await })
        });
        super::websocket::AlpacaStream::trade_updates(
            self.config.trade_stream_url.clone(),
            self.credential.clone(),
            resync,
        )
    }

    /// The market data stream of the configured feed. `spawn()` it to start.
    pub fn market_data_stream(
        &self,
        subscriptions: super::websocket::Subscriptions,
    ) -> super::websocket::AlpacaStream {
        super::websocket::AlpacaStream::market_data(
            format!("{}/{}", self.config.data_stream_url, self.config.feed),
            self.credential.clone(),
            subscriptions,
        )
    }
}

/// Both streams: trade updates (order status and fills) and quotes for the watched symbols.
/// Trade updates skip the stream's own open-order re-read: the consumer resyncs on
/// `Connected` with what it knows to ask about (its own orders, by client id).
impl crate::capability::Streams for AlpacaConnector {
    fn open(&self) -> crate::capability::StreamHandle {
        use super::websocket::{AlpacaStream, StreamEvent, Subscriptions};
        use crate::capability::{StreamKind, StreamUpdate};
        let (tx, updates) = tokio::sync::mpsc::channel(1024);
        let (watched, symbols) =
            tokio::sync::watch::channel(std::collections::BTreeSet::<Symbol>::new());
        let (subs_tx, subs_rx) = tokio::sync::watch::channel(Subscriptions::default());
        let no_resync: super::websocket::ResyncFn =
            std::sync::Arc::new(|| Box::pin(async { Ok(Vec::new()) }));
        let orders = AlpacaStream::trade_updates(
            self.config.trade_stream_url.clone(),
            self.credential.clone(),
            no_resync,
        );
        let quotes = AlpacaStream::market_data_following(
            format!("{}/{}", self.config.data_stream_url, self.config.feed),
            self.credential.clone(),
            subs_rx,
        );
        let (order_events, order_task) = orders.spawn();
        let (quote_events, quote_task) = quotes.spawn();
        let forward = |kind: StreamKind,
                       mut events: tokio::sync::mpsc::Receiver<StreamEvent>,
                       tx: tokio::sync::mpsc::Sender<StreamUpdate>| async move {
            while let Some(event) = events.recv().await {
                let update = match event {
                    StreamEvent::Connected => StreamUpdate::Connected(kind),
                    StreamEvent::Disconnected { reason, .. } => {
                        StreamUpdate::Disconnected { kind, reason }
                    }
                    StreamEvent::Stopped(reason) => StreamUpdate::Stopped { kind, reason },
                    StreamEvent::Quote(quote) => StreamUpdate::Quote(quote),
                    StreamEvent::OrderUpdate {
                        order, price, qty, ..
                    } => StreamUpdate::Order {
                        order,
                        fill: price.zip(qty),
                    },
                    StreamEvent::Trade(_) | StreamEvent::Bar(_) | StreamEvent::OpenOrders(_) => {
                        continue;
                    }
                };
                if tx.send(update).await.is_err() {
                    return;
                }
            }
        };
        // The watched symbols, as the market data stream's quote subscriptions.
        let follow = async move {
            let mut symbols = symbols;
            loop {
                let quotes: Vec<String> = symbols
                    .borrow_and_update()
                    .iter()
                    .map(|s| s.as_str().to_owned())
                    .collect();
                subs_tx.send_replace(Subscriptions {
                    quotes,
                    ..Subscriptions::default()
                });
                if symbols.changed().await.is_err() {
                    return;
                }
            }
        };
        let tasks = vec![
            order_task,
            quote_task,
            tokio::spawn(forward(StreamKind::Orders, order_events, tx.clone())),
            tokio::spawn(forward(StreamKind::Quotes, quote_events, tx)),
            tokio::spawn(follow),
        ];
        crate::capability::StreamHandle {
            updates,
            control: crate::capability::StreamControl::new(watched, tasks),
        }
    }
}
