//! Net worth over time: the stored equity history as series and totals.

use brokerdesk_model::IpcError;
use brokerdesk_model::net_worth::{NetWorthHistory, NetWorthQuery};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn net_worth_history(
    service: State<'_, BrokerageService>,
    query: NetWorthQuery,
) -> Result<NetWorthHistory, IpcError> {
    service.net_worth_history(query).await.map_err(ipc)
}
