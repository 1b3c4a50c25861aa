//! Key connections end to end against mocked vendors (the connectors' recorded fixtures, served
//! by wiremock): a good key is checked, sealed in the vault and shown on the Accounts page; a
//! wrong one is refused and leaves nothing behind; locking drops the connection and unlocking
//! rebuilds it from the vault.

use crate::{BrokerageService, ServiceConfig};
use brokerdesk_model::vault::Role;
use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::{
    AccountId, AccountsOverview, BalanceUnknown, ConnectionId, ConnectionStatus, ConnectionSummary,
    ErrorCode, IpcError, KeyConnectionArgs, TradingMode, VendorId,
};
use rust_decimal_macros::dec;
use secrecy::SecretString;
use std::collections::BTreeMap;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const PASSWORD: &str = "correct horse battery";

fn fixture(vendor: &str, name: &str) -> String {
    let path = format!(
        "{}/../connectors/tests/fixtures/{vendor}/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("fixture {path}: {e}"))
}

fn fixture_json(vendor: &str, name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(vendor, name)).expect("fixture is JSON")
}

fn reply(status: u16, vendor: &str, name: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(fixture(vendor, name), "application/json")
}

/// A started service whose `vendor` lives at `url`, with a trader's vault.
async fn service_at(
    vendor: &str,
    url: &str,
) -> (tempfile::TempDir, ServiceConfig, BrokerageService) {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().join("data"));
    config.key_vendor_urls.insert(vendor.into(), url.into());
    let service = BrokerageService::start(config.clone()).await.unwrap();
    service
        .vault()
        .create(SecretString::from(PASSWORD), Role::Trader)
        .await
        .unwrap();
    (dir, config, service)
}

fn args(vendor: &str, fields: &[(&str, &str)], sandbox: bool) -> KeyConnectionArgs {
    KeyConnectionArgs {
        vendor: VendorId::new(vendor),
        fields: fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect::<BTreeMap<_, _>>(),
        sandbox,
        label: String::new(),
    }
}

fn registry_text(config: &ServiceConfig) -> String {
    std::fs::read_to_string(config.data_dir.join("connections.json")).unwrap_or_default()
}

/// Nothing of a refused key is kept: no credential, no connection.
async fn nothing_stored(service: &BrokerageService, config: &ServiceConfig) {
    assert!(
        service.vault().credentials().unwrap().is_empty(),
        "a credential was kept for refused keys"
    );
    let ids: Vec<ConnectionId> = service
        .list_connections()
        .await
        .unwrap()
        .into_iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(ids, vec![ConnectionId::new(crate::LOCAL_PAPER_CONNECTION)]);
    assert!(!registry_text(config).contains("credential"));
}

fn account_of<'a>(
    overview: &'a AccountsOverview,
    id: &ConnectionId,
) -> Vec<&'a brokerdesk_model::AccountSnapshot> {
    overview
        .accounts
        .iter()
        .filter(|a| &a.connection.id == id)
        .collect()
}

async fn linked_ids(service: &BrokerageService) -> Vec<ConnectionId> {
    service
        .connections()
        .await
        .iter()
        .map(|c| c.id.clone())
        .collect()
}

/// Locking drops the connection with its keys; unlocking rebuilds it from the vault alone.
async fn lock_drops_and_unlock_rebuilds(service: &BrokerageService, added: &ConnectionSummary) {
    service.vault().lock().unwrap();
    assert!(!linked_ids(service).await.contains(&added.id));
    service
        .vault()
        .unlock(SecretString::from(PASSWORD))
        .await
        .unwrap();
    assert!(linked_ids(service).await.contains(&added.id));
}

const STRIPE_KEY: &str = "sk_test_4eC39HqLyjWDarjtT1zdp7dc";
const STRIPE_WRONG: &str = "sk_test_WrongWrongWrong0000dc7X";

#[tokio::test]
async fn a_stripe_key_is_checked_sealed_and_its_balance_shows_as_cash() {
    let server = MockServer::start().await;
    let mut balance = fixture_json("stripe", "stripe-openapi_fixtures3_balance.json");
    // Minor units: $1,234.56 available, $50.00 on its way.
    balance["available"][0]["amount"] = 123_456.into();
    balance["pending"][0]["amount"] = 5_000.into();
    Mock::given(method("GET"))
        .and(path("/v1/balance"))
        .and(header(
            "authorization",
            format!("Bearer {STRIPE_KEY}").as_str(),
        ))
        .respond_with(ResponseTemplate::new(200).set_body_json(balance))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/balance"))
        .respond_with(reply(401, "stripe", "synth_error_401.json"))
        .mount(&server)
        .await;
    let (_dir, config, service) = service_at("stripe", &server.uri()).await;

    // A wrong key: refused, said plainly, nothing kept.
    let wrong = service
        .add_key_connection(args("stripe", &[("secret_key", STRIPE_WRONG)], false))
        .await
        .unwrap_err();
    assert_eq!(
        IpcError::from(&wrong).code,
        ErrorCode::NeedsSignIn,
        "{wrong}"
    );
    assert!(
        wrong
            .to_string()
            .contains("Stripe did not accept these keys"),
        "{wrong}"
    );
    assert!(!wrong.to_string().contains(STRIPE_WRONG));
    nothing_stored(&service, &config).await;

    // The right key.
    let added = service
        .add_key_connection(args(
            "stripe",
            &[("secret_key", STRIPE_KEY), ("account_id", "")],
            false,
        ))
        .await
        .unwrap();
    assert_eq!(added.vendor.as_str(), "stripe");
    assert_eq!(added.display_name, "Stripe — test mode");
    assert_eq!(added.mode, TradingMode::Paper, "a test-mode key is paper");
    assert_eq!(added.status, ConnectionStatus::Connected);

    // The key is in the vault, tied to the connection, and nowhere else.
    let stored = service.vault().credentials().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].connection.as_ref(), Some(&added.id));
    assert_eq!(stored[0].vendor.as_str(), "stripe");
    let on_disk = registry_text(&config);
    assert!(on_disk.contains(r#""vendor": "stripe""#), "{on_disk}");
    assert!(
        !on_disk.contains("4eC39HqLyjWDarjt"),
        "a key in connections.json"
    );
    let stored_text = serde_json::to_string(&stored).unwrap();
    assert!(!stored_text.contains("4eC39HqLyjWDarjt"), "{stored_text}");

    let overview = service.accounts_overview().await.unwrap();
    let stripe = account_of(&overview, &added.id);
    assert_eq!(stripe.len(), 1, "{overview:?}");
    assert_eq!(stripe[0].account_id, AccountId::new("self"));
    assert_eq!(stripe[0].balances.currency, "USD");
    assert_eq!(stripe[0].balances.cash, dec!(1234.56));
    assert_eq!(stripe[0].balances.buying_power, dec!(1234.56));
    assert_eq!(stripe[0].balances.equity, dec!(1284.56));
    assert!(stripe[0].positions.is_empty());
    let replies = format!(
        "{}{}{}",
        serde_json::to_string(&added).unwrap(),
        serde_json::to_string(&overview).unwrap(),
        serde_json::to_string(&service.list_connections().await.unwrap()).unwrap()
    );
    assert!(!replies.contains("4eC39HqLyjWDarjt"), "a key in a reply");

    lock_drops_and_unlock_rebuilds(&service, &added).await;
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(
        account_of(&overview, &added.id)[0].balances.cash,
        dec!(1234.56),
        "rebuilt from the vault, it reads again"
    );

    service.remove_connection(&added.id).await.unwrap();
    assert!(service.vault().credentials().unwrap().is_empty());
}

#[tokio::test]
async fn bad_forms_are_refused_before_anything_is_sent() {
    // Nothing listens here: each refusal must come before any request.
    let (_dir, config, service) = service_at("stripe", "http://127.0.0.1:9").await;
    let refuse = |a: KeyConnectionArgs| {
        let service = service.clone();
        async move { service.add_key_connection(a).await.unwrap_err() }
    };
    let err = refuse(args("stripe", &[], false)).await;
    assert_eq!(err.to_string(), "enter the secret or restricted key");
    let err = refuse(args("stripe", &[("secret_key", "pk_test_abc")], false)).await;
    assert!(err.to_string().contains("publishable key"), "{err}");
    assert!(!err.to_string().contains("pk_test_abc"));
    let err = refuse(args("stripe", &[("secret_key", "sk_live_abc")], true)).await;
    assert!(err.to_string().contains("live-mode Stripe key"), "{err}");
    let err = refuse(args(
        "stripe",
        &[("secret_key", STRIPE_KEY), ("account_id", "cus_1")],
        false,
    ))
    .await;
    assert!(err.to_string().starts_with("stripe: "), "{err}");
    assert!(err.to_string().contains("acct_"), "{err}");
    let err = refuse(args(
        "stripe",
        &[("secret_key", STRIPE_KEY), ("pin", "1")],
        false,
    ))
    .await;
    assert_eq!(IpcError::from(&err).code, ErrorCode::InvalidInput);
    let err = refuse(args("venmo", &[("x", "y")], false)).await;
    assert!(
        err.to_string()
            .contains("does not connect with pasted keys"),
        "{err}"
    );
    let err = refuse(args(
        "snaptrade",
        &[
            ("client_id", "C"),
            ("consumer_key", "k"),
            ("user_id", "u"),
            ("user_secret", "s"),
        ],
        true,
    ))
    .await;
    assert!(err.to_string().contains("no separate sandbox"), "{err}");
    nothing_stored(&service, &config).await;

    // An unreachable vendor is an error too, and equally leaves nothing.
    let err = refuse(args("stripe", &[("secret_key", STRIPE_KEY)], false)).await;
    assert_eq!(IpcError::from(&err).code, ErrorCode::Unavailable, "{err}");
    nothing_stored(&service, &config).await;
}

const PAYPAL_ID: &str = "AcL13nt-ID";
const PAYPAL_SECRET: &str = "s3cr3t-EL";
/// base64("AcL13nt-ID:s3cr3t-EL")
const PAYPAL_BASIC: &str = "Basic QWNMMTNudC1JRDpzM2NyM3QtRUw=";

#[tokio::test]
async fn a_paypal_rest_app_is_checked_sealed_and_its_usd_balance_shows() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .and(header("authorization", PAYPAL_BASIC))
        .respond_with(reply(200, "paypal", "docs_shape_POST_v1_oauth2_token.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/oauth2/token"))
        .respond_with(reply(
            401,
            "paypal",
            "docs_shape_token_error_invalid_client.json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/reporting/balances"))
        .and(header("authorization", "Bearer A21AAFixtureTokenOne"))
        .respond_with(reply(200, "paypal", "synth_GET_v1_reporting_balances.json"))
        .mount(&server)
        .await;
    let (_dir, config, service) = service_at("paypal", &server.uri()).await;

    let wrong = service
        .add_key_connection(args(
            "paypal",
            &[
                ("client_id", PAYPAL_ID),
                ("client_secret", "not-the-secret"),
            ],
            true,
        ))
        .await
        .unwrap_err();
    assert_eq!(
        IpcError::from(&wrong).code,
        ErrorCode::NeedsSignIn,
        "{wrong}"
    );
    assert!(wrong.to_string().contains("PayPal"), "{wrong}");
    nothing_stored(&service, &config).await;

    let added = service
        .add_key_connection(args(
            "paypal",
            &[("client_id", PAYPAL_ID), ("client_secret", PAYPAL_SECRET)],
            true,
        ))
        .await
        .unwrap();
    assert_eq!(added.display_name, "PayPal — sandbox");
    assert_eq!(added.mode, TradingMode::Paper);
    assert_eq!(added.status, ConnectionStatus::Connected);
    let stored = service.vault().credentials().unwrap();
    assert_eq!(stored.len(), 1);
    assert_eq!(stored[0].label, "PayPal keys (…t-ID)");
    assert!(!registry_text(&config).contains(PAYPAL_SECRET));

    let overview = service.accounts_overview().await.unwrap();
    let paypal = account_of(&overview, &added.id);
    assert_eq!(paypal.len(), 1);
    assert_eq!(paypal[0].account_id, AccountId::new("BHS2A6RXCTYJW"));
    // USD out of USD and JPY; withheld money counts in equity, not in cash.
    assert_eq!(paypal[0].balances.currency, "USD");
    assert_eq!(paypal[0].balances.cash, dec!(998.03));
    assert_eq!(paypal[0].balances.equity, dec!(1021.53));
    assert!(
        !serde_json::to_string(&overview)
            .unwrap()
            .contains(PAYPAL_SECRET)
    );

    lock_drops_and_unlock_rebuilds(&service, &added).await;
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(
        account_of(&overview, &added.id)[0].balances.cash,
        dec!(998.03)
    );
}

const SQUARE_TOKEN: &str = "EAAAl-sandbox-token-for-tests";

#[tokio::test]
async fn a_square_token_is_checked_and_the_missing_balance_is_said_not_invented() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v2/locations"))
        .and(header(
            "authorization",
            format!("Bearer {SQUARE_TOKEN}").as_str(),
        ))
        .respond_with(reply(200, "square", "spec_example_GET_v2_locations.json"))
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v2/locations"))
        .respond_with(reply(401, "square", "synth_error_401_UNAUTHORIZED.json"))
        .mount(&server)
        .await;
    let (_dir, config, service) = service_at("square", &server.uri()).await;

    let wrong = service
        .add_key_connection(args("square", &[("access_token", "EAAAl-revoked")], true))
        .await
        .unwrap_err();
    assert_eq!(
        IpcError::from(&wrong).code,
        ErrorCode::NeedsSignIn,
        "{wrong}"
    );
    assert!(
        wrong.to_string().contains("Square did not accept"),
        "{wrong}"
    );
    nothing_stored(&service, &config).await;

    let added = service
        .add_key_connection(args("square", &[("access_token", SQUARE_TOKEN)], true))
        .await
        .unwrap();
    assert_eq!(added.display_name, "Square — sandbox");
    // Square's public API has no balance: the connection is fine (Connected, not a permanent
    // "Degraded"), and each location shows the honest note instead of $0.
    assert_eq!(
        added.status,
        ConnectionStatus::Connected,
        "{:?}",
        added.status
    );
    let overview = service.accounts_overview().await.unwrap();
    let locations = account_of(&overview, &added.id);
    assert!(!locations.is_empty(), "the locations are listed");
    for l in &locations {
        assert!(
            matches!(&l.balance_unknown, Some(BalanceUnknown::NotReported { note }) if note.contains("no balance endpoint")),
            "{:?}",
            l.balance_unknown
        );
    }
    assert!(overview.unreachable.iter().all(|c| c.id != added.id));
    assert_eq!(service.vault().credentials().unwrap().len(), 1);
    assert!(!registry_text(&config).contains(SQUARE_TOKEN));
    lock_drops_and_unlock_rebuilds(&service, &added).await;
}

#[tokio::test]
async fn plaid_keys_show_the_items_accounts_with_their_holdings() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/investments/holdings/get"))
        .and(header("plaid-secret", "plaid-secret-value"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_investments_holdings_get_200_example-1.json",
        ))
        .mount(&server)
        .await;
    // The balance reply of the same Item: the recorded one, with the holdings' accounts.
    let holdings = fixture_json(
        "plaid",
        "spec_example_POST_investments_holdings_get_200_example-1.json",
    );
    let mut balance = fixture_json(
        "plaid",
        "spec_example_POST_accounts_balance_get_200_example-1.json",
    );
    balance["accounts"] = holdings["accounts"].clone();
    Mock::given(method("POST"))
        // The same accounts with cached balances (`/accounts/get`) between live reads.
        .and(wiremock::matchers::path_regex("^/accounts(/balance)?/get$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(balance))
        .mount(&server)
        .await;
    let (_dir, config, service) = service_at("plaid", &server.uri()).await;
    let added = service
        .add_key_connection(args(
            "plaid",
            &[
                ("client_id", "client-1"),
                ("secret", "plaid-secret-value"),
                ("access_token", "access-sandbox-de3ce8ef"),
            ],
            true,
        ))
        .await
        .unwrap();
    assert_eq!(added.vendor.as_str(), "plaid");
    assert_eq!(added.mode, TradingMode::Paper);
    let on_disk = registry_text(&config);
    assert!(!on_disk.contains("plaid-secret-value") && !on_disk.contains("access-sandbox"));
    let stored = service.vault().credentials().unwrap();
    assert_eq!(stored[0].label, "Plaid keys (…nt-1)");
    assert_eq!(added.status, ConnectionStatus::Connected);
    let overview = service.accounts_overview().await.unwrap();
    let plaid = account_of(&overview, &added.id);
    assert_eq!(plaid.len(), 4, "{overview:?}");
    assert!(
        plaid.iter().any(|a| !a.positions.is_empty()),
        "holdings show"
    );

    // Plaid bills live balance reads: they run every 15 minutes, and when the user asks.
    let summary = service
        .list_connections()
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.id == added.id)
        .unwrap();
    assert_eq!(summary.live_balances_every_min, Some(15));
    let billed = || async {
        server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.url.path() == "/accounts/balance/get")
            .count()
    };
    let before = billed().await;
    service.accounts_overview().await.unwrap();
    assert_eq!(
        billed().await,
        before,
        "within 15 minutes: Plaid's cached balances"
    );
    let overview = service.refresh_live_balances(&added.id).await.unwrap();
    assert_eq!(account_of(&overview, &added.id).len(), 4);
    assert_eq!(billed().await, before + 1, "asked for: one live read");
    let err = service
        .refresh_live_balances(&ConnectionId::new("paper-local"))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("every refresh already"), "{err}");
    lock_drops_and_unlock_rebuilds(&service, &added).await;
}

/// Records the URL it was asked to open, as a browser would be.
struct CapturingBrowser(std::sync::Mutex<Option<url::Url>>);

impl brokerdesk_oauth::BrowserOpener for CapturingBrowser {
    fn open(&self, url: &url::Url) -> Result<(), brokerdesk_oauth::OpenError> {
        *self.0.lock().unwrap() = Some(url.clone());
        Ok(())
    }
}

#[tokio::test]
async fn snaptrade_portal_opens_in_the_browser_and_comes_back_to_our_listener() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let fixture = |name: &str| -> serde_json::Value {
        let path = format!(
            "{}/../connectors/tests/fixtures/snaptrade/{name}",
            env!("CARGO_MANIFEST_DIR")
        );
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    };
    let mut accounts = fixture("spec_synth_GET_accounts.json");
    accounts[0]["id"] = serde_json::json!("917c8734-8470-4a3e-a18f-57c3f2ee6631");
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&accounts))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/snapTrade/login"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("spec_synth_POST_snapTrade_login.json")),
        )
        .mount(&server)
        .await;
    let (_dir, _config, service) =
        service_at("snaptrade", &format!("{}/api/v1", server.uri())).await;
    let added = service
        .add_key_connection(args(
            "snaptrade",
            &[
                ("client_id", "BROKERDESK-TEST"),
                ("consumer_key", "consumer-key-e2e"),
                ("user_id", "user-1"),
                ("user_secret", "user-secret-e2e"),
            ],
            false,
        ))
        .await
        .unwrap();

    let browser = CapturingBrowser(std::sync::Mutex::new(None));
    let started = service
        .portal_start(&added.id, None, &browser)
        .await
        .unwrap();
    let opened = browser
        .0
        .lock()
        .unwrap()
        .clone()
        .expect("the browser was opened");
    assert_eq!(opened.as_str(), started.authorize_url);
    assert!(
        opened
            .as_str()
            .starts_with("https://app.snaptrade.com/snapTrade/redeemToken")
    );

    // SnapTrade was told to send the browser back to our loopback listener.
    let login = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path().ends_with("/snapTrade/login"))
        .expect("a portal link was asked for");
    let body: serde_json::Value = serde_json::from_slice(&login.body).unwrap();
    let back_to = body["customRedirect"].as_str().unwrap().to_owned();
    assert!(back_to.starts_with("http://127.0.0.1:"), "{back_to}");

    // The user finishes in the portal; the browser comes back; the connection is read again.
    let finishing = {
        let service = service.clone();
        let flow = started.flow_id.clone();
        tokio::spawn(async move { service.oauth_finish(&flow).await })
    };
    let page = reqwest::get(format!("{back_to}?status=SUCCESS"))
        .await
        .unwrap();
    assert!(page.text().await.unwrap().contains("close this window"));
    let summary = finishing.await.unwrap().unwrap();
    assert_eq!(summary.id, added.id);

    // A second visit, cancelled: finishing says so, and the port is closed.
    let again = service
        .portal_start(&added.id, None, &browser)
        .await
        .unwrap();
    service.oauth_cancel(&again.flow_id).unwrap();
    let err = service.oauth_finish(&again.flow_id).await.unwrap_err();
    assert!(err.to_string().contains("cancelled"), "{err}");
    // The paper sandbox has no portal.
    let err = service
        .portal_start(&ConnectionId::new("paper-local"), None, &browser)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("no portal"), "{err}");
}

#[tokio::test]
async fn a_portal_link_that_is_not_https_is_never_opened() {
    // The portal's address comes from the aggregator's reply: `http://` elsewhere (or `file:`,
    // `javascript:`) is refused before any browser sees it, and no flow is left waiting.
    for bad in [
        "http://app.snaptrade.example/snapTrade/redeemToken?token=t0k3n",
        "file:///etc/passwd",
        "javascript:alert(1)",
    ] {
        let server = MockServer::start().await;
        let mut accounts = fixture_json("snaptrade", "spec_synth_GET_accounts.json");
        accounts[0]["id"] = serde_json::json!("917c8734-8470-4a3e-a18f-57c3f2ee6631");
        Mock::given(method("GET"))
            .and(path("/api/v1/accounts"))
            .respond_with(ResponseTemplate::new(200).set_body_json(&accounts))
            .mount(&server)
            .await;
        let mut login = fixture_json("snaptrade", "spec_synth_POST_snapTrade_login.json");
        login["redirectURI"] = serde_json::json!(bad);
        Mock::given(method("POST"))
            .and(path("/api/v1/snapTrade/login"))
            .respond_with(ResponseTemplate::new(200).set_body_json(&login))
            .mount(&server)
            .await;
        let (_dir, _config, service) =
            service_at("snaptrade", &format!("{}/api/v1", server.uri())).await;
        let added = service
            .add_key_connection(args(
                "snaptrade",
                &[
                    ("client_id", "BROKERDESK-TEST"),
                    ("consumer_key", "consumer-key-e2e"),
                    ("user_id", "user-1"),
                    ("user_secret", "user-secret-e2e"),
                ],
                false,
            ))
            .await
            .unwrap();
        let browser = CapturingBrowser(std::sync::Mutex::new(None));
        let err = service
            .portal_start(&added.id, None, &browser)
            .await
            .unwrap_err();
        assert!(err.to_string().contains("only https"), "{bad}: {err}");
        assert!(!err.to_string().contains("t0k3n"), "{err}");
        assert!(browser.0.lock().unwrap().is_none(), "{bad} was opened");
        assert!(service.inner.flows.portals_idle(), "a flow was left");
    }
}

#[tokio::test]
async fn plaid_hosted_link_adds_the_item_and_seals_its_access_token() {
    let server = MockServer::start().await;
    // The keys alone are checked with a directory search (no Item yet).
    Mock::given(method("POST"))
        .and(path("/institutions/search"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_institutions_search_200_example-1.json",
        ))
        .mount(&server)
        .await;
    let mut created = fixture_json(
        "plaid",
        "spec_example_POST_link_token_create_200_example-1.json",
    );
    created["hosted_link_url"] = serde_json::json!("https://secure.plaid.com/hl/e2e-session");
    Mock::given(method("POST"))
        .and(path("/link/token/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&created))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/link/token/get"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_link_token_get_200_example-1.json",
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/item/public_token/exchange"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_item_public_token_exchange_200_example-1.json",
        ))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    // Linking a second institution gives a second Item.
    let mut second_item = fixture_json(
        "plaid",
        "spec_example_POST_item_public_token_exchange_200_example-1.json",
    );
    second_item["access_token"] = serde_json::json!("access-sandbox-second-item-token");
    second_item["item_id"] = serde_json::json!("second-item");
    Mock::given(method("POST"))
        .and(path("/item/public_token/exchange"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&second_item))
        .with_priority(2)
        .mount(&server)
        .await;
    let holdings = fixture_json(
        "plaid",
        "spec_example_POST_investments_holdings_get_200_example-1.json",
    );
    Mock::given(method("POST"))
        .and(path("/investments/holdings/get"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&holdings))
        .mount(&server)
        .await;
    let mut balance = fixture_json(
        "plaid",
        "spec_example_POST_accounts_balance_get_200_example-1.json",
    );
    balance["accounts"] = holdings["accounts"].clone();
    Mock::given(method("POST"))
        // The same accounts with cached balances (`/accounts/get`) between live reads.
        .and(wiremock::matchers::path_regex("^/accounts(/balance)?/get$"))
        .respond_with(ResponseTemplate::new(200).set_body_json(balance))
        .mount(&server)
        .await;

    let (_dir, config, service) = service_at("plaid", &server.uri()).await;
    let added = service
        .add_key_connection(args(
            "plaid",
            &[("client_id", "client-1"), ("secret", "plaid-secret-value")],
            true,
        ))
        .await
        .unwrap();
    assert!(account_of(&service.accounts_overview().await.unwrap(), &added.id).is_empty());
    // Connected, Plaid's institution search joins the catalog's.
    let found = service.search_institutions("citizens").await.unwrap();
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|i| i.aggregator == brokerdesk_model::catalog::Aggregator::Plaid)
    );
    assert!(
        service.search_institutions("c").await.unwrap().is_empty(),
        "too short to ask"
    );

    let browser = CapturingBrowser(std::sync::Mutex::new(None));
    let started = service
        .portal_start(&added.id, None, &browser)
        .await
        .unwrap();
    assert_eq!(
        started.authorize_url,
        "https://secure.plaid.com/hl/e2e-session"
    );
    let create = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/link/token/create")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    // The first thing Plaid links is a brokerage: its holdings.
    assert_eq!(body["products"], serde_json::json!(["investments"]));
    let back_to = body["hosted_link"]["completion_redirect_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(back_to.starts_with("http://127.0.0.1:"), "{back_to}");

    let finishing = {
        let service = service.clone();
        let flow = started.flow_id.clone();
        tokio::spawn(async move { service.oauth_finish(&flow).await })
    };
    reqwest::get(&back_to).await.unwrap();
    finishing.await.unwrap().unwrap();

    // The Item's access token is sealed with the connection's keys, and its accounts show.
    let exchange: serde_json::Value = fixture_json(
        "plaid",
        "spec_example_POST_item_public_token_exchange_200_example-1.json",
    );
    let access = exchange["access_token"].as_str().unwrap();
    let credential = crate::browser_flows::FlowHost::credential_of(&service, &added.id).unwrap();
    let sealed = service.vault().with_store(|s| s.get(credential)).unwrap();
    assert!(secrecy::ExposeSecret::expose_secret(&sealed).contains(access));
    assert!(
        !registry_text(&config).contains(access),
        "never outside the vault"
    );
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(account_of(&overview, &added.id).len(), 4, "{overview:?}");

    // Linking again — a bank this time — adds an Item beside the first (whose token stays:
    // overwriting it would orphan that Item at Plaid).
    let started = service
        .portal_start(&added.id, Some(LinkPurpose::BankAndCards), &browser)
        .await
        .unwrap();
    let body = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter(|r| r.url.path() == "/link/token/create")
        .last()
        .map(|r| serde_json::from_slice::<serde_json::Value>(&r.body).unwrap())
        .unwrap();
    assert_eq!(body["products"], serde_json::json!(["transactions"]));
    let back_to = body["hosted_link"]["completion_redirect_uri"]
        .as_str()
        .unwrap()
        .to_owned();
    let finishing = {
        let service = service.clone();
        let flow = started.flow_id.clone();
        tokio::spawn(async move { service.oauth_finish(&flow).await })
    };
    reqwest::get(&back_to).await.unwrap();
    finishing.await.unwrap().unwrap();
    let sealed = service.vault().with_store(|s| s.get(credential)).unwrap();
    let fields: BTreeMap<String, String> =
        serde_json::from_str(secrecy::ExposeSecret::expose_secret(&sealed)).unwrap();
    assert_eq!(fields.get("access_token").map(String::as_str), Some(access));
    assert_eq!(
        fields.get("access_token.2").map(String::as_str),
        Some("access-sandbox-second-item-token")
    );
}

/// A remote search hit connects through its aggregator's portal, opened on that institution;
/// with no connection to that aggregator yet, the user is told what to add first.
#[tokio::test]
async fn a_remote_search_hit_opens_its_aggregators_portal_on_that_institution() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/institutions/search"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_institutions_search_200_example-1.json",
        ))
        .mount(&server)
        .await;
    let mut created = fixture_json(
        "plaid",
        "spec_example_POST_link_token_create_200_example-1.json",
    );
    created["hosted_link_url"] = serde_json::json!("https://secure.plaid.com/hl/for-a-hit");
    Mock::given(method("POST"))
        .and(path("/link/token/create"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&created))
        .mount(&server)
        .await;
    // What the directory says the institution offers: a bank (no investments).
    Mock::given(method("POST"))
        .and(path("/institutions/get_by_id"))
        .respond_with(reply(
            200,
            "plaid",
            "spec_example_POST_institutions_get_by_id_200_example-1.json",
        ))
        .mount(&server)
        .await;
    let (_dir, _config, service) = service_at("plaid", &server.uri()).await;
    let hit = brokerdesk_model::search::RemoteInstitution {
        id: "ins_109508".into(),
        name: "First Platypus Bank".into(),
        aggregator: brokerdesk_model::catalog::Aggregator::Plaid,
        url: None,
        logo_url: None,
        trading: None,
    };
    let browser = CapturingBrowser(std::sync::Mutex::new(None));

    let first = service
        .portal_start_for_hit(&hit, &browser)
        .await
        .unwrap_err();
    assert_eq!(IpcError::from(&first).code, ErrorCode::InvalidInput);
    assert!(
        first
            .to_string()
            .contains("connect Plaid with its keys first"),
        "{first}"
    );

    service
        .add_key_connection(args(
            "plaid",
            &[("client_id", "client-1"), ("secret", "plaid-secret-value")],
            true,
        ))
        .await
        .unwrap();
    let started = service.portal_start_for_hit(&hit, &browser).await.unwrap();
    assert_eq!(
        started.authorize_url,
        "https://secure.plaid.com/hl/for-a-hit"
    );
    let create = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path() == "/link/token/create")
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!(body["institution_id"], "ins_109508", "{body}");
    assert_eq!(
        body["products"],
        serde_json::json!(["transactions"]),
        "a bank is linked for its bank accounts"
    );
    service.oauth_cancel(&started.flow_id).unwrap();
}
