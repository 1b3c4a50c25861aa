//! Alpaca's account activities (`GET /v2/account/activities`) as the Activity page's entries:
//! fills and non-trade activities (dividends, interest, fees, transfers) in one list.

use super::adapter::AlpacaConnector;
use super::http::client as ep;
use super::http::models as m;
use crate::ConnectorError;
use crate::capability::AccountActivity;
use crate::types::{ActivityPage, TransactionQuery};
use async_trait::async_trait;
use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus, Symbol};
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;

/// Alpaca's largest page.
const MAX_PAGE: u32 = 100;

#[async_trait]
impl AccountActivity for AlpacaConnector {
    /// Newest first (`direction=desc`); `since`/`until` become `after`/`until`; the cursor is
    /// Alpaca's `page_token` (the last id of the previous page).
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        self.check(account).await?;
        let size = query.limit.unwrap_or(MAX_PAGE).clamp(1, MAX_PAGE);
        let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Micros, true);
        let list = self
            .http
            .trading
            .send(&ep::ListActivities {
                activity_type: None,
                page_size: Some(size),
                page_token: query.cursor.clone(),
                after: query.since.map(rfc),
                until: query.until.map(rfc),
            })
            .await?;
        let entries = list
            .iter()
            .map(|a| entry(account, a))
            .collect::<Result<Vec<_>, _>>()?;
        // A full page may have more behind it; a short one is the end.
        let next_cursor = (list.len() >= size as usize)
            .then(|| list.last().map(|a| a.id.clone()))
            .flatten();
        Ok(ActivityPage {
            entries,
            next_cursor,
        })
    }
}

fn bad(what: &str, value: &str) -> ConnectorError {
    ConnectorError::BadResponse(format!("Alpaca sent an activity with {what} {value:?}"))
}

/// The kind of an Alpaca activity type (the `activity_type` codes of the Trading API).
pub fn kind(activity_type: &str) -> ActivityKind {
    match activity_type {
        "FILL" => ActivityKind::Fill,
        t if t.starts_with("DIV") => ActivityKind::Dividend,
        t if t.starts_with("INT") => ActivityKind::Interest,
        "FEE" | "PTC" | "CFEE" => ActivityKind::Fee,
        "CSD" | "CSW" | "JNLC" | "JNLS" | "TRANS" | "ACATC" | "ACATS" => ActivityKind::Transfer,
        _ => ActivityKind::Other,
    }
}

/// One activity as an entry. A fill's amount is its cash effect, −side × qty × price (a buy
/// takes money out); every other type carries its own signed `net_amount`.
pub fn entry(account: &AccountId, a: &m::Activity) -> Result<ActivityEntry, ConnectorError> {
    let kind = kind(&a.activity_type);
    let time = when(a)?;
    let symbol = a
        .symbol
        .as_deref()
        .filter(|s| !s.is_empty())
        .map(Symbol::new);
    let (amount, status, description) = if kind == ActivityKind::Fill {
        let side = a.side.as_deref().unwrap_or_default();
        let sign = match side {
            "buy" => Decimal::NEGATIVE_ONE,
            "sell" | "sell_short" => Decimal::ONE,
            other => return Err(bad("the side", other)),
        };
        let qty = a.qty.ok_or_else(|| bad("no quantity", &a.id))?;
        let price = a.price.ok_or_else(|| bad("no price", &a.id))?;
        let amount = qty
            .checked_mul(price)
            .and_then(|v| v.checked_mul(sign))
            .ok_or_else(|| bad("an amount too large", &a.id))?;
        let what = symbol.as_ref().map(|s| s.as_str()).unwrap_or("");
        (
            amount,
            ActivityStatus::Completed,
            Some(format!("{side} {qty} {what} at {price}")),
        )
    } else {
        let amount = a.net_amount.ok_or_else(|| bad("no net amount", &a.id))?;
        let status = match a.status.as_deref() {
            None | Some("executed") | Some("correct") => ActivityStatus::Completed,
            Some("canceled") | Some("cancelled") => ActivityStatus::Cancelled,
            // Anything else has not settled as far as we can tell.
            Some(_) => ActivityStatus::Pending,
        };
        let mut words = vec![a.activity_type.clone()];
        words.extend(a.activity_sub_type.clone());
        let code = words.join("/");
        let description = match a.description.as_deref().filter(|d| !d.is_empty()) {
            Some(d) => format!("{code}: {d}"),
            None => code,
        };
        (amount, status, Some(description))
    };
    Ok(ActivityEntry {
        id: a.id.clone(),
        account_id: account.clone(),
        time,
        kind,
        amount,
        currency: "USD".into(),
        fee: None,
        status,
        counterparty: None,
        description,
        symbol,
        quantity: a.qty,
        price: a.price,
    })
}

/// A fill's execution time; a non-trade activity's date (its start, UTC), else when Alpaca
/// recorded it.
fn when(a: &m::Activity) -> Result<DateTime<Utc>, ConnectorError> {
    if let Some(t) = a.transaction_time.as_deref().filter(|t| !t.is_empty()) {
        return super::http::parse::time(t);
    }
    if let Some(d) = a.date.as_deref().filter(|d| !d.is_empty()) {
        let day = NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad("the date", d))?;
        return Ok(day.and_time(chrono::NaiveTime::MIN).and_utc());
    }
    match a.created_at.as_deref() {
        Some(t) => super::http::parse::time(t),
        None => Err(bad("no time", &a.id)),
    }
}
