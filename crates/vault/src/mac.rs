//! `SecretStore::authenticate`: HMAC-SHA256 under a random key sealed in the data file, so that
//! the service can tell its own files (e.g. `connections.json`) from edited ones.
//!
//! The key is neither the password nor the DEK: it survives password changes and data-key
//! rotations (re-sealed, same bytes), and a tag says nothing about the DEK. Purposes are
//! domain-separated: the MAC input is a fixed label, the purpose's length and bytes, then the
//! data, so no (purpose, data) pair can produce another pair's input.

use crate::error::VaultError;
use crate::kdf::KEY_LEN;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Length of a tag.
pub(crate) const TAG_LEN: usize = 32;
/// Longest purpose accepted; purposes are short names chosen in code, not user input.
const MAX_PURPOSE_LEN: usize = 128;
const DOMAIN: &[u8] = b"brokerdesk-vault/authenticate/v1";

/// Purposes are short, printable names (they are stored in the data file and shown in errors).
pub(crate) fn check_purpose(purpose: &str) -> Result<(), VaultError> {
    let printable = purpose.chars().all(|c| !c.is_control());
    if purpose.is_empty() || purpose.len() > MAX_PURPOSE_LEN || !printable {
        return Err(VaultError::InvalidInput(format!(
            "a MAC purpose needs 1 to {MAX_PURPOSE_LEN} bytes of printable text"
        )));
    }
    Ok(())
}

fn keyed(key: &[u8; KEY_LEN], purpose: &str, data: &[u8]) -> Result<Hmac<Sha256>, VaultError> {
    // HMAC takes keys of any length; the error cannot happen for 32 bytes.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key)
        .map_err(|_| VaultError::Crypto("HMAC key length".into()))?;
    mac.update(DOMAIN);
    mac.update(&(purpose.len() as u64).to_be_bytes());
    mac.update(purpose.as_bytes());
    mac.update(data);
    Ok(mac)
}

pub(crate) fn tag(
    key: &[u8; KEY_LEN],
    purpose: &str,
    data: &[u8],
) -> Result<[u8; TAG_LEN], VaultError> {
    Ok(keyed(key, purpose, data)?.finalize().into_bytes().into())
}

/// Constant-time comparison (hmac's `verify_slice` uses `subtle`); any other length is false.
pub(crate) fn verify(
    key: &[u8; KEY_LEN],
    purpose: &str,
    data: &[u8],
    tag: &[u8],
) -> Result<bool, VaultError> {
    Ok(keyed(key, purpose, data)?.verify_slice(tag).is_ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 4231 test case 2 through the same crates, then our framing on top: pins HMAC-SHA256
    /// and the domain separation (a dependency bump or a reordering would break every stored tag).
    #[test]
    fn hmac_sha256_known_answers() {
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(b"Jefe").unwrap();
        m.update(b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(m.finalize().into_bytes()),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let mut framed = DOMAIN.to_vec();
        framed.extend_from_slice(&11u64.to_be_bytes());
        framed.extend_from_slice(b"connections");
        framed.extend_from_slice(b"{}");
        let mut m = <Hmac<Sha256> as Mac>::new_from_slice(&[5u8; KEY_LEN]).unwrap();
        m.update(&framed);
        let expected: [u8; TAG_LEN] = m.finalize().into_bytes().into();
        assert_eq!(
            tag(&[5u8; KEY_LEN], "connections", b"{}").unwrap(),
            expected
        );
    }

    #[test]
    fn purposes_do_not_run_into_the_data() {
        let k = [9u8; KEY_LEN];
        let t = |p: &str, d: &[u8]| tag(&k, p, d).unwrap();
        assert_ne!(t("ab", b"c"), t("a", b"bc"));
        assert_ne!(t("a", b""), t("b", b""));
        assert!(verify(&k, "a", b"x", &t("a", b"x")).unwrap());
        assert!(!verify(&k, "a", b"x", &t("a", b"x")[..31]).unwrap());
        assert!(!verify(&[8u8; KEY_LEN], "a", b"x", &t("a", b"x")).unwrap());
    }

    #[test]
    fn purpose_rules() {
        assert!(check_purpose("connections.json").is_ok());
        assert!(check_purpose("").is_err());
        assert!(check_purpose("a\nb").is_err());
        assert!(check_purpose(&"p".repeat(MAX_PURPOSE_LEN + 1)).is_err());
    }
}
