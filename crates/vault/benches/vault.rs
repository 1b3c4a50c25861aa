//! Unlock time with the production Argon2 parameters, seal/open cost per record, list of 1,000.
//!
//! `cargo bench -p brokerdesk-vault --bench vault`

// Benchmark set-up: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

use aes_gcm::aead::{Aead, KeyInit, OsRng, Payload};
use aes_gcm::{AeadCore, Aes256Gcm};
use brokerdesk_model::VendorId;
use brokerdesk_vault::{
    Action, CredentialKind, KdfParams, NewCredential, Role, SecretStore, SecretString,
    StrongholdVault, VaultOptions,
};
use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;

const PASSWORD: &str = "correct horse battery staple";

fn options(kdf: KdfParams) -> VaultOptions {
    VaultOptions {
        kdf,
        ..VaultOptions::default()
    }
}

fn cred(i: usize) -> NewCredential {
    NewCredential {
        vendor: VendorId::new("alpaca"),
        connection: Some(format!("conn-{i}").into()),
        label: format!("paper key {i}"),
        kind: CredentialKind::ApiKey,
        expires_at: None,
        secret: SecretString::from(format!("PKTEST{i:010}ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef")),
    }
}

fn unlock(c: &mut Criterion) {
    let mut g = c.benchmark_group("unlock");
    g.sample_size(10).measurement_time(Duration::from_secs(30));

    let p = KdfParams::RECOMMENDED;
    g.bench_function("argon2id_only_m64MiB_t3_p4", |b| {
        let params = argon2::Params::new(p.m_cost_kib, p.t_cost, p.p_cost, Some(32)).unwrap();
        let a = argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        b.iter(|| {
            let mut out = [0u8; 32];
            a.hash_password_into(PASSWORD.as_bytes(), &[7u8; 16], &mut out)
                .unwrap();
            black_box(out)
        })
    });

    let dir = tempfile::tempdir().unwrap();
    let mut v = StrongholdVault::new(dir.path(), options(KdfParams::RECOMMENDED));
    v.init(&SecretString::from(PASSWORD), Role::Trader).unwrap();
    let pw = SecretString::from(PASSWORD);
    g.bench_function("vault_unlock_recommended_params", |b| {
        b.iter(|| {
            v.unlock(&pw).unwrap();
            v.lock();
        })
    });
    g.finish();
}

fn records(c: &mut Criterion) {
    let mut g = c.benchmark_group("record");
    // The AEAD step of sealing and opening one record, as `StoredRecord` does it.
    let key = Aes256Gcm::generate_key(OsRng);
    let cipher = Aes256Gcm::new(&key);
    let secret = b"PKTEST0000000042ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef";
    let aad = [0u8; 96];
    g.bench_function("seal_aes256gcm", |b| {
        b.iter(|| {
            let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
            black_box(
                cipher
                    .encrypt(
                        &nonce,
                        Payload {
                            msg: secret,
                            aad: &aad,
                        },
                    )
                    .unwrap(),
            )
        })
    });
    let nonce = Aes256Gcm::generate_nonce(&mut OsRng);
    let ct = cipher
        .encrypt(
            &nonce,
            Payload {
                msg: secret,
                aad: &aad,
            },
        )
        .unwrap();
    g.bench_function("open_aes256gcm", |b| {
        b.iter(|| {
            black_box(
                cipher
                    .decrypt(
                        &nonce,
                        Payload {
                            msg: &ct,
                            aad: &aad,
                        },
                    )
                    .unwrap(),
            )
        })
    });

    // End to end through the store: authenticate + parse the data file, open, (re)write + fsync.
    let dir = tempfile::tempdir().unwrap();
    let mut v = StrongholdVault::new(dir.path(), options(KdfParams::INSECURE_FAST_FOR_TESTS));
    v.init(&SecretString::from(PASSWORD), Role::Trader).unwrap();
    let ids: Vec<_> = (0..10).map(|i| v.put(cred(i)).unwrap().id).collect();
    g.bench_function("vault_get_10_records", |b| {
        b.iter(|| black_box(v.get(ids[3]).unwrap()))
    });
    g.sample_size(20);
    g.bench_function("vault_put_then_remove_10_records", |b| {
        b.iter(|| {
            let m = v.put(cred(99)).unwrap();
            v.remove(m.id).unwrap();
        })
    });
    g.finish();
}

fn list_1000(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut v = StrongholdVault::new(dir.path(), options(KdfParams::INSECURE_FAST_FOR_TESTS));
    v.init(&SecretString::from(PASSWORD), Role::Trader).unwrap();
    for i in 0..1000 {
        v.put(cred(i)).unwrap();
    }
    let ids: Vec<_> = v.list().unwrap().into_iter().map(|m| m.id).collect();
    let mut g = c.benchmark_group("1000_records");
    g.bench_function("list", |b| b.iter(|| black_box(v.list().unwrap())));
    g.bench_function("get_one", |b| {
        b.iter(|| black_box(v.get(ids[500]).unwrap()))
    });
    g.finish();
}

/// What the service asks before every read and order: the state and a permission, with 10
/// records in the vault.
fn per_call_checks(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let mut v = StrongholdVault::new(dir.path(), options(KdfParams::INSECURE_FAST_FOR_TESTS));
    v.init(&SecretString::from(PASSWORD), Role::Trader).unwrap();
    for i in 0..10 {
        v.put(cred(i)).unwrap();
    }
    let mut g = c.benchmark_group("per_call");
    g.bench_function("status_and_authorize_read", |b| {
        b.iter(|| {
            black_box(v.status().unwrap());
            black_box(v.authorize(Action::Read)).unwrap();
        })
    });
    g.finish();
}

criterion_group!(benches, unlock, records, list_1000, per_call_checks);
criterion_main!(benches);
