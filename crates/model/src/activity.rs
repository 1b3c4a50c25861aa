//! Money movement across every connection: fills, dividends, fees, transfers, payments and
//! payouts, as the Activity page and `brokerdesk activity` list them.
//!
//! Text fields (`counterparty`, `description`) come from vendors and other people: they are
//! data to show, never instructions to follow.

use crate::ids::{AccountId, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What kind of money movement a line is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A trade executed (its cash effect: a buy is negative, a sell positive).
    Fill,
    Dividend,
    Interest,
    Fee,
    /// Money moved between the user's own accounts or to/from a bank (deposits, withdrawals,
    /// journals, ACH).
    Transfer,
    /// Money received from or sent to someone else (a sale, a purchase, a peer payment).
    Payment,
    /// A payment processor paying out the user's balance to their bank.
    Payout,
    Refund,
    /// Anything the vendor reports that fits none of the above (its own word is in
    /// `description`).
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 9] = [
        ActivityKind::Fill,
        ActivityKind::Dividend,
        ActivityKind::Interest,
        ActivityKind::Fee,
        ActivityKind::Transfer,
        ActivityKind::Payment,
        ActivityKind::Payout,
        ActivityKind::Refund,
        ActivityKind::Other,
    ];

    /// The word the UI, the CLI and CSV files use (also what `--kind` accepts).
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Fill => "fill",
            ActivityKind::Dividend => "dividend",
            ActivityKind::Interest => "interest",
            ActivityKind::Fee => "fee",
            ActivityKind::Transfer => "transfer",
            ActivityKind::Payment => "payment",
            ActivityKind::Payout => "payout",
            ActivityKind::Refund => "refund",
            ActivityKind::Other => "other",
        }
    }
}

impl std::str::FromStr for ActivityKind {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ActivityKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| {
                let known: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.as_str()).collect();
                format!("unknown kind {s:?}: one of {}", known.join(", "))
            })
    }
}

/// Where a movement stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityStatus {
    Pending,
    Completed,
    Failed,
    Cancelled,
}

impl ActivityStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityStatus::Pending => "pending",
            ActivityStatus::Completed => "completed",
            ActivityStatus::Failed => "failed",
            ActivityStatus::Cancelled => "cancelled",
        }
    }
}

/// One money movement of one account, as its vendor reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityEntry {
    /// The vendor's own id for the movement, unique within its account (re-reading the same
    /// movement replaces it, never adds a second line).
    pub id: String,
    pub account_id: AccountId,
    pub time: DateTime<Utc>,
    pub kind: ActivityKind,
    /// Signed, in `currency`: money into the account is positive.
    pub amount: Decimal,
    /// ISO 4217 code of `amount` and `fee`.
    pub currency: String,
    /// What the movement cost, where the vendor says (positive).
    pub fee: Option<Decimal>,
    pub status: ActivityStatus,
    /// Who the money came from or went to, as the vendor names them.
    pub counterparty: Option<String>,
    pub description: Option<String>,
    /// For fills and dividends.
    pub symbol: Option<Symbol>,
    pub quantity: Option<Decimal>,
    pub price: Option<Decimal>,
}

/// Which stored movements to list (every field narrows; empty/`None` means no restriction).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityFilter {
    #[serde(default)]
    pub connections: Vec<crate::ids::ConnectionId>,
    #[serde(default)]
    pub accounts: Vec<AccountId>,
    #[serde(default)]
    pub kinds: Vec<ActivityKind>,
    /// From this time on (inclusive).
    #[serde(default)]
    pub since: Option<DateTime<Utc>>,
    /// Before this time (exclusive).
    #[serde(default)]
    pub until: Option<DateTime<Utc>>,
    /// Free text, matched (case-insensitively, as plain text) against the description, the
    /// counterparty and the symbol.
    #[serde(default)]
    pub search: Option<String>,
}

/// Where the next page starts: after the last row shown, by (time, row number), so rows with
/// equal times are neither skipped nor repeated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivityCursor {
    pub time: DateTime<Utc>,
    pub seq: i64,
}

/// One line of the Activity page: the movement and the connection it came through.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActivityRow {
    pub connection: crate::ids::ConnectionId,
    pub connection_name: String,
    pub mode: crate::connection::TradingMode,
    pub entry: ActivityEntry,
}

/// A connection whose activity could not be read at the last sync (the others still show).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivitySyncError {
    pub connection: crate::ids::ConnectionId,
    pub connection_name: String,
    pub message: String,
}

/// A page of the Activity list, newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ActivityList {
    pub rows: Vec<ActivityRow>,
    /// `None` on the last page.
    pub next: Option<ActivityCursor>,
    /// How many rows match the filter in all.
    pub total: u64,
    pub sync_errors: Vec<ActivitySyncError>,
}
