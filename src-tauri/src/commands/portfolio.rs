//! Accounts, balances and positions.

use brokerdesk_model::{AccountsOverview, IpcError};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command]
pub async fn accounts_overview(
    service: State<'_, BrokerageService>,
) -> Result<AccountsOverview, IpcError> {
    service.accounts_overview().await.map_err(ipc)
}

/// A connection's balances read live now (where its vendor bills live reads), then every account.
#[tauri::command]
pub async fn refresh_live_balances(
    service: State<'_, BrokerageService>,
    id: brokerdesk_model::ConnectionId,
) -> Result<AccountsOverview, IpcError> {
    service.refresh_live_balances(&id).await.map_err(ipc)
}
