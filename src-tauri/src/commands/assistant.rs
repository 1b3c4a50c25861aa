//! Settings › Assistant activity: what AI assistants did through `brokerdesk mcp`; the
//! questions an app-attached assistant waits on (consent, live orders) and their answers; the
//! clients allowed "always", with Revoke.

use brokerdesk_model::{
    AllowedAssistant, AssistantCall, AssistantQuestion, BlotterEntry, ConsentAnswer, IpcError,
    OrderDecision,
};
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

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_questions(
    service: State<'_, BrokerageService>,
) -> Result<Vec<AssistantQuestion>, IpcError> {
    Ok(service.assistant_questions())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_answer_consent(
    service: State<'_, BrokerageService>,
    id: String,
    answer: ConsentAnswer,
) -> Result<Vec<AssistantQuestion>, IpcError> {
    service
        .answer_assistant_consent(&id, answer)
        .await
        .map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_answer_order(
    service: State<'_, BrokerageService>,
    id: String,
    decision: OrderDecision,
) -> Result<Option<BlotterEntry>, IpcError> {
    service
        .answer_assistant_order(&id, decision)
        .await
        .map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_allowed_list(
    service: State<'_, BrokerageService>,
) -> Result<Vec<AllowedAssistant>, IpcError> {
    service.allowed_assistants().map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn assistant_allowed_revoke(
    service: State<'_, BrokerageService>,
    client: String,
    executable: String,
) -> Result<Vec<AllowedAssistant>, IpcError> {
    service.revoke_assistant(&client, &executable).map_err(ipc)
}
