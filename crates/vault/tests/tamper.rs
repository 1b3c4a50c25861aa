//! Damage and tampering: wrong password, a flipped byte anywhere, a truncated file. Each must be
//! refused with a clear typed error, and the old data must still open once the damage is undone.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{
    CredentialId, ExposeSecret, Role, SecretStore, StrongholdVault, VaultError,
};
use common::*;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

const SECRET: &str = "tamper-test-secret-value";

fn setup(dir: &Path) -> (StrongholdVault, CredentialId) {
    let clock = clock();
    let mut v = vault(dir, &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let meta = v.put(cred("alpaca", "key", SECRET)).unwrap();
    (v, meta.id)
}

fn snapshot_of_files(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    all_files(dir)
        .into_iter()
        .map(|p| {
            let b = fs::read(&p).unwrap();
            (p, b)
        })
        .collect()
}

fn is_damage(e: &VaultError) -> bool {
    matches!(
        e,
        VaultError::Corrupt { .. } | VaultError::UnsupportedVersion { .. }
    )
}

#[test]
fn wrong_password_is_refused_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, id) = setup(dir.path());
    v.lock();
    let before = snapshot_of_files(dir.path());
    let err = v.unlock(&pw("not the password")).unwrap_err();
    assert!(matches!(err, VaultError::WrongPassword), "{err}");
    assert_eq!(err.to_string(), "wrong password");
    assert!(matches!(v.get(id), Err(VaultError::Locked)));
    assert_eq!(snapshot_of_files(dir.path()), before);
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(v.get(id).unwrap().expose_secret(), SECRET);
}

#[test]
fn every_flipped_byte_of_the_snapshot_or_header_is_refused_then_old_data_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, id) = setup(dir.path());
    v.lock();
    let header = dir.path().join("vault/vault.json");
    for path in [snapshot_file(dir.path()), header] {
        let original = fs::read(&path).unwrap();
        assert!(
            original.len() > 100,
            "{} is suspiciously small",
            path.display()
        );
        for i in 0..original.len() {
            let mut bad = original.clone();
            bad[i] ^= 1 << (i % 8);
            fs::write(&path, &bad).unwrap();
            let err = v.unlock(&pw(PASSWORD)).unwrap_err();
            assert!(is_damage(&err), "{} byte {i}: {err}", path.display());
            // A failed unlock writes nothing: the damaged bytes are still what is on disk.
            assert_eq!(fs::read(&path).unwrap(), bad);
        }
        fs::write(&path, &original).unwrap();
    }
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(v.get(id).unwrap().expose_secret(), SECRET);
}

#[test]
fn every_flipped_byte_of_the_data_file_is_refused_then_old_data_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, id) = setup(dir.path());
    let path = data_file(dir.path());
    let original = fs::read(&path).unwrap();
    for i in 0..original.len() {
        let mut bad = original.clone();
        bad[i] ^= 1 << (i % 8);
        fs::write(&path, &bad).unwrap();
        let err = v.list().unwrap_err();
        assert!(matches!(err, VaultError::Corrupt { .. }), "byte {i}: {err}");
        let err = v.get(id).unwrap_err();
        assert!(matches!(err, VaultError::Corrupt { .. }), "byte {i}: {err}");
        assert!(v.put(cred("x", "y", "z")).is_err());
        assert_eq!(
            fs::read(&path).unwrap(),
            bad,
            "a refused write must not touch the file"
        );
    }
    // Unlock also checks the data file, so damage is reported at sign-in, not at first use.
    let mut bad = original.clone();
    let mid = bad.len() / 2;
    bad[mid] ^= 0x20;
    fs::write(&path, &bad).unwrap();
    v.lock();
    assert!(matches!(
        v.unlock(&pw(PASSWORD)),
        Err(VaultError::Corrupt { .. })
    ));
    fs::write(&path, &original).unwrap();
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(v.get(id).unwrap().expose_secret(), SECRET);
}

#[test]
fn truncated_files_are_refused_then_old_data_opens() {
    let dir = tempfile::tempdir().unwrap();
    let (mut v, id) = setup(dir.path());
    let data = data_file(dir.path());
    let original = fs::read(&data).unwrap();
    for len in 0..original.len() {
        fs::write(&data, &original[..len]).unwrap();
        let err = v.list().unwrap_err();
        assert!(
            matches!(err, VaultError::Corrupt { .. }),
            "data truncated to {len}: {err}"
        );
    }
    fs::write(&data, &original).unwrap();
    v.lock();
    for path in [
        snapshot_file(dir.path()),
        dir.path().join("vault/vault.json"),
    ] {
        let original = fs::read(&path).unwrap();
        for len in 0..original.len() {
            fs::write(&path, &original[..len]).unwrap();
            let err = v.unlock(&pw(PASSWORD)).unwrap_err();
            assert!(
                is_damage(&err),
                "{} truncated to {len}: {err}",
                path.display()
            );
        }
        fs::write(&path, &original).unwrap();
    }
    // A missing file is damage too, not "no vault".
    let snap = snapshot_file(dir.path());
    let saved = fs::read(&snap).unwrap();
    fs::remove_file(&snap).unwrap();
    assert!(matches!(
        v.unlock(&pw(PASSWORD)),
        Err(VaultError::Corrupt { .. })
    ));
    fs::write(&snap, saved).unwrap();
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(v.get(id).unwrap().expose_secret(), SECRET);
}
