//! Square's JSON (spec release 2025-08-20). Money is `{amount, currency}` with `amount` an
//! integer in the currency's smallest unit. Empty lists come back as `{}`, hence the defaults.

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct Money {
    #[serde(default)]
    pub amount: Option<i64>,
    /// `currency` per the `Money` schema; the spec's own payout example says `currency_code`.
    #[serde(default, alias = "currency_code")]
    pub currency: Option<String>,
}

/// `GET /v2/locations`.
#[derive(Debug, Deserialize)]
pub struct ListLocations {
    #[serde(default)]
    pub locations: Vec<Location>,
}

#[derive(Debug, Deserialize)]
pub struct Location {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub business_name: Option<String>,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET /v2/payments`.
#[derive(Debug, Deserialize)]
pub struct ListPayments {
    #[serde(default)]
    pub payments: Vec<Payment>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Payment {
    pub id: String,
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub amount_money: Option<Money>,
    #[serde(default)]
    pub total_money: Option<Money>,
    #[serde(default)]
    pub processing_fee: Vec<ProcessingFee>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
    #[serde(default)]
    pub buyer_email_address: Option<String>,
    #[serde(default)]
    pub location_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct ProcessingFee {
    #[serde(default)]
    pub amount_money: Option<Money>,
}

/// `GET /v2/payouts` (`ListPayoutsResponse`).
#[derive(Debug, Deserialize)]
pub struct ListPayouts {
    #[serde(default)]
    pub payouts: Vec<Payout>,
    #[serde(default)]
    pub cursor: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Payout {
    pub id: String,
    /// SENT, FAILED or PAID.
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub created_at: Option<String>,
    /// What left the Square balance for the destination (negative: a debit from the bank).
    #[serde(default)]
    pub amount_money: Option<Money>,
    #[serde(default)]
    pub destination: Option<Destination>,
    #[serde(default)]
    pub payout_fee: Vec<PayoutFee>,
}

#[derive(Debug, Deserialize)]
pub struct Destination {
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct PayoutFee {
    #[serde(default)]
    pub amount_money: Option<Money>,
}
