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
    /// Its connections have a portal to link more accounts (`ipc::PortalStart`).
    pub portal: bool,
}
