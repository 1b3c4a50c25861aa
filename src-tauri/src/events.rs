//! Forwards the service's events to the webview as one Tauri event, coalesced
//! (`brokerdesk_service::events`).

use brokerdesk_model::event::EVENT_NAME;
use brokerdesk_service::BrokerageService;
use brokerdesk_service::events::{BATCH_WINDOW, forward as forward_batches};
use tauri::{AppHandle, Emitter, Runtime};

pub async fn forward<R: Runtime>(app: AppHandle<R>, service: BrokerageService) {
    forward_batches(service.subscribe(), BATCH_WINDOW, move |event| {
        if let Err(err) = app.emit(EVENT_NAME, &event) {
            tracing::warn!(error = %err, "could not send an event to the window");
        }
    })
    .await;
}
