//! The position page.

use brokerdesk_model::position_detail::{ChartRange, PositionDetail};
use brokerdesk_model::{AccountId, ConnectionId, IpcError, Symbol};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn position_detail(
    service: State<'_, BrokerageService>,
    connection: ConnectionId,
    account: AccountId,
    symbol: Symbol,
    range: Option<ChartRange>,
) -> Result<PositionDetail, IpcError> {
    service
        .position_detail(&connection, &account, &symbol, range.unwrap_or_default())
        .await
        .map_err(ipc)
}
