//! What the Connect page needs to know about vendors, sent by the backend from the vendors'
//! descriptors (`ipc::GetVendorCatalog`): the catalog, and for each vendor how it connects.

use crate::catalog::{Aggregator, Institution};
use crate::ids::VendorId;
use crate::key_fields::KeyForm;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorCatalog {
    /// Every institution, the local sandbox first, in the order the page lists them.
    pub institutions: Vec<Institution>,
    pub vendors: Vec<VendorInfo>,
}

impl VendorCatalog {
    pub fn vendor(&self, id: &str) -> Option<&VendorInfo> {
        self.vendors.iter().find(|v| v.id.as_str() == id)
    }

    /// The vendor that is this aggregator.
    pub fn aggregator(&self, aggregator: Aggregator) -> Option<&VendorInfo> {
        self.vendors
            .iter()
            .find(|v| v.aggregator == Some(aggregator))
    }
}

/// One vendor and its ways to connect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VendorInfo {
    pub id: VendorId,
    pub name: String,
    /// Set when this vendor is an aggregator other institutions are reached through.
    pub aggregator: Option<Aggregator>,
    /// The form `ipc::AddKeyConnection` takes for it (keys, gateway, server), if any.
    pub form: Option<KeyForm>,
    /// Signs in with OAuth in the browser (`ipc::OAuthStart` with this vendor's id).
    pub oauth: bool,
    /// Its OAuth sign-ins (production, sandbox), each with what must be registered first.
    #[serde(default)]
    pub oauth_presets: Vec<OAuthPresetInfo>,
    /// Its connections have a portal to link more accounts (`ipc::PortalStart`).
    pub portal: bool,
    /// What its portal can link, one "Link accounts" choice each (empty without a portal).
    #[serde(default)]
    pub link_purposes: Vec<LinkPurpose>,
}

/// What a visit to an aggregator's portal links: the aggregator asks the institution for
/// different data (and lists different institutions) for each.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkPurpose {
    /// Brokerage and retirement accounts: holdings.
    Investments,
    /// Bank and credit card accounts: balances and transactions.
    BankAndCards,
}

impl LinkPurpose {
    /// The label of its "Link accounts" button.
    pub fn label(self) -> &'static str {
        match self {
            Self::Investments => "Link a brokerage account",
            Self::BankAndCards => "Link a bank or card account",
        }
    }

    /// What it links, in a sentence.
    pub fn noun(self) -> &'static str {
        match self {
            Self::Investments => "brokerage accounts",
            Self::BankAndCards => "bank or card accounts",
        }
    }
}

/// One OAuth sign-in a vendor offers (its production, or its sandbox), as the Connect page
/// shows it: what the user must register with the vendor first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthPresetInfo {
    /// The id `ipc::OAuthStart` and `ipc::SaveOAuthClient` take.
    pub id: VendorId,
    pub name: String,
    /// The vendor's sandbox (its connections are paper).
    pub sandbox: bool,
    /// The vendor's token endpoint demands the registered app's client secret.
    pub client_secret_required: bool,
    /// The vendor accepts any loopback port; otherwise the exact redirect URI must be
    /// registered with it and given here.
    pub any_loopback_port: bool,
    /// The redirect URI to register with the vendor, unless the user picked another.
    pub suggested_redirect_uri: String,
    /// Why the sign-in looks the way it does (the vendor's rules), for the user.
    pub notes: String,
}

/// The user's registered OAuth app for one preset, as far as the UI may know it: never its
/// secret, and only the end of its client id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientInfo {
    pub preset: VendorId,
    pub registered: bool,
    /// `…1234`: enough to tell apps apart.
    pub client_id_hint: Option<String>,
    pub has_client_secret: bool,
    pub redirect_uri: Option<String>,
}

/// Registering (or replacing) the user's OAuth app for a preset. The secret comes in only.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthClientArgs {
    pub preset: VendorId,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<String>,
    #[serde(default)]
    pub redirect_uri: Option<String>,
}

impl std::fmt::Debug for OAuthClientArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClientArgs")
            .field("preset", &self.preset)
            .field(
                "client_secret",
                &self.client_secret.as_ref().map(|_| "[REDACTED]"),
            )
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}
