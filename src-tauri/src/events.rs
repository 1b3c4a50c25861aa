//! Forwards the service's events to the webview as one Tauri event, coalesced.

use brokerdesk_model::event::EVENT_NAME;
use brokerdesk_service::BrokerageService;
use brokerdesk_service::events::{EventCoalescer, FLUSH_EVERY};
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::broadcast::error::RecvError;

pub async fn forward<R: Runtime>(app: AppHandle<R>, service: BrokerageService) {
    let mut events = service.subscribe();
    let mut coalescer = EventCoalescer::default();
    let mut flush = tokio::time::interval(FLUSH_EVERY);
    loop {
        tokio::select! {
            received = events.recv() => match received {
                Ok(event) => coalescer.push(event),
                Err(RecvError::Lagged(_)) => coalescer.lagged(),
                Err(RecvError::Closed) => return,
            },
            _ = flush.tick() => {
                for event in coalescer.flush() {
                    if let Err(err) = app.emit(EVENT_NAME, &event) {
                        tracing::warn!(error = %err, "could not send an event to the window");
                    }
                }
            }
        }
    }
}
