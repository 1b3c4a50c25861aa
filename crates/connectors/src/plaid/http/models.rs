//! Plaid's JSON (specs/plaid, API version 2020-09-14). Only the fields we read; amounts are JSON
//! numbers and go through `crate::decimal`, never `f64`.

use crate::decimal::{exact, exact_opt};
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer};

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

fn secret_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<SecretString>, D::Error> {
    Option::<String>::deserialize(d).map(|s| s.map(SecretString::from))
}

/// `/link/token/get`: what happened in the Link sessions of a token.
#[derive(Debug, Default, Deserialize)]
pub struct LinkTokenGot {
    #[serde(default)]
    pub link_sessions: Vec<LinkSession>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkSession {
    #[serde(default)]
    pub results: Option<LinkResults>,
    #[serde(default)]
    pub on_success: Option<LinkSuccess>,
}

#[derive(Debug, Default, Deserialize)]
pub struct LinkResults {
    #[serde(default)]
    pub item_add_results: Vec<LinkSuccess>,
}

/// Tokens are `SecretString`s: their `Debug` says `[REDACTED]`.
#[derive(Debug, Default, Deserialize)]
pub struct LinkSuccess {
    #[serde(default, deserialize_with = "secret_opt")]
    pub public_token: Option<SecretString>,
}

#[derive(Debug, Deserialize)]
pub struct LinkTokenCreated {
    #[serde(deserialize_with = "secret")]
    pub link_token: SecretString,
    #[serde(default)]
    pub expiration: Option<String>,
    #[serde(default)]
    pub hosted_link_url: Option<String>,
}

#[derive(Deserialize)]
pub struct Exchanged {
    #[serde(deserialize_with = "secret")]
    pub access_token: SecretString,
    pub item_id: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountBalances {
    #[serde(default, deserialize_with = "exact_opt")]
    pub available: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub current: Option<Decimal>,
    #[serde(default)]
    pub iso_currency_code: Option<String>,
    #[serde(default)]
    pub unofficial_currency_code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Account {
    pub account_id: String,
    #[serde(default)]
    pub balances: AccountBalances,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Holding {
    pub account_id: String,
    pub security_id: String,
    #[serde(deserialize_with = "exact")]
    pub quantity: Decimal,
    #[serde(default, deserialize_with = "exact_opt")]
    pub institution_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub institution_value: Option<Decimal>,
    /// The total cost of the holding, not per unit.
    #[serde(default, deserialize_with = "exact_opt")]
    pub cost_basis: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
pub struct Security {
    pub security_id: String,
    #[serde(default)]
    pub ticker_symbol: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Holdings {
    pub accounts: Vec<Account>,
    pub holdings: Vec<Holding>,
    pub securities: Vec<Security>,
}

#[derive(Debug, Deserialize)]
pub struct AccountsBalance {
    pub accounts: Vec<Account>,
}

#[derive(Debug, Deserialize)]
pub struct Institution {
    pub institution_id: String,
    pub name: String,
    #[serde(default)]
    pub products: Vec<String>,
    #[serde(default)]
    pub country_codes: Vec<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub oauth: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct InstitutionsSearch {
    pub institutions: Vec<Institution>,
}

#[derive(Debug, Deserialize)]
pub struct InstitutionById {
    pub institution: Institution,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_and_public_tokens_never_show_in_debug() {
        let got: LinkTokenGot = serde_json::from_str(
            r#"{"link_sessions":[{"results":{"item_add_results":[{"public_token":"public-SECRET-1"}]},
                "on_success":{"public_token":"public-SECRET-2"}}]}"#,
        )
        .unwrap();
        let created: LinkTokenCreated = serde_json::from_str(
            r#"{"link_token":"link-SECRET-3","expiration":"2020-03-27T12:56:34Z"}"#,
        )
        .unwrap();
        let shown = format!("{got:?} {got:#?} {created:?}");
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(shown.contains("2020-03-27T12:56:34Z"), "{shown}");
    }
}

/// `/transactions/sync`: what changed since the cursor.
#[derive(Debug, Deserialize)]
pub struct TransactionsSync {
    #[serde(default)]
    pub added: Vec<Transaction>,
    #[serde(default)]
    pub modified: Vec<Transaction>,
    #[serde(default)]
    pub removed: Vec<RemovedTransaction>,
    pub next_cursor: String,
    pub has_more: bool,
}

#[derive(Debug, Deserialize)]
pub struct Transaction {
    pub transaction_id: String,
    pub account_id: String,
    /// Positive for money OUT of the account (Plaid's convention).
    #[serde(deserialize_with = "crate::decimal::exact")]
    pub amount: rust_decimal::Decimal,
    #[serde(default)]
    pub iso_currency_code: Option<String>,
    #[serde(default)]
    pub unofficial_currency_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub date: String,
    #[serde(default)]
    pub datetime: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub merchant_name: Option<String>,
    #[serde(default)]
    pub pending: bool,
    #[serde(default)]
    pub counterparties: Vec<Counterparty>,
    #[serde(default)]
    pub personal_finance_category: Option<FinanceCategory>,
}

#[derive(Debug, Deserialize)]
pub struct Counterparty {
    pub name: String,
    /// `merchant`, `financial_institution`, `payment_app`, `marketplace`, …
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct FinanceCategory {
    pub primary: String,
    #[serde(default)]
    pub detailed: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct RemovedTransaction {
    pub transaction_id: String,
    #[serde(default)]
    pub account_id: Option<String>,
}
