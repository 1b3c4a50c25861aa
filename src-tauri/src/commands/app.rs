//! Facts about the running app, and the user's settings.

use brokerdesk_model::{AppInfo, IpcError, NotificationSettings, Settings, Theme};
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

/// The colour theme (System / Light / Dark).
#[tauri::command(rename_all = "snake_case")]
pub fn settings_set_theme(
    service: State<'_, BrokerageService>,
    theme: Theme,
) -> Result<Settings, IpcError> {
    service.set_theme(theme).map_err(super::ipc)
}

/// Which events become native notifications.
#[tauri::command(rename_all = "snake_case")]
pub fn settings_set_notifications(
    service: State<'_, BrokerageService>,
    notifications: NotificationSettings,
) -> Result<Settings, IpcError> {
    service.set_notifications(notifications).map_err(super::ipc)
}

/// The currency totals are shown in (an ISO 4217 code).
#[tauri::command(rename_all = "snake_case")]
pub fn settings_set_base_currency(
    service: State<'_, BrokerageService>,
    code: String,
) -> Result<Settings, IpcError> {
    service.set_base_currency(&code).map_err(super::ipc)
}
