//! `vault.data.<n>`: the profile, the credential records (each secret sealed on its own), the
//! sealed MAC key and the purposes it has authenticated; the whole file authenticated under the
//! data-encryption key (so labels, dates, the role, the set of records and the purposes cannot be
//! edited either).
//!
//! Layout: `MAGIC` ‖ nonce (12) ‖ GMAC tag (16) ‖ JSON body; the tag covers `MAGIC` ‖ body.

use crate::crypto::{self, Dek, NONCE_LEN, TAG_LEN};
use crate::error::VaultError;
use crate::kdf::KEY_LEN;
use crate::profile::Role;
use crate::record::{CredentialMeta, record_aad};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, HashSet};
use zeroize::Zeroizing;

/// Base name of the data file; the current one is `vault.data.<generation>` (see the header).
pub(crate) const DATA_FILE: &str = "vault.data";
const MAGIC: &[u8; 8] = b"BDVDATA1";
/// Version 2 added the MAC key and the authenticated purposes; version 1 files are read (without
/// them) and written back as version 2.
const VERSION: u32 = 2;
const LEGACY_VERSION: u32 = 1;
/// Associated data of the sealed MAC key: no record's AAD (which starts with
/// `brokerdesk-vault/record/`) can equal it, so a record's sealed secret cannot stand in for it.
const MAC_KEY_AAD: &[u8] = b"brokerdesk-vault/mac-key/v1";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DataFile {
    pub version: u32,
    pub role: Role,
    pub records: Vec<StoredRecord>,
    /// The key of `SecretStore::authenticate`, sealed under the DEK; created on first use.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mac_key: Option<SealedKey>,
    /// Every purpose `authenticate` was ever called for.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub authenticated: BTreeSet<String>,
}

/// A 32-byte key sealed under the DEK (hex), like a record's secret.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct SealedKey {
    nonce: String,
    sealed: String,
}

impl SealedKey {
    fn seal(key: &[u8; KEY_LEN], dek: &Dek) -> Result<Self, VaultError> {
        let (nonce, sealed) = crypto::seal(dek.as_bytes(), MAC_KEY_AAD, key)?;
        Ok(Self {
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        })
    }

    fn open(&self, dek: &Dek) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        let bad = || VaultError::corrupt(DATA_FILE, "the MAC key does not open");
        let nonce = hex::decode(&self.nonce).map_err(|_| bad())?;
        let sealed = hex::decode(&self.sealed).map_err(|_| bad())?;
        let plain = crypto::open(dek.as_bytes(), MAC_KEY_AAD, &nonce, &sealed).ok_or_else(bad)?;
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        if plain.len() != KEY_LEN {
            return Err(bad());
        }
        key.copy_from_slice(&plain);
        Ok(key)
    }
}

/// A record as stored: visible metadata, and the secret sealed under AAD bound to that metadata.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct StoredRecord {
    pub meta: CredentialMeta,
    pub nonce: String,
    pub sealed: String,
}

impl StoredRecord {
    pub(crate) fn seal(meta: CredentialMeta, dek: &Dek, secret: &[u8]) -> Result<Self, VaultError> {
        let (nonce, sealed) = crypto::seal(dek.as_bytes(), &record_aad(&meta), secret)?;
        Ok(Self {
            meta,
            nonce: hex::encode(nonce),
            sealed: hex::encode(sealed),
        })
    }

    pub(crate) fn open(&self, dek: &Dek) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let tampered = || VaultError::RecordTampered(self.meta.id);
        let nonce = hex::decode(&self.nonce).map_err(|_| tampered())?;
        let sealed = hex::decode(&self.sealed).map_err(|_| tampered())?;
        crypto::open(dek.as_bytes(), &record_aad(&self.meta), &nonce, &sealed).ok_or_else(tampered)
    }
}

impl DataFile {
    pub(crate) fn new(role: Role) -> Self {
        Self {
            version: VERSION,
            role,
            records: Vec::new(),
            mac_key: None,
            authenticated: BTreeSet::new(),
        }
    }

    /// The MAC key, if one was ever created.
    pub(crate) fn mac_key(
        &self,
        dek: &Dek,
    ) -> Result<Option<Zeroizing<[u8; KEY_LEN]>>, VaultError> {
        self.mac_key.as_ref().map(|k| k.open(dek)).transpose()
    }

    /// The MAC key, created (32 random bytes, sealed under `dek`) if there is none yet.
    pub(crate) fn mac_key_or_create(
        &mut self,
        dek: &Dek,
    ) -> Result<Zeroizing<[u8; KEY_LEN]>, VaultError> {
        if let Some(key) = self.mac_key(dek)? {
            return Ok(key);
        }
        let key = Zeroizing::new(crypto::random::<KEY_LEN>());
        self.mac_key = Some(SealedKey::seal(&key, dek)?);
        Ok(key)
    }

    /// The same content with every secret and the MAC key opened under `from` and sealed under
    /// `to` (fresh nonces): the data file of a rotated key. Fails, and changes nothing, if any
    /// record does not open.
    pub(crate) fn reseal(&self, from: &Dek, to: &Dek) -> Result<Self, VaultError> {
        let records = self
            .records
            .iter()
            .map(|r| StoredRecord::seal(r.meta.clone(), to, &r.open(from)?))
            .collect::<Result<Vec<_>, _>>()?;
        let mac_key = match self.mac_key(from)? {
            Some(key) => Some(SealedKey::seal(&key, to)?),
            None => None,
        };
        Ok(Self {
            version: VERSION,
            role: self.role,
            records,
            mac_key,
            authenticated: self.authenticated.clone(),
        })
    }

    pub(crate) fn encode(&self, dek: &Dek) -> Result<Vec<u8>, VaultError> {
        let body = serde_json::to_vec(self).map_err(|e| VaultError::Crypto(e.to_string()))?;
        let tag = crypto::mac(dek, &authenticated(&body))?;
        let mut out = Vec::with_capacity(MAGIC.len() + tag.len() + body.len());
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&tag);
        out.extend_from_slice(&body);
        Ok(out)
    }

    pub(crate) fn decode(bytes: &[u8], dek: &Dek) -> Result<Self, VaultError> {
        let bad = |reason: &str| VaultError::corrupt(DATA_FILE, reason);
        let header_len = MAGIC.len() + NONCE_LEN + TAG_LEN;
        if bytes.len() < header_len {
            return Err(bad("file is truncated"));
        }
        let (magic, rest) = bytes.split_at(MAGIC.len());
        if magic != MAGIC {
            return Err(bad("not a Brokerdesk vault data file"));
        }
        let (tag, body) = rest.split_at(NONCE_LEN + TAG_LEN);
        if !crypto::verify_mac(dek, &authenticated(body), tag) {
            return Err(bad("authentication failed"));
        }
        let mut data: DataFile =
            serde_json::from_slice(body).map_err(|e| bad(&format!("unreadable: {e}")))?;
        match data.version {
            VERSION => {}
            LEGACY_VERSION if data.mac_key.is_none() && data.authenticated.is_empty() => {
                // Written back as the current version on the next save.
                data.version = VERSION;
            }
            LEGACY_VERSION => return Err(bad("a version 1 file cannot hold a MAC key")),
            found => {
                return Err(VaultError::UnsupportedVersion {
                    found,
                    supported: VERSION,
                });
            }
        }
        let mut ids = HashSet::new();
        if !data.records.iter().all(|r| ids.insert(r.meta.id)) {
            return Err(bad("duplicate record id"));
        }
        if !data.authenticated.is_empty() && data.mac_key.is_none() {
            return Err(bad("authenticated purposes without a MAC key"));
        }
        Ok(data)
    }
}

fn authenticated(body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(MAGIC.len() + body.len());
    v.extend_from_slice(MAGIC);
    v.extend_from_slice(body);
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::record::{CredentialId, CredentialKind};
    use brokerdesk_model::VendorId;
    use chrono::Utc;

    fn meta(vendor: &str) -> CredentialMeta {
        let now = Utc::now();
        CredentialMeta {
            id: CredentialId::new_random(),
            vendor: VendorId::new(vendor),
            connection: None,
            label: "l".into(),
            kind: CredentialKind::ApiKey,
            created_at: now,
            updated_at: now,
            last_used_at: None,
            expires_at: None,
        }
    }

    #[test]
    fn round_trip_and_every_flipped_byte_is_refused() {
        let dek = Dek::generate();
        let mut d = DataFile::new(Role::Trader);
        d.records
            .push(StoredRecord::seal(meta("alpaca"), &dek, b"s3cret").unwrap());
        let bytes = d.encode(&dek).unwrap();
        let back = DataFile::decode(&bytes, &dek).unwrap();
        assert_eq!(back.records[0].open(&dek).unwrap().as_slice(), b"s3cret");
        for i in 0..bytes.len() {
            let mut bad = bytes.clone();
            bad[i] ^= 0x04;
            assert!(
                matches!(
                    DataFile::decode(&bad, &dek),
                    Err(VaultError::Corrupt { .. })
                ),
                "flip at {i}"
            );
        }
        for len in 0..bytes.len() {
            assert!(
                DataFile::decode(&bytes[..len], &dek).is_err(),
                "truncated to {len}"
            );
        }
        assert!(DataFile::decode(&bytes, &Dek::generate()).is_err());
    }

    #[test]
    fn reseal_moves_every_secret_and_the_mac_key_to_the_new_key() {
        let (old, new) = (Dek::generate(), Dek::generate());
        let mut d = DataFile::new(Role::Viewer);
        d.records
            .push(StoredRecord::seal(meta("alpaca"), &old, b"one").unwrap());
        d.records
            .push(StoredRecord::seal(meta("ibkr"), &old, b"two").unwrap());
        let mac = d.mac_key_or_create(&old).unwrap();
        d.authenticated.insert("connections".into());
        let r = d.reseal(&old, &new).unwrap();
        assert_eq!(r.role, Role::Viewer);
        assert_eq!(r.authenticated, d.authenticated);
        assert_eq!(r.records[0].open(&new).unwrap().as_slice(), b"one");
        assert_eq!(r.records[1].open(&new).unwrap().as_slice(), b"two");
        assert!(r.records[0].open(&old).is_err());
        assert_eq!(*r.mac_key(&new).unwrap().unwrap(), *mac);
        assert!(r.mac_key(&old).is_err());
        // The whole file under the new key; the old key no longer authenticates it.
        let bytes = r.encode(&new).unwrap();
        assert!(DataFile::decode(&bytes, &new).is_ok());
        assert!(DataFile::decode(&bytes, &old).is_err());
        // A record that does not open stops the rotation.
        let mut broken = d.clone();
        broken.records[1].meta.vendor = VendorId::new("moved");
        assert!(matches!(
            broken.reseal(&old, &new),
            Err(VaultError::RecordTampered(_))
        ));
    }

    /// A file written by the previous build (version 1, no MAC fields) reads and is written back
    /// as version 2.
    #[test]
    fn version_1_files_are_read_and_upgraded() {
        let dek = Dek::generate();
        let mut d = DataFile::new(Role::Trader);
        d.version = LEGACY_VERSION;
        d.records
            .push(StoredRecord::seal(meta("alpaca"), &dek, b"s").unwrap());
        let bytes = d.encode(&dek).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("mac_key"));
        let back = DataFile::decode(&bytes, &dek).unwrap();
        assert_eq!(back.version, VERSION);
        assert_eq!(back.records[0].open(&dek).unwrap().as_slice(), b"s");
        d.version = 9;
        assert!(matches!(
            DataFile::decode(&d.encode(&dek).unwrap(), &dek),
            Err(VaultError::UnsupportedVersion { found: 9, .. })
        ));
    }

    #[test]
    fn a_record_moved_to_another_id_vendor_or_kind_does_not_open() {
        let dek = Dek::generate();
        let a = StoredRecord::seal(meta("alpaca"), &dek, b"alpaca-secret").unwrap();
        let b = StoredRecord::seal(meta("ibkr"), &dek, b"ibkr-secret").unwrap();
        // Swap the sealed halves between the two records' metadata.
        let moved = StoredRecord {
            meta: b.meta.clone(),
            nonce: a.nonce.clone(),
            sealed: a.sealed.clone(),
        };
        assert!(matches!(moved.open(&dek), Err(VaultError::RecordTampered(id)) if id == b.meta.id));
        let mut revended = a.clone();
        revended.meta.vendor = VendorId::new("ibkr");
        assert!(revended.open(&dek).is_err());
        let mut rekinded = a.clone();
        rekinded.meta.kind = CredentialKind::OauthToken;
        assert!(rekinded.open(&dek).is_err());
        assert!(a.open(&dek).is_ok());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Garbage, with or without our magic in front, is refused without a panic.
        #[test]
        fn garbage_is_refused_without_panicking(bytes in proptest::collection::vec(any::<u8>(), 0..256), magic in any::<bool>()) {
            let mut input = if magic { MAGIC.to_vec() } else { Vec::new() };
            input.extend_from_slice(&bytes);
            prop_assert!(DataFile::decode(&input, &Dek::generate()).is_err());
        }
    }
}
