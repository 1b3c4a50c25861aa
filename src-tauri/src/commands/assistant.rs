//! Settings › Assistant activity: what AI assistants did through `brokerdesk mcp`.

use brokerdesk_model::{AssistantCall, IpcError};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_audit_list(
    service: State<'_, BrokerageService>,
    limit: Option<u32>,
) -> Result<Vec<AssistantCall>, IpcError> {
    service.assistant_audit(limit).await.map_err(ipc)
}
