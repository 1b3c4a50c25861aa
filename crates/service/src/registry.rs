//! The user's connections (never their secrets) in `<data dir>/connections.json`.
//!
//! Written atomically (`atomic_file`). Secrets live in the vault, tied to the connection's id.
//! Where a connection points decides where keys and orders go, so the list is sealed to the
//! vault: it carries `tag`, an HMAC of the list under a key held in the vault
//! (`SecretStore::authenticate`, purpose `connections.json`). Loading checks it; a list changed
//! outside Brokerdesk is refused, never obeyed. A version 1 list (no tag) is accepted only while
//! this vault has never sealed one, and is sealed on that first load. A missing file is an
//! empty list: deleting it can only drop connections, never add one.
//!
//! Version 3 (this one) has one generic record: the vendor's id, how it signed in, the
//! vendor's own settings as JSON (its descriptor reads them), and the vault record. A version
//! 2 list (one variant per vendor, `registry_v2`) is checked against its own seal, migrated and
//! sealed again as version 3 on its first load.

pub use crate::connection_record::{ConnectionRecord, OAuthConfig, SignInKind};
use crate::error::ServiceError;
use crate::registry_v2;
use crate::vault_access::VaultAccess;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The vault's purpose name for the list's seal.
const PURPOSE: &str = "connections.json";
const VERSION: u32 = 3;

#[derive(Debug, Default, Serialize, Deserialize)]
struct RegistryFile<R> {
    version: u32,
    connections: Vec<R>,
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

/// Just the version, to pick how to read the rest.
#[derive(Deserialize)]
struct Versioned {
    version: u32,
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
        let version: Versioned = serde_json::from_slice(&bytes).map_err(|e| self.unreadable(e))?;
        if version.version < VERSION {
            return self.migrate(&bytes);
        }
        let file: RegistryFile<ConnectionRecord> =
            serde_json::from_slice(&bytes).map_err(|e| self.unreadable(e))?;
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
            None => return Err(self.tampered()),
        }
        Ok(file.connections)
    }

    /// A list of an older version: checked as that version sealed it (version 1: not at all,
    /// and only while this vault has never sealed a list), then saved as this version.
    fn migrate(&self, bytes: &[u8]) -> Result<Vec<ConnectionRecord>, ServiceError> {
        // The seal first: an unsealed list is refused before its records are read.
        let head: RegistryFile<serde_json::Value> =
            serde_json::from_slice(bytes).map_err(|e| self.unreadable(e))?;
        match (&head.tag, head.version) {
            // Only a list from before sealing may come without a tag, and only until this
            // vault has sealed one: after that, a missing tag is a stripped tag.
            (None, 2..) => return Err(self.tampered()),
            (None, _) if self.vault.with_store(|s| s.has_authenticated(PURPOSE))? => {
                return Err(self.tampered());
            }
            _ => {}
        }
        // A sealed list that does not read as its version is not what was sealed.
        let file: RegistryFile<registry_v2::Record> =
            serde_json::from_slice(bytes).map_err(|e| match head.tag {
                Some(_) => self.tampered(),
                None => self.unreadable(e),
            })?;
        if let Some(tag) = &file.tag {
            let tag = hex::decode(tag).map_err(|_| self.tampered())?;
            let data = registry_v2::sealed_bytes(&file.connections)
                .map_err(|e| ServiceError::Internal(format!("encoding connections: {e}")))?;
            let sealed = self
                .vault
                .with_store(|s| s.verify_tag(PURPOSE, &data, &tag))?;
            if !sealed {
                return Err(self.tampered());
            }
        }
        let migrated: Vec<ConnectionRecord> = file
            .connections
            .into_iter()
            .map(registry_v2::migrate)
            .collect();
        self.save(&migrated)?;
        tracing::info!(
            path = %self.path.display(),
            from = file.version,
            "connection list migrated and sealed to the vault"
        );
        Ok(migrated)
    }

    fn unreadable(&self, e: serde_json::Error) -> ServiceError {
        // Never overwrite a file we cannot read: the user may want it back.
        ServiceError::Internal(format!(
            "{} is not a connection list ({e}); move it aside to start over",
            self.path.display()
        ))
    }

    /// Writes the list with its seal. Needs the vault unlocked (adding a connection does).
    pub fn save(&self, connections: &[ConnectionRecord]) -> Result<(), ServiceError> {
        let data = sealed_bytes(connections)?;
        let tag = self.vault.with_store(|s| s.authenticate(PURPOSE, &data))?;
        let file = RegistryFile::<ConnectionRecord> {
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
    use brokerdesk_model::{ConnectionId, TradingMode, VendorId};
    use brokerdesk_vault::{KdfParams, SecretStore, StrongholdVault, VaultOptions};
    use chrono::Utc;

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
            vendor: VendorId::new("alpaca"),
            sign_in: SignInKind::Form,
            config: serde_json::json!({
                "environment": {"kind": "custom", "url": "http://127.0.0.1:9"}
            }),
            credential: Some("c1".into()),
            created_at: Utc::now(),
        }
    }

    /// The same connection as version 2 wrote it.
    fn v2_record(id: &str) -> registry_v2::Record {
        registry_v2::Record {
            id: ConnectionId::new(id),
            display_name: "Alpaca — paper".into(),
            endpoint: registry_v2::Endpoint::Alpaca {
                environment: brokerdesk_model::AlpacaEnvironment::Custom(
                    "http://127.0.0.1:9".into(),
                ),
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
        assert_eq!(file["version"], 3);
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
                f["connections"][0]["config"]["environment"]["url"] =
                    "https://api.alpaca.markets".into()
            }),
            ("kind", |f| {
                f["connections"][0]["config"]["environment"] = serde_json::json!({"kind": "paper"})
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
            "connections": [serde_json::to_value(v2_record("a")).unwrap()],
        });
        write(dir.path(), &v1);
        assert_eq!(registry.load().unwrap()[0].id.as_str(), "a");
        let migrated = on_disk(dir.path());
        assert_eq!(migrated["version"], 3);
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

    /// A version 2 list sealed as version 2 sealed it.
    fn write_v2(
        registry: &Registry,
        dir: &Path,
        records: &[registry_v2::Record],
    ) -> serde_json::Value {
        let data = registry_v2::sealed_bytes(records).unwrap();
        let tag = registry
            .vault
            .with_store(|s| s.authenticate(PURPOSE, &data))
            .unwrap();
        let file = serde_json::json!({
            "version": 2,
            "connections": records,
            "tag": hex::encode(tag),
        });
        write(dir, &file);
        file
    }

    #[test]
    fn a_sealed_version_2_list_is_migrated_with_the_same_meaning_and_sealed_as_version_3() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        let key = |sandbox, base_url: Option<&str>| registry_v2::KeyEndpoint {
            sandbox,
            credential: "c2".into(),
            base_url: base_url.map(str::to_owned),
        };
        let mut records = vec![v2_record("a")];
        let more = [
            registry_v2::Endpoint::Ibkr {
                gateway_url: "https://localhost:5000/v1/api".into(),
                accept_self_signed: true,
            },
            registry_v2::Endpoint::Stripe(key(true, None)),
            registry_v2::Endpoint::Plaid(key(true, Some("https://sandbox.plaid.example"))),
            registry_v2::Endpoint::OAuth {
                provider: VendorId::new("square-sandbox"),
                client_id: "cid".into(),
                token_url: "http://127.0.0.1:1/token".into(),
                uses_client_secret: false,
            },
        ];
        for (i, endpoint) in more.into_iter().enumerate() {
            records.push(registry_v2::Record {
                id: ConnectionId::new(format!("c{i}")),
                endpoint,
                ..v2_record("x")
            });
        }
        write_v2(&registry, dir.path(), &records);
        let loaded = registry.load().unwrap();
        let modes: Vec<_> = loaded
            .iter()
            .map(|r| (r.vendor.to_string(), r.mode()))
            .collect();
        assert_eq!(
            modes,
            [
                ("alpaca".to_owned(), TradingMode::Paper),
                ("ibkr".to_owned(), TradingMode::Live),
                ("stripe".to_owned(), TradingMode::Paper),
                // A sandbox flag next to a URL that is not this computer's proves nothing.
                ("plaid".to_owned(), TradingMode::Live),
                ("square-sandbox".to_owned(), TradingMode::Paper),
            ]
        );
        assert_eq!(loaded[0].credential.as_deref(), Some("c1"));
        assert_eq!(loaded[1].credential, None);
        assert_eq!(loaded[4].sign_in, SignInKind::OAuth);
        let oauth: OAuthConfig = serde_json::from_value(loaded[4].config.clone()).unwrap();
        assert_eq!(oauth.client_id, "cid");
        let file = on_disk(dir.path());
        assert_eq!(file["version"], 3);
        assert_eq!(
            file["connections"][0]["config"]["environment"]["url"],
            "http://127.0.0.1:9"
        );
        assert_eq!(
            registry.load().unwrap(),
            loaded,
            "the migrated list loads as itself"
        );
    }

    #[test]
    fn an_edited_or_unsealed_version_2_list_is_refused_and_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let registry = unlocked_registry(dir.path());
        let mut file = write_v2(&registry, dir.path(), &[v2_record("a")]);
        file["connections"][0]["endpoint"]["environment"]["url"] =
            "https://api.alpaca.markets".into();
        write(dir.path(), &file);
        assert!(matches!(
            registry.load().unwrap_err(),
            ServiceError::ConnectionsTampered { .. }
        ));
        file.as_object_mut().unwrap().remove("tag");
        write(dir.path(), &file);
        assert!(matches!(
            registry.load().unwrap_err(),
            ServiceError::ConnectionsTampered { .. }
        ));
        assert_eq!(on_disk(dir.path()), file, "the file is left as found");
    }
}
