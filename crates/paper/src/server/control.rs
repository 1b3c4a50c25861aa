//! The sandbox's own controls, which Alpaca has no word for: where prices come from (the seeded
//! simulation or a replayed file), moving a price by hand, and resetting an account. Served
//! under `/v2/sandbox/...` behind the same credentials as the rest of the API, and offered to
//! embedders as methods of [`super::Sandbox`].

use axum::extract::{Path, State as AxState};
use axum::routing::post;
use axum::{Json, Router};
use brokerdesk_model::{AccountId, Symbol};
use chrono::Utc;
use rust_decimal::Decimal;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

use super::auth::Authed;
use super::extract::AlpacaJson;
use super::{ApiError, AppState, ExchangeGone, ExchangeHandle, SandboxError};
use crate::engine::validate::{MAX_PRICE, price_dp};
use crate::engine::{CommandKind, Event};
use crate::quotes::{CsvReplay, QuoteSource, ReplayEnd, trade_with_quote};

/// Where the sandbox's prices come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PriceSource {
    /// The seeded random walk (the default).
    #[default]
    Simulated,
    /// A user's CSV of quotes, trades or bars, replayed at its own pace.
    Replay { path: PathBuf, at_end: ReplayEnd },
}

/// Opens a replay file: Parquet by its `.parquet` extension, CSV otherwise.
pub fn open_replay(path: &std::path::Path, at_end: ReplayEnd) -> Result<CsvReplay, SandboxError> {
    let file = std::fs::File::open(path).map_err(|source| SandboxError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let parquet = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let replay = if parquet {
        crate::quotes::parquet_replay::from_parquet(file, 1)?
    } else {
        CsvReplay::from_reader(std::io::BufReader::new(file), 1)?
    };
    Ok(replay.at_end(at_end))
}

/// What the feed task is asked to do besides ticking.
pub(crate) enum FeedMsg {
    /// Move a price now, and continue the simulation from there.
    SetPrice {
        symbol: Symbol,
        price: Decimal,
        reply: oneshot::Sender<Result<Vec<Event>, ExchangeGone>>,
    },
    /// Take prices from `source` from now on.
    Source {
        source: Box<dyn QuoteSource>,
        reply: oneshot::Sender<()>,
    },
}

/// Polls the source every `every` and applies what it says; between ticks, obeys `ctl`. One
/// task does both, so a price set by hand is never overwritten by a tick computed before it.
pub(crate) async fn feed(
    handle: ExchangeHandle,
    mut source: Box<dyn QuoteSource>,
    every: Duration,
    mut ctl: mpsc::UnboundedReceiver<FeedMsg>,
) {
    let mut interval = tokio::time::interval(every);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut open = true;
    loop {
        tokio::select! {
            _ = interval.tick() => {
                let updates = source.poll(Utc::now());
                let kind = if updates.is_empty() {
                    CommandKind::Clock
                } else {
                    CommandKind::Market(updates)
                };
                // Refused only while the exchange rebuilds after a failure: skip this tick.
                let _ = handle.apply(kind).await;
            }
            msg = ctl.recv(), if open => match msg {
                Some(FeedMsg::SetPrice { symbol, price, reply }) => {
                    source.set_price(&symbol, price);
                    let r = handle.apply(CommandKind::Market(trade_with_quote(symbol.clone(), price, Decimal::ONE_HUNDRED))).await;
                    let _ = reply.send(r);
                }
                Some(FeedMsg::Source { source: next, reply }) => {
                    source = next;
                    let _ = reply.send(());
                }
                None => open = false,
            },
        }
    }
}

/// A price a user may set: positive, within the order price cap, in whole cents above $1 and
/// hundredths of a cent below (Rule 612, as orders are).
pub(crate) fn check_price(price: Decimal) -> Result<Decimal, ApiError> {
    if price <= Decimal::ZERO || price > MAX_PRICE {
        return Err(ApiError::unprocessable(format!(
            "price must be > 0 and <= {MAX_PRICE}"
        )));
    }
    if price.normalize().scale() > price_dp(price) {
        return Err(ApiError::unprocessable(format!(
            "invalid price {price}. sub-penny increment does not fulfill minimum pricing criteria"
        )));
    }
    Ok(price)
}

impl AppState {
    pub(crate) async fn set_price(&self, symbol: Symbol, price: Decimal) -> Result<(), ApiError> {
        let price = check_price(price)?;
        let listed = self
            .handle
            .read({
                let symbol = symbol.clone();
                move |s| s.engine.asset(&symbol).is_some()
            })
            .await?;
        if !listed {
            return Err(ApiError::not_found(format!("asset \"{symbol}\" not found")));
        }
        let (reply, rx) = oneshot::channel();
        self.feed
            .send(FeedMsg::SetPrice {
                symbol,
                price,
                reply,
            })
            .map_err(|_| ExchangeGone)?;
        rx.await.map_err(|_| ExchangeGone)??;
        Ok(())
    }

    pub(crate) async fn reset(
        &self,
        account: AccountId,
        cash: Option<Decimal>,
    ) -> Result<(), ApiError> {
        let cash = cash.unwrap_or(self.cash);
        let events = self
            .handle
            .apply(CommandKind::ResetAccount { account, cash })
            .await?;
        match events.into_iter().find_map(|e| match e {
            Event::Rejected { rejection, .. } => Some(rejection),
            _ => None,
        }) {
            Some(r) => Err(r.into()),
            None => Ok(()),
        }
    }

    pub(crate) async fn set_source(
        &self,
        source: Box<dyn QuoteSource>,
    ) -> Result<(), ExchangeGone> {
        let (reply, rx) = oneshot::channel();
        self.feed
            .send(FeedMsg::Source { source, reply })
            .map_err(|_| ExchangeGone)?;
        rx.await.map_err(|_| ExchangeGone)
    }
}

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/sandbox/prices/{symbol}", post(set_price))
        .route("/v2/sandbox/reset", post(reset))
}

/// The JSON object a control takes. Only an object: serde would read a struct from an array
/// too, and `[true]` must not confirm a reset.
fn object(body: Value) -> Result<serde_json::Map<String, Value>, ApiError> {
    match body {
        Value::Object(m) => Ok(m),
        _ => Err(ApiError::unprocessable(
            "request body must be a JSON object",
        )),
    }
}

/// A decimal field given as a string (`"190.00"`, as Alpaca sends prices) or a JSON number.
fn decimal(m: &serde_json::Map<String, Value>, name: &str) -> Result<Option<Decimal>, ApiError> {
    let bad = || ApiError::unprocessable(format!("invalid {name}"));
    match m.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => s.trim().parse().map(Some).map_err(|_| bad()),
        Some(Value::Number(n)) => n.to_string().parse().map(Some).map_err(|_| bad()),
        Some(_) => Err(bad()),
    }
}

async fn set_price(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(symbol): Path<String>,
    AlpacaJson(body): AlpacaJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let body = object(body)?;
    let price =
        decimal(&body, "price")?.ok_or_else(|| ApiError::unprocessable("price is required"))?;
    let symbol = Symbol::new(&symbol);
    app.set_price(symbol.clone(), price).await?;
    Ok(Json(
        json!({ "symbol": symbol.as_str(), "price": price.normalize().to_string() }),
    ))
}

/// `{"confirm": true}` (exactly `true`: a reset forgets every order, fill and position of the
/// account), and optionally `"cash"`, the starting cash after it (default: what new accounts
/// start with).
async fn reset(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaJson(body): AlpacaJson<Value>,
) -> Result<Json<Value>, ApiError> {
    let body = object(body)?;
    if body.get("confirm") != Some(&Value::Bool(true)) {
        return Err(ApiError::unprocessable(
            "a reset forgets every order, fill and position: send {\"confirm\": true}",
        ));
    }
    let cash = decimal(&body, "cash")?;
    app.reset(account.clone(), cash).await?;
    Ok(Json(
        json!({ "account_id": account.to_string(), "reset": true }),
    ))
}
