//! Init, unlock, lock and the credential operations, end to end on disk.

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
