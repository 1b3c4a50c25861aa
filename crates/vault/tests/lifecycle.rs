//! Init, unlock, lock and the credential operations, end to end on disk.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{ExposeSecret, Role, SecretStore, VaultError};
use common::*;

#[test]
fn init_put_get_list_remove_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    assert!(!v.exists());
    let t = std::time::Instant::now();
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    eprintln!("init took {:?}", t.elapsed());
    let a = v
        .put(cred("alpaca", "paper key", "alpaca-secret-1"))
        .unwrap();
    let b = v.put(cred("ibkr", "gateway", "ibkr-secret-2")).unwrap();
    assert_eq!(v.get(a.id).unwrap().expose_secret(), "alpaca-secret-1");
    assert_eq!(v.list().unwrap().len(), 2);

    v.lock();
    assert!(matches!(v.get(a.id), Err(VaultError::Locked)));
    assert!(matches!(v.list(), Err(VaultError::Locked)));
    let t = std::time::Instant::now();
    v.unlock(&pw(PASSWORD)).unwrap();
    eprintln!("unlock took {:?}", t.elapsed());
    assert_eq!(v.get(b.id).unwrap().expose_secret(), "ibkr-secret-2");
    let removed = v.remove(a.id).unwrap();
    assert_eq!(removed.id, a.id);
    assert!(matches!(v.get(a.id), Err(VaultError::NotFound(_))));
    let listed = v.list().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].label, "gateway");
}

#[test]
fn init_refuses_short_passwords_and_existing_vaults_and_unlock_needs_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    assert!(matches!(
        v.unlock(&pw(PASSWORD)),
        Err(VaultError::NotInitialized(_))
    ));
    assert!(!v.status().unwrap().state.initialized);
    assert!(matches!(
        v.init(&pw("short"), Role::Trader),
        Err(VaultError::PasswordTooShort { .. })
    ));
    assert!(!v.exists());
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    assert!(matches!(
        v.init(&pw(PASSWORD), Role::Viewer),
        Err(VaultError::AlreadyInitialized(_))
    ));
    let status = v.status().unwrap();
    assert!(status.state.initialized && status.state.unlocked);
    assert_eq!(status.state.role, Some(Role::Trader));
    assert_eq!(status.state.credentials, Some(0));
    assert_eq!(
        status.kdf,
        Some(brokerdesk_vault::KdfParams::INSECURE_FAST_FOR_TESTS)
    );
}

#[test]
fn change_password_rewraps_and_the_old_password_stops_working() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let a = v.put(cred("alpaca", "k", "alpaca-secret")).unwrap();
    let new = pw("a much better passphrase");
    assert!(matches!(
        v.change_password(&pw("wrong password!"), &new),
        Err(VaultError::WrongPassword)
    ));
    assert!(matches!(
        v.change_password(&pw(PASSWORD), &pw("short")),
        Err(VaultError::PasswordTooShort { .. })
    ));

    // A handle opened with stronger defaults raises the recorded parameters on the change.
    let raised = brokerdesk_vault::KdfParams {
        m_cost_kib: 128,
        t_cost: 2,
        ..brokerdesk_vault::KdfParams::INSECURE_FAST_FOR_TESTS
    };
    let mut v = brokerdesk_vault::StrongholdVault::new(
        dir.path(),
        brokerdesk_vault::VaultOptions {
            kdf: raised,
            ..brokerdesk_vault::VaultOptions::default()
        },
    );
    v.change_password(&pw(PASSWORD), &new).unwrap();
    assert!(matches!(
        v.unlock(&pw(PASSWORD)),
        Err(VaultError::WrongPassword)
    ));
    v.unlock(&new).unwrap();
    assert_eq!(v.get(a.id).unwrap().expose_secret(), "alpaca-secret");
    assert_eq!(v.status().unwrap().kdf, Some(raised));
    let snapshots = all_files(&dir.path().join("vault"))
        .into_iter()
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("snapshot-")
        })
        .count();
    assert_eq!(snapshots, 1, "the old snapshot (old password) must be gone");
    // The data key was rotated: one data file, of the next generation.
    assert!(data_file(dir.path()).ends_with("vault.data.2"));
}

#[test]
fn update_secret_keeps_the_id_and_get_records_last_use() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let a = v.put(cred("alpaca", "oauth", "token-1")).unwrap();
    assert_eq!(a.last_used_at, None);
    clock.advance(std::time::Duration::from_secs(30));
    let expires = clock_now(&clock) + chrono::TimeDelta::hours(1);
    let updated = v.update_secret(a.id, pw("token-2"), Some(expires)).unwrap();
    assert_eq!(updated.id, a.id);
    assert_eq!(updated.expires_at, Some(expires));
    assert!(updated.updated_at > a.updated_at);
    assert_eq!(v.get(a.id).unwrap().expose_secret(), "token-2");
    let listed = v.list().unwrap();
    assert_eq!(listed[0].last_used_at, Some(clock_now(&clock)));
    assert!(matches!(
        v.update_secret(brokerdesk_vault::CredentialId::new_random(), pw("x"), None),
        Err(VaultError::NotFound(_))
    ));
}

fn clock_now(c: &brokerdesk_vault::ManualClock) -> chrono::DateTime<chrono::Utc> {
    use brokerdesk_vault::Clock;
    c.now()
}

#[test]
fn auto_lock_after_idle_time_with_an_injected_clock() {
    use std::time::Duration;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let a = v.put(cred("alpaca", "k", "s")).unwrap();
    clock.advance(Duration::from_secs(14 * 60));
    assert!(!v.enforce_auto_lock());
    v.list().unwrap(); // user activity: the 15 minutes start again
    clock.advance(Duration::from_secs(10 * 60));
    v.touch(); // any user-initiated command in the service does this
    clock.advance(Duration::from_secs(14 * 60));
    // Background reads (get, status, authorize) do not keep the vault open.
    v.get(a.id).unwrap();
    v.status().unwrap();
    clock.advance(Duration::from_secs(60));
    assert!(v.enforce_auto_lock());
    assert!(matches!(v.get(a.id), Err(VaultError::Locked)));
    assert!(!v.status().unwrap().state.unlocked);

    // Configurable, and a lapse is noticed by any call even without the timer.
    v.unlock(&pw(PASSWORD)).unwrap();
    v.set_idle_timeout(Some(Duration::from_secs(5)));
    clock.advance(Duration::from_secs(5));
    assert!(matches!(v.list(), Err(VaultError::Locked)));
    v.unlock(&pw(PASSWORD)).unwrap();
    v.set_idle_timeout(None);
    clock.advance(Duration::from_secs(365 * 24 * 3600));
    assert!(!v.enforce_auto_lock());
    v.list().unwrap();
}

#[test]
fn two_handles_on_one_directory_never_lose_each_others_writes() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut app = vault(dir.path(), &clock);
    app.init(&pw(PASSWORD), Role::Trader).unwrap();
    let mut cli = vault(dir.path(), &clock);
    cli.unlock(&pw(PASSWORD)).unwrap();
    let a = app.put(cred("alpaca", "from app", "s1")).unwrap();
    let b = cli.put(cred("ibkr", "from cli", "s2")).unwrap();
    app.remove(a.id).unwrap();
    let ids: Vec<_> = cli.list().unwrap().into_iter().map(|m| m.id).collect();
    assert_eq!(ids, vec![b.id]);
    assert_eq!(app.get(b.id).unwrap().expose_secret(), "s2");
}

/// The app keeps a session open while the CLI rotates the data key: the app's key is then stale,
/// so its next call finds the vault locked (never "damaged"), and unlocking with the new
/// password carries on. A change that keeps the key leaves the other session working.
#[test]
fn a_rotation_by_another_process_ends_this_session_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut app = vault(dir.path(), &clock);
    app.init(&pw(PASSWORD), Role::Trader).unwrap();
    let id = app.put(cred("alpaca", "k", "kept-secret")).unwrap().id;
    let mut cli = vault(dir.path(), &clock);
    cli.change_password_with(
        &pw(PASSWORD),
        &pw("second password"),
        brokerdesk_vault::DataKey::Keep,
    )
    .unwrap();
    assert_eq!(app.get(id).unwrap().expose_secret(), "kept-secret");

    cli.change_password(&pw("second password"), &pw("third password"))
        .unwrap();
    assert!(matches!(app.get(id), Err(VaultError::Locked)));
    assert!(!app.is_unlocked(), "the stale session ended");
    assert!(!app.status().unwrap().state.unlocked);
    assert!(matches!(
        app.put(cred("x", "y", "z")),
        Err(VaultError::Locked)
    ));
    app.unlock(&pw("third password")).unwrap();
    assert_eq!(app.get(id).unwrap().expose_secret(), "kept-secret");
    // `status` of a session whose key went stale reports it locked instead of failing.
    cli.change_password(&pw("third password"), &pw("fourth password"))
        .unwrap();
    let status = app.status().unwrap();
    assert!(!status.state.unlocked && status.state.credentials.is_none());
}

#[test]
fn put_validates_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    for bad in [
        cred("alpaca", "  ", "s"),
        cred("", "l", "s"),
        cred("alpaca", "l", ""),
        cred("alpaca", &"x".repeat(201), "s"),
    ] {
        assert!(matches!(v.put(bad), Err(VaultError::InvalidInput(_))));
    }
    assert!(v.list().unwrap().is_empty());
}

#[cfg(unix)]
#[test]
fn vault_files_are_private_to_the_owner() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    v.put(cred("alpaca", "k", "s")).unwrap();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir.path().join("vault")), 0o700);
    for f in all_files(&dir.path().join("vault")) {
        assert_eq!(mode(&f), 0o600, "{}", f.display());
    }
}
