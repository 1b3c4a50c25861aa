//! OAuth sign-in through the service with real parts: oidc-provider as the authorization
//! server and Chromium as the user's browser (the oauth crate's harness). The server stands in
//! for PayPal (form-encoded token requests; Square's are JSON, which oidc-provider refuses).
//!
//! Needs `crates/oauth/tests/oidc/setup.sh` to have run. Without node/chromium/chromedriver the
//! test prints a notice and passes, unless BROKERDESK_REQUIRE_OAUTH_E2E=1, where it fails.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

#[path = "../../oauth/tests/oidc_harness/mod.rs"]
mod oidc_harness;

use brokerdesk_model::vault::{CredentialKind, Role};
use brokerdesk_model::{ConnectionStatus, ErrorCode, VendorId};
use brokerdesk_oauth::{TokenSet, TokenStore};
use brokerdesk_service::{BrokerageService, OAuthOverrides, ServiceConfig, VaultTokenStore};
use oidc_harness::{
    DriverOpener, approve_in_browser, discovery, redirect_of, start_browser, start_driver,
    start_server,
};
use secrecy::{ExposeSecret, SecretString};
use std::path::Path;
use std::time::{Duration, Instant};

const CLIENT_ID: &str = "brokerdesk-e2e";
/// Seconds an access token lives on the server: short, so the test sees a real expiry.
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

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_through_a_real_browser_then_refresh_and_lose_the_grant() {
    let server_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../oauth/tests/oidc");
    let Some(tools) =
        oidc_harness::tools_or_skip(&server_dir, "the service's OAuth end-to-end test")
    else {
        return;
    };
    let started = Instant::now();
    let (_server, issuer) = start_server(&tools, CLIENT_ID, ACCESS_TTL).await;
    let meta = discovery(&issuer).await;
    let userinfo_url = meta["userinfo_endpoint"].as_str().unwrap().to_owned();
    let (_driver, driver_port) = start_driver(&tools).await;

    let data = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(data.path().to_path_buf()))
        .await
        .unwrap();
    service
        .vault()
        .create(SecretString::from("correct horse battery"), Role::Trader)
        .await
        .unwrap();
    let overrides = OAuthOverrides {
        authorize_url: Some(meta["authorization_endpoint"].as_str().unwrap().to_owned()),
        token_url: Some(meta["token_endpoint"].as_str().unwrap().to_owned()),
        client_id: Some(CLIENT_ID.into()),
        scopes: Some(vec!["openid".into(), "profile".into()]),
        // oidc-provider matches the registered path; the port may vary (RFC 8252 §7.3).
        redirect_path: Some("/callback".into()),
        issuer: Some(issuer.clone()),
        timeout: Some(Duration::from_secs(90)),
        ..OAuthOverrides::default()
    };
    let vendor = VendorId::new("paypal");

    // A cancelled flow: its port closes and nothing is stored.
    let (opener, _rx) = DriverOpener::new();
    let flow = service
        .oauth_start_with(&vendor, &overrides, &opener)
        .await
        .unwrap();
    let redirect = redirect_of(&url::Url::parse(&flow.authorize_url).unwrap());
    let port = url::Url::parse(&redirect).unwrap().port().unwrap();
    service.oauth_cancel(&flow.flow_id).unwrap();
    let err = service.oauth_finish(&flow.flow_id).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err()
    );
    assert!(service.vault().credentials().unwrap().is_empty());
    assert_eq!(service.list_connections().await.unwrap().len(), 1);

    // The real sign-in: the browser logs in and consents on the server's own pages.
    let (opener, rx) = DriverOpener::new();
    let flow = service
        .oauth_start_with(&vendor, &overrides, &opener)
        .await
        .unwrap();
    let authorize = tokio::time::timeout(Duration::from_secs(10), rx)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(authorize.as_str(), flow.authorize_url);
    let redirect = redirect_of(&authorize);
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = flow.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    let profile = tempfile::tempdir().unwrap();
    let browser = start_browser(&tools, driver_port, profile.path()).await;
    let (page, logged_in, consented) = approve_in_browser(&browser, &authorize, &redirect).await;
    assert!(logged_in && consented, "went through login and consent");
    assert!(page.contains("Signed in"), "{page}");
    let _ = browser.close().await;
    let summary = finishing.await.unwrap().expect("the connection is made");
    let signed_in_after = started.elapsed();
    assert_eq!(summary.vendor, vendor);
    assert_eq!(summary.status, ConnectionStatus::Connected);
    assert!(
        service
            .list_connections()
            .await
            .unwrap()
            .iter()
            .any(|c| c.id == summary.id)
    );

    // In the vault: one token record attached to the connection, with its expiry; listings
    // show metadata only, and no file holds a token in the clear.
    let listed = service.vault().credentials().unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].connection.as_ref(), Some(&summary.id));
    assert_eq!(listed[0].kind, CredentialKind::OauthToken);
    assert!(listed[0].expires_at.is_some());
    let store = VaultTokenStore::new(service.vault().clone(), vendor.clone());
    let first = store.load(summary.id.as_str()).await.unwrap().unwrap();
    let first_refresh = first.refresh_token.clone().expect("a refresh token");
    let (status, me) = userinfo(&userinfo_url, &first.access_token).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["sub"], "alice");
    let shown = format!(
        "{listed:?}{}",
        serde_json::to_string(&service.list_connections().await.unwrap()).unwrap()
    );
    for secret in [
        first.access_token.expose_secret(),
        first_refresh.expose_secret(),
    ] {
        assert!(!shown.contains(secret), "a token in a listing");
        for file in files_under(data.path()) {
            let bytes = std::fs::read(&file).unwrap();
            assert!(
                !bytes.windows(secret.len()).any(|w| w == secret.as_bytes()),
                "{} holds a token in the clear",
                file.display()
            );
        }
    }

    // The access token really expires; the next read refreshes with the stored refresh token.
    tokio::time::sleep(Duration::from_secs(ACCESS_TTL + 1)).await;
    assert_eq!(userinfo(&userinfo_url, &first.access_token).await.0, 401);
    service.connection_accounts(&summary.id).await.unwrap();
    let second = store.load(summary.id.as_str()).await.unwrap().unwrap();
    assert_ne!(
        second.access_token.expose_secret(),
        first.access_token.expose_secret()
    );
    assert_eq!(userinfo(&userinfo_url, &second.access_token).await.0, 200);
    let second_refresh = second.refresh_token.clone().unwrap();
    assert_ne!(
        second_refresh.expose_secret(),
        first_refresh.expose_secret(),
        "the server rotated the refresh token and the vault kept the new one"
    );
    assert_eq!(service.vault().credentials().unwrap().len(), 1);

    // A consumed refresh token is refused: the connection needs a new sign-in.
    store
        .save(
            summary.id.as_str(),
            &TokenSet {
                refresh_token: Some(first_refresh),
                expires_at: Some(chrono::Utc::now() - chrono::Duration::seconds(1)),
                ..second
            },
        )
        .await
        .unwrap();
    let status = service.status().await.unwrap();
    let shown = status.iter().find(|c| c.id == summary.id).unwrap();
    assert!(
        matches!(shown.status, ConnectionStatus::NeedsSignIn(_)),
        "{:?}",
        shown.status
    );
    let err = service.connection_accounts(&summary.id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NeedsSignIn);
    eprintln!(
        "service oauth e2e: connected through chromium in {signed_in_after:.1?}, whole test {:.1?}",
        started.elapsed()
    );
}
