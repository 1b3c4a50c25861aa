//! Account-level facts beyond balances and positions.

use brokerdesk_model::Symbol;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarketClock {
    pub timestamp: DateTime<Utc>,
    pub is_open: bool,
    pub next_open: DateTime<Utc>,
    pub next_close: DateTime<Utc>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Asset {
    pub id: String,
    pub symbol: Symbol,
    pub name: String,
    pub exchange: String,
    pub asset_class: String,
    pub tradable: bool,
    pub fractionable: bool,
    pub shortable: bool,
}

/// A line of account history: a fill, a dividend, a fee, a transfer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub id: String,
    pub activity_type: String,
    pub symbol: Option<Symbol>,
    pub qty: Option<Decimal>,
    pub price: Option<Decimal>,
    pub net_amount: Option<Decimal>,
    pub date: Option<NaiveDate>,
    pub time: Option<DateTime<Utc>>,
}

/// A page of an account's money movements, newest first; `next_cursor` continues the listing
/// (passed back as `TransactionQuery::cursor`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ActivityPage {
    pub entries: Vec<brokerdesk_model::ActivityEntry>,
    pub next_cursor: Option<String>,
}

/// Equity over time.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PortfolioHistory {
    pub points: Vec<HistoryPoint>,
    pub base_value: Option<Decimal>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct HistoryPoint {
    pub timestamp: DateTime<Utc>,
    pub equity: Option<Decimal>,
    pub profit_loss: Option<Decimal>,
}
