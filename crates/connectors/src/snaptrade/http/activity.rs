//! SnapTrade's account transactions (`AccountUniversalActivity`) as activity entries.

use super::models as m;
use super::parse::time;
use crate::ConnectorError;
use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus, Symbol};

/// Kind, and which way the money goes: `Some(true)` in, `Some(false)` out, `None` as the
/// vendor's sign says (SnapTrade's `amount` is not documented as signed, so the type decides
/// where it can: a buy, a fee or a withdrawal takes money out whatever the sign).
fn kind(raw: &str) -> (ActivityKind, Option<bool>) {
    match raw {
        "BUY" => (ActivityKind::Fill, Some(false)),
        "SELL" => (ActivityKind::Fill, Some(true)),
        "DIVIDEND" | "SUBSTITUTE_DIVIDEND" => (ActivityKind::Dividend, Some(true)),
        // Paid in shares, or paid and bought again: the cash line is the vendor's.
        "REI" | "STOCK_DIVIDEND" => (ActivityKind::Dividend, None),
        "INTEREST" => (ActivityKind::Interest, Some(true)),
        "FEE" | "TAX" => (ActivityKind::Fee, Some(false)),
        "CONTRIBUTION" | "EXTERNAL_ASSET_TRANSFER_IN" => (ActivityKind::Transfer, Some(true)),
        "WITHDRAWAL" | "EXTERNAL_ASSET_TRANSFER_OUT" => (ActivityKind::Transfer, Some(false)),
        "TRANSFER" => (ActivityKind::Transfer, None),
        _ => (ActivityKind::Other, None),
    }
}

pub fn entry(account: &AccountId, a: &m::Activity) -> Result<ActivityEntry, ConnectorError> {
    let id =
        a.id.clone()
            .filter(|i| !i.is_empty())
            .ok_or_else(|| ConnectorError::BadResponse("a SnapTrade activity has no id".into()))?;
    let bad = |what: &str| ConnectorError::BadResponse(format!("SnapTrade activity {id}: {what}"));
    let when = a
        .trade_date
        .as_deref()
        .or(a.settlement_date.as_deref())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| bad("no date"))?;
    let currency = a
        .currency
        .as_ref()
        .and_then(|c| c.code.clone())
        .filter(|c| !c.is_empty())
        .ok_or_else(|| bad("no currency"))?;
    let raw_type = a.type_.clone().unwrap_or_default();
    let (kind, inward) = kind(&raw_type);
    let amount = a.amount.unwrap_or_default();
    let amount = match inward {
        Some(true) => amount.abs(),
        Some(false) => -amount.abs(),
        None => amount,
    };
    let symbol = a
        .symbol
        .as_ref()
        .and_then(|s| s.symbol.clone())
        .or_else(|| a.option_symbol.as_ref().and_then(|o| o.ticker.clone()))
        .filter(|s| !s.is_empty())
        .map(Symbol::new);
    let description = match (a.description.as_deref(), kind) {
        (Some(d), _) if !d.trim().is_empty() => Some(d.to_owned()),
        (_, ActivityKind::Other) if !raw_type.is_empty() => Some(raw_type),
        _ => None,
    };
    Ok(ActivityEntry {
        time: time(when).map_err(|_| bad(&format!("unreadable date {when:?}")))?,
        id,
        account_id: account.clone(),
        kind,
        amount,
        currency,
        fee: a.fee.map(|f| f.abs()).filter(|f| !f.is_zero()),
        // SnapTrade lists transactions once they happened.
        status: ActivityStatus::Completed,
        counterparty: None,
        description,
        symbol,
        quantity: a.units.map(|u| u.abs()),
        price: a.price,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn activity(t: &str, amount: rust_decimal::Decimal) -> m::Activity {
        serde_json::from_value(serde_json::json!({
            "id": "a1", "type": t, "amount": amount.to_string(), "currency": {"code": "USD"},
            "trade_date": "2024-03-22T16:27:55Z"
        }))
        .unwrap()
    }

    #[test]
    fn money_out_is_negative_whatever_sign_the_vendor_used() {
        let acct = AccountId::new("A");
        let e = |t, a| entry(&acct, &activity(t, a)).unwrap();
        assert_eq!(e("BUY", dec!(263.82)).amount, dec!(-263.82));
        assert_eq!(e("BUY", dec!(-263.82)).amount, dec!(-263.82));
        assert_eq!(e("SELL", dec!(-10)).amount, dec!(10));
        assert_eq!(e("FEE", dec!(1.5)).amount, dec!(-1.5));
        assert_eq!(e("WITHDRAWAL", dec!(100)).amount, dec!(-100));
        assert_eq!(e("DIVIDEND", dec!(4)).kind, ActivityKind::Dividend);
        assert_eq!(e("TRANSFER", dec!(-7)).amount, dec!(-7));
        let other = e("SPLIT", dec!(0));
        assert_eq!(other.kind, ActivityKind::Other);
        assert_eq!(other.description.as_deref(), Some("SPLIT"));
    }

    #[test]
    fn an_activity_without_a_date_or_currency_is_an_error_not_a_guess() {
        let acct = AccountId::new("A");
        let mut a = activity("BUY", dec!(1));
        a.trade_date = None;
        assert!(matches!(
            entry(&acct, &a),
            Err(ConnectorError::BadResponse(_))
        ));
        let mut a = activity("BUY", dec!(1));
        a.currency = None;
        assert!(matches!(
            entry(&acct, &a),
            Err(ConnectorError::BadResponse(_))
        ));
    }
}
