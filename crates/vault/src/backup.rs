//! Encrypted backups: every credential's metadata and plaintext secret (and the role), sealed with
//! AES-256-GCM under a key derived (Argon2id, parameters in the backup's own header) from the
//! backup password. A backup never holds the vault's data-encryption key: whoever learns a backup
//! password learns that backup's secrets, not the key of every record sealed afterwards.
//!
//! File: `MAGIC` ‖ u32 BE header length ‖ JSON header ‖ nonce (12) ‖ ciphertext; everything before
//! the nonce is associated data, so the header cannot be edited either.
//!
//! Payload (version 2): u32 BE manifest length ‖ manifest JSON (role, the credentials' metadata,
//! in order) ‖ for each credential, u32 BE length ‖ secret bytes. The secrets stay out of JSON so
//! that the payload is built in one zeroizing buffer of exact size and read by borrowing slices.
//!
//! Version 1 (`BDVBAK01`, earlier builds) held the DEK and the raw data file. Such backups are
//! still imported (read only: this build never writes one); their records are re-sealed under
//! the importing vault's own key like any other.

use crate::crypto::{self, Dek, NONCE_LEN};
use crate::datafile::DataFile;
use crate::error::VaultError;
use crate::kdf::{self, KEY_LEN, KdfParams, SALT_LEN};
use crate::profile::Role;
use crate::record::CredentialMeta;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

const MAGIC: &[u8; 8] = b"BDVBAK02";
const MAGIC_V1: &[u8; 8] = b"BDVBAK01";
const VERSION: u32 = 2;
const VERSION_1: u32 = 1;
/// A header larger than this is not ours.
const MAX_HEADER_LEN: usize = 4096;
/// Salts we accept when reading (we write `SALT_LEN`).
const SALT_RANGE: std::ops::RangeInclusive<usize> = 8..=64;

#[derive(Serialize, Deserialize)]
struct BackupHeader {
    version: u32,
    kdf: KdfParams,
    salt: String,
    created_at: DateTime<Utc>,
}

/// The payload's non-secret part.
#[derive(Serialize, Deserialize)]
struct Manifest {
    role: Role,
    credentials: Vec<CredentialMeta>,
}

/// What a backup holds, decrypted. Deliberately no `Debug`: the secrets are in here.
pub(crate) struct BackupContents {
    /// Recorded for completeness; an import keeps the importing vault's own role.
    #[allow(dead_code)]
    pub role: Role,
    pub credentials: Vec<(CredentialMeta, Zeroizing<Vec<u8>>)>,
}

/// Seals `credentials` (metadata and plaintext secret) and `role` under a key derived from
/// `password`.
pub(crate) fn seal(
    role: Role,
    credentials: &[(CredentialMeta, Zeroizing<Vec<u8>>)],
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
    out.extend_from_slice(&be_len(header.len())?);
    out.extend_from_slice(&header);
    let key = kdf::derive_key(password, &salt, &kdf_params)?;
    let payload = encode_payload(role, credentials)?;
    let (nonce, ct) = crypto::seal(&key, &out, &payload)?;
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&ct);
    Ok(out)
}

fn encode_payload(
    role: Role,
    credentials: &[(CredentialMeta, Zeroizing<Vec<u8>>)],
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let manifest = Manifest {
        role,
        credentials: credentials.iter().map(|(m, _)| m.clone()).collect(),
    };
    let manifest = serde_json::to_vec(&manifest).map_err(|e| VaultError::Crypto(e.to_string()))?;
    // Exact size up front: a growing Vec would leave freed copies of the secrets behind.
    let size = 4 + manifest.len() + credentials.iter().map(|(_, s)| 4 + s.len()).sum::<usize>();
    let mut payload = Zeroizing::new(Vec::with_capacity(size));
    payload.extend_from_slice(&be_len(manifest.len())?);
    payload.extend_from_slice(&manifest);
    for (_, secret) in credentials {
        payload.extend_from_slice(&be_len(secret.len())?);
        payload.extend_from_slice(secret);
    }
    Ok(payload)
}

fn be_len(len: usize) -> Result<[u8; 4], VaultError> {
    u32::try_from(len)
        .map(u32::to_be_bytes)
        .map_err(|_| VaultError::InvalidInput("a backup field is larger than 4 GiB".into()))
}

fn bad(reason: &str) -> VaultError {
    VaultError::corrupt("backup", reason)
}

/// A backup file whose framing and header have been checked; nothing derived yet.
pub(crate) struct Parsed<'a> {
    version: u32,
    kdf: KdfParams,
    salt: Vec<u8>,
    /// Everything before the nonce: authenticated, not encrypted.
    aad: &'a [u8],
    nonce: &'a [u8],
    ciphertext: &'a [u8],
}

impl<'a> Parsed<'a> {
    /// Reads the framing and the header and checks the key-derivation parameters against the
    /// ceilings. Takes no password, so it cannot have derived anything: a header asking for
    /// 4 GiB of memory is refused here, before any work is done.
    pub(crate) fn parse(bytes: &'a [u8]) -> Result<Self, VaultError> {
        let (version, rest) = if let Some(rest) = bytes.strip_prefix(MAGIC.as_slice()) {
            (VERSION, rest)
        } else if let Some(rest) = bytes.strip_prefix(MAGIC_V1.as_slice()) {
            (VERSION_1, rest)
        } else {
            return Err(bad("not a Brokerdesk vault backup"));
        };
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
        if header.version != version {
            return Err(match header.version {
                VERSION_1 | VERSION => bad("header and magic disagree on the version"),
                found => VaultError::UnsupportedVersion {
                    found,
                    supported: VERSION,
                },
            });
        }
        let salt = hex::decode(&header.salt).map_err(|_| bad("salt is not hex"))?;
        if !SALT_RANGE.contains(&salt.len()) {
            return Err(bad("salt has an implausible length"));
        }
        header.kdf.validate()?;
        let (nonce, ciphertext) = rest.split_at(NONCE_LEN);
        Ok(Self {
            version,
            kdf: header.kdf,
            salt,
            aad: &bytes[..MAGIC.len() + 4 + len],
            nonce,
            ciphertext,
        })
    }

    /// Derives the key from `password` and decrypts: the raw payload.
    pub(crate) fn decrypt(&self, password: &[u8]) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let key = kdf::derive_key(password, &self.salt, &self.kdf)?;
        crypto::open(&key, self.aad, self.nonce, self.ciphertext).ok_or(VaultError::BackupRejected)
    }

    /// Decrypts with `password` and decodes the contents.
    pub(crate) fn open(&self, password: &[u8]) -> Result<BackupContents, VaultError> {
        let payload = self.decrypt(password)?;
        match self.version {
            VERSION_1 => decode_v1(&payload),
            _ => decode_payload(&payload),
        }
    }
}

fn take_len(bytes: &[u8]) -> Result<(usize, &[u8]), VaultError> {
    let (len, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or_else(|| bad("payload is truncated"))?;
    let len = u32::from_be_bytes(*len) as usize;
    if rest.len() < len {
        return Err(bad("payload is truncated"));
    }
    Ok((len, rest))
}

fn decode_payload(payload: &[u8]) -> Result<BackupContents, VaultError> {
    let (len, rest) = take_len(payload)?;
    let (manifest, mut rest) = rest.split_at(len);
    let manifest: Manifest =
        serde_json::from_slice(manifest).map_err(|e| bad(&format!("unreadable manifest: {e}")))?;
    let mut credentials = Vec::with_capacity(manifest.credentials.len());
    for meta in manifest.credentials {
        let (len, after) = take_len(rest)?;
        let (secret, after) = after.split_at(len);
        credentials.push((meta, Zeroizing::new(secret.to_vec())));
        rest = after;
    }
    if !rest.is_empty() {
        return Err(bad("unexpected bytes after the last secret"));
    }
    Ok(BackupContents {
        role: manifest.role,
        credentials,
    })
}

/// Version 1: the old vault's DEK ‖ its data file. The DEK is used only to open that file here.
fn decode_v1(payload: &[u8]) -> Result<BackupContents, VaultError> {
    let (dek, data) = payload
        .split_at_checked(KEY_LEN)
        .ok_or_else(|| bad("payload is too short"))?;
    let dek = Dek::from_slice(dek).ok_or_else(|| bad("payload is too short"))?;
    let data = DataFile::decode(data, &dek)?;
    let credentials = data
        .records
        .iter()
        .map(|r| Ok((r.meta.clone(), r.open(&dek)?)))
        .collect::<Result<Vec<_>, VaultError>>()?;
    Ok(BackupContents {
        role: data.role,
        credentials,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::datafile::StoredRecord;
    use crate::record::{CredentialId, CredentialKind};
    use brokerdesk_model::VendorId;

    pub(crate) fn meta(vendor: &str) -> CredentialMeta {
        let now = Utc::now();
        CredentialMeta {
            id: CredentialId::new_random(),
            vendor: VendorId::new(vendor),
            connection: None,
            label: format!("{vendor} key"),
            kind: CredentialKind::ApiKey,
            created_at: now,
            updated_at: now,
            last_used_at: None,
            expires_at: None,
        }
    }

    /// What the previous build wrote (its `seal`, kept here to make fixtures).
    pub(crate) fn seal_v1(dek: &Dek, data_file: &[u8], password: &[u8]) -> Vec<u8> {
        let salt = crypto::random::<SALT_LEN>();
        let kdf_params = KdfParams::INSECURE_FAST_FOR_TESTS;
        let header = BackupHeader {
            version: VERSION_1,
            kdf: kdf_params,
            salt: hex::encode(salt),
            created_at: Utc::now(),
        };
        let header = serde_json::to_vec(&header).unwrap();
        let mut out = MAGIC_V1.to_vec();
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        let key = kdf::derive_key(password, &salt, &kdf_params).unwrap();
        let mut payload = dek.as_bytes().to_vec();
        payload.extend_from_slice(data_file);
        let (nonce, ct) = crypto::seal(&key, &out, &payload).unwrap();
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ct);
        out
    }

    fn creds() -> Vec<(CredentialMeta, Zeroizing<Vec<u8>>)> {
        vec![
            (meta("alpaca"), Zeroizing::new(b"alpaca-secret".to_vec())),
            (meta("ibkr"), Zeroizing::new(Vec::new())),
            (meta("plaid"), Zeroizing::new(vec![0xff; 300])),
        ]
    }

    #[test]
    fn round_trip_wrong_password_and_flips() {
        let p = KdfParams::INSECURE_FAST_FOR_TESTS;
        let creds = creds();
        let b = seal(Role::Viewer, &creds, b"backup-pw", p, Utc::now()).unwrap();
        assert!(b.starts_with(b"BDVBAK02"));
        let back = Parsed::parse(&b).unwrap().open(b"backup-pw").unwrap();
        assert_eq!(back.role, Role::Viewer);
        assert_eq!(back.credentials.len(), 3);
        for ((m1, s1), (m2, s2)) in creds.iter().zip(&back.credentials) {
            assert_eq!(m1, m2);
            assert_eq!(s1.as_slice(), s2.as_slice());
        }
        assert!(matches!(
            Parsed::parse(&b).unwrap().open(b"other-pw"),
            Err(VaultError::BackupRejected)
        ));
        for i in 0..b.len() {
            let mut bad = b.clone();
            bad[i] ^= 0x01;
            assert!(
                Parsed::parse(&bad)
                    .and_then(|p| p.open(b"backup-pw"))
                    .is_err(),
                "flip at {i}"
            );
        }
        for len in 0..b.len() {
            assert!(
                Parsed::parse(&b[..len])
                    .and_then(|p| p.open(b"backup-pw"))
                    .is_err(),
                "truncated to {len}"
            );
        }
    }

    #[test]
    fn payload_framing_is_strict() {
        let creds = creds();
        let payload = encode_payload(Role::Trader, &creds).unwrap();
        assert_eq!(payload.capacity(), payload.len(), "sized up front");
        assert!(decode_payload(&payload).is_ok());
        let mut longer = payload.to_vec();
        longer.push(0);
        assert!(decode_payload(&longer).is_err());
        for len in 0..payload.len() {
            assert!(
                decode_payload(&payload[..len]).is_err(),
                "truncated to {len}"
            );
        }
    }

    /// Backups of the previous format still import; the DEK inside is used to open that backup's
    /// own data file only.
    #[test]
    fn version_1_backups_still_open() {
        let dek = Dek::generate();
        let mut data = DataFile::new(Role::Trader);
        let m = meta("alpaca");
        data.records
            .push(StoredRecord::seal(m.clone(), &dek, b"old-secret").unwrap());
        let b = seal_v1(&dek, &data.encode(&dek).unwrap(), b"backup-pw");
        let back = Parsed::parse(&b).unwrap().open(b"backup-pw").unwrap();
        assert_eq!(back.credentials.len(), 1);
        assert_eq!(back.credentials[0].0, m);
        assert_eq!(back.credentials[0].1.as_slice(), b"old-secret");
        assert!(matches!(
            Parsed::parse(&b).unwrap().open(b"wrong-pw"),
            Err(VaultError::BackupRejected)
        ));
    }

    /// Rewrites a backup's header (fixing its length) so that it asks for `kdf`. The ciphertext
    /// no longer matches, which does not matter: the point is that nothing gets that far.
    pub(crate) fn with_header_kdf(backup: &[u8], kdf: KdfParams) -> Vec<u8> {
        let len = u32::from_be_bytes(backup[8..12].try_into().unwrap()) as usize;
        let mut header: serde_json::Value = serde_json::from_slice(&backup[12..12 + len]).unwrap();
        header["kdf"] = serde_json::to_value(kdf).unwrap();
        let header = serde_json::to_vec(&header).unwrap();
        let mut out = backup[..8].to_vec();
        out.extend_from_slice(&(header.len() as u32).to_be_bytes());
        out.extend_from_slice(&header);
        out.extend_from_slice(&backup[12 + len..]);
        out
    }

    /// `parse` takes no password, so a refusal there is a refusal before any derivation.
    #[test]
    fn parameters_beyond_the_ceilings_are_refused_before_derivation() {
        let p = KdfParams::INSECURE_FAST_FOR_TESTS;
        let b = seal(Role::Trader, &creds(), b"backup-pw", p, Utc::now()).unwrap();
        for kdf in [
            KdfParams {
                m_cost_kib: 4 * 1024 * 1024,
                ..p
            },
            KdfParams { t_cost: 21, ..p },
            KdfParams { p_cost: 17, ..p },
            KdfParams { t_cost: 0, ..p },
        ] {
            let bad = with_header_kdf(&b, kdf);
            let err = Parsed::parse(&bad).err().unwrap();
            assert!(
                matches!(err, VaultError::InvalidKdfParams(_)),
                "{kdf:?}: {err}"
            );
        }
        // The helper itself leaves a file within the limits parseable.
        assert!(Parsed::parse(&with_header_kdf(&b, p)).is_ok());
    }
}
