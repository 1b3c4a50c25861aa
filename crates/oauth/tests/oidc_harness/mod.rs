//! The real parts of the OAuth end-to-end tests: oidc-provider on Node (`tests/oidc/`) and
//! Debian's Chromium through chromedriver. Shared by this crate's `e2e_oidc.rs` and the
//! service's `tests/oauth_e2e.rs` (included there with `#[path]`: a test-only crate would be a
//! dependency cycle, since the service depends on this crate).
//!
//! Without node/oidc-provider/chromium/chromedriver a test skips with a notice, unless
//! BROKERDESK_REQUIRE_OAUTH_E2E=1, where it fails.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.
#![allow(dead_code)]

use brokerdesk_oauth::{BrowserOpener, OpenError};
use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use url::Url;

pub const REQUIRE: &str = "BROKERDESK_REQUIRE_OAUTH_E2E";

pub struct Tools {
    pub node: PathBuf,
    pub server_dir: PathBuf,
    pub chromium: PathBuf,
    pub chromedriver: PathBuf,
}

fn find_program(env: &str, names: &[&str]) -> Option<PathBuf> {
    if let Some(p) = std::env::var_os(env) {
        return Some(PathBuf::from(p)).filter(|p| p.exists());
    }
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// The tools, with the server's directory (the oauth crate's `tests/oidc`).
pub fn tools(server_dir: &Path) -> Result<Tools, String> {
    let node = find_program("BROKERDESK_NODE", &["node"]).ok_or("node not found")?;
    if !server_dir
        .join("node_modules/oidc-provider/package.json")
        .exists()
    {
        return Err(format!(
            "oidc-provider not installed: run {}/setup.sh",
            server_dir.display()
        ));
    }
    let chromium = find_program("BROKERDESK_CHROMIUM", &["chromium", "chromium-browser"])
        .ok_or("chromium not found (apt-get install chromium)")?;
    let chromedriver = find_program("BROKERDESK_CHROMEDRIVER", &["chromedriver"])
        .ok_or("chromedriver not found (apt-get install chromium-driver)")?;
    Ok(Tools {
        node,
        server_dir: server_dir.to_path_buf(),
        chromium,
        chromedriver,
    })
}

/// The tools, or `None` after a notice when they are missing and not required.
pub fn tools_or_skip(server_dir: &Path, what: &str) -> Option<Tools> {
    match tools(server_dir) {
        Ok(t) => Some(t),
        Err(why) if std::env::var(REQUIRE).as_deref() == Ok("1") => {
            panic!("{REQUIRE}=1 but {what} cannot run: {why}")
        }
        Err(why) => {
            eprintln!("NOTICE: skipping {what}: {why}");
            None
        }
    }
}

/// Hands the authorize URL to the test's browser driver instead of a desktop browser.
pub struct DriverOpener(pub Mutex<Option<oneshot::Sender<Url>>>);

impl DriverOpener {
    pub fn new() -> (Self, oneshot::Receiver<Url>) {
        let (tx, rx) = oneshot::channel();
        (Self(Mutex::new(Some(tx))), rx)
    }
}

impl BrowserOpener for DriverOpener {
    fn open(&self, url: &Url) -> Result<(), OpenError> {
        let tx = self
            .0
            .lock()
            .unwrap()
            .take()
            .ok_or_else(|| OpenError("opened twice".into()))?;
        tx.send(url.clone())
            .map_err(|_| OpenError("driver gone".into()))
    }
}

/// Starts oidc-provider with one public client; returns it and its issuer URL.
pub async fn start_server(tools: &Tools, client_id: &str, access_ttl: u64) -> (Child, String) {
    let mut child = Command::new(&tools.node)
        .arg("server.mjs")
        .current_dir(&tools.server_dir)
        .env("OIDC_CLIENT_ID", client_id)
        .env("OIDC_ACCESS_TOKEN_TTL", access_ttl.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start node");
    let stdout = child.stdout.take().unwrap();
    let mut lines = BufReader::new(stdout).lines();
    let line = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("oidc-provider did not start within 30 s")
        .unwrap()
        .expect("oidc-provider exited before listening");
    let v: serde_json::Value = serde_json::from_str(&line).unwrap();
    (child, v["issuer"].as_str().unwrap().to_owned())
}

/// The server's discovery document (endpoints, RFC 9207 support).
pub async fn discovery(issuer: &str) -> serde_json::Value {
    reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// chromedriver in its own process group: dropping this ends it and the Chromium it started,
/// even when the test panics before closing the WebDriver session.
pub struct DriverGroup(Child);

impl Drop for DriverGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0.id() {
            // `--` is essential: procps-ng's kill reads `-KILL -1234` as two options and
            // signals process group -1 (every process); with `--` it is group 1234.
            let _ = std::process::Command::new("kill")
                .args(["-s", "KILL", "--", &format!("-{pid}")])
                .status();
        }
    }
}

pub async fn start_driver(tools: &Tools) -> (DriverGroup, u16) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(&tools.chromedriver)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .process_group(0)
        .spawn()
        .expect("start chromedriver");
    let child = DriverGroup(child);
    let status = format!("http://127.0.0.1:{port}/status");
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(r) = reqwest::get(&status).await
            && r.status().is_success()
        {
            break;
        }
        assert!(Instant::now() < deadline, "chromedriver did not come up");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    (child, port)
}

pub async fn start_browser(tools: &Tools, port: u16, profile: &Path) -> Client {
    let args = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--disable-quic".to_owned(),
        "--no-first-run".to_owned(),
        "--disable-background-networking".to_owned(),
        "--disable-component-update".to_owned(),
        "--disable-sync".to_owned(),
        "--disable-dev-shm-usage".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        serde_json::json!({ "binary": tools.chromium, "args": args }),
    );
    let connector = hyper_util::client::legacy::connect::HttpConnector::new();
    fantoccini::ClientBuilder::new(connector)
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .expect("WebDriver session with chromium")
}

/// Walks the server's own login and consent pages until the browser lands on our listener.
/// Returns the listener's page text, and whether each of the two pages was seen.
pub async fn approve_in_browser(
    browser: &Client,
    authorize: &Url,
    redirect_prefix: &str,
) -> (String, bool, bool) {
    browser.goto(authorize.as_str()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    let (mut logged_in, mut consented) = (false, false);
    loop {
        assert!(
            Instant::now() < deadline,
            "browser never came back to the loopback listener"
        );
        let url = browser.current_url().await.unwrap();
        if url.as_str().starts_with(redirect_prefix) {
            let body = browser
                .find(Locator::Css("body"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap();
            if !body.is_empty() {
                return (body, logged_in, consented);
            }
        } else if let Ok(login) = browser.find(Locator::Css("input[name=login]")).await {
            login.send_keys("alice").await.unwrap();
            browser
                .find(Locator::Css("input[name=password]"))
                .await
                .unwrap()
                .send_keys("any password")
                .await
                .unwrap();
            browser
                .find(Locator::Css("button[type=submit]"))
                .await
                .unwrap()
                .click()
                .await
                .unwrap();
            logged_in = true;
            tokio::time::sleep(Duration::from_millis(200)).await;
        } else if let Ok(button) = browser
            .find(Locator::Css(
                "form:has(input[name=prompt][value=consent]) button[type=submit]",
            ))
            .await
        {
            button.click().await.unwrap();
            consented = true;
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `redirect_uri` the authorize URL carries.
pub fn redirect_of(authorize: &Url) -> String {
    authorize
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned()
}
