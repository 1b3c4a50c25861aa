//! The user's connections (never their secrets) in `<data dir>/connections.json`.
//!
//! Written atomically (`atomic_file`). Secrets live in the vault, tied to the connection's id.
//! Where a connection points decides where keys and orders go, so the list is sealed to the
//! vault: version 2 carries `tag`, an HMAC of the list under a key held in the vault
//! (`SecretStore::authenticate`, purpose `connections.json`). Loading checks it; a list changed
//! outside Brokerdesk is refused, never obeyed. A version 1 list (no tag) is accepted only while
//! this vault has never sealed one, and is sealed on that first load. A missing file is an
//! empty list: deleting it can only drop connections, never add one.

use crate::error::ServiceError;
use crate::vault_access::VaultAccess;
use brokerdesk_model::connection::{check_server_url, is_loopback};
use brokerdesk_model::{AlpacaEnvironment, ConnectionId, TradingMode, VendorId};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The vault's purpose name for the list's seal.
const PURPOSE: &str = "connections.json";
const VERSION: u32 = 2;

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

impl KeyEndpoint {
    pub fn mode(&self) -> TradingMode {
        key_mode(self.sandbox, self.base_url.as_deref())
    }
}

/// A key connection's mode: paper for the vendor's own sandbox (no `base_url`), or for a
/// stand-in server on this computer; a sandbox flag next to any other URL proves nothing.
pub(crate) fn key_mode(sandbox: bool, base_url: Option<&str>) -> TradingMode {
    let own_or_local =
        base_url.is_none_or(|url| check_server_url(url).is_ok_and(|u| is_loopback(&u)));
    if sandbox && own_or_local {
        TradingMode::Paper
    } else {
        TradingMode::Live
    }
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

    /// The connection's mode, from facts the user cannot type: see each arm. (The record
    /// itself cannot be edited either: the list is sealed to the vault.)
    pub fn mode(&self) -> TradingMode {
        match &self.endpoint {
            // Alpaca's own addresses, or a custom URL's host (`AlpacaEnvironment::mode`).
            Endpoint::Alpaca { environment, .. } => environment.mode(),
            // The gateway serves whichever accounts the user logged into, paper or live: the
            // connection is live, and each account is paper only where the gateway proves it
            // (`Connection::account_mode`).
            Endpoint::Ibkr { .. } => TradingMode::Live,
            // Only a catalog preset that names itself a sandbox is known not to touch real
            // money; the provider comes from the catalog, never from what the user types.
            Endpoint::OAuth { provider, .. } if provider.as_str().ends_with("-sandbox") => {
                TradingMode::Paper
            }
            Endpoint::OAuth { .. } => TradingMode::Live,
            Endpoint::Stripe(k)
            | Endpoint::Square(k)
            | Endpoint::Paypal(k)
            | Endpoint::Snaptrade(k)
            | Endpoint::Plaid(k) => k.mode(),
        }
    }
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct RegistryFile {
    version: u32,
    connections: Vec<ConnectionRecord>,
    /// Hex HMAC of [`sealed_bytes`] under the vault's key; absent only in version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    tag: Option<String>,
}

/// What the seal covers: the list as this version encodes it (so reformatting the file does
/// not matter, and any change of meaning does), behind a version line.
fn sealed_bytes(connections: &[ConnectionRecord]) -> Result<Vec<u8>, ServiceError> {
    let mut bytes = format!("brokerdesk connections v{VERSION}\n").into_bytes();
    serde_json::to_writer(&mut bytes, connections)
        .map_err(|e| ServiceError::Internal(format!("encoding connections: {e}")))?;
    Ok(bytes)
}

pub struct Registry {
    path: PathBuf,
    vault: VaultAccess,
}

impl Registry {
    pub fn new(data_dir: &Path, vault: VaultAccess) -> Self {
        Self {
            path: data_dir.join("connections.json"),
            vault,
        }
    }

    /// The connections, once their seal is checked. Needs the vault unlocked.
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
        if file.version > VERSION {
            return Err(ServiceError::Internal(format!(
                "{} was written by a newer Brokerdesk (version {}); this one reads up to {VERSION}",
                self.path.display(),
                file.version
            )));
        }
        let data = sealed_bytes(&file.connections)?;
        match &file.tag {
            Some(tag) => {
                let tag = hex::decode(tag).map_err(|_| self.tampered())?;
                let sealed = self
                    .vault
                    .with_store(|s| s.verify_tag(PURPOSE, &data, &tag))?;
                if !sealed {
                    return Err(self.tampered());
                }
            }
            None => {
                // Only a list from before sealing may come without a tag, and only until this
                // vault has sealed one: after that, a missing tag is a stripped tag.
                let sealed_before = self.vault.with_store(|s| s.has_authenticated(PURPOSE))?;
                if file.version >= VERSION || sealed_before {
                    return Err(self.tampered());
                }
                self.save(&file.connections)?;
                tracing::info!(path = %self.path.display(), "connection list sealed to the vault");
            }
        }
        Ok(file.connections)
    }

    /// Writes the list with its seal. Needs the vault unlocked (adding a connection does).
    pub fn save(&self, connections: &[ConnectionRecord]) -> Result<(), ServiceError> {
        let data = sealed_bytes(connections)?;
        let tag = self.vault.with_store(|s| s.authenticate(PURPOSE, &data))?;
        let file = RegistryFile {
            version: VERSION,
            connections: connections.to_vec(),
            tag: Some(hex::encode(tag)),
        };
        let json = serde_json::to_vec_pretty(&file)
            .map_err(|e| ServiceError::Internal(format!("encoding connections: {e}")))?;
        crate::atomic_file::write(&self.path, &json)
    }

    fn tampered(&self) -> ServiceError {
        ServiceError::ConnectionsTampered {
            path: self.path.display().to_string(),
        }
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
    use brokerdesk_model::vault::Role;
    use brokerdesk_vault::{KdfParams, SecretStore, StrongholdVault, VaultOptions};

    /// A registry over an unlocked vault (fast key derivation: these tests are about the list).
    fn unlocked_registry(dir: &Path) -> Registry {
        let vault = VaultAccess::open(dir, None);
        let mut store = StrongholdVault::new(
            dir,
            VaultOptions {
                kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
                ..VaultOptions::default()
            },
        );
        store
            .init(
                &secrecy::SecretString::from("correct horse battery"),
                Role::Trader,
            )
            .unwrap();
        vault.swap_store(Box::new(store));
        Registry::new(dir, vault)
    }

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

    fn on_disk(dir: &Path) -> serde_json::Value {
        serde_json::from_slice(&std::fs::read(dir.join("connections.json")).unwrap()).unwrap()
    }

    fn write(dir: &Path, json: &serde_json::Value) {
        std::fs::write(
            dir.join("connections.json"),
            serde_json::to_vec_pretty(json).unwrap(),
        )
        .unwrap();
    }

    #[test]
    fn saves_and_loads_and_starts_empty() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        assert!(registry.load().unwrap().is_empty());
        registry.save(&[record("a"), record("b")]).unwrap();
        let loaded = registry.load().unwrap();
        assert_eq!(
            loaded,
            vec![record_like(&loaded[0], "a"), record_like(&loaded[1], "b")]
        );
        assert_eq!(loaded[0].mode(), TradingMode::Paper);
        assert_eq!(loaded[0].vendor().as_str(), "alpaca");
        let file = on_disk(dir.path());
        assert_eq!(file["version"], 2);
        assert_eq!(file["tag"].as_str().unwrap().len(), 64);
        // Reformatting is not a change: the seal covers the list, not its layout.
        std::fs::write(
            dir.path().join("connections.json"),
            serde_json::to_vec(&file).unwrap(),
        )
        .unwrap();
        assert_eq!(registry.load().unwrap().len(), 2);
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
        let registry = unlocked_registry(dir.path());
        std::fs::write(dir.path().join("connections.json"), b"{not json").unwrap();
        let err = registry.load().unwrap_err();
        assert!(err.to_string().contains("move it aside"), "{err}");
        assert_eq!(
            std::fs::read(dir.path().join("connections.json")).unwrap(),
            b"{not json"
        );
    }

    #[test]
    fn an_edited_url_name_or_stripped_tag_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        registry.save(&[record("a")]).unwrap();
        let sealed = on_disk(dir.path());
        type Edit = fn(&mut serde_json::Value);
        let edits: [(&str, Edit); 5] = [
            ("url", |f| {
                f["connections"][0]["endpoint"]["environment"]["url"] =
                    "https://api.alpaca.markets".into()
            }),
            ("kind", |f| {
                f["connections"][0]["endpoint"]["environment"] =
                    serde_json::json!({"kind": "paper"})
            }),
            ("name", |f| {
                f["connections"][0]["display_name"] = "Mine".into()
            }),
            ("no tag", |f| {
                f.as_object_mut().unwrap().remove("tag");
            }),
            ("no tag, version 1", |f| {
                f.as_object_mut().unwrap().remove("tag");
                f["version"] = 1.into();
            }),
        ];
        for (what, edit) in edits {
            let mut file = sealed.clone();
            edit(&mut file);
            write(dir.path(), &file);
            let err = registry.load().unwrap_err();
            assert!(
                matches!(err, ServiceError::ConnectionsTampered { .. }),
                "{what}: {err}"
            );
            assert!(
                err.to_string().contains("changed outside Brokerdesk"),
                "{err}"
            );
            assert_eq!(
                on_disk(dir.path()),
                file,
                "{what}: the file is left as found"
            );
        }
        // A seal from another vault does not fit either.
        let other = tempfile::tempdir().unwrap();
        let elsewhere = unlocked_registry(other.path());
        elsewhere.save(&[record("a")]).unwrap();
        let mut file = sealed.clone();
        file["tag"] = on_disk(other.path())["tag"].clone();
        write(dir.path(), &file);
        assert!(registry.load().is_err());
        write(dir.path(), &sealed);
        assert_eq!(registry.load().unwrap().len(), 1);
    }

    #[test]
    fn a_version_1_list_is_sealed_on_first_load_only() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        let v1 = serde_json::json!({
            "version": 1,
            "connections": [serde_json::to_value(record("a")).unwrap()],
        });
        write(dir.path(), &v1);
        assert_eq!(registry.load().unwrap()[0].id.as_str(), "a");
        let migrated = on_disk(dir.path());
        assert_eq!(migrated["version"], 2);
        assert!(migrated["tag"].is_string());
        assert_eq!(registry.load().unwrap().len(), 1);
        // The vault has sealed a list now: an untagged one is no longer believed.
        write(dir.path(), &v1);
        assert!(matches!(
            registry.load().unwrap_err(),
            ServiceError::ConnectionsTampered { .. }
        ));
    }

    #[test]
    fn a_locked_vault_neither_reads_nor_writes_the_list() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        registry.save(&[record("a")]).unwrap();
        registry.vault.lock().unwrap();
        assert!(registry.load().is_err());
        assert!(registry.save(&[]).is_err());
        assert_eq!(on_disk(dir.path())["connections"][0]["id"], "a");
    }

    #[test]
    fn a_sandbox_flag_is_paper_only_with_the_vendors_own_or_a_local_url() {
        assert_eq!(key_mode(true, None), TradingMode::Paper);
        assert_eq!(
            key_mode(true, Some("http://127.0.0.1:9")),
            TradingMode::Paper
        );
        assert_eq!(
            key_mode(true, Some("https://api.stripe.com")),
            TradingMode::Live
        );
        assert_eq!(
            key_mode(true, Some("http://localhost@evil.com")),
            TradingMode::Live
        );
        assert_eq!(key_mode(false, None), TradingMode::Live);
        assert_eq!(
            key_mode(false, Some("http://127.0.0.1:9")),
            TradingMode::Live
        );
    }
}
