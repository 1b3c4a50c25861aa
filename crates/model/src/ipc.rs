//! The IPC contract: every command's name, arguments and result, defined once for both sides.
//!
//! The backend registers a `#[tauri::command]` under each `NAME` (its build script generates a
//! permission for each name in [`ALL`]); the UI's `ipc` module invokes them through
//! [`Command`], so a renamed command or a changed result type fails to compile on both sides.

use crate::vault::{CredentialInfo, Role, VaultState};
use serde::{Serialize, de::DeserializeOwned};

pub trait Command {
    const NAME: &'static str;
    type Args: Serialize + DeserializeOwned;
    type Output: Serialize + DeserializeOwned;
}

/// Arguments of a command that takes none (an empty JSON object on the wire).
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct NoArgs {}

/// Every account of every connection, with balances and positions.
pub struct GetAccountsOverview;

impl Command for GetAccountsOverview {
    const NAME: &'static str = "accounts_overview";
    type Args = NoArgs;
    type Output = crate::AccountsOverview;
}

/// The app's version and where it keeps its data, for the Settings page.
pub struct GetAppInfo;

impl Command for GetAppInfo {
    const NAME: &'static str = "app_info";
    type Args = NoArgs;
    type Output = crate::AppInfo;
}

/// A password typed by the user, on its way from the UI to the backend (never the other way).
/// `Debug` never shows it.
#[derive(Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PasswordArgs {
    pub password: String,
}

impl std::fmt::Debug for PasswordArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("PasswordArgs { password: [REDACTED] }")
    }
}

/// Create the vault: a new password and the profile's role.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CreateVaultArgs {
    pub password: String,
    pub role: Role,
}

impl std::fmt::Debug for CreateVaultArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "CreateVaultArgs {{ password: [REDACTED], role: {:?} }}",
            self.role
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CredentialIdArgs {
    pub id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AutoLockArgs {
    /// Minutes without activity before the vault locks itself; `None` never.
    pub minutes: Option<u32>,
}

/// Whether a vault exists and is unlocked; what the profile may do.
pub struct GetVaultState;

impl Command for GetVaultState {
    const NAME: &'static str = "vault_state";
    type Args = NoArgs;
    type Output = VaultState;
}

pub struct CreateVault;

impl Command for CreateVault {
    const NAME: &'static str = "vault_create";
    type Args = CreateVaultArgs;
    type Output = VaultState;
}

/// The app's sign-in.
pub struct UnlockVault;

impl Command for UnlockVault {
    const NAME: &'static str = "vault_unlock";
    type Args = PasswordArgs;
    type Output = VaultState;
}

pub struct LockVault;

impl Command for LockVault {
    const NAME: &'static str = "vault_lock";
    type Args = NoArgs;
    type Output = VaultState;
}

pub struct SetAutoLock;

impl Command for SetAutoLock {
    const NAME: &'static str = "vault_set_auto_lock";
    type Args = AutoLockArgs;
    type Output = VaultState;
}

/// Stored credentials' metadata; never a secret.
pub struct ListCredentials;

impl Command for ListCredentials {
    const NAME: &'static str = "credentials_list";
    type Args = NoArgs;
    type Output = Vec<CredentialInfo>;
}

pub struct RemoveCredential;

impl Command for RemoveCredential {
    const NAME: &'static str = "credential_remove";
    type Args = CredentialIdArgs;
    type Output = CredentialInfo;
}

/// Every command name; the shell's build script turns each into a grantable permission.
pub const ALL: &[&str] = &[
    GetAccountsOverview::NAME,
    GetAppInfo::NAME,
    GetVaultState::NAME,
    CreateVault::NAME,
    UnlockVault::NAME,
    LockVault::NAME,
    SetAutoLock::NAME,
    ListCredentials::NAME,
    RemoveCredential::NAME,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_snake_case() {
        let mut seen = std::collections::BTreeSet::new();
        for name in ALL {
            assert!(seen.insert(*name), "duplicate command {name}");
            assert!(
                name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{name} is not snake_case"
            );
        }
    }

    #[test]
    fn passwords_never_show_in_debug() {
        let a = PasswordArgs {
            password: "hunter2-hunter2".into(),
        };
        let b = CreateVaultArgs {
            password: "hunter2-hunter2".into(),
            role: Role::Trader,
        };
        assert!(!format!("{a:?}{b:?}").contains("hunter2"));
    }

    #[test]
    fn no_args_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&NoArgs {}).unwrap(), "{}");
    }
}
