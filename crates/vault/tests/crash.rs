//! kill -9 during saves: a child process saves in a loop, the parent kills it at a random
//! moment, then checks the vault opens with either the old or the new content, never neither.
//!
//! The child is this same test binary re-run with `--ignored --exact crash_child` and an
//! environment variable naming its job, so no extra binary target is needed.

// Test helpers outside #[test] fns unwrap too: a panic is the right failure here.
#![allow(clippy::unwrap_used)]

mod common;

use brokerdesk_vault::{CredentialId, ExposeSecret, Role, SecretStore, VaultError};
use common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const CHILD_ENV: &str = "BROKERDESK_VAULT_CRASH_CHILD";
const OTHER_PASSWORD: &str = "the other password";

/// Rounds per test; raise with BROKERDESK_CRASH_ROUNDS for a longer soak.
fn rounds(default: usize) -> usize {
    std::env::var("BROKERDESK_CRASH_ROUNDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(default)
}

fn random_below(n: u64) -> u64 {
    u64::from_le_bytes(uuid::Uuid::new_v4().as_bytes()[..8].try_into().unwrap()) % n
}

/// The child's body. Does nothing unless started by a parent below.
#[test]
#[ignore = "run by the crash tests as a child process"]
fn crash_child() {
    let Ok(job) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mode, rest) = job.split_once(':').unwrap();
    let (id, dir) = rest.split_once(':').unwrap();
    let dir = PathBuf::from(dir);
    let clock = clock();
    let mut v = vault(&dir, &clock);
    let ready = dir.join("child-ready");
    match mode {
        "data" => {
            let id: CredentialId = id.parse().unwrap();
            v.unlock(&pw(PASSWORD)).unwrap();
            let mut n: u64 = v
                .get(id)
                .unwrap()
                .expose_secret()
                .trim_start_matches("value-")
                .parse()
                .unwrap();
            loop {
                n += 1;
                v.update_secret(id, pw(&format!("value-{n:010}")), None)
                    .unwrap();
                // Vary the file's size too, so a torn write would show as a bad length.
                let extra = v
                    .put(cred("x", &"l".repeat((n % 50) as usize + 1), "filler"))
                    .unwrap();
                if !n.is_multiple_of(3) {
                    v.remove(extra.id).unwrap();
                }
                if !ready.exists() {
                    std::fs::write(&ready, b"").unwrap();
                }
            }
        }
        "password" => {
            let (mut cur, mut next) = (pw(PASSWORD), pw(OTHER_PASSWORD));
            std::fs::write(&ready, b"").unwrap();
            loop {
                match v.change_password(&cur, &next) {
                    Ok(()) | Err(VaultError::WrongPassword) => std::mem::swap(&mut cur, &mut next),
                    Err(e) => panic!("{e}"),
                }
            }
        }
        other => panic!("unknown mode {other}"),
    }
}

fn spawn_child(mode: &str, id: &str, dir: &Path) -> std::process::Child {
    let _ = std::fs::remove_file(dir.join("child-ready"));
    Command::new(std::env::current_exe().unwrap())
        .args(["--ignored", "--exact", "crash_child", "--test-threads", "1"])
        .env(CHILD_ENV, format!("{mode}:{id}:{}", dir.display()))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap()
}

fn wait_ready(dir: &Path, child: &mut std::process::Child) {
    let start = Instant::now();
    while !dir.join("child-ready").exists() {
        assert!(child.try_wait().unwrap().is_none(), "child exited early");
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "child never got ready"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[test]
fn kill_9_during_record_saves_leaves_old_or_new_content() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let id = v
        .put(cred("alpaca", "counter", "value-0000000000"))
        .unwrap()
        .id;
    let mut last = 0u64;
    for round in 0..rounds(15) {
        let mut child = spawn_child("data", &id.to_string(), dir.path());
        wait_ready(dir.path(), &mut child);
        std::thread::sleep(Duration::from_micros(random_below(40_000)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        // The parent's session re-reads and re-authenticates the file on every call.
        let value = v.get(id).unwrap_or_else(|e| panic!("round {round}: {e}"));
        let n: u64 = value
            .expose_secret()
            .trim_start_matches("value-")
            .parse()
            .unwrap();
        assert!(n >= last, "round {round}: went back from {last} to {n}");
        last = n;
        v.list().unwrap();
    }
    assert!(last > 0, "the child never saved anything");
    // A fresh unlock (snapshot + data file) works after all the kills.
    v.lock();
    v.unlock(&pw(PASSWORD)).unwrap();
    assert_eq!(
        v.get(id).unwrap().expose_secret(),
        format!("value-{last:010}")
    );
}

#[test]
fn kill_9_during_password_changes_leaves_exactly_one_working_password() {
    let dir = tempfile::tempdir().unwrap();
    let clock = clock();
    let mut v = vault(dir.path(), &clock);
    v.init(&pw(PASSWORD), Role::Trader).unwrap();
    let id = v
        .put(cred("alpaca", "k", "survives-every-crash"))
        .unwrap()
        .id;
    v.lock();
    let mut changed = 0;
    for round in 0..rounds(6) {
        let mut child = spawn_child("password", "-", dir.path());
        wait_ready(dir.path(), &mut child);
        // One change costs a few seconds (two Stronghold scrypt passes); land anywhere in it.
        std::thread::sleep(Duration::from_millis(random_below(4_000)));
        child.kill().unwrap();
        child.wait().unwrap();
        let a = v.unlock(&pw(PASSWORD));
        let opened_with_a = a.is_ok();
        v.lock();
        let b = v.unlock(&pw(OTHER_PASSWORD));
        match (&a, &b) {
            (Ok(()), Err(VaultError::WrongPassword)) | (Err(VaultError::WrongPassword), Ok(())) => {
            }
            _ => panic!("round {round}: first password {a:?}, second {b:?}"),
        }
        if !opened_with_a {
            changed += 1;
        }
        if b.is_err() {
            v.unlock(&pw(PASSWORD)).unwrap();
        }
        assert_eq!(
            v.get(id).unwrap().expose_secret(),
            "survives-every-crash",
            "round {round}"
        );
        v.lock();
    }
    eprintln!("vault ended {changed} of the rounds on the other password");
    // Whatever the kills left behind (orphan snapshots, temp files) is swept by the next change.
    let current = if v.unlock(&pw(PASSWORD)).is_ok() {
        PASSWORD
    } else {
        OTHER_PASSWORD
    };
    v.change_password(&pw(current), &pw("final password"))
        .unwrap();
    let names: Vec<String> = all_files(&dir.path().join("vault"))
        .iter()
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n != "child-ready")
        .collect();
    let snapshots = names.iter().filter(|n| n.starts_with("snapshot-")).count();
    assert_eq!(snapshots, 1, "{names:?}");
    assert!(!names.iter().any(|n| n.ends_with(".tmp")), "{names:?}");
}
