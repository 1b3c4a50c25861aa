//! Stripe's JSON (spec 2023-08-16, `balance`, `balance_transaction`). Amounts are integers in
//! the currency's minor unit; `parse` turns them into decimals.

use serde::Deserialize;

/// `GET /v1/balance`.
#[derive(Debug, Deserialize)]
pub struct Balance {
    #[serde(default)]
    pub available: Vec<Amount>,
    #[serde(default)]
    pub pending: Vec<Amount>,
    #[serde(default)]
    pub livemode: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Amount {
    pub amount: i64,
    pub currency: String,
}

/// `GET /v1/balance_transactions` (`BalanceTransactionsList`).
#[derive(Debug, Deserialize)]
pub struct BalanceTransactionList {
    pub data: Vec<BalanceTransaction>,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub struct BalanceTransaction {
    pub id: String,
    /// Gross, signed: payouts and refunds are negative.
    pub amount: i64,
    /// Unix seconds.
    pub created: i64,
    pub currency: String,
    #[serde(default)]
    pub description: Option<String>,
    pub fee: i64,
    pub net: i64,
    pub status: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub reporting_category: Option<String>,
}
