//! Accounts and their balances.

use crate::connection::{ConnectionSummary, TradingMode};
use crate::ids::AccountId;
use crate::position::Position;
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What an account holds in cash and may spend.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Balances {
    /// ISO 4217 code of every amount below.
    pub currency: String,
    pub cash: Decimal,
    pub buying_power: Decimal,
    pub equity: Decimal,
}

/// One account as the Accounts page shows it: where it is, what it holds, when it was read.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSnapshot {
    pub connection: ConnectionSummary,
    pub account_id: AccountId,
    /// What an order on this account does. A connection can hold paper and live accounts
    /// (an IBKR gateway); this is the account's own mode, the badge the UI shows.
    pub mode: TradingMode,
    pub balances: Balances,
    pub positions: Vec<Position>,
    pub as_of: DateTime<Utc>,
    /// Where each position's price comes from (by symbol). Every account is priced by its own
    /// connection: its market data where it has some, else the broker's positions payload.
    #[serde(default)]
    pub prices: std::collections::BTreeMap<crate::ids::Symbol, PriceSource>,
    /// Set when the institution gave no balance figure for this account: `balances` are then
    /// zeros that mean nothing, and the card shows this note instead of figures (and totals
    /// leave the account out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub balance_unknown: Option<BalanceUnknown>,
}

/// Why an account has no balance figure. The note is for the user, written by the vendor's
/// connector (never a vendor name in the UI's own code).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "reason")]
pub enum BalanceUnknown {
    /// The vendor has no endpoint for it (the note says where the money can be seen
    /// instead). The connection itself is fine.
    NotReported { note: String },
    /// This account's sign-in at its institution expired (one login among several of the
    /// connection); linking it again restores it. The connection's other accounts are fine.
    SignInExpired { note: String },
}

impl BalanceUnknown {
    pub fn note(&self) -> &str {
        match self {
            BalanceUnknown::NotReported { note } | BalanceUnknown::SignInExpired { note } => note,
        }
    }
}

/// Where a position's price (and so its value and P&L) comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "source")]
pub enum PriceSource {
    /// A quote from the account's own connection's market data, as of `at` (the quote's own
    /// time where the vendor gives one).
    Quote { at: Option<DateTime<Utc>> },
    /// The price in the broker's positions payload, as of the read: the connection has no
    /// quote for it (no market data, or none yet). Show it with its time.
    Positions { as_of: DateTime<Utc> },
}

/// Every account the app can see, and the connections that could not be read this time.
/// One failing institution never hides the others.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountsOverview {
    pub accounts: Vec<AccountSnapshot>,
    pub unreachable: Vec<ConnectionSummary>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::connection::ConnectionStatus;
    use crate::ids::{ConnectionId, VendorId};
    use rust_decimal_macros::dec;

    fn snapshot() -> AccountSnapshot {
        AccountSnapshot {
            connection: ConnectionSummary {
                id: ConnectionId::new("paper-local"),
                vendor: VendorId::new("paper"),
                display_name: "Paper (local)".into(),
                mode: TradingMode::Paper,
                status: ConnectionStatus::Connected,
                latency_ms: Some(0),
                last_refresh: None,
                live_balances_every_min: None,
            },
            account_id: AccountId::new("PAPER-1"),
            mode: TradingMode::Paper,
            balances: Balances {
                currency: "USD".into(),
                cash: dec!(100000),
                buying_power: dec!(200000),
                equity: dec!(100000),
            },
            positions: vec![],
            as_of: DateTime::parse_from_rfc3339("2026-11-29T14:30:00Z")
                .unwrap()
                .with_timezone(&Utc),
            prices: Default::default(),
            balance_unknown: None,
        }
    }

    #[test]
    fn an_unknown_balance_round_trips_and_is_absent_when_known() {
        let mut s = snapshot();
        assert!(
            serde_json::to_value(&s)
                .unwrap()
                .get("balance_unknown")
                .is_none()
        );
        s.balance_unknown = Some(BalanceUnknown::NotReported {
            note: "no balance endpoint".into(),
        });
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["balance_unknown"]["reason"], "not_reported");
        assert_eq!(serde_json::from_value::<AccountSnapshot>(json).unwrap(), s);
    }

    #[test]
    fn snapshot_round_trips_with_rfc3339_time_and_string_money() {
        let s = snapshot();
        let json = serde_json::to_value(&s).unwrap();
        assert_eq!(json["balances"]["cash"], "100000");
        assert_eq!(json["as_of"], "2026-11-29T14:30:00Z");
        assert_eq!(serde_json::from_value::<AccountSnapshot>(json).unwrap(), s);
    }

    #[test]
    fn balances_accept_numbers_as_vendors_send_them() {
        let b: Balances = serde_json::from_str(
            r#"{"currency":"USD","cash":110.01,"buying_power":"220.02","equity":1e3}"#,
        )
        .unwrap();
        assert_eq!(b.cash, dec!(110.01));
        assert_eq!(b.buying_power, dec!(220.02));
        assert_eq!(b.equity, dec!(1000));
    }
}
