//! Encrypted export/import, and a scan of every file the vault writes for the secrets it holds.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{CredentialKind, ExposeSecret, Role, SecretStore, VaultError};
use common::*;
use std::fs;

#[test]
fn export_then_import_into_another_vault_restores_every_secret() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut src = vault(&dir.path().join("a"), &clock);
    src.init(&pw(PASSWORD), Role::Trader).unwrap();
    let a = src.put(cred("alpaca", "k1", "alpaca-secret")).unwrap();
    let b = src.put(cred("ibkr", "k2", "ibkr-secret")).unwrap();
    let backup = dir.path().join("backup.bdv");
    let backup_pw = pw("backup passphrase");
    assert!(matches!(
        src.export_backup(&backup, &pw("short")),
        Err(VaultError::PasswordTooShort { .. })
    ));
    assert_eq!(src.export_backup(&backup, &backup_pw).unwrap(), 2);

    let mut dst = vault(&dir.path().join("b"), &clock);
    dst.init(&pw("another vault password"), Role::Viewer)
        .unwrap();
    let kept = dst.put(cred("plaid", "k3", "plaid-secret")).unwrap();
    assert!(matches!(
        dst.import_backup(&backup, &pw("wrong backup pw")),
        Err(VaultError::BackupRejected)
    ));
    assert_eq!(
        dst.list().unwrap().len(),
        1,
        "a refused import changes nothing"
    );

    let report = dst.import_backup(&backup, &backup_pw).unwrap();
    assert_eq!((report.added, report.skipped), (2, 0));
    assert_eq!(dst.get(a.id).unwrap().expose_secret(), "alpaca-secret");
    assert_eq!(dst.get(b.id).unwrap().expose_secret(), "ibkr-secret");
    assert_eq!(dst.get(kept.id).unwrap().expose_secret(), "plaid-secret");
    assert_eq!(
        dst.profile().unwrap().role,
        Role::Viewer,
        "import does not change the role"
    );
    let again = dst.import_backup(&backup, &backup_pw).unwrap();
    assert_eq!((again.added, again.skipped), (0, 2));

    // Re-sealed under the destination's own key: it opens after a fresh unlock too.
    dst.lock();
    dst.unlock(&pw("another vault password")).unwrap();
    assert_eq!(dst.get(a.id).unwrap().expose_secret(), "alpaca-secret");

    // A damaged backup is refused.
    let mut bytes = fs::read(&backup).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    fs::write(&backup, &bytes).unwrap();
    assert!(dst.import_backup(&backup, &backup_pw).is_err());
    assert!(matches!(
        src.import_backup(&backup, &backup_pw),
        Err(VaultError::BackupRejected)
    ));
    src.lock();
    assert!(matches!(
        src.export_backup(&backup, &backup_pw),
        Err(VaultError::Locked)
    ));
}

/// Rewrites a backup's header (fixing its length prefix) so that it asks for `kdf`.
fn with_header_kdf(backup: &[u8], kdf: serde_json::Value) -> Vec<u8> {
    assert_eq!(&backup[..8], b"BDVBAK02");
    let len = u32::from_be_bytes(backup[8..12].try_into().unwrap()) as usize;
    let mut header: serde_json::Value = serde_json::from_slice(&backup[12..12 + len]).unwrap();
    header["kdf"] = kdf;
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = backup[..8].to_vec();
    out.extend_from_slice(&(header.len() as u32).to_be_bytes());
    out.extend_from_slice(&header);
    out.extend_from_slice(&backup[12 + len..]);
    out
}

/// A backup whose header asks for key-derivation work beyond the ceilings is refused as such
/// (`InvalidKdfParams`), not as a wrong password: the import stops at the header. (Under the old
/// ceilings, 21 passes were derived and ended as "wrong password", and 4 GiB exactly was
/// allocated.)
#[test]
fn a_backup_asking_for_absurd_key_derivation_is_refused_before_deriving() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    v.put(cred("alpaca", "k", "s")).unwrap();
    let backup = dir.path().join("backup.bdv");
    v.export_backup(&backup, &pw("backup passphrase")).unwrap();
    let good = fs::read(&backup).unwrap();
    let kdf = |m: u64, t: u64, p: u64| {
        serde_json::json!({
            "algorithm": "argon2id", "version": 19, "m_cost_kib": m, "t_cost": t, "p_cost": p
        })
    };
    let cases = [
        (kdf(64, 21, 1), "passes"),
        (kdf(1024, 1, 17), "lanes"),
        (kdf(4 * 1024 * 1024, 1, 1), "4194304 KiB"),
        (kdf(64, 0, 1), "passes"),
        (kdf(7, 1, 1), "floor"),
    ];
    let bad = dir.path().join("bad.bdv");
    for (params, says) in cases {
        fs::write(&bad, with_header_kdf(&good, params.clone())).unwrap();
        let err = v.import_backup(&bad, &pw("backup passphrase")).unwrap_err();
        assert!(
            matches!(err, VaultError::InvalidKdfParams(_)),
            "{params}: {err}"
        );
        assert!(err.to_string().contains(says), "{params}: {err}");
    }
    assert_eq!(v.list().unwrap().len(), 1, "nothing was imported");
}

/// Every byte the vault writes, in every encoding we use (raw, hex), must be free of the secrets
/// and of the password; so must every Debug and Display the caller can produce.
#[test]
fn no_file_and_no_debug_output_contains_a_secret_or_the_password() {
    let sentinels = [
        "SENTINEL-api-key-7f3a9c",
        "SENTINEL-oauth-token-0b1e77",
        "SENTINEL-refreshed-token-9d2c44",
        "SENTINEL-aggregator-5e6f12",
    ];
    let password = "SENTINEL-password-c0ffee";
    let new_password = "SENTINEL-new-password-beef42";
    let backup_password = "SENTINEL-backup-pw-aa11bb";
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    let mut debug_out = String::new();
    v.init(&pw(password), Role::Trader).unwrap();
    let mut ids = Vec::new();
    for (i, (s, kind)) in sentinels[..2]
        .iter()
        .zip([CredentialKind::ApiKey, CredentialKind::OauthToken])
        .enumerate()
    {
        let mut c = cred("alpaca", &format!("label {i}"), s);
        c.kind = kind;
        debug_out += &format!("{c:?}");
        ids.push(v.put(c).unwrap().id);
    }
    v.update_secret(ids[1], pw(sentinels[2]), None).unwrap();
    let mut agg = cred("plaid", "aggregator", sentinels[3]);
    agg.kind = CredentialKind::AggregatorSecret;
    ids.push(v.put(agg).unwrap().id);
    for id in &ids {
        let s = v.get(*id).unwrap();
        assert!(sentinels.contains(&s.expose_secret()));
        debug_out += &format!("{s:?}");
    }
    v.export_backup(
        &dir.path().join("exports/backup.bdv").tap_mkdir(),
        &pw(backup_password),
    )
    .unwrap();
    v.change_password(&pw(password), &pw(new_password)).unwrap();
    v.lock();
    debug_out += &format!("{:?}", v.unlock(&pw(password)).unwrap_err());
    debug_out += &format!("{}", v.unlock(&pw(password)).unwrap_err());
    v.unlock(&pw(new_password)).unwrap();
    debug_out += &format!(
        "{v:?} {:?} {:?} {:?}",
        v.status().unwrap(),
        v.list().unwrap(),
        v.profile().unwrap()
    );
    debug_out += &serde_json::to_string(&v.list().unwrap()).unwrap();
    debug_out += &serde_json::to_string(&v.status().unwrap()).unwrap();

    let files = all_files(dir.path());
    assert!(files.len() >= 4, "{files:?}");
    let needles: Vec<String> = sentinels
        .iter()
        .chain(&[password, new_password, backup_password])
        .map(|s| s.to_string())
        .collect();
    for f in &files {
        let bytes = fs::read(f).unwrap();
        let text = String::from_utf8_lossy(&bytes).to_lowercase();
        for n in &needles {
            let found_raw = bytes.windows(n.len()).any(|w| w == n.as_bytes());
            let found_hex = text.contains(&hex::encode(n));
            assert!(!found_raw && !found_hex, "{n} found in {}", f.display());
            // Fragments too: no 12-byte run of a secret appears anywhere.
            for frag in n.as_bytes().windows(12) {
                assert!(
                    !bytes.windows(12).any(|w| w == frag),
                    "fragment of {n} in {}",
                    f.display()
                );
            }
        }
    }
    for n in &needles {
        assert!(
            !debug_out.contains(n.as_str()),
            "{n} in Debug/Display output"
        );
    }
}

trait TapMkdir {
    fn tap_mkdir(self) -> Self;
}

impl TapMkdir for std::path::PathBuf {
    fn tap_mkdir(self) -> Self {
        fs::create_dir_all(self.parent().unwrap()).unwrap();
        self
    }
}
