//! End to end with real parts: a real authorization server (oidc-provider on Node), a real
//! browser (Debian's Chromium through chromedriver), our loopback listener and token calls.
//!
//! Needs `tests/oidc/setup.sh` to have run. Without node/chromium/chromedriver the test prints
//! a notice and passes, unless BROKERDESK_REQUIRE_OAUTH_E2E=1, where it fails.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod oidc_harness;

use brokerdesk_oauth::{
    MemoryTokenStore, OAuthSession, ProviderConfig, RedirectPath, SessionError, SessionStatus,
    TokenStore,
};
use oidc_harness::{
    DriverOpener, approve_in_browser, discovery, redirect_of, start_browser, start_driver,
    start_server,
};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "brokerdesk-e2e";
const KEY: &str = "oidc-e2e:main";
/// Access token lifetime on the server, in seconds: short, so the test sees real expiry.
const ACCESS_TTL: u64 = 5;

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
    let server_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oidc");
    let Some(tools) = oidc_harness::tools_or_skip(&server_dir, "the OAuth end-to-end test") else {
        return;
    };
    let started = Instant::now();
    let (_server, issuer) = start_server(&tools, CLIENT_ID, ACCESS_TTL).await;
    let (_driver, driver_port) = start_driver(&tools).await;

    // Discovery says where everything is, and whether `iss` comes back (RFC 9207).
    let meta = discovery(&issuer).await;
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
    let (opener, rx) = DriverOpener::new();
    let opener = Arc::new(opener);
    let signing_in = tokio::spawn({
        let (session, opener) = (session.clone(), opener.clone());
        async move { session.sign_in(&*opener).await }
    });
    let authorize = tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .unwrap()
        .unwrap();
    let redirect = redirect_of(&authorize);
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
