//! OAuth sign-in from the Connect page: the backend opens the system browser (never a
//! webview, RFC 8252 §8.12) and listens on loopback; the UI only sees the flow id and URL.

use brokerdesk_model::vendors::{OAuthClientArgs, OAuthClientInfo};
use brokerdesk_model::{ConnectionSummary, IpcError, OAuthStarted, VendorId};
use brokerdesk_oauth::{BrowserOpener, OpenError};
use brokerdesk_service::BrokerageService;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_opener::OpenerExt;

use super::ipc;

/// The platform's default browser, through tauri-plugin-opener.
struct SystemBrowser<R: Runtime>(AppHandle<R>);

impl<R: Runtime> BrowserOpener for SystemBrowser<R> {
    fn open(&self, url: &url::Url) -> Result<(), OpenError> {
        self.0
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| OpenError(e.to_string()))
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn oauth_start<R: Runtime>(
    app: AppHandle<R>,
    service: State<'_, BrokerageService>,
    vendor: VendorId,
) -> Result<OAuthStarted, IpcError> {
    service
        .oauth_start(&vendor, &SystemBrowser(app))
        .await
        .map_err(ipc)
}

/// Whether the user's OAuth app is registered for a preset (its secret never comes back).
#[tauri::command(rename_all = "snake_case")]
pub fn oauth_client_get(
    service: State<'_, BrokerageService>,
    vendor: VendorId,
) -> Result<OAuthClientInfo, IpcError> {
    service.oauth_client(&vendor).map_err(ipc)
}

/// Registers the user's OAuth app for a preset: the client secret comes in, only whether one
/// is stored goes out.
#[tauri::command(rename_all = "snake_case")]
pub fn oauth_client_save(
    service: State<'_, BrokerageService>,
    preset: VendorId,
    client_id: String,
    client_secret: Option<String>,
    redirect_uri: Option<String>,
) -> Result<OAuthClientInfo, IpcError> {
    service
        .save_oauth_client(OAuthClientArgs {
            preset,
            client_id,
            client_secret,
            redirect_uri,
        })
        .map_err(ipc)
}

/// An aggregator's portal in the system browser (its flow ends with `oauth_finish`).
#[tauri::command(rename_all = "snake_case")]
pub async fn portal_start<R: Runtime>(
    app: AppHandle<R>,
    service: State<'_, BrokerageService>,
    id: brokerdesk_model::ConnectionId,
    purpose: Option<brokerdesk_model::vendors::LinkPurpose>,
) -> Result<OAuthStarted, IpcError> {
    service
        .portal_start(&id, purpose, &SystemBrowser(app))
        .await
        .map_err(ipc)
}

/// A remote search hit connected through its aggregator's portal, opened on it.
#[tauri::command(rename_all = "snake_case")]
pub async fn portal_start_for_hit<R: Runtime>(
    app: AppHandle<R>,
    service: State<'_, BrokerageService>,
    hit: brokerdesk_model::search::RemoteInstitution,
) -> Result<OAuthStarted, IpcError> {
    service
        .portal_start_for_hit(&hit, &SystemBrowser(app))
        .await
        .map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn oauth_finish(
    service: State<'_, BrokerageService>,
    flow_id: String,
) -> Result<ConnectionSummary, IpcError> {
    service.oauth_finish(&flow_id).await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn oauth_cancel(service: State<'_, BrokerageService>, flow_id: String) -> Result<(), IpcError> {
    service.oauth_cancel(&flow_id).map_err(ipc)
}
