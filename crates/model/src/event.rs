//! What the backend pushes to the UI without being asked.

use crate::connection::ConnectionSummary;
use crate::market::Quote;
use crate::trading::BlotterEntry;
use serde::{Deserialize, Serialize};

/// The one Tauri event name every [`ServiceEvent`] travels under.
pub const EVENT_NAME: &str = "brokerdesk://event";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "type", content = "data")]
pub enum ServiceEvent {
    /// A connection's status or latency changed.
    Connection(ConnectionSummary),
    /// Balances or positions may have changed: re-read the overview.
    AccountsChanged,
    /// An order the app placed changed state.
    Order(Box<BlotterEntry>),
    /// The latest quotes (coalesced: at most one batch per interval, newest per symbol).
    Quotes(Vec<Quote>),
    /// The number of open reconciliation breaks changed.
    Breaks { open: usize },
    /// The vault locked or unlocked (connections come and go with it).
    Vault,
}
