//! Exchange rates for totals in the base currency.

use brokerdesk_model::IpcError;
use brokerdesk_model::fx::FxRatesReply;
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command]
pub async fn fx_rates(service: State<'_, BrokerageService>) -> Result<FxRatesReply, IpcError> {
    service.fx_rates().await.map_err(ipc)
}
