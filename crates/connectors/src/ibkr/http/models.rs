//! The gateway's JSON. Numbers are read exactly (`crate::decimal`).

use crate::decimal::{exact, exact_opt};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::value::RawValue;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Deserialize)]
pub struct AuthStatus {
    #[serde(default)]
    pub authenticated: bool,
    #[serde(default)]
    pub connected: bool,
    #[serde(default)]
    pub competing: bool,
    #[serde(default)]
    pub message: Option<String>,
    #[serde(default)]
    pub fail: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Tickle {
    #[serde(default)]
    pub session: Option<String>,
    #[serde(default)]
    pub iserver: Option<TickleIserver>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TickleIserver {
    pub auth_status: AuthStatus,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IserverAccounts {
    #[serde(default)]
    pub accounts: Vec<String>,
    #[serde(default)]
    pub selected_account: Option<String>,
    /// Whether the gateway's brokerage session is a paper-trading login.
    #[serde(default)]
    pub is_paper: Option<bool>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PortfolioAccount {
    pub id: String,
    #[serde(default)]
    pub currency: Option<String>,
    /// "Whether the account exists in production, paper, or demo environments": `DEMO` for a
    /// paper account.
    #[serde(default, rename = "type")]
    pub account_type: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Position {
    pub conid: i64,
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub contract_desc: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(deserialize_with = "exact")]
    pub position: Decimal,
    #[serde(default, deserialize_with = "exact_opt")]
    pub mkt_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub mkt_value: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub avg_cost: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub avg_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub unrealized_pnl: Option<Decimal>,
    /// Entries per page on this gateway (30 on older ones, 100 in the spec's example).
    #[serde(default)]
    pub page_size: Option<u32>,
    /// `STK`, `OPT`, `CRYPTO`, `FUT`, `CASH`…
    #[serde(default)]
    pub asset_class: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct SummaryValue {
    #[serde(default, deserialize_with = "exact_opt")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

pub type Summary = BTreeMap<String, SummaryValue>;

#[derive(Debug, Deserialize)]
pub struct LiveOrders {
    #[serde(default)]
    pub orders: Vec<LiveOrder>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveOrder {
    #[serde(default)]
    pub acct: Option<String>,
    #[serde(default)]
    pub account: Option<String>,
    pub order_id: i64,
    #[serde(default)]
    pub conid: Option<i64>,
    #[serde(default)]
    pub ticker: Option<String>,
    #[serde(default)]
    pub side: String,
    #[serde(default)]
    pub order_type: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub total_size: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub avg_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub aux_price: Option<Decimal>,
    /// The `cOID` we sent, echoed back.
    #[serde(default, rename = "order_ref")]
    pub order_ref: Option<String>,
    #[serde(default, rename = "lastExecutionTime_r")]
    pub last_execution_time_r: Option<i64>,
}

/// One entry per conid: numeric field ids as keys, values as the gateway sends them.
pub type SnapshotEntry = BTreeMap<String, Box<RawValue>>;
