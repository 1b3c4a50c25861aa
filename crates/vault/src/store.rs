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

/// What a password change does with the data-encryption key (DEK).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum DataKey {
    /// A new random DEK: every record and the MAC key are re-sealed under it and the data file
    /// is rewritten, in one crash-safe commit with the new password. Copies of the old files and
    /// backups of the old format (which held the DEK) then open nothing written afterwards. Costs
    /// one AES-GCM open and seal per record on top of the key derivations a change needs anyway.
    #[default]
    Rotate,
    /// Keep the DEK; only re-wrap it under the new password (e.g. while a damaged record, which
    /// a rotation refuses to carry over, is still in the vault).
    Keep,
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

    /// Re-protects the store with `new` (`old` stops working) and rotates the data key:
    /// `change_password_with(old, new, DataKey::Rotate)`.
    fn change_password(
        &mut self,
        old: &SecretString,
        new: &SecretString,
    ) -> Result<(), VaultError> {
        self.change_password_with(old, new, DataKey::Rotate)
    }
    /// Re-protects the store with `new`; `old` stops working. A session of this handle stays
    /// open (with the new key after a rotation); sessions of other processes end at their next
    /// call when the key was rotated.
    fn change_password_with(
        &mut self,
        old: &SecretString,
        new: &SecretString,
        data_key: DataKey,
    ) -> Result<(), VaultError>;
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

    /// HMAC-SHA256 of `data` under a key sealed in the vault (not the password, not the DEK itself; it survives password changes and data-key rotation), domain-separated by `purpose`. Needs the vault unlocked. The first call for a purpose records it in the vault's authenticated data.
    fn authenticate(&mut self, purpose: &str, data: &[u8]) -> Result<[u8; 32], VaultError>;
    /// Constant-time check of a tag made by `authenticate`.
    fn verify_tag(&mut self, purpose: &str, data: &[u8], tag: &[u8]) -> Result<bool, VaultError>;
    /// Whether `authenticate` was ever called for `purpose` in this vault (so a file that lost its tag is refused instead of being trusted as "from an older version").
    fn has_authenticated(&mut self, purpose: &str) -> Result<bool, VaultError>;
}
