//! Facts about the running app.

use brokerdesk_model::{AppInfo, IpcError};
use brokerdesk_service::BrokerageService;
use tauri::State;

#[tauri::command]
pub fn app_info(service: State<'_, BrokerageService>) -> Result<AppInfo, IpcError> {
    Ok(service.app_info())
}
