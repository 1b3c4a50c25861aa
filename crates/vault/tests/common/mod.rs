//! Shared helpers for the vault's integration tests.
#![allow(dead_code)]
// Test helpers: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

use brokerdesk_model::VendorId;
use brokerdesk_vault::{
    CredentialKind, KdfParams, ManualClock, NewCredential, SecretString, StrongholdVault,
    VaultOptions,
};
use chrono::TimeZone;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

pub const PASSWORD: &str = "correct horse battery staple";

pub fn pw(s: &str) -> SecretString {
    SecretString::from(s.to_owned())
}

pub fn clock() -> ManualClock {
    ManualClock::new(chrono::Utc.with_ymd_and_hms(2026, 3, 1, 9, 0, 0).unwrap())
}

/// A vault with tiny Argon2 parameters (Stronghold's own snapshot encryption is unchanged).
pub fn vault(data_dir: &Path, clock: &ManualClock) -> StrongholdVault {
    StrongholdVault::new(
        data_dir,
        VaultOptions {
            kdf: KdfParams::INSECURE_FAST_FOR_TESTS,
            idle_timeout: Some(Duration::from_secs(15 * 60)),
            clock: Arc::new(clock.clone()),
        },
    )
}

pub fn cred(vendor: &str, label: &str, secret: &str) -> NewCredential {
    NewCredential {
        vendor: VendorId::new(vendor),
        connection: None,
        label: label.into(),
        kind: CredentialKind::ApiKey,
        expires_at: None,
        secret: pw(secret),
    }
}

/// Every regular file under `dir`, recursively.
pub fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// The vault's current snapshot file.
pub fn snapshot_file(data_dir: &Path) -> PathBuf {
    let dir = data_dir.join("vault");
    all_files(&dir)
        .into_iter()
        .find(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snapshot-")
        })
        .unwrap()
}

/// The vault's current data file (`vault.data.<n>`; the header names it, and after any write
/// there is exactly one).
pub fn data_file(data_dir: &Path) -> PathBuf {
    let found: Vec<PathBuf> = all_files(&data_dir.join("vault"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("vault.data")
        })
        .collect();
    assert_eq!(found.len(), 1, "{found:?}");
    found.into_iter().next().unwrap()
}
