//! Where the service keeps its data.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct ServiceConfig {
    /// Journals, the vault and settings live here.
    pub data_dir: PathBuf,
}

impl ServiceConfig {
    /// `BROKERDESK_DATA_DIR` wins; else the platform's data directory
    /// (`~/.local/share/brokerdesk`, `~/Library/Application Support/brokerdesk`, `%APPDATA%\brokerdesk`).
    pub fn from_env() -> Self {
        let data_dir = std::env::var_os("BROKERDESK_DATA_DIR")
            .map(PathBuf::from)
            .or_else(|| dirs::data_dir().map(|d| d.join("brokerdesk")))
            .unwrap_or_else(|| PathBuf::from(".brokerdesk"));
        Self { data_dir }
    }
}
