//! OAuth sign-in through the service, with a scripted token endpoint and a "browser" that is a
//! plain HTTP request to the loopback redirect. The real browser and server: tests/oauth_e2e.rs.

use crate::browser_flows::OAuthOverrides;
use crate::{BrokerageService, OAUTH_CLIENT_LABEL, ServiceConfig, VaultTokenStore};
use brokerdesk_model::vault::{CredentialKind, Role};
use brokerdesk_model::{ConnectionStatus, ErrorCode, VendorId};
use brokerdesk_oauth::{BrowserOpener, OpenError, TokenSet, TokenStore};
use brokerdesk_vault::NewCredential;
use secrecy::{ExposeSecret, SecretString};
use std::sync::Mutex;
use std::time::Duration;
use url::Url;
use wiremock::matchers::{body_string_contains, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "correct horse battery";

async fn service() -> (tempfile::TempDir, BrokerageService) {
    let dir = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(dir.path().to_path_buf()))
        .await
        .unwrap();
    (dir, service)
}

async fn service_with_vault() -> (tempfile::TempDir, BrokerageService) {
    let (dir, service) = service().await;
    service
        .vault()
        .create(SecretString::from(PASSWORD), Role::Trader)
        .await
        .unwrap();
    (dir, service)
}

/// Remembers the URL instead of opening anything.
#[derive(Default)]
struct Recorder(Mutex<Vec<Url>>);

impl BrowserOpener for Recorder {
    fn open(&self, url: &Url) -> Result<(), OpenError> {
        self.0.lock().unwrap().push(url.clone());
        Ok(())
    }
}

struct Broken;

impl BrowserOpener for Broken {
    fn open(&self, _: &Url) -> Result<(), OpenError> {
        Err(OpenError("no display".into()))
    }
}

fn overrides(token_url: &str) -> OAuthOverrides {
    OAuthOverrides {
        authorize_url: Some("http://127.0.0.1:9/authorize".into()),
        token_url: Some(token_url.into()),
        client_id: Some("test-client".into()),
        redirect_path: Some("/callback".into()),
        timeout: Some(Duration::from_secs(20)),
        ..OAuthOverrides::default()
    }
}

fn param(url: &Url, name: &str) -> String {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
        .unwrap()
}

/// What the browser does once the user approved: follow the redirect to the listener.
async fn come_back(authorize: &Url, query: &str) -> reqwest::StatusCode {
    let redirect = param(authorize, "redirect_uri");
    reqwest::get(format!("{redirect}?{query}"))
        .await
        .unwrap()
        .status()
}

fn tokens_json(access: &str, refresh: &str, expires_in: i64) -> serde_json::Value {
    serde_json::json!({
        "access_token": access,
        "token_type": "Bearer",
        "expires_in": expires_in,
        "refresh_token": refresh,
    })
}

fn all_credentials(service: &BrokerageService) -> Vec<brokerdesk_vault::CredentialMeta> {
    service.vault().with_store(|s| s.list()).unwrap()
}

#[tokio::test]
async fn an_unknown_vendor_or_an_api_key_vendor_is_refused_with_the_oauth_vendors_listed() {
    let (_dir, service) = service_with_vault().await;
    let err = service
        .oauth_start(&VendorId::new("nope"), &Recorder::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let msg = err.to_string();
    assert!(msg.contains("no institution `nope`"), "{msg}");
    for vendor in ["alpaca", "square", "paypal", "stripe"] {
        assert!(msg.contains(vendor), "{msg}");
    }
    let err = service
        .oauth_start(&VendorId::new("ibkr"), &Recorder::default())
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("does not sign in with OAuth"),
        "{err}"
    );
}

#[tokio::test]
async fn without_a_vault_or_with_it_locked_nothing_starts() {
    let (_dir, service) = service().await;
    let opener = Recorder::default();
    let err = service
        .oauth_start(&VendorId::new("square"), &opener)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    assert!(err.to_string().contains("create a vault"), "{err}");

    service
        .vault()
        .create(SecretString::from(PASSWORD), Role::Trader)
        .await
        .unwrap();
    service.vault().lock().unwrap();
    let err = service
        .oauth_start(&VendorId::new("square"), &opener)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::VaultLocked);
    assert!(opener.0.lock().unwrap().is_empty(), "no browser was opened");
}

#[tokio::test]
async fn a_missing_client_id_says_what_to_register_and_store() {
    let (_dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let err = service
        .oauth_start(&VendorId::new("square"), &opener)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::InvalidInput);
    let msg = err.to_string();
    assert!(
        msg.contains(OAUTH_CLIENT_LABEL) && msg.contains("client_id"),
        "{msg}"
    );

    // Alpaca also needs the app's secret: a stored client id alone is not enough.
    service
        .vault()
        .with_store(|s| {
            s.put(NewCredential {
                vendor: VendorId::new("alpaca"),
                connection: None,
                label: "OAuth client".into(),
                kind: CredentialKind::Other,
                expires_at: None,
                secret: SecretString::from(
                    r#"{"client_id": "abc", "redirect_uri": "http://127.0.0.1:53682/callback"}"#,
                ),
            })
        })
        .unwrap();
    let err = service
        .oauth_start(&VendorId::new("alpaca"), &opener)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("client secret"), "{err}");
    assert!(opener.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn the_stored_client_and_its_registered_redirect_uri_shape_the_authorize_url() {
    let (_dir, service) = service_with_vault().await;
    service
        .vault()
        .with_store(|s| {
            s.put(NewCredential {
                vendor: VendorId::new("square"),
                connection: None,
                label: OAUTH_CLIENT_LABEL.into(),
                kind: CredentialKind::Other,
                expires_at: None,
                secret: SecretString::from(
                    r#"{"client_id": "sq0idp-mine", "redirect_uri": "http://127.0.0.1:0/sq/cb"}"#,
                ),
            })
        })
        .unwrap();
    let opener = Recorder::default();
    let started = service
        .oauth_start(&VendorId::new("square"), &opener)
        .await
        .unwrap();
    let url = Url::parse(&started.authorize_url).unwrap();
    assert!(
        started
            .authorize_url
            .starts_with("https://connect.squareup.com/oauth2/authorize")
    );
    assert_eq!(param(&url, "client_id"), "sq0idp-mine");
    assert_eq!(param(&url, "code_challenge_method"), "S256");
    assert!(param(&url, "redirect_uri").ends_with("/sq/cb"));
    assert_eq!(opener.0.lock().unwrap().as_slice(), &[url]);
    service.oauth_cancel(&started.flow_id).unwrap();
}

#[tokio::test]
async fn a_browser_that_cannot_open_leaves_no_flow() {
    let (_dir, service) = service_with_vault().await;
    let err = service
        .oauth_start_with(
            &VendorId::new("square"),
            &overrides("http://127.0.0.1:9/token"),
            &Broken,
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no display"), "{err}");
    assert_eq!(service.inner.flows.oauth_pending(), 0);
}

#[tokio::test]
async fn signing_in_stores_the_tokens_with_the_connection_and_a_dead_grant_needs_sign_in() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tokens_json(
            "at-first-secret",
            "rt-first-secret",
            3600,
        )))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let started = service
        .oauth_start_with(
            &VendorId::new("square"),
            &overrides(&format!("{}/token", server.uri())),
            &opener,
        )
        .await
        .unwrap();
    let authorize = Url::parse(&started.authorize_url).unwrap();
    let state = param(&authorize, "state");
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = started.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    assert_eq!(
        come_back(&authorize, &format!("code=the-code&state={state}")).await,
        200
    );
    let summary = finishing.await.unwrap().unwrap();
    assert_eq!(summary.vendor.as_str(), "square");
    assert_eq!(summary.status, ConnectionStatus::Connected);
    assert!(!format!("{summary:?}").contains("secret"));

    // The tokens are one vault record, attached to the connection, with their expiry.
    let creds = all_credentials(&service);
    assert_eq!(creds.len(), 1);
    assert_eq!(creds[0].connection.as_ref(), Some(&summary.id));
    assert_eq!(creds[0].kind, CredentialKind::OauthToken);
    assert!(creds[0].expires_at.is_some());
    let store = VaultTokenStore::new(service.vault().clone(), VendorId::new("square"));
    let stored = store.load(summary.id.as_str()).await.unwrap().unwrap();
    assert_eq!(stored.access_token.expose_secret(), "at-first-secret");
    assert_eq!(service.inner.flows.oauth_pending(), 0);

    // The access token expires; the server has revoked the grant meanwhile.
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token"))
        .respond_with(ResponseTemplate::new(400).set_body_json(
            serde_json::json!({"error": "invalid_grant", "error_description": "revoked"}),
        ))
        .expect(1)
        .mount(&server)
        .await;
    store
        .save(
            summary.id.as_str(),
            &TokenSet {
                expires_at: Some(chrono::Utc::now() - chrono::Duration::seconds(5)),
                ..stored
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

    // Removing the connection removes whatever token is left.
    service.remove_connection(&summary.id).await.unwrap();
    assert!(all_credentials(&service).is_empty());
}

#[tokio::test]
async fn an_expiring_token_is_refreshed_and_rotated_in_the_vault() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("authorization_code"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tokens_json("at-1", "rt-1", 3600)))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .and(body_string_contains("refresh_token=rt-1"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tokens_json("at-2", "rt-2", 3600)))
        .expect(1)
        .mount(&server)
        .await;
    let (_dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let mut o = overrides(&format!("{}/token", server.uri()));
    // PayPal's token requests are forms; the matcher above reads form fields.
    o.client_id = Some("public-client".into());
    let started = service
        .oauth_start_with(&VendorId::new("paypal"), &o, &opener)
        .await
        .unwrap();
    let authorize = Url::parse(&started.authorize_url).unwrap();
    let state = param(&authorize, "state");
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = started.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    come_back(&authorize, &format!("code=c&state={state}")).await;
    let summary = finishing.await.unwrap().unwrap();

    let store = VaultTokenStore::new(service.vault().clone(), VendorId::new("paypal"));
    let mut stored = store.load(summary.id.as_str()).await.unwrap().unwrap();
    stored.expires_at = Some(chrono::Utc::now() + chrono::Duration::seconds(10));
    store.save(summary.id.as_str(), &stored).await.unwrap();
    // Within the refresh margin: the next read refreshes first.
    service.connection_accounts(&summary.id).await.unwrap();
    let fresh = store.load(summary.id.as_str()).await.unwrap().unwrap();
    assert_eq!(fresh.access_token.expose_secret(), "at-2");
    assert_eq!(fresh.refresh_token.unwrap().expose_secret(), "rt-2");
    assert_eq!(all_credentials(&service).len(), 1, "replaced in place");
}

#[tokio::test]
async fn a_cancelled_flow_closes_its_port_and_stores_nothing() {
    let (dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let o = overrides("http://127.0.0.1:9/token");

    // Cancelled before anyone waits.
    let started = service
        .oauth_start_with(&VendorId::new("square"), &o, &opener)
        .await
        .unwrap();
    let authorize = Url::parse(&started.authorize_url).unwrap();
    let redirect = Url::parse(&param(&authorize, "redirect_uri")).unwrap();
    let port = redirect.port().unwrap();
    service.oauth_cancel(&started.flow_id).unwrap();
    let err = service.oauth_finish(&started.flow_id).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert!(
        tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_err(),
        "the listener still accepts"
    );

    // Cancelled while finish waits for the browser.
    let started = service
        .oauth_start_with(&VendorId::new("square"), &o, &opener)
        .await
        .unwrap();
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = started.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    tokio::time::sleep(Duration::from_millis(100)).await;
    service.oauth_cancel(&started.flow_id).unwrap();
    let err = finishing.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    assert_eq!(err.code(), ErrorCode::Rejected);

    // And an unknown flow is a clear not-found.
    let err = service.oauth_finish("no-such-flow").await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(service.oauth_cancel("no-such-flow").is_err());

    assert!(all_credentials(&service).is_empty());
    assert!(!dir.path().join("connections.json").exists());
    assert_eq!(service.list_connections().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_refused_or_timed_out_sign_in_stores_nothing() {
    let (_dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let mut o = overrides("http://127.0.0.1:9/token");
    let started = service
        .oauth_start_with(&VendorId::new("square"), &o, &opener)
        .await
        .unwrap();
    let authorize = Url::parse(&started.authorize_url).unwrap();
    let state = param(&authorize, "state");
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = started.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    come_back(&authorize, &format!("error=access_denied&state={state}")).await;
    let err = finishing.await.unwrap().unwrap_err();
    assert_eq!(err.code(), ErrorCode::Rejected);
    assert!(err.to_string().contains("access_denied"), "{err}");

    o.timeout = Some(Duration::from_millis(200));
    let started = service
        .oauth_start_with(&VendorId::new("square"), &o, &opener)
        .await
        .unwrap();
    let err = service.oauth_finish(&started.flow_id).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
    assert!(err.to_string().contains("timed out"), "{err}");
    assert!(all_credentials(&service).is_empty());
}

/// Alpaca's API as a stand-in that answers only `Authorization: Bearer <token>`, with Alpaca's
/// documented responses; an order echoes the client order id it was sent.
async fn alpaca_over_bearer(server: &MockServer, token: &str) {
    use wiremock::matchers::header;
    let fixture = |name: &str| -> serde_json::Value {
        let file = format!(
            "{}/../connectors/tests/fixtures/alpaca/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap()
    };
    let bearer = format!("Bearer {token}");
    Mock::given(method("GET"))
        .and(path("/v2/account"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(fixture("spec_example_GET_v2_account.json")),
        )
        .mount(server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/positions"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(ResponseTemplate::new(200).set_body_json(serde_json::json!([])))
        .mount(server)
        .await;
    let order = fixture("spec_example_POST_v2_orders_response_Equity.json");
    Mock::given(method("POST"))
        .and(path("/v2/orders"))
        .and(header("authorization", bearer.as_str()))
        .respond_with(move |request: &wiremock::Request| {
            let sent: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let mut answer = order.clone();
            answer["client_order_id"] = sent["client_order_id"].clone();
            ResponseTemplate::new(200).set_body_json(answer)
        })
        .mount(server)
        .await;
}

#[tokio::test]
async fn alpaca_signed_in_with_oauth_trades_with_its_token_once_armed() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(tokens_json(
            "at-trade-secret",
            "rt-trade-secret",
            3600,
        )))
        .mount(&server)
        .await;
    alpaca_over_bearer(&server, "at-trade-secret").await;
    let (_dir, service) = service_with_vault().await;
    let opener = Recorder::default();
    let started = service
        .oauth_start_with(
            &VendorId::new("alpaca"),
            &OAuthOverrides {
                api_url: Some(server.uri()),
                ..overrides(&format!("{}/token", server.uri()))
            },
            &opener,
        )
        .await
        .unwrap();
    let authorize = Url::parse(&started.authorize_url).unwrap();
    let state = param(&authorize, "state");
    let finishing = tokio::spawn({
        let service = service.clone();
        let id = started.flow_id.clone();
        async move { service.oauth_finish(&id).await }
    });
    assert_eq!(
        come_back(&authorize, &format!("code=c&state={state}")).await,
        200
    );
    let summary = finishing.await.unwrap().unwrap();
    assert_eq!(summary.mode, brokerdesk_model::TradingMode::Live);
    let accounts = service.connection_accounts(&summary.id).await.unwrap();
    let account = accounts
        .first()
        .map(|a| a.account_id.clone())
        .expect("the account read over the token");

    let ticket = brokerdesk_model::OrderTicket {
        order_type: brokerdesk_model::OrderType::Limit,
        limit_price: Some(rust_decimal_macros::dec!(150)),
        ..crate::service_tests::market_buy(
            summary.id.as_str(),
            &account,
            "AAPL",
            rust_decimal_macros::dec!(2),
        )
    };
    // Live: nothing is sent before the arm.
    let refused = service.place_order(ticket.clone()).await.unwrap_err();
    assert_eq!(refused.code(), ErrorCode::Forbidden, "{refused}");
    let posts = |requests: Vec<wiremock::Request>| {
        requests
            .into_iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/v2/orders")
            .count()
    };
    assert_eq!(posts(server.received_requests().await.unwrap()), 0);

    service.vault().arm_live(Duration::from_secs(60)).unwrap();
    let placed = service.place_order(ticket).await.unwrap();
    assert_eq!(placed.order.symbol.as_str(), "AAPL");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(posts(requests.clone()), 1, "one order, sent once");
    let sent = requests
        .iter()
        .find(|r| r.method.as_str() == "POST" && r.url.path() == "/v2/orders")
        .unwrap();
    assert_eq!(
        sent.headers.get("authorization").unwrap(),
        "Bearer at-trade-secret"
    );
    assert_eq!(service.blotter_entries().await.unwrap().len(), 1);
}

#[tokio::test]
async fn the_oauth_app_registered_in_the_app_starts_the_sign_in_and_its_secret_never_comes_back() {
    use brokerdesk_model::vendors::OAuthClientArgs;
    let (_dir, service) = service_with_vault().await;
    let alpaca = VendorId::new("alpaca");
    let args = |secret: Option<&str>, uri: Option<&str>| OAuthClientArgs {
        preset: alpaca.clone(),
        client_id: " my-alpaca-app-7788 ".into(),
        client_secret: secret.map(str::to_owned),
        redirect_uri: uri.map(str::to_owned),
    };
    // What the Connect page shows before anything is registered.
    let catalog = service.vendor_catalog();
    let presets = &catalog.vendor("alpaca").unwrap().oauth_presets;
    assert_eq!(presets.len(), 1);
    assert!(presets[0].client_secret_required && !presets[0].any_loopback_port);
    assert!(
        presets[0]
            .suggested_redirect_uri
            .starts_with("http://127.0.0.1:")
    );
    let square = &catalog.vendor("square").unwrap().oauth_presets;
    assert!(
        square
            .iter()
            .any(|p| p.sandbox && p.id.as_str() == "square-sandbox")
    );
    assert!(!service.oauth_client(&alpaca).unwrap().registered);

    // Refusals store nothing.
    for (bad, words) in [
        (args(None, Some("http://127.0.0.1:0/cb")), "client secret"),
        (args(Some("s3cret-value-1"), None), "exact redirect URI"),
        (
            args(Some("s3cret-value-1"), Some("http://evil.example:80/cb")),
            "loopback",
        ),
        (
            args(Some("two words"), Some("http://127.0.0.1:0/cb")),
            "one word",
        ),
    ] {
        let err = service.save_oauth_client(bad).unwrap_err();
        assert_eq!(err.code(), ErrorCode::InvalidInput, "{err}");
        assert!(err.to_string().contains(words), "{words}: {err}");
        assert!(all_credentials(&service).is_empty());
    }

    let saved = service
        .save_oauth_client(args(
            Some("first-secret-value"),
            Some("http://127.0.0.1:0/cb"),
        ))
        .unwrap();
    assert!(saved.registered && saved.has_client_secret);
    assert_eq!(saved.client_id_hint.as_deref(), Some("…7788"));
    // Registering again replaces the app: one credential, the newest.
    let saved = service
        .save_oauth_client(args(
            Some("second-secret-value"),
            Some("http://127.0.0.1:0/alpaca/cb"),
        ))
        .unwrap();
    assert_eq!(
        saved.redirect_uri.as_deref(),
        Some("http://127.0.0.1:0/alpaca/cb")
    );
    let shown = format!("{saved:?} {}", serde_json::to_string(&saved).unwrap());
    assert!(
        !shown.contains("secret-value") && !shown.contains("my-alpaca-app"),
        "{shown}"
    );
    assert_eq!(all_credentials(&service).len(), 1);

    // The sign-in starts from it, with nothing typed in a terminal.
    let opener = Recorder::default();
    let started = service.oauth_start(&alpaca, &opener).await.unwrap();
    let url = Url::parse(&started.authorize_url).unwrap();
    assert_eq!(param(&url, "client_id"), "my-alpaca-app-7788");
    assert!(param(&url, "redirect_uri").ends_with("/alpaca/cb"));
    service.oauth_cancel(&started.flow_id).unwrap();

    // Locked: neither read nor written.
    service.vault().lock().unwrap();
    assert_eq!(
        service.oauth_client(&alpaca).unwrap_err().code(),
        ErrorCode::VaultLocked
    );
}
