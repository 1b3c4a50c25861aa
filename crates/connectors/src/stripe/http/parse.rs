//! Stripe JSON to our types. Stripe sends integer amounts in the currency's smallest unit;
//! the number of decimals is Stripe's, which mostly follows ISO 4217 (docs.stripe.com/currencies).

use super::models as m;
use crate::ConnectorError;
use crate::types::{PaymentBalance, PaymentTransaction};
use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus};
use chrono::{DateTime, TimeZone, Utc};
use rust_decimal::Decimal;

/// Stripe's zero-decimal currencies: an amount of 500 JPY means ¥500.
const ZERO_DECIMAL: &[&str] = &[
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
];
/// Three-decimal currencies: 5124 BHD minor units are 5.124 BHD.
const THREE_DECIMAL: &[&str] = &["bhd", "jod", "kwd", "omr", "tnd"];

/// Decimals in Stripe's minor unit for a currency; every other currency has two (ISK, HUF and
/// TWD included, which Stripe represents as two-decimal for backwards compatibility).
pub fn exponent(currency: &str) -> u32 {
    let c = currency.to_ascii_lowercase();
    if ZERO_DECIMAL.contains(&c.as_str()) {
        0
    } else if THREE_DECIMAL.contains(&c.as_str()) {
        3
    } else {
        2
    }
}

pub fn money(minor: i64, currency: &str) -> Decimal {
    Decimal::new(minor, exponent(currency))
}

/// Available and pending per currency, in the order Stripe lists them.
pub fn balance(b: &m::Balance) -> Vec<PaymentBalance> {
    let mut out: Vec<PaymentBalance> = Vec::new();
    let mut slot = |currency: &str| -> usize {
        let code = currency.to_ascii_uppercase();
        match out.iter().position(|p| p.currency == code) {
            Some(i) => i,
            None => {
                out.push(PaymentBalance {
                    currency: code,
                    available: Decimal::ZERO,
                    pending: Decimal::ZERO,
                });
                out.len() - 1
            }
        }
    };
    let mut adds = Vec::new();
    for a in &b.available {
        adds.push((slot(&a.currency), money(a.amount, &a.currency), true));
    }
    for p in &b.pending {
        adds.push((slot(&p.currency), money(p.amount, &p.currency), false));
    }
    for (i, amount, available) in adds {
        if available {
            out[i].available += amount;
        } else {
            out[i].pending += amount;
        }
    }
    out
}

pub fn time(unix: i64) -> Result<DateTime<Utc>, ConnectorError> {
    Utc.timestamp_opt(unix, 0)
        .single()
        .ok_or_else(|| ConnectorError::BadResponse(format!("not a time: {unix}")))
}

pub fn transaction(t: &m::BalanceTransaction) -> Result<PaymentTransaction, ConnectorError> {
    Ok(PaymentTransaction {
        id: t.id.clone(),
        time: time(t.created)?,
        amount: money(t.amount, &t.currency),
        // Stripe's fee is what the transaction cost (positive), as we report fees.
        fee: Some(money(t.fee, &t.currency)),
        currency: t.currency.to_ascii_uppercase(),
        description: t
            .description
            .clone()
            .or_else(|| t.reporting_category.clone())
            .or_else(|| Some(t.kind.clone())),
        // A balance transaction names its source object by id only, not a person.
        counterparty: None,
        status: t.status.clone(),
    })
}

/// What kind of movement a balance transaction is, from its `type`.
pub fn kind(kind: &str) -> ActivityKind {
    match kind {
        "payout" | "payout_cancel" | "payout_failure" => ActivityKind::Payout,
        "charge" | "payment" => ActivityKind::Payment,
        "refund"
        | "payment_refund"
        | "payment_failure_refund"
        | "refund_failure"
        | "application_fee_refund" => ActivityKind::Refund,
        "stripe_fee" | "application_fee" | "stripe_fx_fee" | "tax_fee" => ActivityKind::Fee,
        "transfer"
        | "transfer_cancel"
        | "transfer_failure"
        | "transfer_refund"
        | "topup"
        | "topup_reversal"
        | "connect_collection_transfer" => ActivityKind::Transfer,
        _ => ActivityKind::Other,
    }
}

/// A balance transaction as an activity line: the gross amount (signed by Stripe: payouts
/// and refunds are negative) and its fee; `available` is completed, `pending` pending.
pub fn activity(
    t: &m::BalanceTransaction,
    account: &AccountId,
) -> Result<ActivityEntry, ConnectorError> {
    let p = transaction(t)?;
    Ok(ActivityEntry {
        id: p.id,
        account_id: account.clone(),
        time: p.time,
        kind: kind(&t.kind),
        amount: p.amount,
        currency: p.currency,
        fee: p.fee.filter(|f| !f.is_zero()),
        status: match t.status.as_str() {
            "available" => ActivityStatus::Completed,
            _ => ActivityStatus::Pending,
        },
        counterparty: None,
        description: p.description,
        symbol: None,
        quantity: None,
        price: None,
    })
}

/// Stripe's `starting_after` must come with the same filters as the first page, so our
/// cursor carries them: `st1|<last id>|<created gte>|<created lte>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cursor {
    pub starting_after: String,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
}

impl Cursor {
    pub fn encode(&self) -> String {
        let n = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        format!(
            "st1|{}|{}|{}",
            self.starting_after,
            n(self.created_gte),
            n(self.created_lte)
        )
    }

    pub fn decode(raw: &str) -> Result<Cursor, ConnectorError> {
        let bad = || ConnectorError::Rejected(format!("not a Stripe cursor: {raw:?}"));
        let parts: Vec<&str> = raw.split('|').collect();
        let [tag, id, gte, lte] = parts.as_slice() else {
            return Err(bad());
        };
        if *tag != "st1" || id.is_empty() {
            return Err(bad());
        }
        let n = |s: &str| -> Result<Option<i64>, ConnectorError> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse().map(Some).map_err(|_| bad())
            }
        };
        Ok(Cursor {
            starting_after: (*id).to_owned(),
            created_gte: n(gte)?,
            created_lte: n(lte)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn minor_units_follow_the_currency() {
        assert_eq!(money(12345, "usd"), dec!(123.45));
        assert_eq!(money(-500, "USD"), dec!(-5.00));
        assert_eq!(money(500, "jpy"), dec!(500));
        assert_eq!(money(500, "KRW"), dec!(500));
        assert_eq!(money(5124, "bhd"), dec!(5.124));
        assert_eq!(money(100, "isk"), dec!(1.00));
        assert_eq!(money(0, "eur"), dec!(0));
    }

    #[test]
    fn balance_merges_available_and_pending_per_currency() {
        let b: m::Balance = serde_json::from_str(
            r#"{"available":[{"amount":1050,"currency":"usd"},{"amount":700,"currency":"jpy"}],
                "pending":[{"amount":-25,"currency":"usd"},{"amount":300,"currency":"eur"}]}"#,
        )
        .unwrap();
        let out = balance(&b);
        assert_eq!(out.len(), 3);
        assert_eq!(
            (out[0].currency.as_str(), out[0].available, out[0].pending),
            ("USD", dec!(10.50), dec!(-0.25))
        );
        assert_eq!(
            (out[1].currency.as_str(), out[1].available),
            ("JPY", dec!(700))
        );
        assert_eq!(
            (out[2].currency.as_str(), out[2].pending),
            ("EUR", dec!(3.00))
        );
    }

    #[test]
    fn types_map_to_kinds_and_jpy_stays_whole() {
        let t: m::BalanceTransaction = serde_json::from_str(
            r#"{"id":"txn_1","amount":-5000,"created":1700000000,"currency":"jpy","fee":0,
                "net":-5000,"status":"pending","type":"payout"}"#,
        )
        .unwrap();
        let a = activity(&t, &AccountId::new("self")).unwrap();
        assert_eq!(a.kind, ActivityKind::Payout);
        assert_eq!((a.amount, a.currency.as_str()), (dec!(-5000), "JPY"));
        assert_eq!((a.status, a.fee), (ActivityStatus::Pending, None));
        for (t, k) in [
            ("charge", ActivityKind::Payment),
            ("payment", ActivityKind::Payment),
            ("refund", ActivityKind::Refund),
            ("stripe_fee", ActivityKind::Fee),
            ("application_fee", ActivityKind::Fee),
            ("transfer", ActivityKind::Transfer),
            ("adjustment", ActivityKind::Other),
        ] {
            assert_eq!(kind(t), k, "{t}");
        }
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let c = Cursor {
            starting_after: "txn_1PgaxNB7WZ01zgkWEV3TLf40".into(),
            created_gte: Some(1_700_000_000),
            created_lte: None,
        };
        assert_eq!(Cursor::decode(&c.encode()).unwrap(), c);
        for bad in ["", "txn_1", "st1|", "st1||1|2", "st1|txn|x|", "pp1|txn||"] {
            assert!(Cursor::decode(bad).is_err(), "{bad}");
        }
    }
}
