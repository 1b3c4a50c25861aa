//! The IPC contract: every command's name, arguments and result, defined once for both sides.
//!
//! The backend registers a `#[tauri::command]` under each `NAME` (its build script generates a
//! permission for each name in [`ALL`]); the UI's `ipc` module invokes them through
//! [`Command`], so a renamed command or a changed result type fails to compile on both sides.

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

/// Every command name; the shell's build script turns each into a grantable permission.
pub const ALL: &[&str] = &[GetAccountsOverview::NAME, GetAppInfo::NAME];

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
    fn no_args_is_an_empty_object() {
        assert_eq!(serde_json::to_string(&NoArgs {}).unwrap(), "{}");
    }
}
