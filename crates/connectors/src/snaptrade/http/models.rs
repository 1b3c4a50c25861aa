//! SnapTrade's JSON, as `specs/snaptrade/api.yaml` describes it. Only the fields we read;
//! money and quantities go through `crate::decimal` (SnapTrade sends numbers in some places
//! and decimal strings in others).

use crate::decimal::exact_opt;
use rust_decimal::Decimal;
use secrecy::SecretString;
use serde::{Deserialize, Deserializer, Serialize};

fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
    String::deserialize(d).map(SecretString::from)
}

/// `UserIDandSecret`: the secret never exists here as a plain `String`.
#[derive(Deserialize)]
pub struct RegisteredUser {
    #[serde(rename = "userId")]
    pub user_id: String,
    #[serde(rename = "userSecret", deserialize_with = "secret")]
    pub user_secret: SecretString,
}

#[derive(Clone, Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LoginBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker: Option<String>,
    pub custom_redirect: String,
    pub connection_type: String,
    pub immediate_redirect: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reconnect: Option<String>,
    pub connection_portal_version: String,
}

/// `LoginRedirectURI` (the other branch of the spec's `oneOf`, an encrypted response, is
/// only sent to partners that ask for it; without `redirectURI` the reply is unreadable to us).
#[derive(Debug, Deserialize)]
pub struct LoginRedirect {
    #[serde(rename = "redirectURI")]
    pub redirect_uri: String,
    #[serde(rename = "sessionId", default)]
    pub session_id: Option<String>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Brokerage {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub display_name: Option<String>,
    #[serde(default)]
    pub enabled: Option<bool>,
    #[serde(default)]
    pub maintenance_mode: Option<bool>,
    #[serde(default)]
    pub allows_trading: Option<bool>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub aws_s3_square_logo_url: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct BrokerageAuthorization {
    pub id: String,
    #[serde(default)]
    pub brokerage: Option<Brokerage>,
    /// `read` or `trade`.
    #[serde(rename = "type", default)]
    pub type_: Option<String>,
    #[serde(default)]
    pub disabled: Option<bool>,
}

#[derive(Debug, Deserialize)]
pub struct Amount {
    #[serde(default, deserialize_with = "exact_opt")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct AccountBalance {
    #[serde(default)]
    pub total: Option<Amount>,
}

#[derive(Debug, Deserialize)]
pub struct Account {
    pub id: String,
    pub brokerage_authorization: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub institution_name: Option<String>,
    #[serde(default)]
    pub balance: AccountBalance,
    #[serde(default)]
    pub is_paper: bool,
}

#[derive(Debug, Deserialize)]
pub struct Currency {
    #[serde(default)]
    pub code: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Balance {
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub cash: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub buying_power: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
pub struct Instrument {
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub symbol: Option<String>,
    #[serde(default)]
    pub raw_symbol: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AccountPosition {
    pub instrument: Instrument,
    #[serde(default, deserialize_with = "exact_opt")]
    pub units: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub price: Option<Decimal>,
    /// Average cost per unit ("book price").
    #[serde(default, deserialize_with = "exact_opt")]
    pub cost_basis: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct AllPositions {
    pub results: Vec<AccountPosition>,
}

#[derive(Debug, Deserialize)]
pub struct UniversalSymbol {
    #[serde(default)]
    pub symbol: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct OptionSymbol {
    #[serde(default)]
    pub ticker: Option<String>,
}

/// `AccountOrderRecord`: one order leg.
#[derive(Debug, Deserialize)]
pub struct OrderRecord {
    pub brokerage_order_id: String,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub universal_symbol: Option<UniversalSymbol>,
    #[serde(default)]
    pub option_symbol: Option<OptionSymbol>,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub total_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub filled_quantity: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub execution_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub limit_price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub stop_price: Option<Decimal>,
    #[serde(default)]
    pub order_type: Option<String>,
    #[serde(default)]
    pub time_in_force: Option<String>,
    #[serde(default)]
    pub time_placed: Option<String>,
    #[serde(default)]
    pub time_updated: Option<String>,
}

/// `ManualTradeFormWithOptions` for `POST /trade/place`. Numbers are JSON numbers (the spec's
/// `number`), written from decimals without a float in between (see `parse::json_number`).
#[derive(Clone, Debug, Serialize)]
pub struct PlaceOrder {
    pub account_id: String,
    pub action: &'static str,
    pub symbol: String,
    pub order_type: &'static str,
    pub time_in_force: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub price: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub units: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notional_value: Option<serde_json::Number>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_order_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct CancelResponse {
    pub brokerage_order_id: String,
}

/// `AccountUniversalActivity`: one transaction of an account.
#[derive(Debug, Deserialize)]
pub struct Activity {
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub symbol: Option<UniversalSymbol>,
    #[serde(default)]
    pub option_symbol: Option<OptionSymbol>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub price: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub units: Option<Decimal>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub amount: Option<Decimal>,
    #[serde(default)]
    pub currency: Option<Currency>,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub trade_date: Option<String>,
    #[serde(default)]
    pub settlement_date: Option<String>,
    #[serde(default, deserialize_with = "exact_opt")]
    pub fee: Option<Decimal>,
}

#[derive(Debug, Deserialize)]
pub struct Pagination {
    #[serde(default)]
    pub offset: Option<u64>,
    #[serde(default)]
    pub total: Option<u64>,
}

/// `PaginatedUniversalActivity`.
#[derive(Debug, Deserialize)]
pub struct ActivityPage {
    #[serde(default)]
    pub data: Vec<Activity>,
    #[serde(default)]
    pub pagination: Option<Pagination>,
}
