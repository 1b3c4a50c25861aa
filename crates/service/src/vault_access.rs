//! The vault as the app's sign-in: lock state, roles and live arming, enforced here so that no
//! front (app, CLI) can skip them.
//!
//! Before a vault exists the only connection is the local paper sandbox, which holds no
//! secret: reading it needs no sign-in, so a first start shows the paper account at once.
//! Once a vault exists, every read needs it unlocked and every order needs the trader role.

use crate::error::ServiceError;
use brokerdesk_model::vault::{CredentialInfo, Role, VaultState};
use brokerdesk_vault::{
    Action, CredentialId, CredentialMeta, SecretStore, StrongholdVault, VaultError, VaultOptions,
};
use secrecy::SecretString;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

#[derive(Clone)]
pub struct VaultAccess {
    store: Arc<Mutex<Box<dyn SecretStore>>>,
}

impl VaultAccess {
    pub fn open(data_dir: &Path, idle_timeout: Option<Duration>) -> Self {
        let vault = StrongholdVault::new(
            data_dir,
            VaultOptions {
                idle_timeout,
                ..VaultOptions::default()
            },
        );
        Self {
            store: Arc::new(Mutex::new(Box::new(vault))),
        }
    }

    /// Puts another backend in place (tests: a vault on a manual clock).
    #[cfg(test)]
    pub(crate) fn swap_store(&self, store: Box<dyn SecretStore>) {
        *self.store.lock().unwrap_or_else(|p| p.into_inner()) = store;
    }

    fn store(&self) -> Result<MutexGuard<'_, Box<dyn SecretStore>>, ServiceError> {
        // A poisoned lock means a panic mid-operation: refuse rather than guess.
        self.store
            .lock()
            .map_err(|_| ServiceError::Internal("the vault stopped after an internal error".into()))
    }

    /// Runs a slow vault operation (Argon2id, Stronghold) off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        op: impl FnOnce(&mut dyn SecretStore) -> Result<T, VaultError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut guard = store.lock().map_err(|_| {
                ServiceError::Internal("the vault stopped after an internal error".into())
            })?;
            op(guard.as_mut()).map_err(ServiceError::from)
        })
        .await
        .map_err(|err| ServiceError::Internal(format!("vault task failed: {err}")))?
    }

    /// Decides whether `action` may happen now. See the module comment for the no-vault rule.
    pub fn authorize(&self, action: Action) -> Result<(), ServiceError> {
        let mut store = self.store()?;
        if action == Action::Read && !store.status()?.state.initialized {
            return Ok(());
        }
        store.authorize(action).map_err(ServiceError::from)
    }

    pub fn state(&self) -> Result<VaultState, ServiceError> {
        Ok(self.store()?.status()?.state)
    }

    pub async fn create(
        &self,
        password: SecretString,
        role: Role,
    ) -> Result<VaultState, ServiceError> {
        self.blocking(move |store| store.init(&password, role))
            .await?;
        self.state()
    }

    pub async fn unlock(&self, password: SecretString) -> Result<VaultState, ServiceError> {
        self.blocking(move |store| store.unlock(&password)).await?;
        self.state()
    }

    pub fn lock(&self) -> Result<VaultState, ServiceError> {
        self.store()?.lock();
        self.state()
    }

    /// Counts as user activity: pushes auto-lock back. Fronts call it on each user command.
    pub fn touch(&self) -> Result<(), ServiceError> {
        self.store()?.touch();
        Ok(())
    }

    /// Locks if the idle time has passed; true when it just did.
    pub fn enforce_auto_lock(&self) -> Result<bool, ServiceError> {
        Ok(self.store()?.enforce_auto_lock())
    }

    pub fn set_auto_lock(&self, after: Option<Duration>) -> Result<VaultState, ServiceError> {
        self.store()?.set_idle_timeout(after);
        self.state()
    }

    /// The user's explicit, time-limited confirmation that live orders may go out.
    pub fn arm_live(&self, duration: Duration) -> Result<VaultState, ServiceError> {
        self.store()?.arm_live(duration)?;
        self.state()
    }

    pub fn disarm_live(&self) -> Result<VaultState, ServiceError> {
        self.store()?.disarm_live();
        self.state()
    }

    pub fn credentials(&self) -> Result<Vec<CredentialInfo>, ServiceError> {
        Ok(self
            .store()?
            .list()?
            .into_iter()
            .map(credential_info)
            .collect())
    }

    pub fn remove_credential(&self, id: &str) -> Result<CredentialInfo, ServiceError> {
        let id: CredentialId = id
            .parse()
            .map_err(|why: String| ServiceError::InvalidInput(why))?;
        Ok(credential_info(self.store()?.remove(id)?))
    }

    /// Direct access for the backend (connectors reading their keys). Never for a front.
    pub fn with_store<T>(
        &self,
        op: impl FnOnce(&mut dyn SecretStore) -> Result<T, VaultError>,
    ) -> Result<T, ServiceError> {
        let mut guard = self.store()?;
        op(guard.as_mut()).map_err(ServiceError::from)
    }
}

fn credential_info(meta: CredentialMeta) -> CredentialInfo {
    CredentialInfo {
        id: meta.id.to_string(),
        vendor: meta.vendor,
        connection: meta.connection,
        label: meta.label,
        kind: meta.kind,
        created_at: meta.created_at,
        last_used_at: meta.last_used_at,
        expires_at: meta.expires_at,
    }
}
