//! `vault.json`: the plaintext header. It names the current snapshot and data file (it is the
//! single commit point of password changes and data-key rotations), records how the snapshot key
//! is derived (so parameters can be raised later), and carries checksums so that a damaged file is
//! reported as damage rather than as a wrong password.

use crate::crypto::checksum;
use crate::datafile::DATA_FILE;
use crate::error::VaultError;
use crate::kdf::KdfParams;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) const HEADER_FILE: &str = "vault.json";
const FORMAT: &str = "brokerdesk-vault";
/// The header format this build writes. Version 2 added `data_generation`; version 1 headers
/// (no such field: the data file is `vault.data`) are still read.
pub(crate) const VERSION: u32 = 2;
const LEGACY_VERSION: u32 = 1;
/// Data generation of vaults made before generations existed: the file is plain `vault.data`.
pub(crate) const LEGACY_DATA_GENERATION: u64 = 0;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Header {
    pub format: String,
    pub version: u32,
    pub kdf: KdfParams,
    /// Hex; a fresh salt on every password change.
    pub salt: String,
    /// Which `snapshot-<n>.stronghold` is current. Bumped on every snapshot rewrite, so that the
    /// new snapshot is complete on disk before this header (the commit point) names it.
    pub snapshot_generation: u64,
    /// BLAKE2b-256 of the snapshot file: a mismatch means damage, a match plus a failed decrypt
    /// means a wrong password.
    pub snapshot_blake2b: String,
    /// Which data file is current (`vault.data.<n>`; 0 is the legacy `vault.data`). Bumped on
    /// every data-key rotation, so the data file re-sealed under the new key is complete on disk
    /// before this header names it together with the snapshot holding that key. Absent (0) in
    /// version 1 headers, and then not written, so they re-encode byte for byte.
    #[serde(default, skip_serializing_if = "is_legacy_generation")]
    pub data_generation: u64,
    pub created_at: DateTime<Utc>,
    pub password_changed_at: DateTime<Utc>,
}

/// On disk: the header plus a checksum over its canonical encoding.
#[derive(Serialize, Deserialize)]
struct HeaderFile {
    header: Header,
    blake2b: String,
}

impl Header {
    pub(crate) fn new(
        kdf: KdfParams,
        salt: &[u8],
        (snapshot_generation, snapshot_bytes): (u64, &[u8]),
        data_generation: u64,
        created_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        Self {
            format: FORMAT.into(),
            version: VERSION,
            kdf,
            salt: hex::encode(salt),
            snapshot_generation,
            snapshot_blake2b: checksum(snapshot_bytes),
            data_generation,
            created_at,
            password_changed_at: now,
        }
    }

    pub(crate) fn snapshot_file(generation: u64) -> String {
        format!("snapshot-{generation}.stronghold")
    }

    /// The data file of `generation`: `vault.data.<n>`, or `vault.data` for the legacy 0.
    pub(crate) fn data_file(generation: u64) -> String {
        match generation {
            LEGACY_DATA_GENERATION => DATA_FILE.to_owned(),
            n => format!("{DATA_FILE}.{n}"),
        }
    }

    /// Whether `name` is a data file of some generation (so a sweep may delete it when the
    /// header names another one).
    pub(crate) fn is_data_file(name: &str) -> bool {
        name == DATA_FILE
            || name
                .strip_prefix(DATA_FILE)
                .and_then(|rest| rest.strip_prefix('.'))
                .is_some_and(|n| n.parse::<u64>().is_ok_and(|n| n > 0))
    }

    pub(crate) fn salt_bytes(&self) -> Result<Vec<u8>, VaultError> {
        hex::decode(&self.salt).map_err(|_| VaultError::corrupt(HEADER_FILE, "salt is not hex"))
    }

    pub(crate) fn encode(&self) -> Result<Vec<u8>, VaultError> {
        let body = serde_json::to_vec(self).map_err(|e| VaultError::Crypto(e.to_string()))?;
        let file = HeaderFile {
            header: self.clone(),
            blake2b: checksum(&body),
        };
        let mut out =
            serde_json::to_vec_pretty(&file).map_err(|e| VaultError::Crypto(e.to_string()))?;
        out.push(b'\n');
        Ok(out)
    }

    /// Parses and verifies. Any byte that differs from what [`Header::encode`] would write is
    /// refused: the encoding is deterministic, so we re-encode and compare.
    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, VaultError> {
        let bad = |reason: &str| VaultError::corrupt(HEADER_FILE, reason);
        let file: HeaderFile =
            serde_json::from_slice(bytes).map_err(|e| bad(&format!("unreadable: {e}")))?;
        let h = file.header;
        if h.format != FORMAT {
            return Err(bad("not a Brokerdesk vault header"));
        }
        let body = serde_json::to_vec(&h).map_err(|e| VaultError::Crypto(e.to_string()))?;
        if checksum(&body) != file.blake2b {
            return Err(bad("checksum mismatch"));
        }
        match h.version {
            VERSION => {}
            LEGACY_VERSION if h.data_generation == LEGACY_DATA_GENERATION => {}
            LEGACY_VERSION => return Err(bad("a version 1 header cannot name a data generation")),
            found => {
                return Err(VaultError::UnsupportedVersion {
                    found,
                    supported: VERSION,
                });
            }
        }
        if h.encode()? != bytes {
            return Err(bad("unexpected bytes"));
        }
        // Before anyone derives a key from these parameters (see `KdfParams::validate`).
        h.kdf.validate()?;
        Ok(h)
    }
}

fn is_legacy_generation(generation: &u64) -> bool {
    *generation == LEGACY_DATA_GENERATION
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        let now = Utc::now();
        Header::new(
            KdfParams::RECOMMENDED,
            &[9u8; 16],
            (3, b"snapshot"),
            4,
            now,
            now,
        )
    }

    #[test]
    fn round_trips() {
        let h = header();
        assert_eq!(Header::decode(&h.encode().unwrap()).unwrap(), h);
    }

    #[test]
    fn every_flipped_byte_and_every_truncation_is_refused() {
        let bytes = header().encode().unwrap();
        for i in 0..bytes.len() {
            for mask in [0x01u8, 0x80] {
                let mut bad = bytes.clone();
                bad[i] ^= mask;
                assert!(
                    Header::decode(&bad).is_err(),
                    "flip {mask:#x} at {i} accepted"
                );
            }
        }
        for len in 0..bytes.len() {
            assert!(
                Header::decode(&bytes[..len]).is_err(),
                "truncation to {len} accepted"
            );
        }
    }

    #[test]
    fn a_newer_version_says_so() {
        let mut h = header();
        h.version = 3;
        let err = Header::decode(&h.encode().unwrap()).unwrap_err();
        assert!(
            matches!(err, VaultError::UnsupportedVersion { found: 3, .. }),
            "{err}"
        );
    }

    /// A header written by the previous build (version 1, no data generation) still opens and
    /// names `vault.data`; a version 1 header naming a generation is not one we ever wrote.
    #[test]
    fn version_1_headers_are_read_and_name_the_legacy_data_file() {
        let mut h = header();
        h.version = 1;
        h.data_generation = LEGACY_DATA_GENERATION;
        let bytes = h.encode().unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains("data_generation"));
        let back = Header::decode(&bytes).unwrap();
        assert_eq!(Header::data_file(back.data_generation), "vault.data");
        h.data_generation = 2;
        assert!(matches!(
            Header::decode(&h.encode().unwrap()),
            Err(VaultError::Corrupt { .. })
        ));
    }

    #[test]
    fn data_file_names() {
        assert_eq!(Header::data_file(0), "vault.data");
        assert_eq!(Header::data_file(7), "vault.data.7");
        for name in ["vault.data", "vault.data.1", "vault.data.42"] {
            assert!(Header::is_data_file(name), "{name}");
        }
        for name in [
            "vault.data.0",
            "vault.data.",
            "vault.data.x",
            "vault.json",
            ".vault.data.1.ab.tmp",
        ] {
            assert!(!Header::is_data_file(name), "{name}");
        }
    }

    /// A header whose checksum is right but whose parameters are beyond the ceilings is refused
    /// while decoding, which takes no password: no key is ever derived from it.
    #[test]
    fn parameters_beyond_the_ceilings_are_refused_while_decoding() {
        for kdf in [
            KdfParams {
                m_cost_kib: 4 * 1024 * 1024,
                ..KdfParams::RECOMMENDED
            },
            KdfParams {
                t_cost: 21,
                ..KdfParams::RECOMMENDED
            },
            KdfParams {
                p_cost: 17,
                ..KdfParams::RECOMMENDED
            },
        ] {
            let h = Header { kdf, ..header() };
            let err = Header::decode(&h.encode().unwrap()).unwrap_err();
            assert!(
                matches!(err, VaultError::InvalidKdfParams(_)),
                "{kdf:?}: {err}"
            );
        }
    }
}
