//! The seam between callers and the secret backend. The service holds a `Box<dyn SecretStore>`;
//! today's backend is [`crate::StrongholdVault`], an OS-keychain (`keyring`) one is planned.

use crate::error::VaultError;
use crate::kdf::KdfParams;
use crate::profile::{AccessError, Action, Profile, Role};
use crate::record::{CredentialId, CredentialMeta, NewCredential};
use brokerdesk_model::vault::VaultState;
use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;
use std::path::Path;
use std::time::Duration;

/// What the UI and `vault status` may know without a password: the state the UI sees (one
/// definition, in `brokerdesk-model`) plus the recorded key-derivation parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct VaultStatus {
    #[serde(flatten)]
    pub state: VaultState,
    /// The recorded key-derivation parameters, when a vault exists.
    pub kdf: Option<KdfParams>,
}

/// Counts from an import.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ImportReport {
    pub added: usize,
    /// Records whose id the vault already had; the vault's copy is kept.
    pub skipped: usize,
}

/// Every operation on stored secrets. Methods take `&mut self` because any call may find the
/// idle timeout passed and lock the store.
pub trait SecretStore: Send {
    /// Creates the store, protected by `password`, with a profile of `role`; leaves it unlocked.
    fn init(&mut self, password: &SecretString, role: Role) -> Result<(), VaultError>;
    /// Checks the password and opens a session: the app's sign-in.
    fn unlock(&mut self, password: &SecretString) -> Result<(), VaultError>;
    /// Ends the session and forgets every key held in memory. Idempotent.
    fn lock(&mut self);
    fn status(&mut self) -> Result<VaultStatus, VaultError>;

    /// Stores a new credential; returns its metadata (with the new id).
    fn put(&mut self, credential: NewCredential) -> Result<CredentialMeta, VaultError>;
    /// Replaces a credential's secret in place (token refresh), keeping its id.
    fn update_secret(
        &mut self,
        id: CredentialId,
        secret: SecretString,
        expires_at: Option<DateTime<Utc>>,
    ) -> Result<CredentialMeta, VaultError>;
    /// The secret itself. Backend callers only: never send it over IPC or print it. Expiry is
    /// metadata only: an expired secret is still returned (a refresh may need it).
    fn get(&mut self, id: CredentialId) -> Result<SecretString, VaultError>;
    /// Metadata of every credential; no secret.
    fn list(&mut self) -> Result<Vec<CredentialMeta>, VaultError>;
    fn remove(&mut self, id: CredentialId) -> Result<CredentialMeta, VaultError>;

    /// Re-wraps the data-encryption key under `new`; `old` stops working.
    fn change_password(&mut self, old: &SecretString, new: &SecretString)
    -> Result<(), VaultError>;
    /// Changes the stored role. Takes the password again, so an unattended session cannot
    /// promote itself from viewer to trader.
    fn set_role(&mut self, password: &SecretString, role: Role) -> Result<(), VaultError>;
    fn profile(&mut self) -> Result<Profile, VaultError>;
    /// The access decision for `action` now: locked, role, live arming.
    fn authorize(&mut self, action: Action) -> Result<(), AccessError>;
    /// The user's explicit confirmation that live orders may go out for `duration`.
    fn arm_live(&mut self, duration: Duration) -> Result<DateTime<Utc>, VaultError>;
    fn disarm_live(&mut self);

    fn set_idle_timeout(&mut self, timeout: Option<Duration>);
    /// Records user activity, pushing the auto-lock back; call it on each user-initiated command.
    /// Does nothing once the timeout has passed (the vault is then locked).
    fn touch(&mut self);
    /// Locks if the idle timeout has passed; returns whether it just did. Call it on a timer so
    /// that the UI returns to its Unlock page.
    fn enforce_auto_lock(&mut self) -> bool;

    /// Writes an encrypted backup of every credential and the profile to `path`.
    fn export_backup(&mut self, path: &Path, password: &SecretString) -> Result<usize, VaultError>;
    /// Adds the credentials of a backup to this (unlocked) store.
    fn import_backup(
        &mut self,
        path: &Path,
        password: &SecretString,
    ) -> Result<ImportReport, VaultError>;
}
