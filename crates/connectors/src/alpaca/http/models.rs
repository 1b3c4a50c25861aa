//! Alpaca's JSON as it comes, field for field as far as we use it. Decimals go through
//! `crate::decimal` because Alpaca sends strings but its SDK mocks and market data send numbers.

use crate::decimal::{exact, exact_opt};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Deserialize)]
pub struct Account {
    pub id: String,
    pub account_number: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(deserialize_with = "exact")]
    pub cash: Decimal,
    #[serde(deserialize_with = "exact")]
    pub buying_power: Decimal,
    #[serde(deserialize_with = "exact")]
    pub equity: Decimal,
}

#[derive(Debug, Deserialize)]
pub struct Position {
    pub symbol: String,
    pub side: String,
    #[serde(deserialize_with = "exact")]
    pub qty: Decimal,
    #[serde(deserialize_with = "exact")]
    pub avg_entry_price: Decimal,
    #[serde(deserialize_with = "exact")]
    pub cost_basis: Decimal,
    #[serde(default, deserialize_with = "exact_opt")]
    pub current_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub market_value: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub unrealized_pl: Option<Decimal>,
    /// `us_equity`, `us_option` or `crypto`.
    #[serde(default)]
    pub asset_class: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Order {
    pub id: String,
    #[serde(default)]
    pub client_order_id: Option<String>,
    pub symbol: String,
    pub side: String,
    /// Alpaca sends both `type` and `order_type` (same value); either is enough.
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    #[serde(default)]
    pub order_type: Option<String>,
    pub time_in_force: String,
    pub status: String,
    #[serde(default, deserialize_with = "exact_opt")]
    pub qty: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub notional: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub filled_qty: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub filled_avg_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub limit_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub stop_price: Option<Decimal>,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub updated_at: Option<String>,
}

/// The body of POST /v2/orders. Decimals go out as strings, as Alpaca asks.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct NewOrder {
    pub symbol: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional: Option<String>,
    pub side: &'static str,
    #[serde(rename = "type")]
    pub order_type: &'static str,
    pub time_in_force: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<String>,
    pub extended_hours: bool,
    pub client_order_id: String,
}

/// The body of PATCH /v2/orders/{id}.
#[derive(Debug, Clone, Serialize, PartialEq, Default)]
pub struct ReplaceOrder {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub qty: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time_in_force: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Asset {
    pub id: String,
    pub symbol: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub exchange: String,
    #[serde(rename = "class", default)]
    pub class: String,
    #[serde(default)]
    pub tradable: bool,
    #[serde(default)]
    pub fractionable: bool,
    #[serde(default)]
    pub shortable: bool,
}

#[derive(Debug, Deserialize)]
pub struct Clock {
    pub timestamp: String,
    pub is_open: bool,
    pub next_open: String,
    pub next_close: String,
}

/// Trade (FILL) and non-trade activities share one list; fields differ by kind.
#[derive(Debug, Deserialize)]
pub struct Activity {
    pub id: String,
    pub activity_type: String,
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub qty: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub net_amount: Option<Decimal>,
    #[serde(default)]
    pub date: Option<String>,
    #[serde(default)]
    pub transaction_time: Option<String>,
    /// FILL only: "buy" / "sell" (and "sell_short").
    #[serde(default)]
    pub side: Option<String>,
    /// Non-trade only: "executed", "correct", "canceled".
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub activity_sub_type: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
}

/// Parallel arrays, one element per time window.
#[derive(Debug, Deserialize)]
pub struct PortfolioHistory {
    pub timestamp: Vec<i64>,
    pub equity: Vec<Option<Box<serde_json::value::RawValue>>>,
    pub profit_loss: Vec<Option<Box<serde_json::value::RawValue>>>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub base_value: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
pub struct Quote {
    pub t: String,
    #[serde(default, deserialize_with = "exact_opt")]
    pub bp: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub bs: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub ap: Option<Decimal>,
    #[serde(default, rename = "as", deserialize_with = "exact_opt")]
    pub as_: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
pub struct Trade {
    pub t: String,
    #[serde(deserialize_with = "exact")]
    pub p: Decimal,
    #[serde(deserialize_with = "exact")]
    pub s: Decimal,
}

#[derive(Debug, Deserialize)]
pub struct Bar {
    pub t: String,
    #[serde(deserialize_with = "exact")]
    pub o: Decimal,
    #[serde(deserialize_with = "exact")]
    pub h: Decimal,
    #[serde(deserialize_with = "exact")]
    pub l: Decimal,
    #[serde(deserialize_with = "exact")]
    pub c: Decimal,
    #[serde(deserialize_with = "exact")]
    pub v: Decimal,
}

/// One symbol's bars (`GET /v2/stocks/{symbol}/bars`). `bars` is `null` when there are none.
#[derive(Debug, Deserialize)]
pub struct SymbolBars {
    #[serde(default)]
    pub bars: Option<Vec<Bar>>,
    #[serde(default)]
    pub next_page_token: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct LatestQuotes {
    #[serde(default)]
    pub quotes: BTreeMap<String, Quote>,
}

#[derive(Debug, Deserialize)]
pub struct LatestTrades {
    #[serde(default)]
    pub trades: BTreeMap<String, Trade>,
}

#[derive(Debug, Deserialize)]
pub struct LatestBars {
    #[serde(default)]
    pub bars: BTreeMap<String, Bar>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    #[serde(default)]
    pub latest_trade: Option<Trade>,
    #[serde(default)]
    pub latest_quote: Option<Quote>,
    #[serde(default)]
    pub minute_bar: Option<Bar>,
    #[serde(default)]
    pub daily_bar: Option<Bar>,
    #[serde(default)]
    pub prev_daily_bar: Option<Bar>,
}

pub type Snapshots = BTreeMap<String, Snapshot>;
