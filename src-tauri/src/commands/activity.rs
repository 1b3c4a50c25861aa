//! The Activity page: stored money movements, their CSV export, and a sync on request.

use brokerdesk_model::{ActivityCursor, ActivityFilter, ActivityList, ActivitySyncError, IpcError};
use brokerdesk_service::BrokerageService;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn activity_list(
    service: State<'_, BrokerageService>,
    filter: ActivityFilter,
    cursor: Option<ActivityCursor>,
    limit: Option<u32>,
) -> Result<ActivityList, IpcError> {
    service.activity(filter, cursor, limit).await.map_err(ipc)
}

/// Into the data folder's `exports` folder: the webview never names a path.
#[tauri::command(rename_all = "snake_case")]
pub async fn activity_export_csv(
    service: State<'_, BrokerageService>,
    filter: ActivityFilter,
) -> Result<String, IpcError> {
    let (path, _) = service
        .export_activity_csv(filter, None)
        .await
        .map_err(ipc)?;
    Ok(path.display().to_string())
}

#[tauri::command(rename_all = "snake_case")]
pub async fn activity_sync(
    service: State<'_, BrokerageService>,
) -> Result<Vec<ActivitySyncError>, IpcError> {
    service.sync_activity().await.map_err(ipc)
}
