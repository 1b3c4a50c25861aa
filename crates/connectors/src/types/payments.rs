//! A payment account's money: balances per currency and transactions.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentBalance {
    pub currency: String,
    /// Spendable now.
    pub available: Decimal,
    /// On its way (payouts, holds).
    pub pending: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PaymentTransaction {
    pub id: String,
    pub time: DateTime<Utc>,
    /// Signed: money in is positive.
    pub amount: Decimal,
    pub fee: Option<Decimal>,
    pub currency: String,
    pub description: Option<String>,
    pub counterparty: Option<String>,
    pub status: String,
}

/// A window of transactions; `cursor` continues where the last page ended.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransactionQuery {
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub cursor: Option<String>,
    pub limit: Option<u32>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TransactionPage {
    pub transactions: Vec<PaymentTransaction>,
    pub next_cursor: Option<String>,
}
