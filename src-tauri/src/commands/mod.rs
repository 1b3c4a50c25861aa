//! IPC commands, grouped by area. Each is a few lines over the service; names and types come
//! from `brokerdesk_model::ipc`.

pub mod activity;
pub mod app;
pub mod assistant;
pub mod connections;
pub mod money;
pub mod net_worth;
pub mod oauth;
pub mod portfolio;
pub mod position;
pub mod sandbox;
pub mod trading;
pub mod vault;

/// A service error as the UI receives it: `{ code, message }`.
fn ipc(err: brokerdesk_service::ServiceError) -> brokerdesk_model::IpcError {
    brokerdesk_model::IpcError::from(&err)
}
