//! Orders, quotes and reconciliation.

use brokerdesk_model::vault::VaultState;
use brokerdesk_model::{
    AccountId, BlotterEntry, ConnectionId, IpcError, OrderId, OrderPlacement, OrderTicket, Quote,
    ReconciliationBreak, Symbol,
};
use brokerdesk_service::{BrokerageService, ServiceError};
use std::time::Duration;
use tauri::State;

use super::ipc;

#[tauri::command(rename_all = "snake_case")]
pub async fn order_place(
    service: State<'_, BrokerageService>,
    ticket: OrderTicket,
) -> Result<OrderPlacement, IpcError> {
    placement(service.place_order(ticket).await.map(Some))
}

/// The user's yes or no to the warnings a broker held an order back with.
#[tauri::command(rename_all = "snake_case")]
pub async fn order_answer_warnings(
    service: State<'_, BrokerageService>,
    confirmation: String,
    confirmed: bool,
) -> Result<OrderPlacement, IpcError> {
    placement(
        service
            .answer_order_warnings(&confirmation, confirmed)
            .await,
    )
}

/// Warnings are an outcome the ticket shows, not an error.
fn placement(
    result: Result<Option<BlotterEntry>, ServiceError>,
) -> Result<OrderPlacement, IpcError> {
    match result {
        Ok(Some(entry)) => Ok(OrderPlacement::Placed(Box::new(entry))),
        Ok(None) => Ok(OrderPlacement::Declined),
        Err(ServiceError::OrderWarnings(warnings)) => {
            Ok(OrderPlacement::NeedsConfirmation(*warnings))
        }
        Err(err) => Err(ipc(err)),
    }
}

#[tauri::command(rename_all = "snake_case")]
pub async fn order_cancel(
    service: State<'_, BrokerageService>,
    connection: ConnectionId,
    account: AccountId,
    order_id: OrderId,
) -> Result<(), IpcError> {
    service
        .cancel_order(&connection, &account, &order_id)
        .await
        .map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn orders_blotter(
    service: State<'_, BrokerageService>,
) -> Result<Vec<BlotterEntry>, IpcError> {
    service.blotter().await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn quotes(
    service: State<'_, BrokerageService>,
    connection: ConnectionId,
    symbols: Vec<Symbol>,
) -> Result<Vec<Quote>, IpcError> {
    service.quotes(&connection, &symbols).await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub async fn reconciliation(
    service: State<'_, BrokerageService>,
) -> Result<Vec<ReconciliationBreak>, IpcError> {
    service.reconcile().await.map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn break_resolve(
    service: State<'_, BrokerageService>,
    id: i64,
) -> Result<Vec<ReconciliationBreak>, IpcError> {
    service.resolve_break(id).map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn live_arm(
    service: State<'_, BrokerageService>,
    minutes: u32,
) -> Result<VaultState, IpcError> {
    if minutes == 0 || minutes > 8 * 60 {
        return Err(IpcError::new(
            brokerdesk_model::ErrorCode::InvalidInput,
            "arm live trading for 1 to 480 minutes".to_owned(),
        ));
    }
    service
        .vault()
        .arm_live(Duration::from_secs(u64::from(minutes) * 60))
        .map_err(ipc)
}

#[tauri::command(rename_all = "snake_case")]
pub fn live_disarm(service: State<'_, BrokerageService>) -> Result<VaultState, IpcError> {
    service.vault().disarm_live().map_err(ipc)
}
