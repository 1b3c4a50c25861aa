//! `authenticate` / `verify_tag` / `has_authenticated`: the keyed MAC the service binds its own
//! files to the vault with.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{DataKey, Role, SecretStore, VaultError};
use common::*;

const PURPOSE: &str = "connections.json";
const BODY: &[u8] = br#"{"connections":[{"id":"alpaca-1","credential":"..."}]}"#;

#[test]
fn same_input_same_tag_other_purpose_or_data_other_tag() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let t1 = v.authenticate(PURPOSE, BODY).unwrap();
    assert_eq!(v.authenticate(PURPOSE, BODY).unwrap(), t1);
    assert_ne!(v.authenticate("settings.json", BODY).unwrap(), t1);
    assert_ne!(v.authenticate(PURPOSE, b"other body").unwrap(), t1);
    assert!(v.verify_tag(PURPOSE, BODY, &t1).unwrap());
    assert!(!v.verify_tag("settings.json", BODY, &t1).unwrap());
    // Another vault has another key: the same input gets another tag there.
    let mut other = vault(&dir.path().join("other"), &clock);
    other.init(&pw(PASSWORD), Role::Trader).unwrap();
    assert_ne!(other.authenticate(PURPOSE, BODY).unwrap(), t1);
    assert!(!other.verify_tag(PURPOSE, BODY, &t1).unwrap());
}

#[test]
fn verify_tag_refuses_any_flipped_bit_a_short_tag_and_edited_data() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let tag = v.authenticate(PURPOSE, BODY).unwrap();
    for bit in 0..tag.len() * 8 {
        let mut bad = tag;
        bad[bit / 8] ^= 1 << (bit % 8);
        assert!(!v.verify_tag(PURPOSE, BODY, &bad).unwrap(), "bit {bit}");
    }
    assert!(!v.verify_tag(PURPOSE, BODY, &tag[..31]).unwrap());
    assert!(!v.verify_tag(PURPOSE, BODY, &[]).unwrap());
    let mut edited = BODY.to_vec();
    edited[10] ^= 1;
    assert!(!v.verify_tag(PURPOSE, &edited, &tag).unwrap());
    assert!(v.verify_tag(PURPOSE, BODY, &tag).unwrap());
}

#[test]
fn tags_survive_password_changes_with_and_without_rotation_and_other_handles_agree() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let tag = v.authenticate(PURPOSE, BODY).unwrap();
    v.change_password(&pw(PASSWORD), &pw("second password"))
        .unwrap();
    assert!(v.verify_tag(PURPOSE, BODY, &tag).unwrap());
    assert_eq!(v.authenticate(PURPOSE, BODY).unwrap(), tag);
    v.change_password_with(&pw("second password"), &pw("third password"), DataKey::Keep)
        .unwrap();
    v.lock();
    // A fresh handle (another process) computes the same tag after unlocking.
    let mut fresh = vault(dir.path(), &clock);
    fresh.unlock(&pw("third password")).unwrap();
    assert!(fresh.verify_tag(PURPOSE, BODY, &tag).unwrap());
    assert_eq!(fresh.authenticate(PURPOSE, BODY).unwrap(), tag);
}

#[test]
fn locked_vault_refuses_all_three() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let tag = v.authenticate(PURPOSE, BODY).unwrap();
    v.lock();
    assert!(matches!(
        v.authenticate(PURPOSE, BODY),
        Err(VaultError::Locked)
    ));
    assert!(matches!(
        v.verify_tag(PURPOSE, BODY, &tag),
        Err(VaultError::Locked)
    ));
    assert!(matches!(
        v.has_authenticated(PURPOSE),
        Err(VaultError::Locked)
    ));
    // The idle timeout locks too.
    v.unlock(&pw(PASSWORD)).unwrap();
    clock.advance(std::time::Duration::from_secs(16 * 60));
    assert!(matches!(
        v.verify_tag(PURPOSE, BODY, &tag),
        Err(VaultError::Locked)
    ));
}

#[test]
fn has_authenticated_turns_true_on_first_use_and_persists() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    assert!(!v.has_authenticated(PURPOSE).unwrap());
    // Verifying is not authenticating: it records nothing.
    assert!(!v.verify_tag(PURPOSE, BODY, &[0u8; 32]).unwrap());
    assert!(!v.has_authenticated(PURPOSE).unwrap());
    v.authenticate(PURPOSE, BODY).unwrap();
    assert!(v.has_authenticated(PURPOSE).unwrap());
    assert!(!v.has_authenticated("another purpose").unwrap());
    v.lock();
    v.unlock(&pw(PASSWORD)).unwrap();
    assert!(v.has_authenticated(PURPOSE).unwrap());
    v.change_password(&pw(PASSWORD), &pw("second password"))
        .unwrap();
    assert!(v.has_authenticated(PURPOSE).unwrap());
    // Bad purposes are refused, not recorded.
    assert!(matches!(
        v.authenticate("", BODY),
        Err(VaultError::InvalidInput(_))
    ));
    assert!(matches!(
        v.has_authenticated("two\nlines"),
        Err(VaultError::InvalidInput(_))
    ));
}

/// The list of purposes is inside the authenticated data file: deleting the vault's record of a
/// purpose (to make a stripped file look "older than tags") breaks the file's MAC.
#[test]
fn the_record_of_purposes_cannot_be_edited_out() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    v.authenticate(PURPOSE, BODY).unwrap();
    let path = data_file(dir.path());
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert!(text.contains(PURPOSE));
    let stripped = text.replace(&format!("\"{PURPOSE}\""), "");
    std::fs::write(&path, stripped.as_bytes()).unwrap();
    assert!(matches!(
        v.has_authenticated(PURPOSE),
        Err(VaultError::Corrupt { .. })
    ));
    std::fs::write(&path, &bytes).unwrap();
    assert!(v.has_authenticated(PURPOSE).unwrap());
}
