//! `vault.json`: the plaintext header. It names the current snapshot, records how the snapshot
//! key is derived (so parameters can be raised later), and carries checksums so that a damaged
//! file is reported as damage rather than as a wrong password.

use crate::crypto::checksum;
use crate::error::VaultError;
use crate::kdf::KdfParams;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

pub(crate) const HEADER_FILE: &str = "vault.json";
const FORMAT: &str = "brokerdesk-vault";
/// The header format this build writes and reads.
pub(crate) const VERSION: u32 = 1;

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
        snapshot_generation: u64,
        snapshot_bytes: &[u8],
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
            created_at,
            password_changed_at: now,
        }
    }

    pub(crate) fn snapshot_file(generation: u64) -> String {
        format!("snapshot-{generation}.stronghold")
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
        if h.version != VERSION {
            return Err(VaultError::UnsupportedVersion {
                found: h.version,
                supported: VERSION,
            });
        }
        if h.encode()? != bytes {
            return Err(bad("unexpected bytes"));
        }
        Ok(h)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn header() -> Header {
        let now = Utc::now();
        Header::new(KdfParams::RECOMMENDED, &[9u8; 16], 3, b"snapshot", now, now)
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
        h.version = 2;
        let err = Header::decode(&h.encode().unwrap()).unwrap_err();
        assert!(
            matches!(err, VaultError::UnsupportedVersion { found: 2, .. }),
            "{err}"
        );
    }
}
