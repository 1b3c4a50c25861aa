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
