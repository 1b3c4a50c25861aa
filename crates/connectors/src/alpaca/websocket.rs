//! Alpaca's two streams: market data (quotes, trades, bars) and trade updates (order events).
//! One supervisor loop for both: connect, authenticate, subscribe, read; on any drop, back off
//! (with jitter), reconnect, authenticate and subscribe again. Streams do not backfill, so the
//! trade-updates stream re-reads open orders over REST after every (re)connect.

use super::credential::AlpacaCredential;
use super::http::{models as m, parse};
use crate::ConnectorError;
use crate::http::RetryPolicy;
use crate::types::{Bar, Order, Quote, Trade};
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use rust_decimal::Decimal;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;

pub const MARKET_DATA_IEX_URL: &str = "wss://stream.data.alpaca.markets/v2/iex";
pub const PAPER_TRADE_UPDATES_URL: &str = "wss://paper-api.alpaca.markets/stream";
pub const LIVE_TRADE_UPDATES_URL: &str = "wss://api.alpaca.markets/stream";

#[derive(Clone, Debug, PartialEq)]
pub enum StreamEvent {
    Connected,
    /// The connection dropped; a reconnect follows after `retry_in`.
    Disconnected {
        reason: String,
        retry_in: Duration,
    },
    Quote(Quote),
    Trade(Trade),
    Bar(Bar),
    /// An order event (`new`, `fill`, `partial_fill`, `canceled`, …) with the order as it now is.
    OrderUpdate {
        event: String,
        order: Order,
        price: Option<Decimal>,
        qty: Option<Decimal>,
    },
    /// Open orders read over REST after (re)connecting: the state to reconcile against.
    OpenOrders(Vec<Order>),
    /// The stream stopped for good (credentials refused).
    Stopped(String),
}

/// Market data subscriptions, re-sent after every reconnect.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Subscriptions {
    pub quotes: Vec<String>,
    pub trades: Vec<String>,
    pub bars: Vec<String>,
}

/// Reads open orders over REST (the connector's `open_orders`).
pub type ResyncFn =
    Arc<dyn Fn() -> BoxFuture<'static, Result<Vec<Order>, ConnectorError>> + Send + Sync>;

#[derive(Clone)]
enum Kind {
    /// Follows the subscriptions: re-sent after every reconnect, changed in place.
    MarketData(watch::Receiver<Subscriptions>),
    TradeUpdates(ResyncFn),
}

pub struct AlpacaStream {
    url: String,
    credential: AlpacaCredential,
    kind: Kind,
    backoff: RetryPolicy,
    /// Keeps fixed subscriptions' channel open (a closed one would wake the loop forever).
    _fixed: Option<watch::Sender<Subscriptions>>,
}

/// Why one connection ended.
enum End {
    /// Try again.
    Dropped(String),
    /// Do not try again.
    Fatal(String),
    /// Nobody listens any more.
    ReceiverGone,
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(rename = "T", borrow)]
    t: Option<&'a str>,
    #[serde(default)]
    msg: Option<String>,
    #[serde(default)]
    code: Option<i64>,
    #[serde(rename = "S", default)]
    symbol: Option<String>,
}

#[derive(Deserialize)]
struct TradeUpdateEnvelope {
    stream: String,
    data: Box<RawValue>,
}

#[derive(Deserialize)]
struct TradeUpdate {
    event: String,
    order: m::Order,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    price: Option<Decimal>,
    #[serde(default, deserialize_with = "crate::decimal::exact_opt")]
    qty: Option<Decimal>,
}

#[derive(Deserialize)]
struct ListenReply {
    stream: String,
    #[serde(default)]
    data: Option<serde_json::Value>,
}

impl AlpacaStream {
    pub fn market_data(
        url: impl Into<String>,
        credential: AlpacaCredential,
        subs: Subscriptions,
    ) -> Self {
        let (fixed, subs) = watch::channel(subs);
        Self {
            _fixed: Some(fixed),
            ..Self::market_data_following(url, credential, subs)
        }
    }

    /// A market data stream whose subscriptions follow `subs`: each change is sent on the live
    /// connection as `subscribe`/`unsubscribe` of the difference.
    pub fn market_data_following(
        url: impl Into<String>,
        credential: AlpacaCredential,
        subs: watch::Receiver<Subscriptions>,
    ) -> Self {
        Self {
            url: url.into(),
            credential,
            kind: Kind::MarketData(subs),
            backoff: RetryPolicy::default(),
            _fixed: None,
        }
    }

    pub fn trade_updates(
        url: impl Into<String>,
        credential: AlpacaCredential,
        resync: ResyncFn,
    ) -> Self {
        Self {
            url: url.into(),
            credential,
            kind: Kind::TradeUpdates(resync),
            backoff: RetryPolicy::default(),
            _fixed: None,
        }
    }

    pub fn with_backoff(mut self, backoff: RetryPolicy) -> Self {
        self.backoff = backoff;
        self
    }

    /// Runs until the receiver is dropped or the credentials are refused.
    pub fn spawn(self) -> (mpsc::Receiver<StreamEvent>, tokio::task::JoinHandle<()>) {
        let (tx, rx) = mpsc::channel(1024);
        let handle = tokio::spawn(async move { self.supervise(tx).await });
        (rx, handle)
    }

    async fn supervise(self, tx: mpsc::Sender<StreamEvent>) {
        let mut failures = 0u32;
        loop {
            let (end, was_up) = self.connect_once(&tx).await;
            match end {
                End::ReceiverGone => return,
                End::Fatal(reason) => {
                    let _ = tx.send(StreamEvent::Stopped(reason)).await;
                    return;
                }
                End::Dropped(reason) => {
                    failures = if was_up {
                        1
                    } else {
                        failures.saturating_add(1)
                    };
                    let retry_in = self.backoff.backoff(failures);
                    tracing::info!(%reason, ?retry_in, "alpaca stream dropped");
                    if tx
                        .send(StreamEvent::Disconnected { reason, retry_in })
                        .await
                        .is_err()
                    {
                        return;
                    }
                    tokio::time::sleep(retry_in).await;
                }
            }
        }
    }

    fn auth_message(&self) -> Result<String, End> {
        let v = match (&self.kind, &self.credential) {
            (Kind::MarketData(_), AlpacaCredential::ApiKey { key_id, secret_key }) => {
                serde_json::json!({
                    "action": "auth", "key": key_id, "secret": secret_key.expose_secret()
                })
            }
            (Kind::MarketData(_), AlpacaCredential::OAuth { .. }) => {
                return Err(End::Fatal("the market data stream needs an API key".into()));
            }
            (Kind::TradeUpdates(_), AlpacaCredential::ApiKey { key_id, secret_key }) => {
                serde_json::json!({
                    "action": "authenticate",
                    "data": { "key_id": key_id, "secret_key": secret_key.expose_secret() }
                })
            }
            (Kind::TradeUpdates(_), AlpacaCredential::OAuth { access_token }) => {
                serde_json::json!({
                    "action": "authenticate", "data": { "oauth_token": access_token.expose_secret() }
                })
            }
        };
        Ok(v.to_string())
    }

    /// One connection's life. Returns how it ended and whether it got as far as subscribed.
    async fn connect_once(&self, tx: &mpsc::Sender<StreamEvent>) -> (End, bool) {
        let auth = match self.auth_message() {
            Ok(a) => a,
            Err(e) => return (e, false),
        };
        let (mut ws, _) = match tokio_tungstenite::connect_async(self.url.as_str()).await {
            Ok(c) => c,
            Err(e) => return (End::Dropped(format!("connect: {e}")), false),
        };
        if let Kind::MarketData(_) = self.kind {
            // The server greets first: [{"T":"success","msg":"connected"}].
            if let Err(end) = next_text(&mut ws).await {
                return (end, false);
            }
        }
        if let Err(e) = ws.send(Message::text(auth)).await {
            return (End::Dropped(format!("send: {e}")), false);
        }
        // Authentication answer.
        let reply = match next_text(&mut ws).await {
            Ok(t) => t,
            Err(end) => return (end, false),
        };
        if let Err(end) = check_auth(&self.kind, &reply) {
            return (end, false);
        }
        let mut following = match &self.kind {
            Kind::MarketData(subs) => Some(subs.clone()),
            Kind::TradeUpdates(_) => None,
        };
        let mut subscribed = Subscriptions::default();
        let subscribe = match following.as_mut() {
            Some(subs) => {
                let now = subs.borrow_and_update().clone();
                let message = change_message("subscribe", &now, &subscribed);
                subscribed = now;
                message
            }
            None => Some(serde_json::json!({
                "action": "listen", "data": { "streams": ["trade_updates"] }
            })),
        };
        if let Some(subscribe) = subscribe
            && let Err(e) = ws.send(Message::text(subscribe.to_string())).await
        {
            return (End::Dropped(format!("send: {e}")), false);
        }
        if let Kind::TradeUpdates(_) = self.kind {
            // Up only once the server says it listens: a resync before that could miss a fill
            // made between its read and the server taking the `listen`.
            match next_text(&mut ws).await {
                Ok(reply) => {
                    if let Err(end) = check_listening(&reply) {
                        return (end, false);
                    }
                }
                Err(end) => return (end, false),
            }
        }
        if tx.send(StreamEvent::Connected).await.is_err() {
            return (End::ReceiverGone, true);
        }
        if let Kind::TradeUpdates(resync) = &self.kind {
            match resync().await {
                Ok(orders) => {
                    if tx.send(StreamEvent::OpenOrders(orders)).await.is_err() {
                        return (End::ReceiverGone, true);
                    }
                }
                Err(e) => return (End::Dropped(format!("re-reading open orders: {e}")), true),
            }
        }
        loop {
            let next = match following.as_mut() {
                Some(subs) => tokio::select! {
                    text = next_text(&mut ws) => Some(text),
                    changed = subs.changed() => {
                        if changed.is_err() {
                            // Whoever set the subscriptions is gone: so is the listener.
                            return (End::ReceiverGone, true);
                        }
                        let now = subs.borrow_and_update().clone();
                        for message in [
                            change_message("unsubscribe", &subscribed, &now),
                            change_message("subscribe", &now, &subscribed),
                        ]
                        .into_iter()
                        .flatten()
                        {
                            if let Err(e) = ws.send(Message::text(message.to_string())).await {
                                return (End::Dropped(format!("send: {e}")), true);
                            }
                        }
                        subscribed = now;
                        None
                    }
                },
                None => Some(next_text(&mut ws).await),
            };
            let Some(text) = next else { continue };
            let text = match text {
                Ok(t) => t,
                Err(end) => return (end, true),
            };
            let events = match &self.kind {
                Kind::MarketData(_) => market_events(&text),
                Kind::TradeUpdates(_) => trade_update_events(&text),
            };
            match events {
                Ok(events) => {
                    for e in events {
                        if tx.send(e).await.is_err() {
                            return (End::ReceiverGone, true);
                        }
                    }
                }
                Err(end) => return (end, true),
            }
        }
    }
}

/// `action` (subscribe or unsubscribe) for what `wanted` has and `except` has not; `None`
/// when that is nothing.
fn change_message(
    action: &str,
    wanted: &Subscriptions,
    except: &Subscriptions,
) -> Option<serde_json::Value> {
    let minus = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|s| !b.contains(s)).cloned().collect()
    };
    let quotes = minus(&wanted.quotes, &except.quotes);
    let trades = minus(&wanted.trades, &except.trades);
    let bars = minus(&wanted.bars, &except.bars);
    if quotes.is_empty() && trades.is_empty() && bars.is_empty() {
        return None;
    }
    Some(serde_json::json!({
        "action": action, "quotes": quotes, "trades": trades, "bars": bars
    }))
}

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

/// The next text payload; Alpaca's paper trade stream sends binary frames of the same JSON.
async fn next_text(ws: &mut Ws) -> Result<String, End> {
    loop {
        match ws.next().await {
            None => return Err(End::Dropped("closed".into())),
            Some(Err(e)) => return Err(End::Dropped(e.to_string())),
            Some(Ok(Message::Text(t))) => return Ok(t.to_string()),
            Some(Ok(Message::Binary(b))) => return Ok(String::from_utf8_lossy(&b).into_owned()),
            Some(Ok(Message::Close(f))) => {
                return Err(End::Dropped(
                    f.map_or("closed".into(), |f| f.reason.to_string()),
                ));
            }
            Some(Ok(_)) => continue, // ping/pong are answered by tungstenite
        }
    }
}

fn check_auth(kind: &Kind, reply: &str) -> Result<(), End> {
    match kind {
        Kind::MarketData(_) => {
            let items: Vec<Box<RawValue>> = serde_json::from_str(reply)
                .map_err(|e| End::Dropped(format!("auth reply: {e}")))?;
            for item in &items {
                let tag: Tag<'_> = serde_json::from_str(item.get())
                    .map_err(|e| End::Dropped(format!("auth reply: {e}")))?;
                match (tag.t, tag.msg.as_deref()) {
                    (Some("success"), Some("authenticated")) => return Ok(()),
                    // 402 auth failed, 401 not authenticated: retrying will not help.
                    (Some("error"), msg) if matches!(tag.code, Some(401 | 402)) => {
                        return Err(End::Fatal(
                            msg.unwrap_or("authentication failed").to_owned(),
                        ));
                    }
                    (Some("error"), msg) => {
                        return Err(End::Dropped(msg.unwrap_or("stream error").to_owned()));
                    }
                    _ => {}
                }
            }
            Err(End::Dropped("no authentication answer".into()))
        }
        Kind::TradeUpdates(_) => {
            let r: ListenReply = serde_json::from_str(reply)
                .map_err(|e| End::Dropped(format!("auth reply: {e}")))?;
            let status = r
                .data
                .as_ref()
                .and_then(|d| d.get("status"))
                .and_then(|s| s.as_str());
            match (r.stream.as_str(), status) {
                ("authorization", Some("authorized")) => Ok(()),
                ("authorization", _) => {
                    Err(End::Fatal("trade stream refused the credentials".into()))
                }
                _ => Err(End::Dropped("unexpected first message".into())),
            }
        }
    }
}

/// The answer to `listen`: `{"stream":"listening","data":{"streams":["trade_updates"]}}`.
fn check_listening(reply: &str) -> Result<(), End> {
    let r: ListenReply =
        serde_json::from_str(reply).map_err(|e| End::Dropped(format!("listen reply: {e}")))?;
    let streams = r.data.as_ref().and_then(|d| d.get("streams"));
    let listening = streams
        .and_then(|s| s.as_array())
        .is_some_and(|s| s.iter().any(|s| s == "trade_updates"));
    match (r.stream.as_str(), listening) {
        ("listening", true) => Ok(()),
        ("listening", false) => Err(End::Dropped(format!(
            "the server does not listen to trade_updates: {}",
            r.data.map_or_else(String::new, |d| d.to_string())
        ))),
        (other, _) => Err(End::Dropped(format!(
            "expected the answer to listen, got a {other:?} message"
        ))),
    }
}

fn market_events(text: &str) -> Result<Vec<StreamEvent>, End> {
    let items: Vec<Box<RawValue>> = match serde_json::from_str(text) {
        Ok(i) => i,
        Err(e) => {
            tracing::warn!(error = %e, "unreadable market data message skipped");
            return Ok(Vec::new());
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let raw = item.get();
        let Ok(tag) = serde_json::from_str::<Tag<'_>>(raw) else {
            continue;
        };
        let symbol = tag.symbol.clone().unwrap_or_default();
        let event = match tag.t {
            Some("q") => serde_json::from_str::<m::Quote>(raw)
                .ok()
                .and_then(|q| parse::quote(&symbol, &q).ok())
                .map(StreamEvent::Quote),
            Some("t") => serde_json::from_str::<m::Trade>(raw)
                .ok()
                .and_then(|t| parse::trade(&symbol, &t).ok())
                .map(StreamEvent::Trade),
            Some("b") => serde_json::from_str::<m::Bar>(raw)
                .ok()
                .and_then(|b| parse::bar(&symbol, &b).ok())
                .map(StreamEvent::Bar),
            // 406 connection limit, 407 slow client and the like: reconnect later.
            Some("error") => {
                return Err(End::Dropped(
                    tag.msg.unwrap_or_else(|| "stream error".into()),
                ));
            }
            _ => None,
        };
        out.extend(event);
    }
    Ok(out)
}

fn trade_update_events(text: &str) -> Result<Vec<StreamEvent>, End> {
    let Ok(env) = serde_json::from_str::<TradeUpdateEnvelope>(text) else {
        tracing::warn!("unreadable trade stream message skipped");
        return Ok(Vec::new());
    };
    if env.stream != "trade_updates" {
        return Ok(Vec::new());
    }
    let Ok(update) = serde_json::from_str::<TradeUpdate>(env.data.get()) else {
        tracing::warn!("unreadable trade update skipped");
        return Ok(Vec::new());
    };
    match parse::order(&update.order) {
        Ok(order) => Ok(vec![StreamEvent::OrderUpdate {
            event: update.event,
            order,
            price: update.price,
            qty: update.qty,
        }]),
        Err(e) => {
            tracing::warn!(error = %e, "trade update with an unreadable order skipped");
            Ok(Vec::new())
        }
    }
}
