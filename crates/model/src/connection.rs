//! A connection of the app to one institution, as the UI shows it.

use crate::ids::{ConnectionId, VendorId};
use chrono::{DateTime, Utc};
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
    /// When the institution last answered a full refresh.
    #[serde(default)]
    pub last_refresh: Option<DateTime<Utc>>,
}

/// Where an Alpaca connection points: the same API at three addresses.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "url")]
pub enum AlpacaEnvironment {
    Live,
    /// Alpaca's own paper environment.
    Paper,
    /// An Alpaca-compatible server at this URL: Brokerdesk's local sandbox, or a test double.
    Custom(String),
}

impl AlpacaEnvironment {
    pub fn mode(&self) -> TradingMode {
        match self {
            Self::Live => TradingMode::Live,
            Self::Paper | Self::Custom(_) => TradingMode::Paper,
        }
    }
}

/// An Alpaca connection by API key, as typed on the Connect page. Travels UI → backend only;
/// `Debug` never shows the secret.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiKeyConnectionArgs {
    pub environment: AlpacaEnvironment,
    pub key_id: String,
    pub secret_key: String,
    /// What the user calls it; empty for the default name.
    #[serde(default)]
    pub label: String,
}

impl std::fmt::Debug for ApiKeyConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ApiKeyConnectionArgs")
            .field("environment", &self.environment)
            .field("key_id", &self.key_id)
            .field("secret_key", &"[REDACTED]")
            .field("label", &self.label)
            .finish()
    }
}

/// A connection made by pasting keys from a vendor's dashboard (Stripe, Square, PayPal,
/// SnapTrade, Plaid): the fields are the vendor's (see `key_fields::key_fields`). Travels
/// UI → backend only; `Debug` shows field names, never values.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyConnectionArgs {
    pub vendor: VendorId,
    /// Field name → value, e.g. `secret_key` → `sk_test_…`.
    pub fields: std::collections::BTreeMap<String, String>,
    /// The vendor's sandbox/test environment instead of production.
    #[serde(default)]
    pub sandbox: bool,
    #[serde(default)]
    pub label: String,
}

impl std::fmt::Debug for KeyConnectionArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyConnectionArgs")
            .field("vendor", &self.vendor)
            .field("fields", &self.fields.keys().collect::<Vec<_>>())
            .field("sandbox", &self.sandbox)
            .field("label", &self.label)
            .finish()
    }
}

/// An OAuth sign-in under way: the browser has (or should be) opened on `authorize_url`, and
/// `flow_id` names the flow for finishing or cancelling it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthStarted {
    pub flow_id: String,
    pub authorize_url: String,
}

/// An Interactive Brokers connection through the user's own Client Portal gateway.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IbkrGatewayArgs {
    /// Default `https://localhost:5000/v1/api`.
    pub gateway_url: String,
    /// Accept the gateway's self-signed certificate (loopback hosts only).
    pub accept_self_signed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_args_never_show_the_secret() {
        let args = ApiKeyConnectionArgs {
            environment: AlpacaEnvironment::Custom("http://127.0.0.1:8787".into()),
            key_id: "PKTEST".into(),
            secret_key: "very-secret-value".into(),
            label: String::new(),
        };
        let debug = format!("{args:?}");
        assert!(debug.contains("PKTEST"));
        assert!(!debug.contains("very-secret-value"));
        assert_eq!(args.environment.mode(), TradingMode::Paper);
        assert_eq!(AlpacaEnvironment::Live.mode(), TradingMode::Live);
    }

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
