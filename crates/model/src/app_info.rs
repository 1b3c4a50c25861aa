//! Facts about the running app that the Settings page shows.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppInfo {
    pub version: String,
    /// Where journals, the vault and settings live (a path, shown so the user can back it up).
    pub data_dir: String,
    /// Where this app's paper sandbox serves its Alpaca API, when it runs here.
    #[serde(default)]
    pub sandbox_url: Option<String>,
    /// The key id the sandbox accepts. Its secret never crosses IPC: it stays in
    /// `sandbox_credentials_file`, which `brokerdesk sandbox credentials` prints.
    #[serde(default)]
    pub sandbox_key_id: Option<String>,
    /// The file holding the sandbox's key pair (per install, mode 0600).
    #[serde(default)]
    pub sandbox_credentials_file: Option<String>,
}
