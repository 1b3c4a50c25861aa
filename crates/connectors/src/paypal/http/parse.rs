//! PayPal JSON to our types, and the pure part of transaction paging: 31-day windows and the
//! cursor that walks them.

use super::models as m;
use crate::ConnectorError;
use crate::types::{PaymentBalance, PaymentTransaction};
use brokerdesk_model::{AccountId, ActivityEntry, ActivityKind, ActivityStatus};
use chrono::{DateTime, Duration, SecondsFormat, TimeZone, Utc};
use rust_decimal::Decimal;

/// PayPal's limit on `end_date - start_date`.
pub const MAX_WINDOW: Duration = Duration::days(31);

pub fn balances(b: &m::Balances) -> Vec<PaymentBalance> {
    b.balances
        .iter()
        .map(|d| PaymentBalance {
            currency: d.currency.to_ascii_uppercase(),
            // "available" is what the holder can spend; without it the total is all we know.
            available: d
                .available_balance
                .as_ref()
                .map_or(d.total_balance.value, |a| a.value),
            pending: d
                .withheld_balance
                .as_ref()
                .map_or(Decimal::ZERO, |w| w.value),
        })
        .collect()
}

/// PayPal's documented format is RFC 3339, but its own samples (and replies) use offsets
/// without a colon (`2014-07-11T04:03:52+0000`); both are read.
pub fn time(raw: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%dT%H:%M:%S%.f%z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

pub fn wire_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn status(code: Option<&str>) -> String {
    match code {
        Some("S") => "completed".into(),
        Some("P") => "pending".into(),
        Some("D") => "denied".into(),
        Some("V") => "reversed".into(),
        Some("F") => "partially refunded".into(),
        Some(other) => other.to_owned(),
        None => "unknown".into(),
    }
}

fn counterparty(p: &m::PayerInfo) -> Option<String> {
    let name = p.payer_name.as_ref().and_then(|n| {
        n.full_name
            .clone()
            .or_else(|| n.alternate_full_name.clone())
            .or_else(|| {
                let parts: Vec<&str> = [n.given_name.as_deref(), n.surname.as_deref()]
                    .into_iter()
                    .flatten()
                    .collect();
                (!parts.is_empty()).then(|| parts.join(" "))
            })
    });
    name.or_else(|| p.email_address.clone())
        .or_else(|| p.account_id.clone())
}

pub fn transaction(d: &m::TransactionDetail) -> Result<PaymentTransaction, ConnectorError> {
    let t = &d.transaction_info;
    let when = t
        .transaction_initiation_date
        .as_deref()
        .or(t.transaction_updated_date.as_deref())
        .ok_or_else(|| {
            ConnectorError::BadResponse(format!("transaction {} has no date", t.transaction_id))
        })?;
    let time = time(when).ok_or_else(|| {
        ConnectorError::BadResponse(format!(
            "transaction {}: unreadable date {when:?}",
            t.transaction_id
        ))
    })?;
    Ok(PaymentTransaction {
        id: t.transaction_id.clone(),
        time,
        // Signed by PayPal already: money out is negative.
        amount: t.transaction_amount.value,
        // PayPal books fees as negative amounts; we report what the fee cost.
        fee: t.fee_amount.as_ref().map(|f| -f.value),
        currency: t.transaction_amount.currency_code.to_ascii_uppercase(),
        description: t
            .transaction_subject
            .clone()
            .or_else(|| t.transaction_note.clone())
            .or_else(|| t.transaction_event_code.clone()),
        counterparty: d.payer_info.as_ref().and_then(counterparty),
        status: status(t.transaction_status.as_deref()),
    })
}

/// What kind of movement a PayPal event code (`T` + 4 digits, PayPal's "Transaction event
/// codes" reference) is: its first two digits name the group.
pub fn kind(event_code: Option<&str>) -> ActivityKind {
    let Some(code) = event_code else {
        return ActivityKind::Other;
    };
    match code {
        // Refunds and reversals of payments (T1106 reversal, T1107 refund, T1201 chargeback…).
        "T1106" | "T1107" | "T1108" | "T1201" | "T1202" => return ActivityKind::Refund,
        _ => {}
    }
    match code.get(..3) {
        Some("T00") | Some("T07") | Some("T10") => ActivityKind::Payment,
        Some("T01") => ActivityKind::Fee,
        // Bank deposits and withdrawals, card funding, transfers between accounts.
        Some("T03") | Some("T04") | Some("T05") | Some("T06") | Some("T17") | Some("T20")
        | Some("T22") => ActivityKind::Transfer,
        Some("T08") | Some("T09") => ActivityKind::Interest,
        _ => ActivityKind::Other,
    }
}

fn activity_status(code: Option<&str>) -> ActivityStatus {
    match code {
        Some("P") => ActivityStatus::Pending,
        Some("D") => ActivityStatus::Failed,
        Some("V") => ActivityStatus::Cancelled,
        // S (success) and F (partially refunded: the payment itself went through).
        _ => ActivityStatus::Completed,
    }
}

/// A transaction as an activity line: PayPal's signed amount, its fee as a cost, the payer
/// as the counterparty, the kind from the event code.
pub fn activity(
    d: &m::TransactionDetail,
    account: &AccountId,
) -> Result<ActivityEntry, ConnectorError> {
    let p = transaction(d)?;
    let info = &d.transaction_info;
    Ok(ActivityEntry {
        id: p.id,
        account_id: account.clone(),
        time: p.time,
        kind: kind(info.transaction_event_code.as_deref()),
        amount: p.amount,
        currency: p.currency,
        fee: p.fee,
        status: activity_status(info.transaction_status.as_deref()),
        counterparty: p.counterparty,
        description: p.description,
        symbol: None,
        quantity: None,
        price: None,
    })
}

/// Where a transaction listing stands: the whole range asked for, the window being read
/// (newest first, each at most [`MAX_WINDOW`]) and the page within it. Serialised into the
/// opaque cursor, so a later call needs nothing else from the first query.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Walk {
    pub since: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub page: u32,
    pub page_size: u32,
}

impl Walk {
    pub fn window_start(&self) -> DateTime<Utc> {
        // Inclusive on both ends, so the window spans MAX_WINDOW minus a second.
        (self.window_end - MAX_WINDOW + Duration::seconds(1)).max(self.since)
    }

    /// The next page of this window, or the first page of the next older window.
    pub fn next(&self, total_pages: u32) -> Option<Walk> {
        if self.page < total_pages {
            return Some(Walk {
                page: self.page + 1,
                ..*self
            });
        }
        let start = self.window_start();
        (start > self.since).then(|| Walk {
            // PayPal dates have whole seconds, so the older window ends one second earlier
            // and no transaction is listed twice.
            window_end: start - Duration::seconds(1),
            page: 1,
            ..*self
        })
    }

    pub fn encode(&self) -> String {
        format!(
            "pp1.{}.{}.{}.{}",
            self.since.timestamp(),
            self.window_end.timestamp(),
            self.page,
            self.page_size
        )
    }

    pub fn decode(cursor: &str) -> Result<Walk, ConnectorError> {
        let bad = || ConnectorError::Rejected(format!("not a PayPal cursor: {cursor:?}"));
        let mut parts = cursor.split('.');
        if parts.next() != Some("pp1") {
            return Err(bad());
        }
        let mut num = || -> Result<i64, ConnectorError> {
            parts.next().and_then(|p| p.parse().ok()).ok_or_else(bad)
        };
        let (since, end, page, size) = (num()?, num()?, num()?, num()?);
        let at = |s: i64| Utc.timestamp_opt(s, 0).single().ok_or_else(bad);
        let walk = Walk {
            since: at(since)?,
            window_end: at(end)?,
            page: u32::try_from(page).map_err(|_| bad())?,
            page_size: u32::try_from(size).map_err(|_| bad())?,
        };
        if walk.page == 0 || !(1..=500).contains(&walk.page_size) || walk.window_end < walk.since {
            return Err(bad());
        }
        Ok(walk)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn both_offset_styles_parse() {
        assert_eq!(
            time("2014-07-11T04:03:52+0000"),
            Some(at("2014-07-11T04:03:52Z"))
        );
        assert_eq!(
            time("2014-07-11T06:03:52+02:00"),
            Some(at("2014-07-11T04:03:52Z"))
        );
        assert_eq!(time("yesterday"), None);
        assert_eq!(
            wire_time(at("2024-03-01T10:00:00.123Z")),
            "2024-03-01T10:00:00Z"
        );
    }

    #[test]
    fn windows_cover_the_range_newest_first_without_overlap_or_gap() {
        let since = at("2024-01-01T00:00:00Z");
        let until = at("2024-04-15T12:00:00Z");
        let mut w = Some(Walk {
            since,
            window_end: until,
            page: 1,
            page_size: 100,
        });
        let mut windows = Vec::new();
        while let Some(cur) = w {
            windows.push((cur.window_start(), cur.window_end));
            w = cur.next(1);
        }
        assert_eq!(windows.len(), 4, "{windows:?}");
        assert_eq!(windows[0].1, until);
        assert_eq!(windows.last().unwrap().0, since);
        for (start, end) in &windows {
            assert!(*end - *start < MAX_WINDOW, "{start}..{end}");
        }
        for pair in windows.windows(2) {
            assert_eq!(pair[1].1 + Duration::seconds(1), pair[0].0, "contiguous");
        }
    }

    #[test]
    fn pages_come_before_the_next_window() {
        let w = Walk {
            since: at("2024-01-01T00:00:00Z"),
            window_end: at("2024-01-10T00:00:00Z"),
            page: 1,
            page_size: 10,
        };
        assert_eq!(w.next(3).unwrap().page, 2);
        assert_eq!(w.next(1), None, "range within one window, last page");
        assert_eq!(w.next(0), None, "an empty window is the last one too");
    }

    #[test]
    fn event_codes_map_to_kinds() {
        for (code, k) in [
            (Some("T0006"), ActivityKind::Payment),
            (Some("T0400"), ActivityKind::Transfer),
            (Some("T0300"), ActivityKind::Transfer),
            (Some("T0106"), ActivityKind::Fee),
            (Some("T1107"), ActivityKind::Refund),
            (Some("T9900"), ActivityKind::Other),
            (None, ActivityKind::Other),
        ] {
            assert_eq!(kind(code), k, "{code:?}");
        }
        assert_eq!(activity_status(Some("V")), ActivityStatus::Cancelled);
        assert_eq!(activity_status(Some("P")), ActivityStatus::Pending);
    }

    #[test]
    fn cursor_round_trips_and_rejects_garbage() {
        let w = Walk {
            since: at("2023-05-01T00:00:00Z"),
            window_end: at("2024-01-10T08:30:00Z"),
            page: 7,
            page_size: 250,
        };
        assert_eq!(Walk::decode(&w.encode()).unwrap(), w);
        for bad in [
            "",
            "pp1",
            "pp1.1.2.3",
            "xx.1.2.3.4",
            "pp1.5.1.1.10",
            "pp1.1.2.0.10",
            "pp1.1.2.1.999",
        ] {
            assert!(Walk::decode(bad).is_err(), "{bad}");
        }
    }
}
