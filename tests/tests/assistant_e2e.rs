//! An AI assistant attaches to the running app: `brokerdesk mcp` (driven by the official MCP
//! Python SDK) relays to the app, the app shows the consent prompt over the page, WebDriver
//! clicks Allow once, and the assistant reads the app's own paper account — connected, with
//! the cash the app shows.
//!
//! Needs what `app_e2e.rs` needs, and python with the `mcp` package (`BROKERDESK_PYTHON`,
//! default `python3.11`).

use brokerdesk_e2e::{PAPER_CASH as CASH, connect, save_screenshot, start_driver, text_of};
use fantoccini::Locator;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_attached_assistant_is_asked_first_and_reads_the_apps_own_paper_account() {
    let app = PathBuf::from(
        std::env::var_os("BROKERDESK_E2E_APP").expect("BROKERDESK_E2E_APP names the built app"),
    );
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: start Xvfb first"
    );
    let cli = app.with_file_name("brokerdesk");
    assert!(
        cli.is_file(),
        "build brokerdesk-cli next to the app: {}",
        cli.display()
    );
    let root = tempfile::tempdir().expect("a temp dir");
    let data_dir = root.path().join("data");
    let runtime = root.path().join("run");
    std::fs::create_dir_all(&runtime).expect("runtime dir");
    let runtime_s = runtime.display().to_string();
    let driver = start_driver(
        &data_dir,
        &[
            ("BROKERDESK_PAPER_CASH", "43210.99"),
            ("XDG_RUNTIME_DIR", runtime_s.as_str()),
        ],
    );
    let client = connect(&driver, &app).await;
    assert_eq!(text_of(&client, CASH).await, "$43,210.99");

    let python = std::env::var("BROKERDESK_PYTHON").unwrap_or_else(|_| "python3.11".into());
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../crates/cli/tests/mcp_py/attached.py"
    );
    let assistant = Command::new(python)
        .arg(script)
        .arg(&cli)
        .arg(&data_dir)
        .env("XDG_RUNTIME_DIR", &runtime)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("python with the mcp package");

    // The app asks, over the Accounts page, naming the client.
    let title = text_of(&client, "#assistant-prompt-title").await;
    assert_eq!(
        title,
        "Allow brokerdesk-e2e-assistant to read your accounts?"
    );
    save_screenshot(&client, "assistant-consent").await;
    client
        .find(Locator::Id("assistant-allow-once"))
        .await
        .expect("Allow once")
        .click()
        .await
        .expect("click");

    let out = tokio::task::spawn_blocking(move || assistant.wait_with_output())
        .await
        .expect("joined")
        .expect("the assistant ran");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "stdout: {stdout}\nstderr: {stderr}");
    assert!(
        stderr.contains("attached to the running Brokerdesk app"),
        "{stderr}"
    );
    let reply: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("one JSON line")).expect("JSON");
    assert_eq!(reply["is_error"], false, "{reply}");
    let accounts = reply["data"]["data"]["accounts"]
        .as_array()
        .expect("accounts");
    let paper = accounts
        .iter()
        .find(|a| a["connection"] == "paper-local")
        .expect("the paper account");
    assert_eq!(paper["balances"]["cash"], "43210.99", "{reply}");
    assert!(
        reply["data"]["data"]["unreachable_connections"]
            .as_array()
            .expect("list")
            .is_empty(),
        "the sandbox is the app's own, connected: {reply}"
    );
    // The prompt is gone once answered.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(client.find(Locator::Id("assistant-prompt")).await.is_err());
    client.close().await.expect("session closed");
    drop(driver);
}
