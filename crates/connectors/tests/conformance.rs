//! The conformance suite: ONE test body ([`conforms`]) run for every vendor in the registry,
//! over that vendor's recorded responses (tests/fixtures, served by wiremock on loopback).
//! Each vendor is opened through its descriptor exactly as the service opens it, then:
//!
//! - each capability it offers must work: portfolio reads (accounts, balances where its catalog
//!   says it has them, positions), quotes, a trading read (and a submit / look-up round trip
//!   where recorded), payments, institution search, the portal's link;
//! - each capability it does not offer is absent (`None`), never a part that errors, and what
//!   it offers matches what its catalog entry promises;
//! - the read that proves keys (`Capabilities::check`) passes.
//!
//! A vendor added to the registry without a recording here fails
//! `every_vendor_in_the_registry_has_a_recording`.

mod support;

use brokerdesk_connectors::registry::{self, DESCRIPTORS};
use brokerdesk_connectors::types::TransactionQuery;
use brokerdesk_connectors::types::{OrderFilter, OrderRequest};
use brokerdesk_connectors::vendor::{Capabilities, OpenRequest, Secrets};
use brokerdesk_model::catalog::Support;
use brokerdesk_model::{ClientOrderId, OrderSide, Symbol};
use rust_decimal_macros::dec;
use support::fixture;
use wiremock::matchers::{method, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// A recorded reply.
#[derive(Clone, Copy)]
enum Body {
    /// A file of tests/fixtures/<vendor>/.
    File(&'static str),
    /// A reply written here (shaped like the vendor's docs) where no file fits.
    Json(&'static str),
    /// A Stripe-style list around one recorded object.
    ListOf(&'static str),
    /// A plain JSON array of recorded objects (Alpaca's lists).
    ArrayOf(&'static [&'static str]),
    /// A recorded file with one value replaced (JSON pointer, JSON value), where the
    /// generated example has a placeholder (an `{}` id) the vendor never sends.
    Patched(&'static str, &'static str, &'static str),
}

/// What a vendor offers once open: the suite checks the descriptor gives exactly these.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Offers {
    portfolio: bool,
    trading: bool,
    market: bool,
    payments: bool,
    portal: bool,
    directory: bool,
    /// The accounts' money movements (the Activity page).
    activity: bool,
}

struct Recording {
    vendor: &'static str,
    /// The vendor's settings pointed at the recording server (its URL is the argument).
    config: fn(&str) -> serde_json::Value,
    secrets: &'static [(&'static str, &'static str)],
    routes: &'static [(&'static str, &'static str, Body)],
    offers: Offers,
    /// A symbol the recording has a quote for (else the first position's).
    quote: Option<&'static str>,
    /// The recording answers an order placement and its look-up by client order id.
    round_trip: bool,
}

fn key_config(uri: &str) -> serde_json::Value {
    serde_json::json!({ "sandbox": true, "base_url": uri })
}

const NOTHING: Offers = Offers {
    portfolio: false,
    trading: false,
    market: false,
    payments: false,
    portal: false,
    directory: false,
    activity: false,
};
const PAYMENTS: Offers = Offers {
    portfolio: true,
    payments: true,
    activity: true,
    ..NOTHING
};

fn recordings() -> Vec<Recording> {
    vec![
        Recording {
            vendor: "alpaca",
            config: |uri| serde_json::json!({ "environment": { "kind": "custom", "url": uri } }),
            secrets: &[("key_id", "PKCONFORM"), ("secret_key", "conform-secret")],
            routes: &[
                (
                    "GET",
                    "^/v2/account$",
                    Body::File("spec_example_GET_v2_account.json"),
                ),
                (
                    "GET",
                    "^/v2/positions$",
                    Body::File("alpaca-py_test_get_all_positions.json"),
                ),
                (
                    "GET",
                    "^/v2/stocks/quotes/latest$",
                    Body::File("spec_example_GET_v2_stocks_quotes_latest.json"),
                ),
                (
                    "GET",
                    "^/v2/orders:by_client_order_id$",
                    Body::File("alpaca-py_test_get_order_by_client_id.json"),
                ),
                ("GET", "^/v2/orders$", Body::Json("[]")),
                (
                    "GET",
                    "^/v2/account/activities$",
                    Body::ArrayOf(&[
                        "spec_x-example_TradingActivities.json",
                        "spec_x-example_NonTradeActivities.json",
                    ]),
                ),
                (
                    "POST",
                    "^/v2/orders$",
                    Body::File("alpaca-py_test_market_order_POST_v2_orders.json"),
                ),
            ],
            offers: Offers {
                portfolio: true,
                trading: true,
                market: true,
                activity: true,
                ..NOTHING
            },
            quote: Some("AAPL"),
            round_trip: true,
        },
        Recording {
            vendor: "ibkr",
            config: |uri| serde_json::json!({ "gateway_url": format!("{uri}/v1/api"), "accept_self_signed": false }),
            secrets: &[],
            routes: &[
                (
                    "GET",
                    "^/v1/api/portfolio/accounts$",
                    Body::File("spec_example_GET_portfolio_accounts__accounts.json"),
                ),
                (
                    "GET",
                    "^/v1/api/iserver/accounts$",
                    Body::Json(r#"{"accounts": ["DU123456"], "selectedAccount": "DU123456"}"#),
                ),
                (
                    "GET",
                    "^/v1/api/portfolio/[^/]+/summary$",
                    Body::File("spec_example_GET_portfolio_accountId_summary__success.json"),
                ),
                (
                    "GET",
                    "^/v1/api/portfolio/[^/]+/positions/0$",
                    Body::File(
                        "spec_example_GET_portfolio_accountId_positions_pageId__positions.json",
                    ),
                ),
                (
                    "GET",
                    "^/v1/api/portfolio/[^/]+/positions/[1-9][0-9]*$",
                    Body::Json("[]"),
                ),
                (
                    "GET",
                    "^/v1/api/iserver/marketdata/snapshot$",
                    Body::File("synth_GET_iserver_marketdata_snapshot.json"),
                ),
                (
                    "GET",
                    "^/v1/api/iserver/account/orders$",
                    Body::File("spec_example_GET_iserver_account_orders__orders.json"),
                ),
                (
                    "POST",
                    "^/v1/api/tickle$",
                    Body::File("spec_example_POST_tickle__success.json"),
                ),
                (
                    "POST",
                    "^/v1/api/iserver/auth/status$",
                    Body::File("spec_example_POST_iserver_auth_status__success.json"),
                ),
            ],
            offers: Offers {
                portfolio: true,
                trading: true,
                market: true,
                ..NOTHING
            },
            quote: None,
            round_trip: false,
        },
        Recording {
            vendor: "paypal",
            config: key_config,
            secrets: &[("client_id", "AcL13nt-ID"), ("client_secret", "s3cr3t-EL")],
            routes: &[
                (
                    "POST",
                    "^/v1/oauth2/token$",
                    Body::File("docs_shape_POST_v1_oauth2_token.json"),
                ),
                (
                    "GET",
                    "^/v1/reporting/balances$",
                    Body::File("synth_GET_v1_reporting_balances.json"),
                ),
                (
                    "GET",
                    "^/v1/reporting/transactions$",
                    Body::File("synth_GET_v1_reporting_transactions.json"),
                ),
            ],
            offers: PAYMENTS,
            quote: None,
            round_trip: false,
        },
        Recording {
            vendor: "stripe",
            config: key_config,
            secrets: &[("secret_key", "sk_test_4eC39HqLyjWDarjtT1zdp7dc")],
            routes: &[
                (
                    "GET",
                    "^/v1/balance$",
                    Body::File("stripe-openapi_fixtures3_balance.json"),
                ),
                (
                    "GET",
                    "^/v1/balance_transactions$",
                    Body::ListOf("stripe-openapi_fixtures3_balance_transaction.json"),
                ),
            ],
            offers: PAYMENTS,
            quote: None,
            round_trip: false,
        },
        Recording {
            vendor: "square",
            config: key_config,
            secrets: &[("access_token", "EAAAsquare-conform")],
            routes: &[
                (
                    "GET",
                    "^/v2/locations$",
                    Body::File("spec_example_GET_v2_locations.json"),
                ),
                (
                    "GET",
                    "^/v2/payments$",
                    Body::File("spec_example_GET_v2_payments.json"),
                ),
                (
                    "GET",
                    "^/v2/payouts$",
                    Body::File("spec_example_GET_v2_payouts.json"),
                ),
            ],
            offers: PAYMENTS,
            quote: None,
            round_trip: false,
        },
        Recording {
            vendor: "snaptrade",
            config: |uri| serde_json::json!({ "sandbox": false, "base_url": format!("{uri}/api/v1") }),
            secrets: &[
                ("client_id", "CONFORM"),
                ("consumer_key", "conform-consumer"),
                ("user_id", "conform-user"),
                ("user_secret", "conform-user-secret"),
            ],
            routes: &[
                (
                    "GET",
                    "^/api/v1/accounts$",
                    Body::Patched("spec_synth_GET_accounts.json", "/0/id", r#""acct-conform""#),
                ),
                (
                    "GET",
                    "^/api/v1/accounts/[^/]+/balances$",
                    Body::File("spec_synth_GET_accounts_accountId_balances.json"),
                ),
                (
                    "GET",
                    "^/api/v1/accounts/[^/]+/positions/all$",
                    Body::File("spec_synth_GET_accounts_accountId_positions_all.json"),
                ),
                (
                    "GET",
                    "^/api/v1/accounts/[^/]+/orders$",
                    Body::Patched(
                        "spec_synth_GET_accounts_accountId_orders.json",
                        "/0/action",
                        r#""BUY""#,
                    ),
                ),
                (
                    "GET",
                    "^/api/v1/brokerages$",
                    Body::File("spec_synth_GET_brokerages.json"),
                ),
                (
                    "POST",
                    "^/api/v1/snapTrade/login$",
                    Body::File("spec_synth_POST_snapTrade_login.json"),
                ),
                (
                    "GET",
                    "^/api/v1/accounts/[^/]+/activities$",
                    Body::File("spec_synth_GET_accounts_accountId_activities.json"),
                ),
            ],
            offers: Offers {
                portfolio: true,
                trading: true,
                portal: true,
                directory: true,
                activity: true,
                ..NOTHING
            },
            quote: None,
            round_trip: false,
        },
        Recording {
            vendor: "plaid",
            config: key_config,
            secrets: &[
                ("client_id", "conform"),
                ("secret", "conform-secret"),
                ("access_token", "access-sandbox-conform"),
            ],
            routes: &[
                // The two examples name different accounts: the balance is given the holdings' account.
                (
                    "POST",
                    "^/accounts/balance/get$",
                    Body::Patched(
                        "spec_example_POST_accounts_balance_get_200_example-1.json",
                        "/accounts/0/account_id",
                        r#""5Bvpj4QknlhVWk7GygpwfVKdd133GoCxB814g""#,
                    ),
                ),
                (
                    "POST",
                    "^/investments/holdings/get$",
                    Body::File("spec_example_POST_investments_holdings_get_200_example-1.json"),
                ),
                // The account list is `/accounts/get`'s; its recorded example names other
                // accounts than the holdings', so the holdings example's accounts (the same
                // Account objects) answer it.
                (
                    "POST",
                    "^/accounts/get$",
                    Body::File("spec_example_POST_investments_holdings_get_200_example-1.json"),
                ),
                (
                    "POST",
                    "^/transactions/sync$",
                    // The recorded transactions are in a bank account the holdings do not
                    // list: the first one is given the holdings' first account.
                    Body::Patched(
                        "spec_example_POST_transactions_sync_200_example-1.json",
                        "/added/0/account_id",
                        r#""5Bvpj4QknlhVWk7GygpwfVKdd133GoCxB814g""#,
                    ),
                ),
                (
                    "POST",
                    "^/institutions/search$",
                    Body::File("spec_example_POST_institutions_search_200_example-1.json"),
                ),
                // Hosted Link's reply as Plaid documents it (the recorded example has no
                // hosted link URL).
                (
                    "POST",
                    "^/link/token/create$",
                    Body::Json(
                        r#"{"link_token": "link-sandbox-conform", "expiration": "2030-01-01T00:00:00Z", "request_id": "r1", "hosted_link_url": "https://secure.plaid.com/hl/conform"}"#,
                    ),
                ),
            ],
            offers: Offers {
                portfolio: true,
                portal: true,
                directory: true,
                activity: true,
                ..NOTHING
            },
            quote: None,
            round_trip: false,
        },
    ]
}

async fn serve(recording: &Recording) -> MockServer {
    let server = MockServer::start().await;
    for (i, (verb, path, body)) in recording.routes.iter().enumerate() {
        let body = match body {
            Body::File(name) => fixture(recording.vendor, name),
            Body::Json(json) => (*json).to_owned(),
            Body::Patched(name, pointer, value) => {
                let mut json: serde_json::Value =
                    serde_json::from_str(&fixture(recording.vendor, name)).expect("JSON");
                *json
                    .pointer_mut(pointer)
                    .expect("the pointer is in the file") =
                    serde_json::from_str(value).expect("a JSON value");
                json.to_string()
            }
            Body::ArrayOf(names) => format!(
                "[{}]",
                names
                    .iter()
                    .map(|n| fixture(recording.vendor, n))
                    .collect::<Vec<_>>()
                    .join(",")
            ),
            Body::ListOf(name) => format!(
                r#"{{"object": "list", "has_more": false, "url": "/", "data": [{}]}}"#,
                fixture(recording.vendor, name)
            ),
        };
        Mock::given(method(*verb))
            .and(path_regex(*path))
            .respond_with(ResponseTemplate::new(200).set_body_raw(body, "application/json"))
            // Listed first, matched first: the specific routes before the general ones.
            .with_priority(u8::try_from(i + 1).expect("few routes"))
            .mount(&server)
            .await;
    }
    server
}

fn offers(c: &Capabilities) -> Offers {
    Offers {
        portfolio: c.portfolio.is_some(),
        trading: c.trading.is_some(),
        market: c.market.is_some(),
        payments: c.payments.is_some(),
        portal: c.portal.is_some(),
        directory: c.directory.is_some(),
        activity: c.activity.is_some(),
    }
}

/// The one test body, for every vendor.
async fn conforms(recording: &Recording) {
    let vendor = recording.vendor;
    let descriptor = registry::descriptor(vendor).expect("in the registry");
    let server = serve(recording).await;
    let config = (recording.config)(&server.uri());
    let secrets = Secrets(
        recording
            .secrets
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    );
    let caps = (descriptor.open)(&OpenRequest {
        connection: "conformance",
        config: &config,
        secrets: (!recording.secrets.is_empty()).then_some(&secrets),
    })
    .unwrap_or_else(|e| panic!("{vendor}: open: {e}"));

    // Exactly what it offers; nothing undeclared is there to fail.
    assert_eq!(offers(&caps), recording.offers, "{vendor}: capabilities");
    // And its catalog entry promises no more and no less.
    for entry in (descriptor.catalog)() {
        let c = &entry.capabilities;
        assert_eq!(
            c.trading.support != Support::No,
            caps.trading.is_some(),
            "{vendor}: catalog trading vs capability"
        );
        assert_eq!(
            c.quotes.support != Support::No,
            caps.market.is_some(),
            "{vendor}: catalog quotes vs capability"
        );
    }
    let balances_promised = (descriptor.catalog)()
        .iter()
        .all(|e| e.capabilities.balances.support != Support::No);

    caps.check()
        .await
        .unwrap_or_else(|e| panic!("{vendor}: the keys' check: {e}"));

    let mut account = None;
    let mut position_symbol = None;
    if let Some(p) = &caps.portfolio {
        let accounts = p
            .accounts()
            .await
            .unwrap_or_else(|e| panic!("{vendor}: accounts: {e}"));
        assert!(
            !accounts.is_empty(),
            "{vendor}: no account in the recording"
        );
        let first = accounts[0].clone();
        if balances_promised {
            p.balances(&first)
                .await
                .unwrap_or_else(|e| panic!("{vendor}: balances: {e}"));
        }
        let positions = p
            .positions(&first)
            .await
            .unwrap_or_else(|e| panic!("{vendor}: positions: {e}"));
        position_symbol = positions.first().map(|p| p.symbol.clone());
        account = Some(first);
    }
    if let Some(m) = &caps.market {
        let symbol = recording
            .quote
            .map(Symbol::new)
            .or(position_symbol)
            .unwrap_or_else(|| panic!("{vendor}: nothing to quote"));
        let quotes = m
            .latest_quotes(std::slice::from_ref(&symbol))
            .await
            .unwrap_or_else(|e| panic!("{vendor}: quotes: {e}"));
        if recording.quote.is_some() {
            assert!(
                quotes.iter().any(|q| q.symbol == symbol),
                "{vendor}: {quotes:?}"
            );
        }
    }
    if let Some(t) = &caps.trading {
        let account = account.clone().expect("trading needs an account");
        t.orders(&account, &OrderFilter::default())
            .await
            .unwrap_or_else(|e| panic!("{vendor}: orders: {e}"));
        if recording.round_trip {
            let cid = ClientOrderId::new("conformance-1");
            let placed = t
                .submit_order(
                    &account,
                    &OrderRequest::market(
                        cid.clone(),
                        Symbol::new("AAPL"),
                        OrderSide::Buy,
                        dec!(1),
                    ),
                )
                .await
                .unwrap_or_else(|e| panic!("{vendor}: submit: {e}"));
            let found = t
                .order_by_client_id(&account, &cid)
                .await
                .unwrap_or_else(|e| panic!("{vendor}: look-up: {e}"))
                .expect("the order is found by its client order id");
            assert_eq!(
                found.id, placed.id,
                "{vendor}: the round trip finds the same order"
            );
        }
    }
    if let Some(pay) = &caps.payments {
        let accounts = pay
            .payment_accounts()
            .await
            .unwrap_or_else(|e| panic!("{vendor}: payment accounts: {e}"));
        let first = accounts.first().expect("a payment account");
        if balances_promised {
            pay.payment_balances(first)
                .await
                .unwrap_or_else(|e| panic!("{vendor}: payment balances: {e}"));
        }
        pay.transactions(first, &TransactionQuery::default())
            .await
            .unwrap_or_else(|e| panic!("{vendor}: transactions: {e}"));
    }
    activity_conforms(vendor, &caps).await;
    if let Some(d) = &caps.directory {
        d.search_institutions("bank")
            .await
            .unwrap_or_else(|e| panic!("{vendor}: institution search: {e}"));
    }
    if let Some(portal) = &caps.portal {
        let back = url::Url::parse("http://127.0.0.1:9/back").expect("url");
        let purposes = brokerdesk_connectors::registry::DESCRIPTORS
            .iter()
            .find(|d| d.id == vendor)
            .map_or(&[][..], |d| d.link_purposes);
        assert!(
            !purposes.is_empty(),
            "{vendor}: a portal says what it links"
        );
        for purpose in purposes {
            let link = portal
                .portal_url(&back, *purpose)
                .await
                .unwrap_or_else(|e| panic!("{vendor}: portal for {purpose:?}: {e}"));
            assert_eq!(link.scheme(), "https", "{vendor}: the portal is https");
        }
    }
}

/// A declared activity capability reads its recording: the first account's movements, each
/// with an id, in that account, newest first.
async fn activity_conforms(vendor: &str, caps: &Capabilities) {
    let Some(activity) = &caps.activity else {
        return;
    };
    let portfolio = caps
        .portfolio
        .as_ref()
        .unwrap_or_else(|| panic!("{vendor}: activity without accounts"));
    let accounts = portfolio
        .accounts()
        .await
        .unwrap_or_else(|e| panic!("{vendor}: accounts: {e}"));
    let first = accounts.first().expect("an account");
    let page = activity
        .activity(first, &TransactionQuery::default())
        .await
        .unwrap_or_else(|e| panic!("{vendor}: activity: {e}"));
    assert!(
        !page.entries.is_empty(),
        "{vendor}: the recording's movements are read"
    );
    for e in &page.entries {
        assert!(!e.id.is_empty(), "{vendor}: {e:?}");
        assert_eq!(&e.account_id, first, "{vendor}: {e:?}");
    }
    assert!(
        page.entries.windows(2).all(|w| w[0].time >= w[1].time),
        "{vendor}: newest first"
    );
}

#[tokio::test]
async fn every_vendor_conforms_over_its_recorded_responses() {
    for recording in recordings() {
        conforms(&recording).await;
    }
}

#[test]
fn every_vendor_in_the_registry_has_a_recording() {
    let recorded: Vec<_> = recordings().iter().map(|r| r.vendor).collect();
    for d in DESCRIPTORS {
        assert!(recorded.contains(&d.id), "{} has no recording here", d.id);
    }
}
