//! Square JSON to our types. Square's money is in "the smallest denomination of the currency"
//! (ISO 4217 minor units): 100 USD cents, 1 JPY.

use super::models as m;
use crate::ConnectorError;
use crate::types::PaymentTransaction;
use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// ISO 4217 minor-unit exponent; two unless listed.
pub fn exponent(currency: &str) -> u32 {
    match currency.to_ascii_uppercase().as_str() {
        "BIF" | "CLP" | "DJF" | "GNF" | "ISK" | "JPY" | "KMF" | "KRW" | "PYG" | "RWF" | "UGX"
        | "UYI" | "VND" | "VUV" | "XAF" | "XOF" | "XPF" => 0,
        "BHD" | "IQD" | "JOD" | "KWD" | "LYD" | "OMR" | "TND" => 3,
        "CLF" | "UYW" => 4,
        _ => 2,
    }
}

/// `None` when Square left out the amount or the currency.
pub fn money(m: &m::Money) -> Option<(Decimal, String)> {
    let currency = m.currency.as_deref()?.to_ascii_uppercase();
    Some((Decimal::new(m.amount?, exponent(&currency)), currency))
}

pub fn payment(p: &m::Payment) -> Result<PaymentTransaction, ConnectorError> {
    let bad = |what: &str| ConnectorError::BadResponse(format!("payment {}: {what}", p.id));
    let created = p
        .created_at
        .as_deref()
        .ok_or_else(|| bad("no created_at"))?;
    let time = DateTime::parse_from_rfc3339(created)
        .map_err(|_| bad("unreadable created_at"))?
        .with_timezone(&Utc);
    // What the buyer paid, tip included; amount_money alone leaves the tip out.
    let (amount, currency) = p
        .total_money
        .as_ref()
        .and_then(money)
        .or_else(|| p.amount_money.as_ref().and_then(money))
        .ok_or_else(|| bad("no amount"))?;
    let fees: Vec<Decimal> = p
        .processing_fee
        .iter()
        .filter_map(|f| f.amount_money.as_ref().and_then(money))
        .filter(|(_, c)| *c == currency)
        .map(|(a, _)| a)
        .collect();
    Ok(PaymentTransaction {
        id: p.id.clone(),
        time,
        amount,
        // Square lists processing fees only once they are known.
        fee: (!fees.is_empty()).then(|| fees.iter().sum()),
        currency,
        description: p.note.clone(),
        counterparty: p.buyer_email_address.clone(),
        status: p
            .status
            .as_deref()
            .map_or_else(|| "unknown".to_owned(), str::to_ascii_lowercase),
    })
}

/// Square's cursor belongs to the query that produced it, so ours carries that query's time
/// range too: `sq1|<begin>|<end>|<square cursor>`.
fn time(
    raw: Option<&str>,
    bad: impl Fn(&str) -> ConnectorError,
) -> Result<DateTime<Utc>, ConnectorError> {
    let raw = raw.ok_or_else(|| bad("no created_at"))?;
    Ok(DateTime::parse_from_rfc3339(raw)
        .map_err(|_| bad("unreadable created_at"))?
        .with_timezone(&Utc))
}

/// A payment as an activity line: money in from the buyer.
pub fn payment_activity(
    p: &m::Payment,
    account: &AccountId,
) -> Result<ActivityEntry, ConnectorError> {
    let t = payment(p)?;
    Ok(ActivityEntry {
        id: t.id,
        account_id: account.clone(),
        time: t.time,
        kind: ActivityKind::Payment,
        amount: t.amount,
        currency: t.currency,
        fee: t.fee,
        status: match p.status.as_deref() {
            Some("COMPLETED") => ActivityStatus::Completed,
            Some("CANCELED") => ActivityStatus::Cancelled,
            Some("FAILED") => ActivityStatus::Failed,
            // APPROVED (authorized, not captured) and PENDING.
            _ => ActivityStatus::Pending,
        },
        counterparty: t.counterparty,
        description: t.description,
        symbol: None,
        quantity: None,
        price: None,
    })
}

/// A payout as an activity line: money out of the Square balance to the seller's bank or
/// card, so its sign is flipped (a negative payout, a debit from the bank, comes in).
pub fn payout_activity(
    p: &m::Payout,
    account: &AccountId,
) -> Result<ActivityEntry, ConnectorError> {
    let bad = |what: &str| ConnectorError::BadResponse(format!("payout {}: {what}", p.id));
    let time = time(p.created_at.as_deref(), bad)?;
    let (amount, currency) = p
        .amount_money
        .as_ref()
        .and_then(money)
        .ok_or_else(|| bad("no amount"))?;
    let fees: Vec<Decimal> = p
        .payout_fee
        .iter()
        .filter_map(|f| f.amount_money.as_ref().and_then(money))
        .filter(|(_, c)| *c == currency)
        .map(|(a, _)| a)
        .collect();
    Ok(ActivityEntry {
        id: p.id.clone(),
        account_id: account.clone(),
        time,
        kind: ActivityKind::Payout,
        amount: -amount,
        currency,
        fee: (!fees.is_empty()).then(|| fees.iter().sum()),
        status: match p.status.as_deref() {
            Some("PAID") => ActivityStatus::Completed,
            Some("FAILED") => ActivityStatus::Failed,
            // SENT: on its way to the bank.
            _ => ActivityStatus::Pending,
        },
        counterparty: p
            .destination
            .as_ref()
            .and_then(|d| d.kind.as_deref())
            .map(|k| match k {
                "BANK_ACCOUNT" => "Bank account".to_owned(),
                "CARD" => "Card".to_owned(),
                other => other.to_ascii_lowercase(),
            }),
        description: Some("Payout".into()),
        symbol: None,
        quantity: None,
        price: None,
    })
}

/// Where an activity listing stands: each source's own Square cursor (`None` once it is
/// read to the end) and the time filters of the first page.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActivityCursor {
    pub begin_time: Option<String>,
    pub end_time: Option<String>,
    pub payments: Option<String>,
    pub payouts: Option<String>,
}

impl ActivityCursor {
    pub fn encode(&self) -> String {
        let o = |v: &Option<String>| v.clone().unwrap_or_default();
        // Square's cursors are base64-like; `|` never occurs in them, nor in RFC 3339 times.
        format!(
            "sqa1|{}|{}|{}|{}",
            o(&self.begin_time),
            o(&self.end_time),
            o(&self.payments),
            o(&self.payouts)
        )
    }

    pub fn decode(raw: &str) -> Result<ActivityCursor, ConnectorError> {
        let bad = || ConnectorError::Rejected(format!("not a Square activity cursor: {raw:?}"));
        let parts: Vec<&str> = raw.split('|').collect();
        let [tag, begin, end, payments, payouts] = parts.as_slice() else {
            return Err(bad());
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        if *tag != "sqa1" || (payments.is_empty() && payouts.is_empty()) {
            return Err(bad());
        }
        Ok(ActivityCursor {
            begin_time: opt(begin),
            end_time: opt(end),
            payments: opt(payments),
            payouts: opt(payouts),
        })
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub begin_time: Option<String>,
    pub end_time: Option<String>,
    pub square: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        format!(
            "sq1|{}|{}|{}",
            self.begin_time.as_deref().unwrap_or_default(),
            self.end_time.as_deref().unwrap_or_default(),
            self.square
        )
    }

    pub fn decode(raw: &str) -> Result<Cursor, ConnectorError> {
        let bad = || ConnectorError::Rejected(format!("not a Square cursor: {raw:?}"));
        // Square's own cursor is opaque and goes last, so it may hold any character.
        let parts: Vec<&str> = raw.splitn(4, '|').collect();
        let [tag, begin, end, square] = parts.as_slice() else {
            return Err(bad());
        };
        if *tag != "sq1" || square.is_empty() {
            return Err(bad());
        }
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        Ok(Cursor {
            begin_time: opt(begin),
            end_time: opt(end),
            square: (*square).to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn money_of(amount: i64, currency: &str) -> m::Money {
        m::Money {
            amount: Some(amount),
            currency: Some(currency.into()),
        }
    }

    #[test]
    fn minor_units_follow_iso_4217() {
        assert_eq!(
            money(&money_of(555, "USD")),
            Some((dec!(5.55), "USD".into()))
        );
        assert_eq!(
            money(&money_of(1500, "JPY")),
            Some((dec!(1500), "JPY".into()))
        );
        assert_eq!(
            money(&money_of(1234, "kwd")),
            Some((dec!(1.234), "KWD".into()))
        );
        assert_eq!(
            money(&m::Money {
                amount: None,
                currency: Some("USD".into())
            }),
            None
        );
    }

    #[test]
    fn cursor_round_trips_even_with_separators_in_squares_part() {
        let c = Cursor {
            begin_time: Some("2024-01-01T00:00:00Z".into()),
            end_time: None,
            square: "a|b/c+=".into(),
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "abc", "sq1||", "sq1|||", "st1|a|b|c"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
