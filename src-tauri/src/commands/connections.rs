//! Connecting institutions: API keys come in, are checked and sealed in the vault; only
//! summaries go out.

use brokerdesk_model::vendors::VendorCatalog;
use brokerdesk_model::{ConnectionId, ConnectionSummary, IpcError, KeyConnectionArgs, VendorId};
use brokerdesk_service::BrokerageService;
use std::collections::BTreeMap;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn connections_list(
    service: State<'_, BrokerageService>,
) -> Result<Vec<ConnectionSummary>, IpcError> {
    service.list_connections().await.map_err(ipc)
}

/// The catalog and every vendor's ways to connect, from the vendors' descriptors: the
/// Connect page renders its cards and forms from this.
#[tauri::command(rename_all = "snake_case")]
pub fn vendor_catalog(service: State<'_, BrokerageService>) -> VendorCatalog {
    service.vendor_catalog()
}

/// A vendor's form (keys, a gateway, a server: `VendorInfo::form`); checked against the
/// vendor, then sealed in the vault. Only the summary comes back.
#[tauri::command(rename_all = "snake_case")]
pub async fn connection_add_key(
    service: State<'_, BrokerageService>,
    vendor: VendorId,
    fields: BTreeMap<String, String>,
    sandbox: Option<bool>,
    label: Option<String>,
) -> Result<ConnectionSummary, IpcError> {
    let args = KeyConnectionArgs {
        vendor,
        fields,
        sandbox: sandbox.unwrap_or(false),
        label: label.unwrap_or_default(),
    };
    service.add_key_connection(args).await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn connection_remove(
    service: State<'_, BrokerageService>,
    id: ConnectionId,
) -> Result<Vec<ConnectionSummary>, IpcError> {
    service.remove_connection(&id).await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn institutions_search(
    service: State<'_, BrokerageService>,
    query: String,
) -> Result<Vec<brokerdesk_model::search::RemoteInstitution>, IpcError> {
    service.search_institutions(&query).await.map_err(ipc)
}
