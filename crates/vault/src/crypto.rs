//! AES-256-GCM under the data-encryption key: sealing credential records, and authenticating
//! whole files (GMAC: GCM over an empty message, the file as associated data).

use crate::error::VaultError;
use crate::kdf::KEY_LEN;
use aes_gcm::aead::rand_core::RngCore;
use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce, Tag};
use zeroize::Zeroizing;

pub(crate) const NONCE_LEN: usize = 12;
pub(crate) const TAG_LEN: usize = 16;

/// The random data-encryption key. It never leaves memory except inside the Stronghold
/// snapshot (wrapped by the password); backups carry plaintext secrets under their own key, never
/// this one.
pub(crate) struct Dek(Zeroizing<[u8; KEY_LEN]>);

impl Dek {
    pub(crate) fn generate() -> Self {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        OsRng.fill_bytes(key.as_mut());
        Self(key)
    }

    pub(crate) fn from_slice(bytes: &[u8]) -> Option<Self> {
        // Copy straight into the zeroizing buffer: a `[u8; 32]` temporary would be moved (and
        // left behind) on the stack.
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.as_mut()
            .copy_from_slice(bytes.get(..KEY_LEN).filter(|_| bytes.len() == KEY_LEN)?);
        Some(Self(key))
    }

    pub(crate) fn as_bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(self.0.as_ref()))
    }
}

impl std::fmt::Debug for Dek {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Dek([REDACTED])")
    }
}

/// Random bytes for salts and nonces.
pub(crate) fn random<const N: usize>() -> [u8; N] {
    let mut out = [0u8; N];
    OsRng.fill_bytes(&mut out);
    out
}

/// Encrypts `plaintext` under `key` with a fresh random nonce; `aad` is authenticated, not stored.
pub(crate) fn seal(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    plaintext: &[u8],
) -> Result<([u8; NONCE_LEN], Vec<u8>), VaultError> {
    let nonce = random::<NONCE_LEN>();
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    let ct = cipher
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Crypto("AES-GCM encryption failed".into()))?;
    Ok((nonce, ct))
}

/// Decrypts and verifies; `None` on any mismatch (wrong key, wrong AAD, altered bytes).
pub(crate) fn open(
    key: &[u8; KEY_LEN],
    aad: &[u8],
    nonce: &[u8],
    ciphertext: &[u8],
) -> Option<Zeroizing<Vec<u8>>> {
    if nonce.len() != NONCE_LEN {
        return None;
    }
    let cipher = Aes256Gcm::new(Key::<Aes256Gcm>::from_slice(key));
    cipher
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

/// A GMAC over `data`: returns nonce ‖ tag.
pub(crate) fn mac(dek: &Dek, data: &[u8]) -> Result<[u8; NONCE_LEN + TAG_LEN], VaultError> {
    let nonce = random::<NONCE_LEN>();
    let tag = dek
        .cipher()
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), data, &mut [])
        .map_err(|_| VaultError::Crypto("GMAC failed".into()))?;
    let mut out = [0u8; NONCE_LEN + TAG_LEN];
    out[..NONCE_LEN].copy_from_slice(&nonce);
    out[NONCE_LEN..].copy_from_slice(&tag);
    Ok(out)
}

/// Checks a nonce ‖ tag produced by [`mac`].
pub(crate) fn verify_mac(dek: &Dek, data: &[u8], nonce_tag: &[u8]) -> bool {
    if nonce_tag.len() != NONCE_LEN + TAG_LEN {
        return false;
    }
    let (nonce, tag) = nonce_tag.split_at(NONCE_LEN);
    dek.cipher()
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            data,
            &mut [],
            Tag::from_slice(tag),
        )
        .is_ok()
}

/// BLAKE2b-256, for the unkeyed checksums that tell "damaged file" from "wrong password".
pub(crate) fn checksum(data: &[u8]) -> String {
    use blake2::Digest;
    hex::encode(blake2::Blake2b::<blake2::digest::consts::U32>::digest(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_round_trip_and_nonces_are_fresh() {
        let dek = Dek::generate();
        let (n1, c1) = seal(dek.as_bytes(), b"aad", b"secret").unwrap();
        let (n2, c2) = seal(dek.as_bytes(), b"aad", b"secret").unwrap();
        assert_ne!(n1, n2);
        assert_ne!(c1, c2);
        assert_eq!(
            open(dek.as_bytes(), b"aad", &n1, &c1).unwrap().as_slice(),
            b"secret"
        );
    }

    #[test]
    fn open_refuses_other_aad_key_or_any_flipped_byte() {
        let dek = Dek::generate();
        let (n, c) = seal(dek.as_bytes(), b"aad", b"secret").unwrap();
        assert!(open(dek.as_bytes(), b"aae", &n, &c).is_none());
        assert!(open(Dek::generate().as_bytes(), b"aad", &n, &c).is_none());
        for i in 0..c.len() {
            let mut bad = c.clone();
            bad[i] ^= 0x01;
            assert!(
                open(dek.as_bytes(), b"aad", &n, &bad).is_none(),
                "flip at {i}"
            );
        }
        for i in 0..n.len() {
            let mut bad = n;
            bad[i] ^= 0x80;
            assert!(
                open(dek.as_bytes(), b"aad", &bad, &c).is_none(),
                "nonce flip at {i}"
            );
        }
    }

    #[test]
    fn mac_detects_changes() {
        let dek = Dek::generate();
        let t = mac(&dek, b"file body").unwrap();
        assert!(verify_mac(&dek, b"file body", &t));
        assert!(!verify_mac(&dek, b"file bodY", &t));
        assert!(!verify_mac(&Dek::generate(), b"file body", &t));
        assert!(!verify_mac(&dek, b"file body", &t[..t.len() - 1]));
    }

    #[test]
    fn dek_from_slice_takes_exactly_32_bytes() {
        assert!(Dek::from_slice(&[1u8; KEY_LEN - 1]).is_none());
        assert!(Dek::from_slice(&[1u8; KEY_LEN + 1]).is_none());
        assert_eq!(
            Dek::from_slice(&[7u8; KEY_LEN]).unwrap().as_bytes(),
            &[7u8; KEY_LEN]
        );
    }

    /// The AES key schedule (the expanded data key inside every cipher we build) is wiped on drop:
    /// `aes` is built with `zeroize`. Without the feature this does not compile.
    #[test]
    fn aes_key_schedule_is_wiped_on_drop() {
        fn wiped<T: zeroize::ZeroizeOnDrop>() -> &'static str {
            std::any::type_name::<T>()
        }
        assert!(wiped::<aes::Aes256>().contains("Aes256"));
    }

    #[test]
    fn dek_debug_is_redacted() {
        let dek = Dek::from_slice(&[0x41; KEY_LEN]).unwrap();
        let shown = format!("{dek:?}");
        assert!(!shown.contains("65") && !shown.contains("41") && shown.contains("REDACTED"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_secret_round_trips_and_any_other_aad_fails(
            secret in proptest::collection::vec(any::<u8>(), 0..512),
            aad in proptest::collection::vec(any::<u8>(), 0..128),
            other in proptest::collection::vec(any::<u8>(), 0..128),
        ) {
            let dek = Dek::generate();
            let (n, c) = seal(dek.as_bytes(), &aad, &secret).unwrap();
            let opened = open(dek.as_bytes(), &aad, &n, &c).unwrap();
            prop_assert_eq!(opened.as_slice(), secret.as_slice());
            prop_assume!(other != aad);
            prop_assert!(open(dek.as_bytes(), &other, &n, &c).is_none());
        }

        #[test]
        fn arbitrary_bytes_never_verify_as_a_mac(data in proptest::collection::vec(any::<u8>(), 0..64), tag in proptest::collection::vec(any::<u8>(), 0..40)) {
            prop_assert!(!verify_mac(&Dek::generate(), &data, &tag));
        }
    }
}
