//! The vault from the terminal, as a script would drive it.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const SECRET: &str = "sk-test-4f1c9b7e-never-printed";

fn brokerdesk(data_dir: &Path, password: Option<&str>, args: &[&str], stdin: &str) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_brokerdesk"));
    cmd.args(args)
        .env("BROKERDESK_DATA_DIR", data_dir)
        .env_remove("BROKERDESK_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(p) = password {
        cmd.env("BROKERDESK_PASSWORD", p);
    }
    let mut child = cmd.spawn().expect("brokerdesk runs");
    // A command that needs no input may exit before reading it: a closed pipe is no failure.
    match child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
    {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin written: {e}"),
        _ => {}
    }
    child.wait_with_output().expect("brokerdesk exits")
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn once_a_vault_exists_reads_need_its_password_and_secrets_never_print() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let pw = Some("correct horse battery");

    let init = brokerdesk(data, pw, &["vault", "init"], "");
    assert!(init.status.success(), "{}", text(&init));

    let put = brokerdesk(
        data,
        pw,
        &["vault", "put", "alpaca", "Alpaca paper key"],
        SECRET,
    );
    assert!(put.status.success(), "{}", text(&put));
    assert!(!text(&put).contains(SECRET));

    let list = brokerdesk(data, pw, &["vault", "list", "--json"], "");
    assert!(list.status.success(), "{}", text(&list));
    assert!(text(&list).contains("Alpaca paper key"));
    assert!(!text(&list).contains(SECRET));

    // No password and no terminal: a one-line refusal, not a panic, and no accounts.
    let locked = brokerdesk(data, None, &["positions"], "");
    assert!(!locked.status.success());
    let why = text(&locked);
    assert!(why.starts_with("brokerdesk: "), "{why}");
    assert_eq!(why.trim_end().lines().count(), 1, "{why}");
    assert!(!why.contains("panicked"), "{why}");

    let wrong = brokerdesk(data, Some("not the password"), &["positions"], "");
    assert!(!wrong.status.success());
    assert!(text(&wrong).contains("wrong password"), "{}", text(&wrong));

    let open = brokerdesk(data, pw, &["positions"], "");
    assert!(open.status.success(), "{}", text(&open));
    assert!(text(&open).contains("Cash $100,000.00"));

    // Nothing the CLI wrote holds the secret in the clear.
    for entry in walk(data) {
        let bytes = std::fs::read(&entry).unwrap();
        assert!(
            !bytes.windows(SECRET.len()).any(|w| w == SECRET.as_bytes()),
            "{} holds the secret",
            entry.display()
        );
    }
}

/// The names of the vault's data files (`vault.data.<n>`), sorted.
fn data_files(data_dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = walk(&data_dir.join("vault"))
        .iter()
        .map(|p| {
            p.file_name()
                .expect("a file name")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|n| n.starts_with("vault.data"))
        .collect();
    names.sort();
    names
}

#[test]
fn change_password_replaces_the_data_key_by_default_and_keeps_it_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path();
    let init = brokerdesk(data, Some("first password"), &["vault", "init"], "");
    assert!(init.status.success(), "{}", text(&init));
    let put = brokerdesk(
        data,
        Some("first password"),
        &["vault", "put", "alpaca", "key"],
        SECRET,
    );
    assert!(put.status.success(), "{}", text(&put));
    assert_eq!(data_files(data), ["vault.data.1"]);

    let change = |flags: &[&str], old: &str, new: &str| {
        let mut args = vec!["vault", "change-password", "--password-stdin"];
        args.extend_from_slice(flags);
        brokerdesk(data, None, &args, &format!("{old}\n{new}\n"))
    };
    // Default: a new data key, so a new data file replaces the old one.
    let out = change(&[], "first password", "second password");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("data key replaced"), "{}", text(&out));
    assert_eq!(data_files(data), ["vault.data.2"]);
    // Said explicitly.
    let out = change(&["--rotate-key"], "second password", "third password");
    assert!(out.status.success(), "{}", text(&out));
    assert_eq!(data_files(data), ["vault.data.3"]);
    // Kept: only the snapshot is re-wrapped.
    let out = change(&["--keep-key"], "third password", "fourth password");
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("data key kept"), "{}", text(&out));
    assert_eq!(data_files(data), ["vault.data.3"]);
    // Both at once is a usage error, and changes nothing.
    let out = change(
        &["--rotate-key", "--keep-key"],
        "fourth password",
        "fifth password",
    );
    assert!(!out.status.success());
    assert!(text(&out).contains("cannot be used with"), "{}", text(&out));

    let old = brokerdesk(data, Some("third password"), &["vault", "list"], "");
    assert!(text(&old).contains("wrong password"), "{}", text(&old));
    let list = brokerdesk(data, Some("fourth password"), &["vault", "list"], "");
    assert!(list.status.success(), "{}", text(&list));
    assert!(text(&list).contains("alpaca"), "{}", text(&list));
    assert!(!text(&list).contains(SECRET));
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable dir") {
        let path = entry.expect("a dir entry").path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}
