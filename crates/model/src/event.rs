//! What the backend pushes to the UI without being asked.

use crate::connection::ConnectionSummary;
use crate::ids::ConnectionId;
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
    /// The latest quotes from one connection's own market data. A position or ticket shows
    /// the quotes of its own connection only, never another's.
    Quotes {
        connection: ConnectionId,
        quotes: Vec<Quote>,
    },
    /// The number of open reconciliation breaks changed.
    Breaks { open: usize },
    /// The vault locked or unlocked (connections come and go with it).
    Vault,
    /// New or changed money movements were stored (or a connection's activity failed to
    /// read): re-read the Activity page.
    ActivityChanged,
    /// Connections opened for the first time are being read: `done` of `total` have answered
    /// (or failed). The last one has `done == total`.
    SyncProgress { done: u32, total: u32 },
    /// The vault locked itself after the idle time (besides [`ServiceEvent::Vault`]).
    VaultAutoLocked,
    /// An attached AI assistant's questions changed (one asked, answered, expired or
    /// withdrawn): re-read them (`assistant_questions`).
    AssistantQuestions,
    /// The listener fell behind and lost events it cannot name (an order's fill among them,
    /// perhaps): re-read everything shown.
    Missed,
}
