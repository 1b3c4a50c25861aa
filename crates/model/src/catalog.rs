//! The shape of the catalog: every institution Brokerdesk knows, how one signs in to it, and
//! what it can honestly show.
//!
//! The entries themselves live with their vendors (`brokerdesk_connectors::registry::catalog`,
//! each vendor folder's descriptor, facts and sources in `../shared/specs/NOTES.md`); the UI
//! receives them over IPC (`ipc::GetVendorCatalog`), so neither the UI nor the service holds a
//! list of institutions of its own. Where a capability depends on the aggregator or on the
//! user's connection, the note says so; where none exists, the catalog says that plainly.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum InstitutionKind {
    /// Brokerdesk's own paper exchange.
    LocalSandbox,
    /// A broker with its own API we connect to directly.
    NativeBroker,
    /// A broker reached through an aggregator.
    AggregatedBroker,
    /// A payment processor with its own API.
    PaymentProcessor,
    /// A consumer payment app with no API for a personal account.
    PaymentApp,
}

/// An aggregator that reaches other institutions through its own portal. Which vendor is
/// which aggregator is said by that vendor's descriptor (`VendorInfo::aggregator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Aggregator {
    SnapTrade,
    Plaid,
}

/// One way to connect an institution.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "method", content = "via")]
pub enum SignIn {
    /// Nothing to do: always connected.
    Builtin,
    /// The user pastes an API key (and secret) from the vendor's dashboard.
    ApiKey,
    /// OAuth 2.0 in the system browser with PKCE and no client secret.
    OAuthPkce,
    /// OAuth 2.0 where the vendor demands a client secret: the user brings their own registered
    /// app's client id and secret (kept in the vault).
    OAuthClientSecret,
    /// The aggregator's hosted portal, opened in the system browser.
    AggregatorPortal(Aggregator),
    /// The user signs in to a gateway running on their own machine.
    LocalGateway,
}

impl SignIn {
    pub fn is_oauth(self) -> bool {
        matches!(self, SignIn::OAuthPkce | SignIn::OAuthClientSecret)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Support {
    Yes,
    /// Available with a condition the note states.
    Partial,
    No,
}

/// Whether a capability exists, and in plain words why or under what condition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capability {
    pub support: Support,
    pub note: String,
}

impl Capability {
    pub fn yes() -> Self {
        Self {
            support: Support::Yes,
            note: String::new(),
        }
    }
    pub fn partial(note: &str) -> Self {
        Self {
            support: Support::Partial,
            note: note.to_owned(),
        }
    }
    pub fn no(note: &str) -> Self {
        Self {
            support: Support::No,
            note: note.to_owned(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capabilities {
    pub balances: Capability,
    pub positions: Capability,
    pub quotes: Capability,
    pub trading: Capability,
    pub transactions: Capability,
}

impl Capabilities {
    /// Each capability with its display name, in the order the UI lists them.
    pub fn named(&self) -> [(&'static str, &Capability); 5] {
        [
            ("Balances", &self.balances),
            ("Positions", &self.positions),
            ("Quotes", &self.quotes),
            ("Trading", &self.trading),
            ("Transactions", &self.transactions),
        ]
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Institution {
    /// Stable id, also the vendor id of its connections when it is a vendor itself.
    pub id: String,
    pub name: String,
    /// Other names people type: former names, tickers of the firm, abbreviations.
    pub aliases: Vec<String>,
    pub kind: InstitutionKind,
    /// Ways to connect, the preferred first. Empty when there is none.
    pub sign_in: Vec<SignIn>,
    pub capabilities: Capabilities,
    /// A sandbox or paper environment to try it without real money.
    pub sandbox: bool,
    /// What the user should know before connecting, in one or two sentences.
    pub summary: String,
}

/// The catalog entry with this id.
pub fn institution<'a>(catalog: &'a [Institution], id: &str) -> Option<&'a Institution> {
    catalog.iter().find(|i| i.id == id)
}
