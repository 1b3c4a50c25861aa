//! Facts about the running app, and the user's settings.

use brokerdesk_model::{AppInfo, IpcError, Settings};
use brokerdesk_service::BrokerageService;
use rust_decimal::Decimal;
use tauri::State;

#[tauri::command]
pub fn app_info(service: State<'_, BrokerageService>) -> Result<AppInfo, IpcError> {
    Ok(service.app_info())
}

/// The user's settings (the order size limit).
#[tauri::command]
pub fn settings_get(service: State<'_, BrokerageService>) -> Result<Settings, IpcError> {
    service.settings().map_err(super::ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn settings_set_max_order_pct(
    service: State<'_, BrokerageService>,
    percent: Decimal,
) -> Result<Settings, IpcError> {
    service.set_max_order_pct(percent).map_err(super::ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn settings_set_base_currency(
    service: State<'_, BrokerageService>,
    code: String,
) -> Result<Settings, IpcError> {
    service.set_base_currency(&code).map_err(super::ipc)
}
