//! The user's connections (never their secrets) in `<data dir>/connections.json`.
//!
//! Written atomically (temporary file, fsync, rename, fsync of the directory), so a crash leaves
//! either the old list or the new one. Secrets live in the vault, tied to the connection's id.

use crate::error::ServiceError;
use brokerdesk_model::{AlpacaEnvironment, ConnectionId, TradingMode, VendorId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a connection points and how it signs in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "vendor")]
pub enum Endpoint {
    /// Key id and secret are one vault record (`credential`).
    Alpaca {
        environment: AlpacaEnvironment,
        credential: String,
    },
    /// The user's Client Portal gateway; it holds the session, we hold nothing secret.
    Ibkr {
        gateway_url: String,
        accept_self_signed: bool,
    },
    /// Signed in through the browser (`oauth_flows`). The tokens are the vault record of kind
    /// `oauth_token` labelled with the connection id; what a refresh needs besides them is here.
    #[serde(rename = "oauth")]
    OAuth {
        /// The catalog vendor (and OAuth preset) signed in to.
        provider: VendorId,
        client_id: String,
        /// Kept rather than taken from the preset, so a connection made against a stand-in
        /// server (tests, a vendor's sandbox) refreshes there too.
        token_url: String,
        /// The sign-in authenticated with the secret of the user's registered app (in the
        /// vault); refreshes must too.
        #[serde(default)]
        uses_client_secret: bool,
    },
    /// Connected by keys pasted from the vendor's dashboard (`key_connections`): every field
    /// of the form is one vault record.
    Stripe(KeyEndpoint),
    Square(KeyEndpoint),
    Paypal(KeyEndpoint),
    Snaptrade(KeyEndpoint),
    Plaid(KeyEndpoint),
}

/// Where a key connection points; its keys are in the vault record `credential`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyEndpoint {
    /// The vendor's sandbox or test mode (for Stripe: a test-mode key).
    pub sandbox: bool,
    pub credential: String,
    /// Set only when the service was configured to reach the vendor elsewhere (tests, a
    /// proxy); `None` is the vendor's own URL for `sandbox`.
    #[serde(default)]
    pub base_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConnectionRecord {
    pub id: ConnectionId,
    pub display_name: String,
    pub endpoint: Endpoint,
    pub created_at: DateTime<Utc>,
}

impl ConnectionRecord {
    pub fn vendor(&self) -> VendorId {
        match &self.endpoint {
            Endpoint::Alpaca { .. } => VendorId::new("alpaca"),
            Endpoint::Ibkr { .. } => VendorId::new("ibkr"),
            Endpoint::OAuth { provider, .. } => provider.clone(),
            Endpoint::Stripe(_) => VendorId::new("stripe"),
            Endpoint::Square(_) => VendorId::new("square"),
            Endpoint::Paypal(_) => VendorId::new("paypal"),
            Endpoint::Snaptrade(_) => VendorId::new("snaptrade"),
            Endpoint::Plaid(_) => VendorId::new("plaid"),
        }
    }

    pub fn mode(&self) -> TradingMode {
        match &self.endpoint {
            Endpoint::Alpaca { environment, .. } => environment.mode(),
            // The gateway serves whichever account the user logged into; IBKR paper accounts
            // sign in the same way, so treat it as live until proven otherwise: the safe side.
            Endpoint::Ibkr { .. } => TradingMode::Live,
            // Only a preset that names itself a sandbox is known not to touch real money.
            Endpoint::OAuth { provider, .. } if provider.as_str().ends_with("-sandbox") => {
                TradingMode::Paper
            }
            Endpoint::OAuth { .. } => TradingMode::Live,
            Endpoint::Stripe(k)
            | Endpoint::Square(k)
            | Endpoint::Paypal(k)
            | Endpoint::Snaptrade(k)
            | Endpoint::Plaid(k) => {
                if k.sandbox {
                    TradingMode::Paper
                } else {
                    TradingMode::Live
                }
            }
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RegistryFile {
    version: u32,
    connections: Vec<ConnectionRecord>,
}

pub struct Registry {
    path: PathBuf,
}

impl Registry {
    pub fn new(data_dir: &Path) -> Self {
        Self {
            path: data_dir.join("connections.json"),
        }
    }

    pub fn load(&self) -> Result<Vec<ConnectionRecord>, ServiceError> {
        let bytes = match std::fs::read(&self.path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(self.io_error(e)),
        };
        let file: RegistryFile = serde_json::from_slice(&bytes).map_err(|e| {
            // Never overwrite a file we cannot read: the user may want it back.
            ServiceError::Internal(format!(
                "{} is not a connection list ({e}); move it aside to start over",
                self.path.display()
            ))
        })?;
        Ok(file.connections)
    }

    pub fn save(&self, connections: &[ConnectionRecord]) -> Result<(), ServiceError> {
        let file = RegistryFile {
            version: 1,
            connections: connections.to_vec(),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| ServiceError::Internal(format!("encoding connections: {e}")))?;
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| self.io_error(e))?;
        tmp.write_all(&json).map_err(|e| self.io_error(e))?;
        tmp.as_file().sync_all().map_err(|e| self.io_error(e))?;
        tmp.persist(&self.path)
            .map_err(|e| self.io_error(e.error))?;
        // The rename itself must reach the disk too.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn io_error(&self, e: std::io::Error) -> ServiceError {
        ServiceError::DataDir {
            path: self.path.display().to_string(),
            source: e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(id: &str) -> ConnectionRecord {
        ConnectionRecord {
            id: ConnectionId::new(id),
            display_name: "Alpaca — paper".into(),
            endpoint: Endpoint::Alpaca {
                environment: AlpacaEnvironment::Custom("http://127.0.0.1:9".into()),
                credential: "c1".into(),
            },
            created_at: Utc::now(),
        }
    }

    #[test]
    fn saves_and_loads_and_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(dir.path());
        assert!(registry.load().unwrap().is_empty());
        registry.save(&[record("a"), record("b")]).unwrap();
        let loaded = registry.load().unwrap();
        assert_eq!(
            loaded,
            vec![record_like(&loaded[0], "a"), record_like(&loaded[1], "b")]
        );
        assert_eq!(loaded[0].mode(), TradingMode::Paper);
        assert_eq!(loaded[0].vendor().as_str(), "alpaca");
    }

    fn record_like(r: &ConnectionRecord, id: &str) -> ConnectionRecord {
        ConnectionRecord {
            created_at: r.created_at,
            ..record(id)
        }
    }

    #[test]
    fn a_damaged_file_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let registry = Registry::new(dir.path());
        std::fs::write(dir.path().join("connections.json"), b"{not json").unwrap();
        let err = registry.load().unwrap_err();
        assert!(err.to_string().contains("move it aside"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("connections.json")).unwrap(),
            b"{not json"
        );
    }
}
