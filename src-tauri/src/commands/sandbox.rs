//! Settings › Paper sandbox: the local sandbox's price source and its reset.

use brokerdesk_model::IpcError;
use brokerdesk_model::sandbox::{SandboxControls, SandboxPrices};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command]
pub fn sandbox_controls(service: State<'_, BrokerageService>) -> Result<SandboxControls, IpcError> {
    service.sandbox_controls().map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sandbox_set_prices(
    service: State<'_, BrokerageService>,
    prices: SandboxPrices,
) -> Result<SandboxControls, IpcError> {
    service.set_sandbox_prices(prices).await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn sandbox_reset(
    service: State<'_, BrokerageService>,
    confirmed: bool,
) -> Result<SandboxControls, IpcError> {
    service.reset_sandbox(confirmed).await.map_err(ipc)
}
