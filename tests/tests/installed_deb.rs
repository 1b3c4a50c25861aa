//! The Linux package as a user gets it: the `.deb` the bundler made (`BROKERDESK_E2E_DEB`),
//! installed on this machine with apt, started from where it installed, under Xvfb, showing
//! the paper account; then removed. Needs root (or passwordless sudo), like installing does.
//!
//! Without `BROKERDESK_E2E_DEB` the test says so and passes, unless
//! `BROKERDESK_REQUIRE_DEB_INSTALL=1` (set by `scripts/test.sh`), where a missing package fails.

use brokerdesk_e2e::{PAPER_CASH, connect, save_screenshot, start_driver, text_of};
use std::path::{Path, PathBuf};
use std::process::Command;

const PACKAGE: &str = "brokerdesk";
const INSTALLED_APP: &str = "/usr/bin/brokerdesk-desktop";

/// `apt-get`/`dpkg` as root: directly when we are root, else through `sudo -n`.
fn as_root(args: &[&str]) -> std::process::Output {
    let root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.starts_with(b"0"));
    let mut cmd = if root {
        let mut c = Command::new(args[0]);
        c.args(&args[1..]);
        c
    } else {
        let mut c = Command::new("sudo");
        c.arg("-n").args(args);
        c
    };
    cmd.env("DEBIAN_FRONTEND", "noninteractive")
        .output()
        .unwrap_or_else(|e| panic!("{args:?}: {e}"))
}

/// Removes the package when the test ends, whatever happened.
struct Installed;

impl Drop for Installed {
    fn drop(&mut self) {
        let installed = Command::new("dpkg")
            .args(["-s", PACKAGE])
            .output()
            .is_ok_and(|o| o.status.success());
        if !installed {
            return;
        }
        let out = as_root(&["dpkg", "--remove", PACKAGE]);
        if !out.status.success() {
            eprintln!(
                "could not remove {PACKAGE}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}

fn the_package() -> Option<PathBuf> {
    match std::env::var_os("BROKERDESK_E2E_DEB") {
        Some(deb) => Some(PathBuf::from(deb)),
        None if std::env::var("BROKERDESK_REQUIRE_DEB_INSTALL").as_deref() == Ok("1") => {
            panic!("BROKERDESK_E2E_DEB must name the .deb to install (scripts/test.sh builds it)")
        }
        None => {
            eprintln!("BROKERDESK_E2E_DEB not set: the package install test did not run");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_installed_deb_starts_on_the_paper_account() {
    let Some(deb) = the_package() else { return };
    let deb = deb.canonicalize().expect("the .deb exists");
    // A run that died before its clean-up left the package behind: start from none.
    drop(Installed);
    assert!(
        !Path::new(INSTALLED_APP).exists(),
        "{INSTALLED_APP} exists without the package: something else installed it"
    );
    let out = as_root(&[
        "apt-get",
        "install",
        "-y",
        "--no-install-recommends",
        deb.to_str().expect("a UTF-8 path"),
    ]);
    assert!(
        out.status.success(),
        "apt-get install failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _installed = Installed;

    // What the package put on the machine: the app, its menu entry and its icons.
    let status = Command::new("dpkg").args(["-s", PACKAGE]).output().unwrap();
    let status = String::from_utf8_lossy(&status.stdout);
    assert!(status.contains("Status: install ok installed"), "{status}");
    assert!(Path::new(INSTALLED_APP).is_file());
    let desktop = std::fs::read_to_string("/usr/share/applications/Brokerdesk.desktop")
        .expect("a menu entry");
    assert!(desktop.contains("Exec=brokerdesk-desktop"), "{desktop}");
    assert!(
        Path::new("/usr/share/icons/hicolor/128x128/apps/brokerdesk-desktop.png").is_file(),
        "the menu icon"
    );

    // Started from where it installed, on a fresh data dir: the paper account.
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    let driver = start_driver(&data_dir, &[("BROKERDESK_PAPER_CASH", "43210.99")]);
    let client = connect(&driver, Path::new(INSTALLED_APP)).await;
    assert_eq!(text_of(&client, PAPER_CASH).await, "$43,210.99");
    save_screenshot(&client, "installed-deb").await;
    client.close().await.expect("session closed");
}
