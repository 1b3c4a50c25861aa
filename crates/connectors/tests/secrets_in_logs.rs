//! No secret reaches a log line or an error, whatever happens on the wire. Every vendor connector
//! runs its contract scenarios (recorded replies from tests/fixtures) with logging at TRACE, the
//! most `BROKERDESK_LOG` can ask for, and again against failures: 401, 500, a refused connection
//! and a server that hangs up (the last two make reqwest errors that quote the URL). All log
//! output (ours and the libraries', `log` records included) is captured, with the Display and
//! Debug of every error and result and of the connectors themselves; none may hold a secret.
//! (The one exception is the mock server's own log, which plays the vendor.)

mod support;

use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::directory::InstitutionDirectory;
use brokerdesk_connectors::ibkr::{IbkrConfig, IbkrConnector};
use brokerdesk_connectors::paypal::{PayPalConfig, PayPalConnector, PayPalCredential};
use brokerdesk_connectors::plaid::{
    LinkRequest, PlaidConfig, PlaidConnector, PlaidCredential, PlaidEnvironment,
};
use brokerdesk_connectors::snaptrade::{
    ConnectionType, SnapTradeConfig, SnapTradeConnector, SnapTradeCredential, SnapTradeUser,
};
use brokerdesk_connectors::square::{SquareConfig, SquareConnector, SquareCredential};
use brokerdesk_connectors::stripe::{StripeConfig, StripeConnector, StripeKey};
use brokerdesk_connectors::types::{
    OrderFilter, OrderRequest, OrderSide, OrderStatusFilter, TransactionQuery,
};
use brokerdesk_connectors::{ConnectorError, MarketData, Payments, Portfolio, Trading};
use brokerdesk_model::{AccountId, ClientOrderId, Symbol};
use rust_decimal_macros::dec;
use secrecy::SecretString;
use serde_json::{Value, json};
use std::fmt::Debug;
use std::io::Write;
use std::sync::{Arc, Mutex, OnceLock};
use support::{fast_policy, fixture, fixture_json};
use tokio::io::AsyncReadExt;
use wiremock::matchers::{any, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const ALPACA_SECRET: &str = "SECRET-alpaca-key-7Q2aa";
const SNAPTRADE_CONSUMER_KEY: &str = "SECRET-snaptrade-consumer-7Q2bb";
const SNAPTRADE_USER_SECRET: &str = "SECRET-snaptrade-user-7Q2cc";
const SNAPTRADE_REGISTERED_SECRET: &str = "SECRET-snaptrade-registered-7Q2dd";
const PLAID_SECRET: &str = "SECRET-plaid-client-7Q2ee";
const PLAID_ACCESS_TOKEN: &str = "access-SECRET-plaid-7Q2ff";
const PLAID_LINK_TOKEN: &str = "link-SECRET-plaid-7Q2gg";
const PLAID_PUBLIC_TOKEN: &str = "public-SECRET-plaid-7Q2hh";
const PLAID_EXCHANGED_TOKEN: &str = "access-SECRET-plaid-exchanged-7Q2ii";
const PLAID_HOSTED_SESSION: &str = "SECRET-plaid-session-7Q2jj";
const PAYPAL_SECRET: &str = "SECRET-paypal-client-7Q2kk";
const PAYPAL_BEARER: &str = "SECRET-paypal-bearer-7Q2ll";
const STRIPE_KEY: &str = "sk_test_SECRETstripe7Q2mm";
const SQUARE_TOKEN: &str = "SECRET-square-token-7Q2nn";
const IBKR_GATEWAY_PASSWORD: &str = "SECRET-ibkr-gateway-7Q2oo";

/// Everything every subscriber-visible event wrote, from every test of this binary.
fn log() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOG: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOG.get_or_init(|| {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let writer = Captured(Arc::clone(&buffer));
        // `try_init` also routes the `log` crate (reqwest, hyper-util) here. The mock server's
        // own lines are left out: it stands in for the vendor, which is meant to see the
        // secret (it prints the headers of a request it has no mock for).
        tracing_subscriber::fmt()
            .with_env_filter("trace,wiremock=off")
            .with_ansi(false)
            .with_writer(move || writer.clone())
            .try_init()
            .expect("the only subscriber of this test binary");
        buffer
    })
}

#[derive(Clone)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log buffer").extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// What the connectors said back: every error's and result's Display and Debug.
#[derive(Default)]
struct Seen(Vec<String>);

impl Seen {
    fn result<T: Debug>(&mut self, r: Result<T, ConnectorError>) -> Option<T> {
        match r {
            Ok(v) => {
                self.0.push(format!("{v:?}"));
                Some(v)
            }
            Err(e) => {
                self.0.push(format!("{e} | {e:?} | {e:#?}"));
                None
            }
        }
    }

    fn debug(&mut self, v: &impl Debug) {
        self.0.push(format!("{v:?} {v:#?}"));
    }
}

/// No secret, whole or its distinctive tail, in the log or in anything seen; and the log did
/// run (the scenarios reached the HTTP layer at TRACE).
fn assert_clean(vendor: &str, secrets: &[&str], seen: &Seen) {
    let log = String::from_utf8_lossy(&log().lock().expect("log buffer")).into_owned();
    assert!(
        log.contains(&format!("vendor=\"{vendor}\"")),
        "nothing of {vendor} was logged: is the capture working?"
    );
    assert!(
        log.contains("giving up"),
        "the failure paths were not logged"
    );
    for secret in secrets {
        let tail = &secret[secret.len() - 6..];
        for (what, text) in [("log", &log), ("errors and results", &seen.0.join("\n"))] {
            for needle in [*secret, tail] {
                if let Some(at) = text.find(needle) {
                    let from = at.saturating_sub(300);
                    let to = (at + 100).min(text.len());
                    panic!(
                        "{vendor}: {needle:?} appears in the {what}:\n…{}…",
                        text.get(from..to).unwrap_or(text)
                    );
                }
            }
        }
    }
}

/// A port nobody listens on: connecting is refused at once.
fn refused_url() -> String {
    let free = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = free.local_addr().expect("addr");
    drop(free);
    format!("http://{addr}")
}

/// A server that reads the request and closes the connection without a byte of answer.
async fn hang_up_url() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        while let Ok((mut sock, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                let _ = sock.read(&mut buf).await;
            });
        }
    });
    url
}

/// Every request answered with `status` and the vendor's recorded error body.
async fn failing(status: u16, body: &str) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_raw(body, "application/json"))
        .mount(&server)
        .await;
    server
}

/// The base URLs of every failure: 401, 500, refused, hung up.
async fn failures(body_401: &str, body_500: &str) -> (Vec<MockServer>, Vec<String>) {
    let servers = vec![failing(401, body_401).await, failing(500, body_500).await];
    let mut urls: Vec<String> = servers.iter().map(MockServer::uri).collect();
    urls.push(refused_url());
    urls.push(hang_up_url().await);
    (servers, urls)
}

async fn mount(server: &MockServer, verb: &str, p: &str, body: impl Into<String>) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(ResponseTemplate::new(200).set_body_raw(body.into(), "application/json"))
        .mount(server)
        .await;
}

fn first(accounts: Option<Vec<AccountId>>, fallback: &str) -> AccountId {
    accounts
        .and_then(|a| a.into_iter().next())
        .unwrap_or_else(|| AccountId::new(fallback))
}

// ---------------------------------------------------------------------------------- Alpaca

fn alpaca(url: &str) -> AlpacaConnector {
    let mut config = AlpacaConfig::local(url);
    config.trading_policy = fast_policy();
    config.data_policy = fast_policy();
    AlpacaConnector::new(
        config,
        AlpacaCredential::api_key("PKLOGTEST", ALPACA_SECRET),
    )
    .expect("connector")
}

async fn drive_alpaca(url: &str, seen: &mut Seen) {
    let c = alpaca(url);
    seen.debug(&c);
    let account = first(seen.result(c.accounts().await), "acct");
    seen.result(c.balances(&account).await);
    seen.result(c.positions(&account).await);
    seen.result(c.latest_quotes(&[Symbol::new("AAPL")]).await);
    let order = OrderRequest::limit(
        ClientOrderId::new("log-test-order-1"),
        Symbol::new("AAPL"),
        OrderSide::Buy,
        dec!(1),
        dec!(1.00),
    );
    seen.result(c.submit_order(&account, &order).await);
    seen.result(c.orders(&account, &OrderFilter::default()).await);
}

#[tokio::test]
async fn alpaca_keeps_its_secret_key_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    mount(
        &ok,
        "GET",
        "/v2/account",
        fixture("alpaca", "spec_example_GET_v2_account.json"),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v2/positions",
        fixture("alpaca", "alpaca-py_test_get_all_positions.json"),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v2/stocks/quotes/latest",
        fixture("alpaca", "spec_example_GET_v2_stocks_quotes_latest.json"),
    )
    .await;
    drive_alpaca(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        r#"{"code":40110000,"message":"request is not authorized"}"#,
        r#"{"code":50010000,"message":"internal server error occurred"}"#,
    )
    .await;
    for url in &urls {
        drive_alpaca(url, &mut seen).await;
    }
    assert_clean("alpaca", &[ALPACA_SECRET], &seen);
}

// ------------------------------------------------------------------------------- SnapTrade

fn snaptrade(url: &str) -> SnapTradeConnector {
    SnapTradeConnector::new(
        SnapTradeConfig {
            base_url: format!("{url}/api/v1"),
            policy: fast_policy(),
            fixed_timestamp: None,
        },
        SnapTradeCredential::new("BROKERDESK-LOG-TEST", SNAPTRADE_CONSUMER_KEY),
    )
    .expect("connector")
    .with_user(SnapTradeUser::new("log-user-1", SNAPTRADE_USER_SECRET))
}

async fn drive_snaptrade(url: &str, seen: &mut Seen) {
    let c = snaptrade(url);
    seen.debug(&c);
    seen.result(c.register_user("log-user-2").await);
    let account = first(seen.result(c.accounts().await), "acct");
    seen.result(c.balances(&account).await);
    seen.result(c.positions(&account).await);
    let filter = OrderFilter {
        status: OrderStatusFilter::All,
        ..OrderFilter::default()
    };
    seen.result(c.orders(&account, &filter).await);
    seen.result(c.search_institutions("robin").await);
    let back = url::Url::parse("http://127.0.0.1:53682/return/x").expect("url");
    seen.result(c.portal_link(&back, ConnectionType::Read, None, None).await);
}

#[tokio::test]
async fn snaptrade_keeps_the_user_secret_and_consumer_key_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    let mut registered = fixture_json("snaptrade", "spec_synth_POST_snapTrade_registerUser.json");
    registered["userSecret"] = json!(SNAPTRADE_REGISTERED_SECRET);
    mount(
        &ok,
        "POST",
        "/api/v1/snapTrade/registerUser",
        registered.to_string(),
    )
    .await;
    let account = "917c8734-8470-4a3e-a18f-57c3f2ee6631";
    let mut accounts = fixture_json("snaptrade", "spec_synth_GET_accounts.json");
    accounts[0]["id"] = json!(account);
    mount(&ok, "GET", "/api/v1/accounts", accounts.to_string()).await;
    for (p, name) in [
        (
            "balances",
            "spec_synth_GET_accounts_accountId_balances.json",
        ),
        (
            "positions/all",
            "spec_synth_GET_accounts_accountId_positions_all.json",
        ),
        ("orders", "spec_synth_GET_accounts_accountId_orders.json"),
    ] {
        mount(
            &ok,
            "GET",
            &format!("/api/v1/accounts/{account}/{p}"),
            fixture("snaptrade", name),
        )
        .await;
    }
    mount(
        &ok,
        "GET",
        "/api/v1/brokerages",
        fixture("snaptrade", "spec_synth_GET_brokerages.json"),
    )
    .await;
    mount(
        &ok,
        "POST",
        "/api/v1/snapTrade/login",
        fixture("snaptrade", "spec_synth_POST_snapTrade_login.json"),
    )
    .await;
    // The recorded portal link's one-time login token opens the user's portal: a secret too.
    let login = fixture_json("snaptrade", "spec_synth_POST_snapTrade_login.json");
    let portal = url::Url::parse(login["redirectURI"].as_str().expect("redirectURI")).expect("url");
    let redeem_token = portal
        .query_pairs()
        .find(|(k, _)| k == "token")
        .map(|(_, v)| v.into_owned())
        .expect("a token in the portal link");
    drive_snaptrade(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        r#"{"detail":"Unable to verify signature sent","status_code":401,"code":"1076"}"#,
        &fixture(
            "snaptrade",
            "spec_synth_POST_snapTrade_registerUser_500.json",
        ),
    )
    .await;
    for url in &urls {
        drive_snaptrade(url, &mut seen).await;
    }
    assert_clean(
        "snaptrade",
        &[
            SNAPTRADE_USER_SECRET,
            SNAPTRADE_CONSUMER_KEY,
            SNAPTRADE_REGISTERED_SECRET,
            &redeem_token,
        ],
        &seen,
    );
}

// ----------------------------------------------------------------------------------- Plaid

fn plaid(url: &str) -> PlaidConnector {
    PlaidConnector::new(
        PlaidConfig {
            policy: fast_policy(),
            ..PlaidConfig::new(PlaidEnvironment::Custom(url.to_owned()))
        },
        PlaidCredential::new("plaid-log-client", PLAID_SECRET),
    )
    .expect("connector")
}

async fn drive_plaid(url: &str, seen: &mut Seen) {
    let partner = plaid(url);
    seen.debug(&partner);
    let link = seen.result(
        partner
            .create_link_token(&LinkRequest {
                client_user_id: "bd-log-user".into(),
                completion_redirect_uri: Some("http://127.0.0.1:53682/return/x".into()),
                redirect_uri: None,
                access_token: Some(SecretString::from(PLAID_ACCESS_TOKEN)),
                institution_id: None,
                purpose: brokerdesk_model::vendors::LinkPurpose::BankAndCards,
            })
            .await,
    );
    let link_token = link
        .map(|l| l.link_token)
        .unwrap_or_else(|| SecretString::from(PLAID_LINK_TOKEN));
    let public = seen
        .result(partner.link_results(&link_token).await)
        .and_then(|t| t.into_iter().next())
        .unwrap_or_else(|| SecretString::from(PLAID_PUBLIC_TOKEN));
    seen.result(partner.exchange_public_token(public).await);
    seen.result(partner.search_institutions("gingham").await);
    let c = plaid(url).with_access_token(SecretString::from(PLAID_ACCESS_TOKEN));
    seen.debug(&c);
    let account = first(seen.result(c.accounts().await), "acct");
    seen.result(c.balances(&account).await);
    seen.result(c.positions(&account).await);
}

fn plaid_spec(name: &str) -> Value {
    fixture_json(
        "plaid",
        &format!("spec_example_POST_{name}_200_example-1.json"),
    )
}

#[tokio::test]
async fn plaid_keeps_its_secret_and_every_token_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    let mut created = plaid_spec("link_token_create");
    created["link_token"] = json!(PLAID_LINK_TOKEN);
    created["hosted_link_url"] = json!(format!(
        "https://secure.plaid.com/hl/{PLAID_HOSTED_SESSION}"
    ));
    mount(&ok, "POST", "/link/token/create", created.to_string()).await;
    let got = plaid_spec("link_token_get")
        .to_string()
        .replace(
            "public-sandbox-3b9687f0-3abd-4913-9889-f0ba816d4a3a",
            PLAID_PUBLIC_TOKEN,
        )
        .replace(
            "public-sandbox-44ba202e-bf6b-45c6-a5ba-d526765626a9",
            PLAID_PUBLIC_TOKEN,
        );
    mount(&ok, "POST", "/link/token/get", got).await;
    let mut exchanged = plaid_spec("item_public_token_exchange");
    exchanged["access_token"] = json!(PLAID_EXCHANGED_TOKEN);
    mount(
        &ok,
        "POST",
        "/item/public_token/exchange",
        exchanged.to_string(),
    )
    .await;
    for (p, name) in [
        ("/institutions/search", "institutions_search"),
        ("/investments/holdings/get", "investments_holdings_get"),
        ("/accounts/get", "accounts_get"),
        ("/accounts/balance/get", "accounts_balance_get"),
    ] {
        mount(&ok, "POST", p, plaid_spec(name).to_string()).await;
    }
    drive_plaid(&ok.uri(), &mut seen).await;
    let error = |status: u16, code: &str| {
        json!({
            "error_type": "INVALID_INPUT", "error_code": code, "error_message": "refused",
            "display_message": null, "request_id": "log-test", "status": status
        })
        .to_string()
    };
    let (_servers, urls) = failures(
        &error(401, "INVALID_API_KEYS"),
        &error(500, "INTERNAL_SERVER_ERROR"),
    )
    .await;
    for url in &urls {
        drive_plaid(url, &mut seen).await;
    }
    assert_clean(
        "plaid",
        &[
            PLAID_SECRET,
            PLAID_ACCESS_TOKEN,
            PLAID_LINK_TOKEN,
            PLAID_PUBLIC_TOKEN,
            PLAID_EXCHANGED_TOKEN,
            PLAID_HOSTED_SESSION,
        ],
        &seen,
    );
}

// ---------------------------------------------------------------------------------- PayPal

fn paypal(url: &str) -> PayPalConnector {
    let mut config = PayPalConfig::new(url);
    config.policy = fast_policy();
    PayPalConnector::new(
        config,
        PayPalCredential::client_credentials("paypal-log-client", PAYPAL_SECRET),
    )
    .expect("connector")
}

async fn drive_paypal(url: &str, seen: &mut Seen) {
    let c = paypal(url);
    seen.debug(&c);
    let account = first(seen.result(c.accounts().await), "acct");
    seen.result(c.payment_balances(&account).await);
    seen.result(c.transactions(&account, &TransactionQuery::default()).await);
    seen.debug(&c);
}

#[tokio::test]
async fn paypal_keeps_its_secret_and_bearer_token_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    let mut token = fixture_json("paypal", "docs_shape_POST_v1_oauth2_token.json");
    token["access_token"] = json!(PAYPAL_BEARER);
    mount(&ok, "POST", "/v1/oauth2/token", token.to_string()).await;
    mount(
        &ok,
        "GET",
        "/v1/reporting/balances",
        fixture("paypal", "synth_GET_v1_reporting_balances.json"),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v1/reporting/transactions",
        fixture("paypal", "synth_GET_v1_reporting_transactions.json"),
    )
    .await;
    drive_paypal(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        &fixture("paypal", "docs_shape_token_error_invalid_client.json"),
        &fixture("paypal", "spec_example_error_500.json"),
    )
    .await;
    for url in &urls {
        drive_paypal(url, &mut seen).await;
    }
    // A token that works, then an API that refuses it: the 401 path with a bearer in hand.
    let flaky = MockServer::start().await;
    mount(&flaky, "POST", "/v1/oauth2/token", token.to_string()).await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(401).set_body_raw(
            fixture("paypal", "docs_shape_token_error_invalid_client.json"),
            "application/json",
        ))
        .mount(&flaky)
        .await;
    drive_paypal(&flaky.uri(), &mut seen).await;
    assert_clean("paypal", &[PAYPAL_SECRET, PAYPAL_BEARER], &seen);
}

// ---------------------------------------------------------------------------------- Stripe

fn stripe(url: &str) -> StripeConnector {
    let mut config = StripeConfig::new(url);
    config.policy = fast_policy();
    StripeConnector::new(config, StripeKey::new(STRIPE_KEY).expect("key")).expect("connector")
}

async fn drive_stripe(url: &str, seen: &mut Seen) {
    let c = stripe(url);
    seen.debug(&c);
    let account = c.account().clone();
    seen.result(c.payment_balances(&account).await);
    seen.result(c.transactions(&account, &TransactionQuery::default()).await);
}

#[tokio::test]
async fn stripe_keeps_its_key_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    mount(
        &ok,
        "GET",
        "/v1/balance",
        fixture("stripe", "stripe-openapi_fixtures3_balance.json"),
    )
    .await;
    let list = json!({
        "object": "list", "has_more": false, "url": "/v1/balance_transactions",
        "data": [fixture_json("stripe", "stripe-openapi_fixtures3_balance_transaction.json")],
    });
    mount(&ok, "GET", "/v1/balance_transactions", list.to_string()).await;
    drive_stripe(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        &fixture("stripe", "synth_error_401.json"),
        &fixture("stripe", "synth_error_500.json"),
    )
    .await;
    for url in &urls {
        drive_stripe(url, &mut seen).await;
    }
    assert_clean("stripe", &[STRIPE_KEY], &seen);
}

// ---------------------------------------------------------------------------------- Square

fn square(url: &str) -> SquareConnector {
    let mut config = SquareConfig::new(url);
    config.policy = fast_policy();
    SquareConnector::new(config, SquareCredential::access_token(SQUARE_TOKEN)).expect("connector")
}

async fn drive_square(url: &str, seen: &mut Seen) {
    let c = square(url);
    seen.debug(&c);
    let location = first(seen.result(c.accounts().await), "loc");
    seen.result(c.payment_balances(&location).await);
    seen.result(
        c.transactions(&location, &TransactionQuery::default())
            .await,
    );
}

#[tokio::test]
async fn square_keeps_its_access_token_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    mount(
        &ok,
        "GET",
        "/v2/locations",
        fixture("square", "spec_example_GET_v2_locations.json"),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v2/payments",
        fixture("square", "spec_example_GET_v2_payments.json"),
    )
    .await;
    drive_square(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        &fixture("square", "synth_error_401_UNAUTHORIZED.json"),
        &fixture("square", "synth_error_500_INTERNAL_SERVER_ERROR.json"),
    )
    .await;
    for url in &urls {
        drive_square(url, &mut seen).await;
    }
    assert_clean("square", &[SQUARE_TOKEN], &seen);
}

// ------------------------------------------------------------------------------------ IBKR

/// The gateway holds the session itself; the one secret here is a password in the gateway's
/// address (a proxy in front of it), which the redaction rule drops with the userinfo.
fn ibkr(url: &str) -> IbkrConnector {
    let with_password = url.replacen(
        "http://",
        &format!("http://gateway:{IBKR_GATEWAY_PASSWORD}@"),
        1,
    );
    IbkrConnector::new(IbkrConfig {
        base_url: format!("{with_password}/v1/api"),
        policy: fast_policy(),
        snapshot_retry_delay: std::time::Duration::from_millis(10),
        ..IbkrConfig::default()
    })
    .expect("connector")
}

async fn drive_ibkr(url: &str, seen: &mut Seen) {
    let c = ibkr(url);
    seen.debug(&c);
    let account = first(seen.result(c.accounts().await), "DU123456");
    seen.result(c.balances(&account).await);
    seen.result(c.positions(&account).await);
    seen.result(c.latest_quotes(&[Symbol::new("AAPL")]).await);
}

#[tokio::test]
async fn ibkr_keeps_a_gateway_password_in_its_address_out_of_logs_and_errors() {
    log();
    let mut seen = Seen::default();
    let ok = MockServer::start().await;
    mount(
        &ok,
        "GET",
        "/v1/api/portfolio/accounts",
        fixture("ibkr", "spec_example_GET_portfolio_accounts__accounts.json"),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v1/api/iserver/accounts",
        json!({"accounts": ["DU123456"], "selectedAccount": "DU123456"}).to_string(),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v1/api/portfolio/DU123456/summary",
        fixture(
            "ibkr",
            "spec_example_GET_portfolio_accountId_summary__success.json",
        ),
    )
    .await;
    mount(
        &ok,
        "GET",
        "/v1/api/portfolio/DU123456/positions/0",
        fixture(
            "ibkr",
            "spec_example_GET_portfolio_accountId_positions_pageId__positions.json",
        ),
    )
    .await;
    drive_ibkr(&ok.uri(), &mut seen).await;
    let (_servers, urls) = failures(
        r#"{"error":"not authenticated","statusCode":401}"#,
        r#"{"error":"internal error"}"#,
    )
    .await;
    for url in &urls {
        drive_ibkr(url, &mut seen).await;
    }
    assert_clean("ibkr", &[IBKR_GATEWAY_PASSWORD], &seen);
}
