//! Differences between the app's own journal and what a broker reports.

use crate::ids::{AccountId, ConnectionId, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreakKind {
    /// Both sides hold the symbol, in different quantities.
    Quantity,
    /// Same quantity, different average cost.
    AverageCost,
    /// The broker holds a position the journal does not explain.
    OpenedOutsideApp,
    /// The journal expects a position the broker no longer has.
    ClosedOutsideApp,
}

impl BreakKind {
    /// The likely cause, in words for the reconciliation panel.
    pub fn cause(self) -> &'static str {
        match self {
            Self::Quantity => "shares were bought or sold outside Brokerdesk, or a fill was missed",
            Self::AverageCost => {
                "the broker booked a different price (corporate action, fee or correction)"
            }
            Self::OpenedOutsideApp => "the position was opened outside Brokerdesk",
            Self::ClosedOutsideApp => "the position was closed or transferred outside Brokerdesk",
        }
    }
}

/// One break: it stays listed until the user resolves it, even once the difference is gone.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReconciliationBreak {
    pub id: i64,
    pub connection: ConnectionId,
    pub account: AccountId,
    pub symbol: Symbol,
    pub kind: BreakKind,
    /// Signed: short positions are negative.
    pub expected_qty: Decimal,
    pub broker_qty: Decimal,
    pub expected_avg_cost: Option<Decimal>,
    pub broker_avg_cost: Option<Decimal>,
    pub cause: String,
    pub detected_at: DateTime<Utc>,
    /// False once the last reconciliation no longer saw the difference.
    pub still_present: bool,
}
