//! One saved connection, as `connections.json` (version 3) holds it: which vendor, how it
//! signed in, the vendor's own settings, and the vault record of its keys. Its own file so that
//! the list (`registry`) and the reader of the previous format (`registry_v2`) both use it
//! without importing each other.

use brokerdesk_connectors::registry as vendors;
use brokerdesk_model::{ConnectionId, TradingMode, VendorId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// How a connection signed in, which says who opens it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SignInKind {
    /// The vendor's form (keys, a gateway, a server): its descriptor opens it from `config`
    /// and the vault record `credential`.
    Form,
    /// The browser (`browser_flows`): `config` is [`OAuthConfig`]; the tokens are the vault
    /// record of kind `oauth_token` of the connection.
    #[serde(rename = "oauth")]
    OAuth,
}

/// What refreshing an OAuth connection needs besides its tokens.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthConfig {
    pub client_id: String,
    /// Kept rather than taken from the preset, so a connection made against a stand-in server
    /// (tests, a vendor's sandbox) refreshes there too.
    pub token_url: String,
    /// The sign-in authenticated with the secret of the user's registered app (in the vault);
    /// refreshes must too.
    #[serde(default)]
    pub uses_client_secret: bool,
    /// The vendor's API at a stand-in address (tests); absent: the vendor's own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub id: ConnectionId,
    pub display_name: String,
    /// The vendor (descriptor id), or for an OAuth connection the preset signed in with.
    pub vendor: VendorId,
    pub sign_in: SignInKind,
    /// The vendor's own settings (`SignInKind::Form`) or [`OAuthConfig`].
    pub config: serde_json::Value,
    /// The vault record holding the connection's keys, if it has one.
    #[serde(default)]
    pub credential: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl ConnectionRecord {
    pub fn vendor(&self) -> VendorId {
        self.vendor.clone()
    }

    /// The connection's mode, from facts the user cannot type: the vendor's descriptor decides
    /// from its settings (an unknown vendor is live). An OAuth connection is paper only for a
    /// preset that names itself a sandbox; the preset comes from the catalog, never from what
    /// the user types. (The record itself cannot be edited either: the list is sealed.)
    pub fn mode(&self) -> TradingMode {
        match self.sign_in {
            SignInKind::Form => vendors::descriptor(self.vendor.as_str())
                .map(|d| (d.mode)(&self.config))
                .unwrap_or(TradingMode::Live),
            SignInKind::OAuth if self.vendor.as_str().ends_with("-sandbox") => TradingMode::Paper,
            SignInKind::OAuth => TradingMode::Live,
        }
    }
}
