//! The vault: the app's sign-in. Passwords come in; no secret ever goes out.

use brokerdesk_model::IpcError;
use brokerdesk_model::vault::{CredentialInfo, Role, VaultState};
use brokerdesk_service::BrokerageService;
use secrecy::SecretString;
use std::time::Duration;
use tauri::State;

use super::ipc;

#[tauri::command]
pub fn vault_state(service: State<'_, BrokerageService>) -> Result<VaultState, IpcError> {
    service.vault().state().map_err(ipc)
}

#[tauri::command]
pub async fn vault_create(
    service: State<'_, BrokerageService>,
    password: String,
    role: Role,
) -> Result<VaultState, IpcError> {
    service
        .vault()
        .create(SecretString::from(password), role)
        .await
        .map_err(ipc)
}

#[tauri::command]
pub async fn vault_unlock(
    service: State<'_, BrokerageService>,
    password: String,
) -> Result<VaultState, IpcError> {
    service
        .vault()
        .unlock(SecretString::from(password))
        .await
        .map_err(ipc)
}

#[tauri::command]
pub fn vault_lock(service: State<'_, BrokerageService>) -> Result<VaultState, IpcError> {
    service.lock().map_err(ipc)
}

#[tauri::command]
pub fn vault_set_auto_lock(
    service: State<'_, BrokerageService>,
    minutes: Option<u32>,
) -> Result<VaultState, IpcError> {
    let after = minutes
        .filter(|m| *m > 0)
        .map(|m| Duration::from_secs(u64::from(m) * 60));
    service.vault().set_auto_lock(after).map_err(ipc)
}

#[tauri::command]
pub fn credentials_list(
    service: State<'_, BrokerageService>,
) -> Result<Vec<CredentialInfo>, IpcError> {
    service.vault().credentials().map_err(ipc)
}

#[tauri::command]
pub fn credential_remove(
    service: State<'_, BrokerageService>,
    id: String,
) -> Result<CredentialInfo, IpcError> {
    service.vault().remove_credential(&id).map_err(ipc)
}
