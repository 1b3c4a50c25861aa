//! Encrypted backups: the data-encryption key and the data file, sealed with AES-256-GCM under a
//! key derived (Argon2id, parameters in the backup's own header) from a backup password.
//!
//! Layout: `MAGIC` ‖ u32 BE header length ‖ JSON header ‖ nonce (12) ‖ ciphertext; everything
//! before the nonce is associated data, so the header cannot be edited either.

use crate::crypto::{self, Dek, NONCE_LEN};
use crate::error::VaultError;
use crate::kdf::{self, KEY_LEN, KdfParams, SALT_LEN};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"BDVBAK01";
const VERSION: u32 = 1;
/// A header larger than this is not ours.
const MAX_HEADER_LEN: usize = 4096;

#[derive(Serialize, Deserialize)]
struct BackupHeader {
    version: u32,
    kdf: KdfParams,
    salt: String,
    created_at: DateTime<Utc>,
}

pub(crate) fn seal(
    dek: &Dek,
    data_file: &[u8],
    password: &[u8],
    kdf_params: KdfParams,
    now: DateTime<Utc>,
) -> Result<Vec<u8>, VaultError> {
    let salt = crypto::random::<SALT_LEN>();
    let header = BackupHeader {
        version: VERSION,
        kdf: kdf_params,
        salt: hex::encode(salt),
        created_at: now,
    };
    let header = serde_json::to_vec(&header).map_err(|e| VaultError::Crypto(e.to_string()))?;
    let mut out = MAGIC.to_vec();
    let header_len = u32::try_from(header.len())
        .map_err(|_| VaultError::Crypto("backup header too large".into()))?;
    out.extend_from_slice(&header_len.to_be_bytes());
    out.extend_from_slice(&header);
    let key = kdf::derive_key(password, &salt, &kdf_params)?;
    let mut payload = Zeroizing::new(Vec::with_capacity(KEY_LEN + data_file.len()));
    payload.extend_from_slice(dek.as_bytes());
    payload.extend_from_slice(data_file);
    let (nonce, ct) = crypto::seal(&key, &out, &payload)?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

/// Returns the backup's DEK and data-file bytes. The caller still verifies the data file.
pub(crate) fn open(bytes: &[u8], password: &[u8]) -> Result<(Dek, Vec<u8>), VaultError> {
    let bad = |reason: &str| VaultError::corrupt("backup", reason);
    let rest = bytes
        .strip_prefix(MAGIC.as_slice())
        .ok_or_else(|| bad("not a Brokerdesk vault backup"))?;
    let (len, rest) = rest
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("file is truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    if len > MAX_HEADER_LEN || rest.len() < len + NONCE_LEN {
        return Err(bad("file is truncated or damaged"));
    }
    let (header_bytes, rest) = rest.split_at(len);
    let header: BackupHeader = serde_json::from_slice(header_bytes)
        .map_err(|e| bad(&format!("unreadable header: {e}")))?;
    if header.version != VERSION {
        return Err(VaultError::UnsupportedVersion {
            found: header.version,
            supported: VERSION,
        });
    }
    let salt = hex::decode(&header.salt).map_err(|_| bad("salt is not hex"))?;
    let key = kdf::derive_key(password, &salt, &header.kdf)?;
    let aad_len = MAGIC.len() + 4 + len;
    let (nonce, ct) = rest.split_at(NONCE_LEN);
    let payload =
        crypto::open(&key, &bytes[..aad_len], nonce, ct).ok_or(VaultError::BackupRejected)?;
    let (dek, data) = payload
        .split_at_checked(KEY_LEN)
        .ok_or_else(|| bad("payload is too short"))?;
    let dek = Dek::from_slice(dek).ok_or_else(|| bad("payload is too short"))?;
    Ok((dek, data.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_wrong_password_and_flips() {
        let dek = Dek::generate();
        let p = KdfParams::INSECURE_FAST_FOR_TESTS;
        let b = seal(&dek, b"data file bytes", b"backup-pw", p, Utc::now()).unwrap();
        let (d2, data) = open(&b, b"backup-pw").unwrap();
        assert_eq!(d2.as_bytes(), dek.as_bytes());
        assert_eq!(data, b"data file bytes");
        assert!(matches!(
            open(&b, b"other-pw"),
            Err(VaultError::BackupRejected)
        ));
        for i in 0..b.len() {
            let mut bad = b.clone();
            bad[i] ^= 0x01;
            assert!(open(&bad, b"backup-pw").is_err(), "flip at {i}");
        }
        for len in 0..b.len() {
            assert!(open(&b[..len], b"backup-pw").is_err(), "truncated to {len}");
        }
    }
}
