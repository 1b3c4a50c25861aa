//! Market Data API v2 subset: latest quotes, trades and bars, snapshots, and historical bars,
//! trades and quotes (the generated past joined to the live tape, see `history` and `series`).
//! Prices are JSON numbers here, as Alpaca's data API sends them.

use axum::extract::{Path, State as AxState};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use brokerdesk_model::Symbol;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::auth::Authed;
use super::extract::AlpacaQuery;
use super::history::HistoryBook;
use super::history_json::{Shape, write_page};
use super::market_data::{Anchor, Bar, SymbolData};
use super::runtime::State;
use super::series::{self, PageToken, Sources, TapeQuote, TapeTrade, Width};
use super::{ApiError, AppState, wire};
use crate::engine::{Quote, Timestamp, Trade};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/stocks/quotes/latest", get(latest_quotes))
        .route("/v2/stocks/trades/latest", get(latest_trades))
        .route("/v2/stocks/bars/latest", get(latest_bars))
        .route("/v2/stocks/snapshots", get(snapshots))
        .route("/v2/stocks/bars", get(bars_many))
        .route("/v2/stocks/{symbol}/quotes/latest", get(latest_quote))
        .route("/v2/stocks/{symbol}/trades/latest", get(latest_trade))
        .route("/v2/stocks/{symbol}/bars/latest", get(latest_bar))
        .route("/v2/stocks/{symbol}/snapshot", get(snapshot))
        .route("/v2/stocks/{symbol}/bars", get(bars_one))
        .route("/v2/stocks/trades", get(trades_many))
        .route("/v2/stocks/quotes", get(quotes_many))
        .route("/v2/stocks/{symbol}/trades", get(trades_one))
        .route("/v2/stocks/{symbol}/quotes", get(quotes_one))
}

pub(crate) fn num(d: Decimal) -> Value {
    d.to_f64().map_or(Value::Null, |f| json!(f))
}

pub(crate) fn quote_json(t: Timestamp, q: &Quote) -> Value {
    json!({
        "t": wire::time(t), "ax": "V", "ap": num(q.ask_price), "as": num(q.ask_size),
        "bx": "V", "bp": num(q.bid_price), "bs": num(q.bid_size), "c": ["R"], "z": "C",
    })
}

pub(crate) fn trade_json(t: Timestamp, tr: &Trade, id: u64) -> Value {
    json!({ "t": wire::time(t), "x": "V", "p": num(tr.price), "s": num(tr.size), "c": ["@"], "i": id, "z": "C" })
}

pub(crate) fn bar_json(b: &Bar) -> Value {
    json!({
        "t": wire::time(b.t), "o": num(b.o), "h": num(b.h), "l": num(b.l), "c": num(b.c),
        "v": num(b.v), "n": b.n, "vw": num(b.vw()),
    })
}

#[derive(Deserialize)]
struct Symbols {
    symbols: String,
}

fn symbol_list(s: &str) -> Vec<Symbol> {
    s.split(',')
        .filter(|x| !x.trim().is_empty())
        .map(Symbol::new)
        .collect()
}

/// Reads `f(symbol data)` for each symbol and keys the results by symbol.
async fn per_symbol(
    app: &AppState,
    symbols: Vec<Symbol>,
    f: fn(&State, &Symbol, &SymbolData) -> Option<Value>,
) -> Result<Map<String, Value>, ApiError> {
    Ok(app
        .handle
        .read(move |s| {
            symbols
                .iter()
                .filter_map(|sym| {
                    let d = s.market.symbol(sym)?;
                    f(s, sym, d).map(|v| (sym.to_string(), v))
                })
                .collect()
        })
        .await?)
}

fn latest_quote_of(_: &State, _: &Symbol, d: &SymbolData) -> Option<Value> {
    d.quote.as_ref().map(|(t, q)| quote_json(*t, q))
}

fn latest_trade_of(_: &State, _: &Symbol, d: &SymbolData) -> Option<Value> {
    d.trade.as_ref().map(|(t, tr, id)| trade_json(*t, tr, *id))
}

fn latest_bar_of(_: &State, _: &Symbol, d: &SymbolData) -> Option<Value> {
    d.current.as_ref().or(d.bars.back()).map(bar_json)
}

/// The latest quote, trade and minute bar; `with_daily_bars` adds the two latest daily bars
/// (generated ones until the live tape has two days).
fn snapshot_of(_: &State, _: &Symbol, d: &SymbolData) -> Option<Value> {
    Some(json!({
        "latestTrade": d.trade.as_ref().map(|(t, tr, id)| trade_json(*t, tr, *id)),
        "latestQuote": d.quote.as_ref().map(|(t, q)| quote_json(*t, q)),
        "minuteBar": d.current.as_ref().or(d.bars.back()).map(bar_json),
    }))
}

/// Adds `dailyBar` and `prevDailyBar` to snapshots, from the generated past and live days.
async fn with_daily_bars(app: &AppState, snaps: &mut Map<String, Value>) -> Result<(), ApiError> {
    let symbols: Vec<Symbol> = snaps.keys().map(Symbol::new).collect();
    let now = Utc::now();
    let sources = read_sources(app, symbols, Need::Days, now, now).await?;
    for (sym, src) in sources {
        let days = src.all_days();
        if let Some(Value::Object(m)) = snaps.get_mut(sym.as_str()) {
            let last = days.len().checked_sub(1);
            let prev = last.and_then(|i| i.checked_sub(1));
            m.insert(
                "dailyBar".into(),
                last.and_then(|i| days.get(i)).map_or(Value::Null, bar_json),
            );
            m.insert(
                "prevDailyBar".into(),
                prev.and_then(|i| days.get(i)).map_or(Value::Null, bar_json),
            );
        }
    }
    Ok(())
}

async fn latest_quotes(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<Symbols>,
) -> Result<Json<Value>, ApiError> {
    let m = per_symbol(&app, symbol_list(&q.symbols), latest_quote_of).await?;
    Ok(Json(json!({ "quotes": m })))
}

async fn latest_trades(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<Symbols>,
) -> Result<Json<Value>, ApiError> {
    let m = per_symbol(&app, symbol_list(&q.symbols), latest_trade_of).await?;
    Ok(Json(json!({ "trades": m })))
}

async fn latest_bars(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<Symbols>,
) -> Result<Json<Value>, ApiError> {
    let m = per_symbol(&app, symbol_list(&q.symbols), latest_bar_of).await?;
    Ok(Json(json!({ "bars": m })))
}

async fn snapshots(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<Symbols>,
) -> Result<Json<Value>, ApiError> {
    let mut snaps = per_symbol(&app, symbol_list(&q.symbols), snapshot_of).await?;
    with_daily_bars(&app, &mut snaps).await?;
    Ok(Json(Value::Object(snaps)))
}

async fn one(
    app: &AppState,
    symbol: &str,
    f: fn(&State, &Symbol, &SymbolData) -> Option<Value>,
) -> Result<Value, ApiError> {
    let sym = Symbol::new(symbol);
    per_symbol(app, vec![sym.clone()], f)
        .await?
        .remove(sym.as_str())
        .ok_or_else(|| ApiError::not_found(format!("no data for {sym}")))
}

async fn latest_quote(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = one(&app, &s, latest_quote_of).await?;
    Ok(Json(
        json!({ "symbol": Symbol::new(&s).as_str(), "quote": v }),
    ))
}

async fn latest_trade(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = one(&app, &s, latest_trade_of).await?;
    Ok(Json(
        json!({ "symbol": Symbol::new(&s).as_str(), "trade": v }),
    ))
}

async fn latest_bar(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let v = one(&app, &s, latest_bar_of).await?;
    Ok(Json(
        json!({ "symbol": Symbol::new(&s).as_str(), "bar": v }),
    ))
}

async fn snapshot(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let sym = Symbol::new(&s);
    let v = one(&app, &s, snapshot_of).await?;
    let mut snaps = Map::new();
    snaps.insert(sym.to_string(), v);
    with_daily_bars(&app, &mut snaps).await?;
    let mut v = snaps.remove(sym.as_str()).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("symbol".into(), json!(sym.as_str()));
    }
    Ok(Json(v))
}

#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
enum Sort {
    Asc,
    Desc,
}

/// `/v2/stocks/{bars,trades,quotes}` and their per-symbol forms. `feed`, `adjustment`, `asof`
/// and `currency` are accepted and ignored: the sandbox has one feed, no splits, in USD.
#[derive(Deserialize)]
struct HistQuery {
    symbols: Option<String>,
    timeframe: Option<String>,
    start: Option<String>,
    end: Option<String>,
    limit: Option<usize>,
    page_token: Option<String>,
    sort: Option<Sort>,
}

/// Alpaca's maximum `limit`, and its default.
const MAX_LIMIT: usize = 10_000;
const DEFAULT_LIMIT: usize = 1_000;

/// RFC-3339, or a bare date (midnight UTC), as Alpaca accepts them.
fn instant(name: &str, s: &str) -> Result<Timestamp, ApiError> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(t.to_utc());
    }
    if let Ok(d) = chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        && let Some(t) = d.and_hms_opt(0, 0, 0)
    {
        return Ok(t.and_utc());
    }
    Err(ApiError::bad_request(format!(
        "invalid {name}: expected RFC-3339 or YYYY-MM-DD"
    )))
}

/// The range, direction and page a historical query asks for.
struct Window {
    lo: Timestamp,
    hi: Timestamp,
    desc: bool,
    limit: usize,
    token: Option<PageToken>,
}

impl Window {
    fn of(q: &HistQuery) -> Result<Self, ApiError> {
        let now = Utc::now();
        // Alpaca's defaults: from the start of the current (New York) day until now.
        let lo = match &q.start {
            Some(s) => instant("start", s)?,
            None => crate::engine::calendar::new_york_midnight(
                crate::engine::calendar::new_york_local(now).date(),
            ),
        };
        let hi = match &q.end {
            Some(s) => instant("end", s)?,
            None => now,
        };
        if hi < lo {
            return Err(ApiError::unprocessable("end should not be before start"));
        }
        let limit = q.limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ApiError::bad_request(format!(
                "invalid limit: must be between 1 and {MAX_LIMIT}"
            )));
        }
        let token = match q.page_token.as_deref().filter(|t| !t.is_empty()) {
            Some(t) => Some(
                PageToken::decode(t).ok_or_else(|| ApiError::bad_request("invalid page_token"))?,
            ),
            None => None,
        };
        Ok(Self {
            lo,
            hi,
            desc: q.sort == Some(Sort::Desc),
            limit,
            token,
        })
    }

    /// The range of one symbol's items, narrowed to where its page resumes.
    fn resume(&self, at: Option<Timestamp>) -> (Timestamp, Timestamp) {
        match at {
            Some(t) if self.desc => (self.lo, t.min(self.hi)),
            Some(t) => (t.max(self.lo), self.hi),
            None => (self.lo, self.hi),
        }
    }
}

/// What a query needs from the live tape.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Need {
    Minutes,
    Days,
    Trades,
    Quotes,
}

/// What `symbols` have in `[lo, hi)` on the live tape, with the anchor of their generated past.
type Live = Vec<(Symbol, Option<Anchor>, Sources)>;

/// Reads what `symbols` have in `[lo, hi)` from the exchange, then joins their generated past
/// (built off the exchange thread, on first use).
async fn read_sources(
    app: &AppState,
    symbols: Vec<Symbol>,
    need: Need,
    lo: Timestamp,
    hi: Timestamp,
) -> Result<Vec<(Symbol, Sources)>, ApiError> {
    let live = read_live(app, symbols, need, lo, hi).await?;
    let book = app.history.clone();
    tokio::task::spawn_blocking(move || joined(&book, live))
        .await
        .map_err(|_| ApiError::from(super::ExchangeGone))
}

/// Joins each symbol's generated past (built here on first use: call off the async threads).
fn joined(book: &HistoryBook, live: Live) -> Vec<(Symbol, Sources)> {
    live.into_iter()
        .map(|(sym, genesis, mut src)| {
            src.history = genesis.map(|g| book.get(&sym, g));
            (sym, src)
        })
        .collect()
}

/// Reads what `symbols` have in `[lo, hi)` from the exchange.
async fn read_live(
    app: &AppState,
    symbols: Vec<Symbol>,
    need: Need,
    lo: Timestamp,
    hi: Timestamp,
) -> Result<Live, ApiError> {
    app.handle
        .read(move |s| {
            symbols
                .into_iter()
                .map(|sym| {
                    let Some(d) = s.market.symbol(&sym) else {
                        return (sym, None, Sources::default());
                    };
                    let mut src = Sources::default();
                    match need {
                        Need::Minutes => src.minutes = d.live_minutes(lo, hi),
                        Need::Days => src.days = d.live_days(),
                        Need::Trades => {
                            src.trades = d
                                .trades
                                .iter()
                                .filter(|(t, ..)| lo <= *t && *t < hi)
                                .map(|(t, tr, id)| TapeTrade {
                                    t: *t,
                                    price: tr.price,
                                    size: tr.size,
                                    id: *id,
                                })
                                .collect()
                        }
                        Need::Quotes => {
                            src.quotes = d
                                .quotes
                                .iter()
                                .filter(|(t, _)| lo <= *t && *t < hi)
                                .map(|(t, q)| TapeQuote {
                                    t: *t,
                                    bid: q.bid_price,
                                    bid_size: q.bid_size,
                                    ask: q.ask_price,
                                    ask_size: q.ask_size,
                                })
                                .collect()
                        }
                    }
                    (sym, d.genesis, src)
                })
                .collect::<Vec<_>>()
        })
        .await
        .map_err(ApiError::from)
}

/// Sorted, without repeats: Alpaca pages by symbol, then time.
fn sorted(mut symbols: Vec<Symbol>) -> Vec<Symbol> {
    symbols.sort();
    symbols.dedup();
    symbols
}

/// One page of a historical query, as the JSON body of the answer.
async fn history_page(
    app: &AppState,
    symbols: Vec<Symbol>,
    q: &HistQuery,
    kind: Need,
    one: Option<Symbol>,
) -> Result<Response, ApiError> {
    let w = Window::of(q)?;
    let width = match kind {
        Need::Minutes | Need::Days => Some(
            Width::parse(q.timeframe.as_deref().unwrap_or("1Min"))
                .ok_or_else(|| ApiError::bad_request("invalid timeframe"))?,
        ),
        _ => None,
    };
    let need = match width {
        Some(w) if w.intraday() => Need::Minutes,
        Some(_) => Need::Days,
        None => kind,
    };
    let upto = width
        .and_then(|wd| w.hi.checked_add_signed(wd.span()))
        .unwrap_or(w.hi)
        .checked_add_signed(chrono::Duration::seconds(1))
        .unwrap_or(w.hi);
    let symbols = sorted(symbols);
    let live = read_live(app, symbols.clone(), need, w.lo, upto).await?;
    let book = app.history.clone();
    // One blocking hop for the join and the page: each hop is a thread wake-up on the way.
    let body = tokio::task::spawn_blocking(move || {
        let sources = joined(&book, live);
        let by_symbol: std::collections::HashMap<&Symbol, &Sources> =
            sources.iter().map(|(s, src)| (s, src)).collect();
        let empty = Sources::default();
        let src = |s: &Symbol| by_symbol.get(s).copied().unwrap_or(&empty);
        let shape = match &one {
            Some(sym) => Shape::One(sym),
            None => Shape::Many,
        };
        let resume = |at| w.resume(at);
        match width {
            Some(width) => {
                let (page, token) = series::page(&symbols, w.token.as_ref(), w.limit, |s, at| {
                    let (lo, hi) = resume(at);
                    src(s).bars(width, lo, hi, w.desc)
                });
                write_page("bars", shape, &page, token, Some(book.sessions()))
            }
            None if kind == Need::Trades => {
                let (page, token) = series::page(&symbols, w.token.as_ref(), w.limit, |s, at| {
                    let (lo, hi) = resume(at);
                    src(s).trades(lo, hi, w.desc)
                });
                write_page("trades", shape, &page, token, None)
            }
            None => {
                let (page, token) = series::page(&symbols, w.token.as_ref(), w.limit, |s, at| {
                    let (lo, hi) = resume(at);
                    src(s).quotes(lo, hi, w.desc)
                });
                write_page("quotes", shape, &page, token, None)
            }
        }
    })
    .await
    .map_err(|_| ApiError::from(super::ExchangeGone))?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response())
}

fn symbols_of(q: &HistQuery) -> Result<Vec<Symbol>, ApiError> {
    let symbols = symbol_list(q.symbols.as_deref().unwrap_or_default());
    if symbols.is_empty() {
        return Err(ApiError::bad_request("symbols is required"));
    }
    Ok(symbols)
}

async fn many(app: &AppState, q: &HistQuery, kind: Need) -> Result<Response, ApiError> {
    history_page(app, symbols_of(q)?, q, kind, None).await
}

async fn single(app: &AppState, s: &str, q: &HistQuery, kind: Need) -> Result<Response, ApiError> {
    let sym = Symbol::new(s);
    history_page(app, vec![sym.clone()], q, kind, Some(sym)).await
}

async fn bars_many(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    many(&app, &q, Need::Minutes).await
}

async fn bars_one(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    single(&app, &s, &q, Need::Minutes).await
}

async fn trades_many(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    many(&app, &q, Need::Trades).await
}

async fn trades_one(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    single(&app, &s, &q, Need::Trades).await
}

async fn quotes_many(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    many(&app, &q, Need::Quotes).await
}

async fn quotes_one(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
    AlpacaQuery(q): AlpacaQuery<HistQuery>,
) -> Result<Response, ApiError> {
    single(&app, &s, &q, Need::Quotes).await
}
