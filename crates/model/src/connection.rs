//! A connection of the app to one institution, as the UI shows it.

use crate::ids::{ConnectionId, VendorId};
use serde::{Deserialize, Serialize};

/// Whether orders on a connection move real money.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TradingMode {
    Paper,
    Live,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum ConnectionStatus {
    Connected,
    Disconnected(String),
    NeedsSignIn,
    Degraded(String),
}

impl std::fmt::Display for ConnectionStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Connected => f.write_str("Connected"),
            Self::Disconnected(why) => write!(f, "Disconnected: {why}"),
            Self::NeedsSignIn => f.write_str("Needs sign-in"),
            Self::Degraded(why) => write!(f, "Degraded: {why}"),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionSummary {
    pub id: ConnectionId,
    pub vendor: VendorId,
    /// What the user sees: "Paper (local)", "Alpaca — live", …
    pub display_name: String,
    pub mode: TradingMode,
    pub status: ConnectionStatus,
    /// Round trip of the last request to the institution, in milliseconds.
    pub latency_ms: Option<u32>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_round_trips_with_its_detail() {
        for status in [
            ConnectionStatus::Connected,
            ConnectionStatus::Disconnected("timed out".into()),
            ConnectionStatus::NeedsSignIn,
            ConnectionStatus::Degraded("429 from vendor".into()),
        ] {
            let json = serde_json::to_string(&status).unwrap();
            assert_eq!(
                serde_json::from_str::<ConnectionStatus>(&json).unwrap(),
                status
            );
        }
        assert_eq!(
            serde_json::to_string(&ConnectionStatus::Disconnected("x".into())).unwrap(),
            r#"{"state":"disconnected","detail":"x"}"#
        );
    }
}
