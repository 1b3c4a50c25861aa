//! End to end with real parts: a real authorization server (oidc-provider on Node), a real
//! browser (Debian's Chromium through chromedriver), our loopback listener and token calls.
//!
//! Needs `tests/oidc/setup.sh` to have run. Without node/chromium/chromedriver the test prints
//! a notice and passes, unless BROKERDESK_REQUIRE_OAUTH_E2E=1, where it fails.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use brokerdesk_oauth::{
    BrowserOpener, MemoryTokenStore, OAuthSession, OpenError, ProviderConfig, RedirectPath,
    SessionError, SessionStatus, TokenStore,
};
use fantoccini::{Client, Locator};
use secrecy::{ExposeSecret, SecretString};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::oneshot;
use url::Url;

const REQUIRE: &str = "BROKERDESK_REQUIRE_OAUTH_E2E";
const CLIENT_ID: &str = "brokerdesk-e2e";
const KEY: &str = "oidc-e2e:main";
/// Access token lifetime on the server, in seconds: short, so the test sees real expiry.
const ACCESS_TTL: u64 = 5;

struct Tools {
    node: PathBuf,
    server_dir: PathBuf,
    chromium: PathBuf,
    chromedriver: PathBuf,
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

fn tools() -> Result<Tools, String> {
    let server_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
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
        server_dir,
        chromium,
        chromedriver,
    })
}

/// Hands the authorize URL to the test's browser driver instead of a desktop browser.
struct DriverOpener(Mutex<Option<oneshot::Sender<Url>>>);

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

async fn start_server(tools: &Tools) -> (Child, String) {
    let mut child = Command::new(&tools.node)
        .arg("server.mjs")
        .current_dir(&tools.server_dir)
        .env("OIDC_CLIENT_ID", CLIENT_ID)
        .env("OIDC_ACCESS_TOKEN_TTL", ACCESS_TTL.to_string())
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

/// chromedriver in its own process group: dropping this ends it and the Chromium it started,
/// even when the test panics before closing the WebDriver session.
struct DriverGroup(Child);

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

async fn start_driver(tools: &Tools) -> (DriverGroup, u16) {
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

async fn start_browser(tools: &Tools, port: u16, profile: &Path) -> Client {
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
async fn approve_in_browser(
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

async fn userinfo(endpoint: &str, token: &SecretString) -> (u16, serde_json::Value) {
    let r = reqwest::Client::new()
        .get(endpoint)
        .bearer_auth(token.expose_secret())
        .send()
        .await
        .unwrap();
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(serde_json::Value::Null))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sign_in_with_a_real_server_and_browser_then_refresh() {
    let tools = match tools() {
        Ok(t) => t,
        Err(why) if std::env::var(REQUIRE).as_deref() == Ok("1") => {
            panic!("{REQUIRE}=1 but the end-to-end test cannot run: {why}")
        }
        Err(why) => {
            eprintln!("NOTICE: skipping the OAuth end-to-end test: {why}");
            return;
        }
    };
    let started = Instant::now();
    let (_server, issuer) = start_server(&tools).await;
    let (_driver, driver_port) = start_driver(&tools).await;

    // Discovery says where everything is, and whether `iss` comes back (RFC 9207).
    let meta: serde_json::Value =
        reqwest::get(format!("{issuer}/.well-known/openid-configuration"))
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
    let mut config = ProviderConfig::new(
        meta["authorization_endpoint"].as_str().unwrap(),
        meta["token_endpoint"].as_str().unwrap(),
        CLIENT_ID,
    )
    .unwrap();
    config.scopes = vec!["openid".into(), "profile".into()];
    // oidc-provider matches the registered path; the port may vary (RFC 8252 §7.3).
    config.redirect.path = RedirectPath::Fixed("/callback".into());
    config.issuer = Some(issuer.clone());
    config.require_issuer = meta["authorization_response_iss_parameter_supported"] == true;
    assert!(config.require_issuer, "oidc-provider advertises RFC 9207");
    config.timeout = Duration::from_secs(90);
    let userinfo_url = meta["userinfo_endpoint"].as_str().unwrap().to_owned();

    let store = Arc::new(MemoryTokenStore::new());
    let session = Arc::new(
        OAuthSession::new(KEY, config.clone(), store.clone())
            .unwrap()
            .with_refresh_margin(Duration::from_secs(1)),
    );
    let (tx, rx) = oneshot::channel();
    let opener = Arc::new(DriverOpener(Mutex::new(Some(tx))));
    let signing_in = tokio::spawn({
        let (session, opener) = (session.clone(), opener.clone());
        async move { session.sign_in(&*opener).await }
    });
    let authorize = tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .unwrap()
        .unwrap();
    let redirect = authorize
        .query_pairs()
        .find(|(k, _)| k == "redirect_uri")
        .unwrap()
        .1
        .into_owned();
    assert!(
        redirect.starts_with("http://127.0.0.1:") && redirect.ends_with("/callback"),
        "{redirect}"
    );

    let profile = tempfile::tempdir().unwrap();
    let browser = start_browser(&tools, driver_port, profile.path()).await;
    let (page, logged_in, consented) = approve_in_browser(&browser, &authorize, &redirect).await;
    assert!(
        logged_in && consented,
        "went through the login and consent pages"
    );
    let tokens = signing_in.await.unwrap().expect("sign-in succeeds");
    assert!(
        page.contains("Signed in") && page.contains("close this window"),
        "{page}"
    );
    let signed_in_after = started.elapsed();

    // Tokens are in the store, and the access token works at the server's userinfo (checked
    // at once: it lives only ACCESS_TTL seconds).
    let stored = store.load(KEY).await.unwrap().expect("tokens in the store");
    assert_eq!(
        stored.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
    let first_refresh = stored.refresh_token.clone().expect("a refresh token");
    let (status, me) = userinfo(&userinfo_url, &stored.access_token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sub"], "alice");
    let _ = browser.close().await;

    // Let the access token really expire: the server now answers 401.
    let old = stored.access_token.clone();
    tokio::time::sleep(Duration::from_secs(ACCESS_TTL + 1)).await;
    let (status, _) = userinfo(&userinfo_url, &old).await;
    assert_eq!(status, 401, "the server still takes an expired token");

    // The 401 path: refresh, and the server rotated the refresh token.
    let fresh = session.after_unauthorized(&old).await.unwrap();
    assert_ne!(fresh.expose_secret(), old.expose_secret());
    assert_eq!(userinfo(&userinfo_url, &fresh).await.0, 200);
    let after_first = store.load(KEY).await.unwrap().unwrap();
    let second_refresh = after_first.refresh_token.clone().unwrap();
    assert_ne!(
        second_refresh.expose_secret(),
        first_refresh.expose_secret()
    );

    // The before-expiry path: once within the margin, access_token() refreshes by itself.
    tokio::time::sleep(Duration::from_secs(ACCESS_TTL)).await;
    let proactive = session.access_token().await.unwrap();
    assert_ne!(proactive.expose_secret(), fresh.expose_secret());
    assert_eq!(userinfo(&userinfo_url, &proactive).await.0, 200);
    assert_eq!(session.status(), SessionStatus::SignedIn);

    // A consumed refresh token is refused: the other holder of it must sign in again.
    let stale_store = Arc::new(MemoryTokenStore::new());
    let mut stale = after_first.clone();
    stale.refresh_token = Some(first_refresh);
    stale_store.save(KEY, &stale).await.unwrap();
    let stale_session = OAuthSession::new(KEY, config, stale_store.clone()).unwrap();
    match stale_session.force_refresh().await {
        Err(SessionError::NeedsSignIn { reason }) => {
            assert!(reason.contains("invalid_grant"), "{reason}")
        }
        other => panic!("a reused refresh token was accepted: {other:?}"),
    }
    assert!(matches!(
        stale_session.status(),
        SessionStatus::NeedsSignIn { .. }
    ));
    assert!(stale_store.load(KEY).await.unwrap().is_none());
    eprintln!(
        "oauth e2e: signed in through chromium in {signed_in_after:.1?}, whole test {:.1?}",
        started.elapsed()
    );
}
