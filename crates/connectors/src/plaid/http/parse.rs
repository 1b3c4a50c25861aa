//! Plaid JSON to our types.

use super::models as m;
use brokerdesk_model::catalog::Aggregator;
use brokerdesk_model::search::RemoteInstitution;
use brokerdesk_model::{Balances, Position, PositionSide, Symbol};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Balances of one account. `current` is the account's total value (holdings and cash for an
/// investment account); `available` is what can be spent or withdrawn, which Plaid leaves null
/// for many investment accounts: then cash reads as zero there, and as `current` elsewhere.
pub fn balances(a: &m::Account) -> Balances {
    let b = &a.balances;
    let current = b.current.unwrap_or(Decimal::ZERO);
    let investment = a.type_.as_deref() == Some("investment");
    let cash = b
        .available
        .unwrap_or(if investment { Decimal::ZERO } else { current });
    Balances {
        currency: b
            .iso_currency_code
            .clone()
            .or_else(|| b.unofficial_currency_code.clone())
            .unwrap_or_else(|| "USD".into()),
        cash,
        buying_power: b.available.unwrap_or(cash),
        equity: current,
    }
}

/// The holdings of one account as positions, named by ticker (else by the security's name).
pub fn positions(h: &m::Holdings, account_id: &str) -> Vec<Position> {
    let securities: HashMap<&str, &m::Security> = h
        .securities
        .iter()
        .map(|s| (s.security_id.as_str(), s))
        .collect();
    h.holdings
        .iter()
        .filter(|x| x.account_id == account_id)
        .map(|x| {
            let security = securities.get(x.security_id.as_str());
            let symbol = security
                .and_then(|s| s.ticker_symbol.clone().or_else(|| s.name.clone()))
                .unwrap_or_else(|| x.security_id.clone());
            let qty = x.quantity.abs();
            let side = if x.quantity.is_sign_negative() && !x.quantity.is_zero() {
                PositionSide::Short
            } else {
                PositionSide::Long
            };
            let price = x.institution_price.unwrap_or(Decimal::ZERO);
            let market_value = x.institution_value.unwrap_or(price * qty);
            // Plaid's cost basis is the holding's total; unknown reads as zero (the model has
            // no "unknown"), with no made-up profit.
            let cost_basis = x.cost_basis.map(|c| c.abs()).unwrap_or(Decimal::ZERO);
            let avg_entry_price = if qty.is_zero() {
                Decimal::ZERO
            } else {
                cost_basis / qty
            };
            let unrealized_pl = match (x.cost_basis, side) {
                (None, _) => Decimal::ZERO,
                (Some(_), PositionSide::Long) => market_value.abs() - cost_basis,
                (Some(_), PositionSide::Short) => cost_basis - market_value.abs(),
            };
            Position {
                symbol: Symbol::new(symbol),
                side,
                qty,
                avg_entry_price: avg_entry_price.normalize(),
                cost_basis,
                current_price: price,
                market_value: market_value.abs(),
                unrealized_pl,
                asset_class: Default::default(),
            }
        })
        .collect()
}

pub fn institution(i: &m::Institution) -> RemoteInstitution {
    RemoteInstitution {
        id: i.institution_id.clone(),
        name: i.name.clone(),
        aggregator: Aggregator::Plaid,
        url: i.url.clone(),
        // Plaid's logo is an inline base64 PNG; the UI does not show remote images.
        logo_url: None,
        trading: Some(false),
    }
}

/// A bank or card transaction as an activity line. Plaid's amount is positive for money
/// OUT of the account, so the sign flips; the counterparty is the one Plaid names (a
/// payment app such as Venmo first, else the merchant), so "transfer to Venmo" says Venmo.
pub fn activity(
    t: &m::Transaction,
) -> Result<brokerdesk_model::ActivityEntry, crate::ConnectorError> {
    use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus};
    let bad = |what: &str| {
        crate::ConnectorError::BadResponse(format!("transaction {}: {what}", t.transaction_id))
    };
    let time = match &t.datetime {
        Some(dt) => chrono::DateTime::parse_from_rfc3339(dt)
            .map_err(|_| bad("unreadable datetime"))?
            .with_timezone(&chrono::Utc),
        None => chrono::NaiveDate::parse_from_str(&t.date, "%Y-%m-%d")
            .map_err(|_| bad("unreadable date"))?
            .and_hms_opt(0, 0, 0)
            .ok_or_else(|| bad("unreadable date"))?
            .and_utc(),
    };
    let category = t.personal_finance_category.as_ref();
    let kind = match category.map(|c| c.primary.as_str()) {
        Some("TRANSFER_IN") | Some("TRANSFER_OUT") => ActivityKind::Transfer,
        Some("BANK_FEES") => ActivityKind::Fee,
        Some("INCOME") => match category.and_then(|c| c.detailed.as_deref()) {
            Some("INCOME_DIVIDENDS") => ActivityKind::Dividend,
            Some("INCOME_INTEREST_EARNED") => ActivityKind::Interest,
            _ => ActivityKind::Payment,
        },
        _ => ActivityKind::Payment,
    };
    let counterparty = t
        .counterparties
        .iter()
        .find(|c| c.kind.as_deref() == Some("payment_app"))
        .map(|c| c.name.clone())
        .or_else(|| t.merchant_name.clone())
        .or_else(|| t.counterparties.first().map(|c| c.name.clone()));
    Ok(ActivityEntry {
        id: t.transaction_id.clone(),
        account_id: AccountId::new(&t.account_id),
        time,
        kind,
        amount: -t.amount,
        currency: t
            .iso_currency_code
            .clone()
            .or_else(|| t.unofficial_currency_code.clone())
            .unwrap_or_else(|| "USD".into())
            .to_ascii_uppercase(),
        fee: None,
        status: if t.pending {
            ActivityStatus::Pending
        } else {
            ActivityStatus::Completed
        },
        counterparty,
        description: t.name.clone(),
        symbol: None,
        quantity: None,
        price: None,
    })
}
