//! PayPal's JSON, as the Transaction Search spec (reporting_transactions_v1.json) and the
//! OAuth token endpoint describe it. Amounts are decimal strings and parse exactly.

use crate::decimal;
use rust_decimal::Decimal;
use serde::Deserialize;

/// `POST /v1/oauth2/token`.
#[derive(Deserialize)]
pub struct Token {
    pub access_token: String,
    #[serde(default)]
    pub token_type: Option<String>,
    /// Seconds; PayPal issues about nine hours.
    #[serde(default)]
    pub expires_in: Option<u64>,
    #[serde(default)]
    pub scope: Option<String>,
}

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Token")
            .field("access_token", &"[REDACTED]")
            .field("expires_in", &self.expires_in)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Deserialize)]
pub struct Money {
    pub currency_code: String,
    #[serde(deserialize_with = "decimal::exact")]
    pub value: Decimal,
}

/// `GET /v1/reporting/balances` (`balances_response`).
#[derive(Debug, Deserialize)]
pub struct Balances {
    #[serde(default)]
    pub balances: Vec<BalanceDetail>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub as_of_time: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct BalanceDetail {
    pub currency: String,
    #[serde(default)]
    pub primary: Option<bool>,
    pub total_balance: Money,
    #[serde(default)]
    pub available_balance: Option<Money>,
    #[serde(default)]
    pub withheld_balance: Option<Money>,
}

/// `GET /v1/reporting/transactions` (`search_response`).
#[derive(Debug, Deserialize)]
pub struct Search {
    #[serde(default)]
    pub transaction_details: Vec<TransactionDetail>,
    #[serde(default)]
    pub account_number: Option<String>,
    #[serde(default)]
    pub page: Option<u32>,
    #[serde(default)]
    pub total_items: Option<u32>,
    #[serde(default)]
    pub total_pages: Option<u32>,
}

#[derive(Debug, Deserialize)]
pub struct TransactionDetail {
    pub transaction_info: TransactionInfo,
    #[serde(default)]
    pub payer_info: Option<PayerInfo>,
}

#[derive(Debug, Deserialize)]
pub struct TransactionInfo {
    pub transaction_id: String,
    #[serde(default)]
    pub transaction_event_code: Option<String>,
    #[serde(default)]
    pub transaction_initiation_date: Option<String>,
    #[serde(default)]
    pub transaction_updated_date: Option<String>,
    pub transaction_amount: Money,
    #[serde(default)]
    pub fee_amount: Option<Money>,
    #[serde(default)]
    pub transaction_status: Option<String>,
    #[serde(default)]
    pub transaction_subject: Option<String>,
    #[serde(default)]
    pub transaction_note: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PayerInfo {
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub email_address: Option<String>,
    #[serde(default)]
    pub payer_name: Option<Name>,
}

#[derive(Debug, Deserialize)]
pub struct Name {
    #[serde(default)]
    pub given_name: Option<String>,
    #[serde(default)]
    pub surname: Option<String>,
    #[serde(default)]
    pub full_name: Option<String>,
    #[serde(default)]
    pub alternate_full_name: Option<String>,
}
