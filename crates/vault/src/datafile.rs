//! `vault.data`: the profile and the credential records, each secret sealed on its own, the whole
//! file authenticated under the data-encryption key (so labels, dates, the role and the set of
//! records cannot be edited either).
//!
//! Layout: `MAGIC` ‖ nonce (12) ‖ GMAC tag (16) ‖ JSON body; the tag covers `MAGIC` ‖ body.

use crate::crypto::{self, Dek, NONCE_LEN, TAG_LEN};
use crate::error::VaultError;
use crate::profile::Role;
use crate::record::{CredentialMeta, record_aad};
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use zeroize::Zeroizing;

pub(crate) const DATA_FILE: &str = "vault.data";
const MAGIC: &[u8; 8] = b"BDVDATA1";
const VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize, Deserialize)]
pub(crate) struct DataFile {
    pub version: u32,
    pub role: Role,
    pub records: Vec<StoredRecord>,
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
        }
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
        let data: DataFile =
            serde_json::from_slice(body).map_err(|e| bad(&format!("unreadable: {e}")))?;
        if data.version != VERSION {
            return Err(VaultError::UnsupportedVersion {
                found: data.version,
                supported: VERSION,
            });
        }
        let mut ids = HashSet::new();
        if !data.records.iter().all(|r| ids.insert(r.meta.id)) {
            return Err(bad("duplicate record id"));
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
