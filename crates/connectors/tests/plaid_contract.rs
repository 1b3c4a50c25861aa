//! Plaid contract tests: the examples in Plaid's own OpenAPI spec (tests/fixtures/plaid, see
//! SOURCES.md) served by wiremock in place of sandbox.plaid.com, each request checked for
//! method, path, credential headers and its exact JSON body.

mod support;

use brokerdesk_connectors::directory::InstitutionDirectory;
use brokerdesk_connectors::plaid::{
    LinkRequest, PlaidConfig, PlaidConnector, PlaidCredential, PlaidEnvironment,
};
use brokerdesk_connectors::{BilledBalances, ConnectorError, Portfolio};
use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::{AccountId, PositionSide, Symbol};
use rust_decimal_macros::dec;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use support::{fast_policy, fixture_json};
use wiremock::matchers::{body_json, header, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "access-sandbox-de3ce8ef-33f8-452c-a685-8671031fc0f6";
const IRA: &str = "JqMLm4rJwpF6gMPJwBqdh9ZjjPvvpDcb7kDK1";
const K401: &str = "k67E4xKvMlhmleEa4pg9hlwGGNnnEeixPolGm";
const CHECKING: &str = "BxBXxLj1m4HMXBm9WZZmCWVbPjX16EHwv99vp";

fn config(url: &str) -> PlaidConfig {
    PlaidConfig {
        policy: fast_policy(),
        ..PlaidConfig::new(PlaidEnvironment::Custom(url.to_owned()))
    }
}

fn partner(url: &str) -> PlaidConnector {
    PlaidConnector::new(
        config(url),
        PlaidCredential::new("client-id-1", "plaid-secret-1"),
    )
    .expect("connector")
}

fn connector(url: &str) -> PlaidConnector {
    partner(url).with_access_token(SecretString::from(TOKEN.to_owned()))
}

fn spec(name: &str) -> Value {
    fixture_json(
        "plaid",
        &format!("spec_example_POST_{name}_200_example-1.json"),
    )
}

/// A mock that answers only a request with Plaid's credential headers and exactly this body.
async fn expect(server: &MockServer, p: &str, body: Value, response: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path(p))
        .and(header("PLAID-CLIENT-ID", "client-id-1"))
        .and(header("PLAID-SECRET", "plaid-secret-1"))
        .and(header("content-type", "application/json"))
        .and(body_json(body))
        .respond_with(response)
        .mount(server)
        .await;
}

fn ok(body: Value) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(body)
}

fn plaid_error(
    status: u16,
    kind: &str,
    code: &str,
    message: &str,
    display: Option<&str>,
) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({
        "error_type": kind,
        "error_code": code,
        "error_code_reason": null,
        "error_message": message,
        "display_message": display,
        "request_id": "HNTDNrA8F1shFEW",
        "causes": [],
        "status": status,
        "documentation_url": "https://plaid.com/docs/errors/",
        "suggested_action": null,
    }))
}

async fn requests(server: &MockServer) -> usize {
    server.received_requests().await.expect("recorded").len()
}

#[tokio::test]
async fn hosted_link_returns_the_url_for_the_system_browser() {
    let server = MockServer::start().await;
    let mut reply = spec("link_token_create");
    reply["hosted_link_url"] = json!("https://secure.plaid.com/hl/lp5o0n9q7s8r");
    expect(
        &server,
        "/link/token/create",
        json!({
            "client_name": "Brokerdesk",
            "user": {"client_user_id": "bd-user-1"},
            "country_codes": ["US"],
            "language": "en",
            "products": ["investments"],
            "optional_products": ["transactions"],
            "hosted_link": {"is_mobile_app": false, "completion_redirect_uri": "http://127.0.0.1:53682/plaid/done"},
        }),
        ok(reply),
    )
    .await;
    let t = partner(&server.uri())
        .create_link_token(&LinkRequest {
            client_user_id: "bd-user-1".into(),
            completion_redirect_uri: Some("http://127.0.0.1:53682/plaid/done".into()),
            redirect_uri: None,
            access_token: None,
            institution_id: None,
            purpose: LinkPurpose::Investments,
        })
        .await
        .expect("link token");
    assert_eq!(
        t.link_token.expose_secret(),
        "link-sandbox-af1a0311-da53-4636-b754-dd15cc058176"
    );
    assert_eq!(
        t.hosted_link_url,
        "https://secure.plaid.com/hl/lp5o0n9q7s8r"
    );
    assert_eq!(t.expiration.as_deref(), Some("2020-03-27T12:56:34Z"));
    // Neither the token nor the session's address shows in Debug.
    let shown = format!("{t:?} {t:#?}");
    assert!(
        !shown.contains("link-sandbox-af1a0311") && !shown.contains("lp5o0n9q7s8r"),
        "{shown}"
    );
    assert!(shown.contains("2020-03-27T12:56:34Z"), "{shown}");
}

#[tokio::test]
async fn update_mode_names_the_item_and_a_missing_hosted_url_is_an_error() {
    let server = MockServer::start().await;
    // The spec's own example has no hosted_link_url: what a client without Hosted Link gets.
    expect(
        &server,
        "/link/token/create",
        json!({
            "client_name": "Brokerdesk",
            "user": {"client_user_id": "bd-user-1"},
            "country_codes": ["US"],
            "language": "en",
            "access_token": TOKEN,
            "redirect_uri": "https://app.example/plaid-oauth",
            "hosted_link": {"is_mobile_app": false},
        }),
        ok(spec("link_token_create")),
    )
    .await;
    let err = partner(&server.uri())
        .create_link_token(&LinkRequest {
            client_user_id: "bd-user-1".into(),
            completion_redirect_uri: None,
            redirect_uri: Some("https://app.example/plaid-oauth".into()),
            access_token: Some(SecretString::from(TOKEN.to_owned())),
            institution_id: None,
            purpose: LinkPurpose::Investments,
        })
        .await
        .expect_err("no hosted url");
    assert!(
        matches!(&err, ConnectorError::BadResponse(m) if m.contains("hosted_link_url")),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_public_token_becomes_a_secret_access_token() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/item/public_token/exchange",
        json!({"public_token": "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d"}),
        ok(spec("item_public_token_exchange")),
    )
    .await;
    let item = partner(&server.uri())
        .exchange_public_token(SecretString::from(
            "public-sandbox-b0e2c4ee-a763-4df5-bfe9-46a46bce993d".to_owned(),
        ))
        .await
        .expect("exchanged");
    assert_eq!(item.item_id, "M5eVJqLnv3tbzdngLDp9FL5OlDNxlNhlE55op");
    assert_eq!(item.access_token.expose_secret(), TOKEN);
    assert!(!format!("{item:?}").contains(TOKEN));
}

#[tokio::test]
async fn an_exchange_that_fails_on_the_server_is_not_resent() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/item/public_token/exchange"))
        .respond_with(plaid_error(
            500,
            "API_ERROR",
            "INTERNAL_SERVER_ERROR",
            "an unexpected error occurred",
            None,
        ))
        .mount(&server)
        .await;
    let err = partner(&server.uri())
        .exchange_public_token(SecretString::from("public-x".to_owned()))
        .await
        .expect_err("500");
    assert!(matches!(err, ConnectorError::Unavailable(_)));
    assert_eq!(requests(&server).await, 1, "single-use token: sent once");
}

#[tokio::test]
async fn holdings_become_accounts_and_positions() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/accounts/get",
        json!({"access_token": TOKEN}),
        ok(balances_reply("accounts_get")),
    )
    .await;
    expect(
        &server,
        "/investments/holdings/get",
        json!({"access_token": TOKEN}),
        ok(spec("investments_holdings_get")),
    )
    .await;
    let c = connector(&server.uri());
    let accounts = c.accounts().await.expect("accounts");
    assert_eq!(accounts.len(), 4);
    assert!(accounts.contains(&AccountId::new(IRA)));
    let p = c.positions(&AccountId::new(K401)).await.expect("positions");
    let achn = p
        .iter()
        .find(|x| x.symbol == Symbol::new("ACHN"))
        .expect("ACHN");
    assert_eq!(
        (achn.qty, achn.current_price, achn.market_value),
        (dec!(1), dec!(2.11), dec!(2.11))
    );
    assert_eq!(
        (achn.cost_basis, achn.avg_entry_price, achn.unrealized_pl),
        (dec!(1.5), dec!(1.5), dec!(0.61))
    );
    let dbltx = p
        .iter()
        .find(|x| x.symbol == Symbol::new("DBLTX"))
        .expect("DBLTX");
    assert_eq!(
        (dbltx.qty, dbltx.market_value, dbltx.avg_entry_price),
        (dec!(2), dec!(20.84), dec!(5))
    );
    assert!(p.iter().all(|x| x.side == PositionSide::Long));
    // The IRA holds cash (a security with ticker USD) and an option, by its OCC ticker.
    let ira = c.positions(&AccountId::new(IRA)).await.expect("ira");
    let ira: Vec<_> = ira.iter().map(|p| (p.symbol.as_str(), p.qty)).collect();
    assert_eq!(
        ira,
        vec![("USD", dec!(0.01)), ("NFLX180201C00355000", dec!(10000))]
    );
    assert!(matches!(
        c.positions(&AccountId::new("nope")).await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn holdings_parse_exactly_and_tolerate_missing_cost_and_empty_lists() {
    let server = MockServer::start().await;
    // Raw text: a JSON number with more digits than f64 holds, a decimal string, an exponent.
    let mut body = spec("investments_holdings_get");
    body["holdings"] = json!("HOLDINGS");
    let text = body.to_string().replace(
        r#""HOLDINGS""#,
        &format!(
            r#"[{{"account_id": "{K401}", "security_id": "NDVQrXQoqzt5v3bAe8qRt4A7mK7wvZCLEBBJk",
              "quantity": 0.30000000000000004441, "institution_price": "10.42",
              "institution_value": 1e1, "cost_basis": null, "iso_currency_code": "USD"}}]"#
        ),
    );
    expect(
        &server,
        "/investments/holdings/get",
        json!({"access_token": TOKEN}),
        ResponseTemplate::new(200).set_body_raw(text, "application/json"),
    )
    .await;
    let p = connector(&server.uri())
        .positions(&AccountId::new(K401))
        .await
        .expect("positions");
    assert_eq!(p[0].qty.to_string(), "0.30000000000000004441");
    assert_eq!(
        (p[0].current_price, p[0].market_value),
        (dec!(10.42), dec!(10))
    );
    assert_eq!((p[0].cost_basis, p[0].unrealized_pl), (dec!(0), dec!(0)));

    let server = MockServer::start().await;
    let mut body = spec("investments_holdings_get");
    body["holdings"] = json!([]);
    body["securities"] = json!([]);
    expect(
        &server,
        "/investments/holdings/get",
        json!({"access_token": TOKEN}),
        ok(body),
    )
    .await;
    assert!(
        connector(&server.uri())
            .positions(&AccountId::new(K401))
            .await
            .expect("empty")
            .is_empty()
    );
}

#[tokio::test]
async fn balances_are_read_in_real_time_for_one_account() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/accounts/balance/get",
        json!({"access_token": TOKEN, "options": {"account_ids": [CHECKING]}}),
        ok(spec("accounts_balance_get")),
    )
    .await;
    let b = connector(&server.uri())
        .balances(&AccountId::new(CHECKING))
        .await
        .expect("balances");
    assert_eq!(b.currency, "USD");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(100), dec!(100), dec!(110))
    );
}

#[tokio::test]
async fn an_investment_account_without_available_cash_reads_zero_cash() {
    let server = MockServer::start().await;
    let holdings = spec("investments_holdings_get");
    let ira = holdings["accounts"]
        .as_array()
        .expect("accounts")
        .iter()
        .find(|a| a["account_id"] == IRA)
        .cloned()
        .expect("ira");
    expect(
        &server,
        "/accounts/balance/get",
        json!({"access_token": TOKEN, "options": {"account_ids": [IRA]}}),
        ok(json!({"accounts": [ira], "item": {}, "request_id": "x"})),
    )
    .await;
    let b = connector(&server.uri())
        .balances(&AccountId::new(IRA))
        .await
        .expect("balances");
    assert_eq!(
        (b.cash, b.buying_power, b.equity),
        (dec!(0), dec!(0), dec!(110.01))
    );
}

#[tokio::test]
async fn an_unknown_account_id_is_unknown() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/accounts/balance/get"))
        .respond_with(plaid_error(
            400,
            "INVALID_INPUT",
            "INVALID_ACCOUNT_ID",
            "one or more of the account IDs is invalid",
            None,
        ))
        .mount(&server)
        .await;
    assert!(matches!(
        connector(&server.uri())
            .balances(&AccountId::new("nope"))
            .await,
        Err(ConnectorError::UnknownAccount(_))
    ));
}

#[tokio::test]
async fn item_login_required_asks_to_sign_in_with_plaids_words() {
    let server = MockServer::start().await;
    let body = fixture_json("plaid", "spec_example_PlaidError_ITEM_LOGIN_REQUIRED.json");
    Mock::given(method("POST"))
        .and(path("/accounts/get"))
        .respond_with(ResponseTemplate::new(400).set_body_json(body))
        .mount(&server)
        .await;
    let err = connector(&server.uri())
        .accounts()
        .await
        .expect_err("login required");
    assert!(
        matches!(&err, ConnectorError::NeedsSignIn(m) if m == "Please update your login credentials."),
        "{err:?}"
    );
    assert_eq!(requests(&server).await, 1, "a 400 is not retried");
}

#[tokio::test]
async fn other_plaid_errors_are_typed() {
    let cases = [
        (
            plaid_error(
                400,
                "INVALID_INPUT",
                "INVALID_ACCESS_TOKEN",
                "provided access token is in an invalid format",
                None,
            ),
            "rejected",
        ),
        (
            plaid_error(
                400,
                "INVALID_INPUT",
                "INVALID_API_KEYS",
                "invalid client_id or secret provided",
                None,
            ),
            "sign-in",
        ),
        (
            plaid_error(
                400,
                "ITEM_ERROR",
                "NO_INVESTMENT_ACCOUNTS",
                "no investment accounts",
                Some("No investment accounts were found."),
            ),
            "rejected",
        ),
        (
            plaid_error(
                400,
                "INSTITUTION_ERROR",
                "INSTITUTION_DOWN",
                "this institution is not currently responding",
                Some("The bank is down."),
            ),
            "unavailable",
        ),
        (ResponseTemplate::new(404), "rejected"),
        (
            ResponseTemplate::new(403).set_body_string("Forbidden"),
            "rejected",
        ),
    ];
    for (response, want) in cases {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/accounts/get"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = connector(&server.uri())
            .accounts()
            .await
            .expect_err("error");
        let got = match err {
            ConnectorError::Rejected(_) => "rejected",
            ConnectorError::NeedsSignIn(_) => "sign-in",
            ConnectorError::Unavailable(_) => "unavailable",
            _ => "other",
        };
        assert_eq!(got, want, "{err:?}");
    }
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_then_unavailable() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/accounts/balance/get"))
        .respond_with(plaid_error(
            429,
            "RATE_LIMIT_EXCEEDED",
            "ACCOUNTS_BALANCE_GET_LIMIT",
            "rate limit exceeded for attempts to access this item",
            None,
        ))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/balance/get"))
        .respond_with(ok(spec("accounts_balance_get")))
        .mount(&server)
        .await;
    let b = connector(&server.uri())
        .balances(&AccountId::new(CHECKING))
        .await
        .expect("after retry");
    assert_eq!(b.equity, dec!(110));
    assert_eq!(requests(&server).await, 2);

    for response in [
        plaid_error(
            429,
            "RATE_LIMIT_EXCEEDED",
            "RATE_LIMIT",
            "rate limit exceeded",
            None,
        ),
        plaid_error(
            500,
            "API_ERROR",
            "INTERNAL_SERVER_ERROR",
            "an unexpected error occurred",
            None,
        ),
    ] {
        let server = MockServer::start().await;
        Mock::given(method("POST"))
            .and(path("/accounts/get"))
            .respond_with(response)
            .mount(&server)
            .await;
        let err = connector(&server.uri())
            .accounts()
            .await
            .expect_err("still failing");
        assert!(matches!(err, ConnectorError::Unavailable(_)), "{err:?}");
        assert_eq!(
            requests(&server).await,
            3,
            "idempotent read retried to the limit"
        );
    }
}

#[tokio::test]
async fn institution_search_and_lookup() {
    let server = MockServer::start().await;
    expect(
        &server,
        "/institutions/search",
        json!({"query": "theoretical", "products": null, "country_codes": ["US"], "options": {"include_optional_metadata": true}}),
        ok(spec("institutions_search")),
    )
    .await;
    expect(
        &server,
        "/institutions/get_by_id",
        json!({"institution_id": "ins_109512", "country_codes": ["US"], "options": {"include_optional_metadata": true}}),
        ok(spec("institutions_get_by_id")),
    )
    .await;
    let c = partner(&server.uri());
    let hits = c
        .search_institutions(" theoretical ")
        .await
        .expect("search");
    assert_eq!(hits.len(), 1);
    assert_eq!(
        (hits[0].id.as_str(), hits[0].name.as_str()),
        ("ins_109513", "Theoretical Bank")
    );
    assert_eq!(hits[0].trading, Some(false));
    assert!(
        c.search_institutions("   ")
            .await
            .expect("empty")
            .is_empty()
    );
    assert_eq!(requests(&server).await, 1, "an empty query is not sent");
    let i = c.institution("ins_109512").await.expect("by id");
    assert_eq!(i.name, "Houndstooth Bank");
}

#[tokio::test]
async fn no_results_is_an_empty_list() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/institutions/search"))
        .respond_with(ok(json!({"institutions": [], "request_id": "x"})))
        .mount(&server)
        .await;
    assert!(
        partner(&server.uri())
            .search_institutions("zzz")
            .await
            .expect("ok")
            .is_empty()
    );
}

#[tokio::test]
async fn without_an_item_nothing_is_sent() {
    let server = MockServer::start().await;
    assert!(matches!(
        partner(&server.uri()).accounts().await,
        Err(ConnectorError::NeedsSignIn(_))
    ));
    assert_eq!(requests(&server).await, 0);
}

#[test]
fn environments_are_chosen_by_configuration() {
    assert_eq!(
        PlaidConfig::sandbox().base_url(),
        "https://sandbox.plaid.com"
    );
    assert_eq!(
        PlaidConfig::production().base_url(),
        "https://production.plaid.com"
    );
    assert_eq!(
        PlaidEnvironment::parse("Sandbox"),
        Some(PlaidEnvironment::Sandbox)
    );
    assert_eq!(
        PlaidEnvironment::parse("production"),
        Some(PlaidEnvironment::Production)
    );
    assert_eq!(
        PlaidEnvironment::parse("http://127.0.0.1:9000/"),
        Some(PlaidEnvironment::Custom("http://127.0.0.1:9000".into()))
    );
    assert_eq!(PlaidEnvironment::parse("development"), None);
    let c = PlaidConnector::new(
        PlaidConfig::sandbox(),
        PlaidCredential::new("id", "s3cret-value"),
    )
    .expect("c");
    let debug = format!("{c:?}");
    assert!(
        debug.contains("sandbox.plaid.com") && !debug.contains("s3cret-value"),
        "{debug}"
    );
}

#[tokio::test]
async fn a_finished_hosted_link_session_yields_each_public_token_once() {
    use secrecy::ExposeSecret;
    let server = MockServer::start().await;
    expect(
        &server,
        "/link/token/get",
        json!({ "link_token": "link-sandbox-af1a0311-da53-4636-b754-dd15cc058176" }),
        ok(spec("link_token_get")),
    )
    .await;
    let tokens = partner(&server.uri())
        .link_results(&SecretString::from(
            "link-sandbox-af1a0311-da53-4636-b754-dd15cc058176",
        ))
        .await
        .expect("the session's results");
    let tokens: Vec<&str> = tokens.iter().map(|t| t.expose_secret()).collect();
    // Two institutions were linked; on_success repeats the first and is not counted twice.
    assert_eq!(
        tokens,
        vec![
            "public-sandbox-3b9687f0-3abd-4913-9889-f0ba816d4a3a",
            "public-sandbox-44ba202e-bf6b-45c6-a5ba-d526765626a9"
        ]
    );
}

/// The holdings' accounts with the balances of `/accounts/get` or `/accounts/balance/get`
/// (the recorded examples name different accounts).
fn balances_reply(name: &str) -> Value {
    let mut reply = spec(name);
    let holdings = spec("investments_holdings_get");
    reply["accounts"] = holdings["accounts"].clone();
    reply
}

async fn billed(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/accounts/balance/get")
        .count()
}

/// Plaid bills `/accounts/balance/get` per call: over repeated refreshes of an Item's
/// accounts it runs once per 15 minutes, the rest read `/accounts/get` (free); the user's
/// explicit request runs it again. (The old code called it for every account on every
/// refresh: 8 calls here.)
#[tokio::test]
async fn live_balances_run_at_most_once_per_item_per_interval() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/investments/holdings/get"))
        .respond_with(ok(spec("investments_holdings_get")))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/balance/get"))
        .respond_with(ok(balances_reply("accounts_balance_get")))
        .expect(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/get"))
        .respond_with(ok(balances_reply("accounts_get")))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    for _ in 0..2 {
        let accounts = c.accounts().await.unwrap();
        assert_eq!(accounts.len(), 4);
        for a in &accounts {
            c.balances(a).await.unwrap();
        }
    }
    assert_eq!(billed(&server).await, 1, "one live read in the interval");
    BilledBalances::read_live_next(&c);
    c.balances(&AccountId::new(IRA)).await.unwrap();
    assert_eq!(
        billed(&server).await,
        2,
        "the user's request reads live again"
    );
    c.balances(&AccountId::new(K401)).await.unwrap();
    assert_eq!(billed(&server).await, 2);
}

/// Several Items in one connection: one whose login expired keeps its accounts listed,
/// marked, and never hides the other Item's accounts.
#[tokio::test]
async fn an_expired_item_marks_only_its_own_accounts() {
    const OTHER: &str = "access-sandbox-second-item";
    let server = MockServer::start().await;
    let mut other = spec("investments_holdings_get");
    other["accounts"] = json!([{
        "account_id": "other-item-account",
        "balances": {"available": null, "current": 100, "iso_currency_code": "USD", "limit": null, "unofficial_currency_code": null},
        "mask": "0000", "name": "Other", "official_name": null, "subtype": "brokerage", "type": "investment"
    }]);
    other["holdings"] = json!([]);
    // The first Item lists its accounts once, then its login expires.
    Mock::given(method("POST"))
        .and(path("/accounts/get"))
        .and(body_json(json!({"access_token": TOKEN})))
        .respond_with(ok(balances_reply("accounts_get")))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/get"))
        .and(body_json(json!({"access_token": TOKEN})))
        .respond_with(ResponseTemplate::new(400).set_body_raw(
            support::fixture("plaid", "spec_example_PlaidError_ITEM_LOGIN_REQUIRED.json"),
            "application/json",
        ))
        .with_priority(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/accounts/get"))
        .and(body_json(json!({"access_token": OTHER})))
        .respond_with(ok(
            json!({"accounts": other["accounts"].clone(), "item": {}, "request_id": "x"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/investments/holdings/get"))
        .and(body_json(json!({"access_token": OTHER})))
        .respond_with(ok(other))
        .mount(&server)
        .await;
    let c = connector(&server.uri()).with_access_token(SecretString::from(OTHER.to_owned()));
    assert_eq!(c.accounts().await.unwrap().len(), 5, "both Items' accounts");
    let accounts = c.accounts().await.unwrap();
    assert_eq!(accounts.len(), 5, "the expired Item's accounts stay listed");
    match c.balances(&AccountId::new(IRA)).await {
        Err(ConnectorError::BalanceUnknown(brokerdesk_model::BalanceUnknown::SignInExpired {
            note,
        })) => assert!(note.contains("Link accounts"), "{note}"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        c.positions(&AccountId::new(IRA)).await,
        Err(ConnectorError::BalanceUnknown(_))
    ));
    let fine = c.positions(&AccountId::new("other-item-account")).await;
    assert!(fine.is_ok(), "{fine:?}");
}

/// `/transactions/sync`: added and modified transactions become the account's activity with
/// the sign flipped (Plaid's positive amount is money out), the counterparty Plaid names,
/// and a removed one is dropped; the next read goes on from Plaid's cursor.
#[tokio::test]
async fn transactions_sync_becomes_activity_with_the_sign_flipped() {
    use brokerdesk_connectors::AccountActivity;
    use brokerdesk_connectors::types::TransactionQuery;
    use brokerdesk_model::{ActivityKind, ActivityStatus};
    let server = MockServer::start().await;
    let recorded = spec("transactions_sync");
    // The recorded page, plus a transfer to a payment app and the removed one added first.
    let mut first = recorded.clone();
    let mut venmo = recorded["added"][0].clone();
    venmo["transaction_id"] = json!("venmo-transfer-1");
    venmo["amount"] = json!(25.5);
    venmo["merchant_name"] = json!(null);
    venmo["name"] = json!("VENMO PAYMENT");
    venmo["counterparties"] = json!([{"name": "Venmo", "type": "payment_app"}]);
    venmo["personal_finance_category"] =
        json!({"primary": "TRANSFER_OUT", "detailed": "TRANSFER_OUT_ACCOUNT_TRANSFER"});
    let mut gone = recorded["added"][0].clone();
    gone["transaction_id"] = recorded["removed"][0]["transaction_id"].clone();
    first["added"] = json!([recorded["added"][0].clone(), venmo, gone]);
    first["removed"] = json!([]);
    first["has_more"] = json!(true);
    first["next_cursor"] = json!("cursor-1");
    let mut second = recorded.clone();
    second["added"] = json!([]);
    second["modified"] = json!([]);
    Mock::given(method("POST"))
        .and(path("/transactions/sync"))
        .and(body_json(json!({"access_token": TOKEN, "count": 500})))
        .respond_with(ok(first))
        .expect(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/transactions/sync"))
        .and(body_json(
            json!({"access_token": TOKEN, "count": 500, "cursor": "cursor-1"}),
        ))
        .respond_with(ok(second))
        .expect(1)
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let page = c
        .activity(&AccountId::new(CHECKING), &TransactionQuery::default())
        .await
        .unwrap();
    let removed = recorded["removed"][0]["transaction_id"].as_str().unwrap();
    assert!(
        page.entries.iter().all(|e| e.id != removed),
        "removed is dropped"
    );
    let walmart = page
        .entries
        .iter()
        .find(|e| e.counterparty.as_deref() == Some("Walmart"))
        .expect("the recorded purchase");
    assert_eq!(walmart.amount, dec!(-72.1), "money out is negative");
    assert_eq!(walmart.status, ActivityStatus::Completed);
    let venmo = page
        .entries
        .iter()
        .find(|e| e.id == "venmo-transfer-1")
        .expect("the transfer");
    assert_eq!(venmo.counterparty.as_deref(), Some("Venmo"));
    assert_eq!(
        (venmo.kind, venmo.amount),
        (ActivityKind::Transfer, dec!(-25.5))
    );
    assert!(page.entries.windows(2).all(|w| w[0].time >= w[1].time));
    let doordash = page
        .entries
        .iter()
        .find(|e| e.counterparty.as_deref() == Some("Burger King"))
        .expect("the modified one");
    assert_eq!(doordash.amount, dec!(-28.34));
}

/// A bank or card login asks Link for `transactions` (so banks without investments are listed
/// and their transactions sync) and takes holdings only where the bank also has them.
#[tokio::test]
async fn a_bank_or_card_login_asks_link_for_transactions() {
    let server = MockServer::start().await;
    let mut reply = spec("link_token_create");
    reply["hosted_link_url"] = json!("https://secure.plaid.com/hl/bank");
    expect(
        &server,
        "/link/token/create",
        json!({
            "client_name": "Brokerdesk",
            "user": {"client_user_id": "bd-user-1"},
            "country_codes": ["US"],
            "language": "en",
            "products": ["transactions"],
            "optional_products": ["investments"],
            "hosted_link": {"is_mobile_app": false, "completion_redirect_uri": "http://127.0.0.1:53682/plaid/done"},
        }),
        ok(reply),
    )
    .await;
    let t = partner(&server.uri())
        .create_link_token(&LinkRequest {
            client_user_id: "bd-user-1".into(),
            completion_redirect_uri: Some("http://127.0.0.1:53682/plaid/done".into()),
            redirect_uri: None,
            access_token: None,
            institution_id: None,
            purpose: LinkPurpose::BankAndCards,
        })
        .await
        .expect("a link token for a bank login");
    assert_eq!(t.hosted_link_url, "https://secure.plaid.com/hl/bank");
}

/// An Item linked for a bank lists every account from `/accounts/get` (Plaid's example: a
/// checking account, a 401k and a student loan); the bank and loan accounts hold no
/// securities and never ask for holdings, which a bank-only Item does not have.
#[tokio::test]
async fn a_bank_login_lists_its_accounts_and_its_bank_accounts_hold_no_securities() {
    const CHECKING: &str = "blgvvBlXw3cq5GMPwqB6s6q4dLKB9WcVqGDGo";
    const LOAN: &str = "XMBvvyMGQ1UoLbKByoMqH3nXMj84ALSdE5B58";
    let server = MockServer::start().await;
    expect(
        &server,
        "/accounts/get",
        json!({"access_token": TOKEN}),
        ok(spec("accounts_get")),
    )
    .await;
    Mock::given(method("POST"))
        .and(path("/accounts/balance/get"))
        .respond_with(ok(spec("accounts_get")))
        .mount(&server)
        .await;
    // What Plaid answers an Item without the investments product.
    Mock::given(method("POST"))
        .and(path("/investments/holdings/get"))
        .respond_with(plaid_error(
            400,
            "ITEM_ERROR",
            "PRODUCTS_NOT_SUPPORTED",
            "the requested product is not supported by this item",
            None,
        ))
        .mount(&server)
        .await;
    let c = connector(&server.uri());
    let accounts = c.accounts().await.expect("the bank's accounts");
    assert_eq!(accounts.len(), 3, "{accounts:?}");
    for bank in [CHECKING, LOAN] {
        let p = c
            .positions(&AccountId::new(bank))
            .await
            .expect("no holdings");
        assert!(p.is_empty(), "{bank}: {p:?}");
    }
    let holdings_asked = server
        .received_requests()
        .await
        .expect("recorded")
        .iter()
        .filter(|r| r.url.path() == "/investments/holdings/get")
        .count();
    assert_eq!(
        holdings_asked, 0,
        "a bank account's holdings are not asked for"
    );
    let b = c
        .balances(&AccountId::new(CHECKING))
        .await
        .expect("balances");
    assert_eq!(
        (b.cash, b.equity, b.currency.as_str()),
        (dec!(100), dec!(110), "USD")
    );
}

/// A search hit is linked for what the institution offers, as Plaid's directory lists its
/// products: a bank without investments (Plaid's example, Houndstooth Bank) for its bank and
/// card accounts, a brokerage for its holdings.
#[tokio::test]
async fn a_search_hit_opens_link_for_what_the_institution_offers() {
    use brokerdesk_connectors::plaid::descriptor::PlaidPortal;
    use brokerdesk_connectors::vendor::AggregatorPortal;
    use std::sync::Arc;
    for (products, asked) in [
        (None, "transactions"),
        (
            Some(json!(["balance", "investments", "transactions"])),
            "investments",
        ),
    ] {
        let server = MockServer::start().await;
        let mut institution = spec("institutions_get_by_id");
        if let Some(p) = products {
            institution["institution"]["products"] = p;
        }
        Mock::given(method("POST"))
            .and(path("/institutions/get_by_id"))
            .respond_with(ok(institution))
            .mount(&server)
            .await;
        let mut reply = spec("link_token_create");
        reply["hosted_link_url"] = json!("https://secure.plaid.com/hl/hit");
        Mock::given(method("POST"))
            .and(path("/link/token/create"))
            .respond_with(ok(reply))
            .mount(&server)
            .await;
        let portal = PlaidPortal::new(Arc::new(partner(&server.uri())), "bd-user-1".into());
        let back = url::Url::parse("http://127.0.0.1:9/back").unwrap();
        portal
            .portal_url_for(&back, "ins_109512")
            .await
            .expect("link opened on the institution");
        let create = server
            .received_requests()
            .await
            .expect("recorded")
            .into_iter()
            .find(|r| r.url.path() == "/link/token/create")
            .expect("a link token was created");
        let body: Value = serde_json::from_slice(&create.body).unwrap();
        assert_eq!(body["products"], json!([asked]), "{body}");
        assert_eq!(body["institution_id"], json!("ins_109512"));
    }
}
