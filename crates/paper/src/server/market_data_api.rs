//! Market Data API v2 subset: latest quotes, trades and bars, historical bars, snapshots.
//! Prices are JSON numbers here, as Alpaca's data API sends them.

use axum::extract::{Path, State as AxState};
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
use super::market_data::{Bar, BarWidth, SymbolData};
use super::runtime::State;
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

fn snapshot_of(s: &State, sym: &Symbol, d: &SymbolData) -> Option<Value> {
    let daily = s.market.bars(sym, BarWidth::DAY, None, None);
    Some(json!({
        "latestTrade": latest_trade_of(s, sym, d),
        "latestQuote": latest_quote_of(s, sym, d),
        "minuteBar": latest_bar_of(s, sym, d),
        "dailyBar": daily.last().map(bar_json),
        "prevDailyBar": daily.len().checked_sub(2).and_then(|i| daily.get(i)).map(bar_json),
    }))
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
    Ok(Json(Value::Object(
        per_symbol(&app, symbol_list(&q.symbols), snapshot_of).await?,
    )))
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
    let mut v = one(&app, &s, snapshot_of).await?;
    if let Value::Object(m) = &mut v {
        m.insert("symbol".into(), json!(Symbol::new(&s).as_str()));
    }
    Ok(Json(v))
}

#[derive(Deserialize)]
struct BarsQuery {
    symbols: Option<String>,
    timeframe: Option<String>,
    start: Option<DateTime<Utc>>,
    end: Option<DateTime<Utc>>,
    limit: Option<usize>,
}

/// Alpaca's timeframes: `[1-59]Min` (or `T`), `[1-23]Hour` (or `H`), `1Day` (`D`), `1Week`
/// (`W`), `[1,2,3,4,6,12]Month` (`M`). A missing number means 1.
fn timeframe(tf: &str) -> Option<BarWidth> {
    // ASCII digits are one byte each, so the split falls on a character boundary.
    let split = tf.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = tf.split_at(split);
    let n: u32 = if n.is_empty() { 1 } else { n.parse().ok()? };
    Some(match unit {
        "Min" | "T" if (1..=59).contains(&n) => BarWidth::Minutes(n),
        "Hour" | "H" if (1..=23).contains(&n) => BarWidth::Minutes(n * 60),
        "Day" | "D" if n == 1 => BarWidth::DAY,
        "Week" | "W" if n == 1 => BarWidth::Minutes(10_080),
        "Month" | "M" if matches!(n, 1 | 2 | 3 | 4 | 6 | 12) => BarWidth::Months(n),
        _ => return None,
    })
}

/// Most bars one request returns (Alpaca's maximum `limit`).
const MAX_LIMIT: usize = 10_000;

async fn read_bars(
    app: &AppState,
    symbols: Vec<Symbol>,
    q: &BarsQuery,
) -> Result<Map<String, Value>, ApiError> {
    let width = timeframe(q.timeframe.as_deref().unwrap_or("1Min"))
        .ok_or_else(|| ApiError::bad_request("invalid timeframe"))?;
    let (start, end) = (q.start, q.end);
    let limit = q.limit.unwrap_or(1000);
    if !(1..=MAX_LIMIT).contains(&limit) {
        return Err(ApiError::bad_request(format!(
            "invalid limit: must be between 1 and {MAX_LIMIT}"
        )));
    }
    Ok(app
        .handle
        .read(move |s| {
            symbols
                .iter()
                .map(|sym| {
                    let bars: Vec<Value> = s
                        .market
                        .bars(sym, width, start, end)
                        .iter()
                        .take(limit)
                        .map(bar_json)
                        .collect();
                    (sym.to_string(), Value::Array(bars))
                })
                .collect()
        })
        .await?)
}

async fn bars_many(
    _a: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<BarsQuery>,
) -> Result<Json<Value>, ApiError> {
    let symbols = symbol_list(q.symbols.as_deref().unwrap_or_default());
    let m = read_bars(&app, symbols, &q).await?;
    Ok(Json(json!({ "bars": m, "next_page_token": null })))
}

async fn bars_one(
    _a: Authed,
    AxState(app): AxState<AppState>,
    Path(s): Path<String>,
    AlpacaQuery(q): AlpacaQuery<BarsQuery>,
) -> Result<Json<Value>, ApiError> {
    let sym = Symbol::new(&s);
    let mut m = read_bars(&app, vec![sym.clone()], &q).await?;
    let bars = m.remove(sym.as_str()).unwrap_or(Value::Array(Vec::new()));
    Ok(Json(
        json!({ "bars": bars, "symbol": sym.as_str(), "next_page_token": null }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeframes() {
        use BarWidth::{Minutes, Months};
        assert_eq!(timeframe("1Min"), Some(Minutes(1)));
        assert_eq!(timeframe("15Min"), Some(Minutes(15)));
        assert_eq!(timeframe("59T"), Some(Minutes(59)));
        assert_eq!(timeframe("1Hour"), Some(Minutes(60)));
        assert_eq!(timeframe("23H"), Some(Minutes(1380)));
        assert_eq!(timeframe("1Day"), Some(Minutes(1440)));
        assert_eq!(timeframe("1Week"), Some(Minutes(10_080)));
        assert_eq!(timeframe("6Month"), Some(Months(6)));
        assert_eq!(timeframe("12M"), Some(Months(12)));
        for bad in [
            "1Fortnight",
            "0Min",
            "60Min",
            "24Hour",
            "2Day",
            "2Week",
            "5Month",
            "999999999999999Min",
            "99999999999999999999999999Min",
            "-1Min",
            "1é",
            "é",
            "",
            "15",
        ] {
            assert_eq!(timeframe(bad), None, "{bad}");
        }
    }
}
