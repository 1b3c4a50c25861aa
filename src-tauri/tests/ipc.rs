//! The shell's commands through Tauri's mock runtime: real IPC plumbing, no display.

use brokerdesk_model::ipc::{self, Command, GetAccountsOverview, GetAppInfo, LockVault};
use brokerdesk_model::{AccountsOverview, AppInfo, TradingMode, VendorId};
use brokerdesk_service::{BrokerageService, SandboxCredentials, ServiceConfig};
use brokerdesk_vault::{CredentialKind, NewCredential, SecretString};
use rust_decimal::Decimal;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app(config: ServiceConfig) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let service = tauri::async_runtime::block_on(BrokerageService::start(config))
        .expect("the service starts");
    let app = brokerdesk_desktop::configure(mock_builder(), service)
        .build(mock_context(noop_assets()))
        .expect("the app builds on the mock runtime");
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .expect("the main window opens");
    (app, webview)
}

fn invoke(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
) -> Result<serde_json::Value, serde_json::Value> {
    invoke_with(webview, cmd, serde_json::json!({}))
}

fn invoke_with(
    webview: &WebviewWindow<MockRuntime>,
    cmd: &str,
    args: serde_json::Value,
) -> Result<serde_json::Value, serde_json::Value> {
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the IPC origin must be tauri://localhost.
            url: "tauri://localhost".parse().expect("a valid URL"),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|body| {
        body.deserialize::<serde_json::Value>()
            .expect("a JSON reply")
    })
}

#[test]
fn accounts_overview_returns_the_paper_account_from_the_service() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().to_path_buf());
    // An odd amount proves the figure comes from the service, not from a default anywhere.
    config.paper_starting_cash = Decimal::new(4_321_099, 2);
    let (_app, webview) = app(config);

    let reply = invoke(&webview, GetAccountsOverview::NAME).expect("the command succeeds");
    assert_eq!(
        reply["accounts"][0]["balances"]["cash"], "43210.99",
        "decimals cross IPC as strings"
    );
    let overview: AccountsOverview = serde_json::from_value(reply).unwrap();
    let paper = &overview.accounts[0];
    assert_eq!(paper.connection.mode, TradingMode::Paper);
    assert_eq!(paper.balances.cash, Decimal::new(4_321_099, 2));
    assert!(paper.positions.is_empty());
}

#[test]
fn app_info_reports_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().join("desk")));
    let reply = invoke(&webview, GetAppInfo::NAME).unwrap();
    let info: AppInfo = serde_json::from_value(reply.clone()).unwrap();
    assert!(info.data_dir.ends_with("desk"), "{}", info.data_dir);
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
    // The sandbox's per-install key: its id and file are shown, its secret never crosses.
    let sandbox =
        SandboxCredentials::load_or_create(&dir.path().join("desk").join("paper")).unwrap();
    assert_eq!(info.sandbox_key_id.as_deref(), Some(sandbox.key_id()));
    assert!(info.sandbox_credentials_file.is_some());
    assert!(!reply.to_string().contains(sandbox.secret_key()), "{reply}");
}

#[test]
fn an_unknown_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let err = invoke(&webview, "read_secrets").expect_err("no such command");
    assert!(err.to_string().contains("read_secrets"), "{err}");
}

/// Arguments that make each command of the contract succeed on an unlocked vault.
fn sample_args(name: &str, sandbox_url: &str) -> serde_json::Value {
    match name {
        // The local sandbox through Alpaca's form: the secret goes in and never comes back.
        "connection_add_key" => serde_json::json!({
            "vendor": "alpaca",
            "fields": {
                "environment": "custom",
                "server_url": sandbox_url,
                "key_id": "PKSANDBOX",
                "secret_key": SANDBOX_SECRET,
            },
            "sandbox": false,
            "label": "",
        }),
        "connection_remove" => serde_json::json!({ "id": "nope" }),
        "order_place" => serde_json::json!({ "ticket": {
            "connection": "paper-local", "account": "PA-SANDBOX-1", "symbol": "AAPL", "side": "buy",
            "quantity": {"qty": "1"}, "order_type": "market", "time_in_force": "day",
            "limit_price": null, "stop_price": null,
        }}),
        "order_answer_warnings" => {
            serde_json::json!({ "confirmation": "nope", "confirmed": false })
        }
        "assistant_answer_consent" => serde_json::json!({ "id": "nope", "answer": "deny" }),
        "assistant_answer_order" => serde_json::json!({ "id": "nope", "decision": "decline" }),
        "assistant_allowed_revoke" => {
            serde_json::json!({ "client": "nobody", "executable": "unknown" })
        }
        "order_cancel" => serde_json::json!({
            "connection": "paper-local", "account": "PA-SANDBOX-1", "order_id": "nope",
        }),
        "quotes" => serde_json::json!({ "connection": "paper-local", "symbols": ["AAPL"] }),
        "break_resolve" => serde_json::json!({ "id": 999 }),
        "portal_start" => serde_json::json!({ "id": "paper-local", "purpose": "bank_and_cards" }),
        // The sandbox's balances are not billed: refused, saying so.
        "refresh_live_balances" => serde_json::json!({ "id": "paper-local" }),
        // No aggregator connected: refused with what to add first.
        "portal_start_for_hit" => serde_json::json!({ "hit": {
            "id": "ins_1", "name": "Some Bank", "aggregator": "plaid",
            "url": null, "logo_url": null, "trading": null,
        }}),
        "institutions_search" => serde_json::json!({ "query": "fidelity" }),
        "live_arm" => serde_json::json!({ "minutes": 5 }),
        "settings_set_max_order_pct" => serde_json::json!({ "percent": "30" }),
        "settings_set_theme" => serde_json::json!({ "theme": "dark" }),
        "settings_set_notifications" => serde_json::json!({ "notifications": {
            "fills": true, "rejections": false, "disconnections": true, "auto_lock": true,
        }}),
        "settings_set_base_currency" => serde_json::json!({ "code": "EUR" }),
        "sandbox_set_prices" => serde_json::json!({ "prices": { "kind": "simulated" } }),
        "sandbox_reset" => serde_json::json!({ "confirmed": true }),
        "position_detail" => serde_json::json!({
            "connection": "paper-local", "account": "PA-SANDBOX-1", "symbol": "AAPL", "range": "1m",
        }),
        "activity_list" => serde_json::json!({ "filter": {}, "cursor": null, "limit": 10 }),
        "activity_export_csv" => serde_json::json!({ "filter": { "kinds": ["fill"] } }),
        "net_worth_history" => {
            serde_json::json!({ "query": { "range": "1W", "include_paper": true } })
        }
        "vault_create" | "vault_unlock" => {
            serde_json::json!({ "password": PASSWORD, "role": "trader" })
        }
        "vault_set_auto_lock" => serde_json::json!({ "minutes": 30 }),
        "credential_remove" => serde_json::json!({ "id": "6f1e2d3c-0000-4000-8000-000000000000" }),
        // No registered Square app in the vault: refused before any browser opens.
        "oauth_start" => serde_json::json!({ "vendor": "square" }),
        "oauth_finish" | "oauth_cancel" => serde_json::json!({ "flow_id": "nope" }),
        "oauth_client_get" => serde_json::json!({ "vendor": "square-sandbox" }),
        // The registered app's secret goes in and never comes back.
        "oauth_client_save" => serde_json::json!({
            "preset": "stripe", "client_id": "ca_mine_1234",
            "client_secret": OAUTH_CLIENT_SECRET, "redirect_uri": "http://127.0.0.1:53682/callback",
        }),
        _ => serde_json::json!({}),
    }
}

const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "PKSECRET-9d2f7c1a-must-never-cross-ipc";
/// The local sandbox's secret, typed on the Connect page: in, never out.
const SANDBOX_SECRET: &str = "sandbox-secret";
/// A registered OAuth app's secret, typed on the Connect page: in, never out.
const OAUTH_CLIENT_SECRET: &str = "oauth-app-secret-must-never-cross-ipc";
/// A Stripe key typed on the Connect page: in, never out, never on disk.
const STRIPE_KEY: &str = "sk_test_StripeKeyMustNeverCrossIpc42";

#[test]
fn every_command_answers_and_no_reply_ever_carries_a_secret() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().to_path_buf());
    // A fixed sandbox key, typed on the Connect page below like a user would.
    config.sandbox_credentials = Some(SandboxCredentials::new("PKSANDBOX", SANDBOX_SECRET));
    // Port 9 (discard) on loopback: nothing answers there.
    config
        .key_vendor_urls
        .insert("stripe".into(), "http://127.0.0.1:9".into());
    let service = tauri::async_runtime::block_on(BrokerageService::start(config)).unwrap();
    let vault = service.vault().clone();
    let sandbox_url = service.app_info().sandbox_url.expect("the sandbox serves");
    let app = brokerdesk_desktop::configure(mock_builder(), service)
        .build(mock_context(noop_assets()))
        .unwrap();
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();

    invoke_with(
        &webview,
        "vault_create",
        sample_args("vault_create", &sandbox_url),
    )
    .expect("vault created");
    vault
        .with_store(|store| {
            store.put(NewCredential {
                vendor: VendorId::new("alpaca"),
                connection: None,
                label: "Alpaca paper".into(),
                kind: CredentialKind::ApiSecret,
                expires_at: None,
                secret: SecretString::from(SECRET),
            })
        })
        .unwrap();

    let mut replies = String::new();
    // Locking last, so that every other command runs on the unlocked vault.
    let mut names: Vec<&str> = ipc::ALL.to_vec();
    names.sort_by_key(|name| *name == LockVault::NAME);
    for name in names {
        let reply = invoke_with(&webview, name, sample_args(name, &sandbox_url));
        match (name, &reply) {
            // Creating twice, unknown ids and an absent gateway must fail, cleanly.
            (
                "vault_create"
                | "credential_remove"
                | "connection_add_key"
                | "connection_remove"
                | "order_cancel"
                | "break_resolve"
                | "oauth_start"
                | "oauth_finish"
                | "oauth_cancel"
                | "portal_start"
                | "portal_start_for_hit"
                | "refresh_live_balances"
                | "order_answer_warnings"
                | "assistant_answer_consent"
                | "assistant_answer_order",
                Err(err),
            ) => {
                assert!(err.get("code").is_some(), "{name}: {err}")
            }
            (_, Err(err)) => panic!("{name} failed over IPC: {err}"),
            _ => {}
        }
        replies.push_str(&format!("{reply:?}"));
    }
    assert!(
        replies.contains("Alpaca paper"),
        "the credential's metadata is listed"
    );
    assert!(!replies.contains(SECRET), "a secret crossed IPC");
    assert!(
        replies.contains("Alpaca — sandbox"),
        "the Alpaca connection was added"
    );
    assert!(
        !replies.contains(SANDBOX_SECRET),
        "an API secret came back over IPC"
    );
    assert!(!replies.contains(PASSWORD), "the password was echoed");
    assert!(
        replies.contains("…1234"),
        "the registered app is acknowledged: {replies}"
    );
    assert!(
        !replies.contains(OAUTH_CLIENT_SECRET),
        "an OAuth app's secret came back over IPC"
    );
    assert!(
        !replies.contains("StripeKeyMustNeverCrossIpc"),
        "a Stripe key came back over IPC"
    );
    for file in files_under(dir.path()) {
        let bytes = std::fs::read(&file).unwrap();
        for needle in [
            SECRET,
            PASSWORD,
            SANDBOX_SECRET,
            STRIPE_KEY,
            OAUTH_CLIENT_SECRET,
        ] {
            assert!(
                !bytes.windows(needle.len()).any(|w| w == needle.as_bytes()),
                "{} holds a secret in the clear",
                file.display()
            );
        }
    }
}

#[test]
fn locking_over_ipc_gates_the_accounts_and_unlocking_reopens_them() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let state = invoke_with(&webview, "vault_create", sample_args("vault_create", "")).unwrap();
    assert_eq!(state["unlocked"], true);
    invoke(&webview, "vault_lock").unwrap();

    let err = invoke(&webview, GetAccountsOverview::NAME).unwrap_err();
    assert_eq!(err["code"], "vault_locked");
    let err = invoke_with(
        &webview,
        "vault_unlock",
        serde_json::json!({ "password": "nope nope nope" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(err["message"].as_str().unwrap().contains("wrong password"));

    let state = invoke_with(
        &webview,
        "vault_unlock",
        serde_json::json!({ "password": PASSWORD }),
    )
    .unwrap();
    assert_eq!(state["unlocked"], true);
    assert_eq!(state["role"], "trader");
    assert!(invoke(&webview, GetAccountsOverview::NAME).is_ok());
}

fn files_under(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("a readable dir") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(files_under(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn a_paper_order_goes_through_ipc_and_shows_in_the_blotter() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let overview = invoke(&webview, GetAccountsOverview::NAME).unwrap();
    let account = overview["accounts"][0]["account_id"].clone();
    let ticket = serde_json::json!({
        "connection": "paper-local",
        "account": account,
        "symbol": "MSFT",
        "side": "buy",
        "quantity": {"qty": "2"},
        "order_type": "limit",
        "time_in_force": "gtc",
        "limit_price": "1.00",
        "stop_price": null,
    });
    let placed = invoke_with(
        &webview,
        ipc::PlaceOrder::NAME,
        serde_json::json!({ "ticket": ticket }),
    )
    .expect("the order is placed");
    assert_eq!(placed["outcome"], "placed");
    let placed = placed["detail"].clone();
    assert_eq!(placed["order"]["symbol"], "MSFT");
    assert_eq!(placed["mode"], "paper");
    let blotter = invoke(&webview, ipc::ListOrders::NAME).unwrap();
    assert_eq!(
        blotter[0]["order"]["client_order_id"],
        placed["order"]["client_order_id"]
    );
    assert_eq!(blotter[0]["order"]["limit_price"], "1");

    let order_id = placed["order"]["id"].clone();
    invoke_with(
        &webview,
        ipc::CancelOrder::NAME,
        serde_json::json!({ "connection": "paper-local", "account": account, "order_id": order_id }),
    )
    .expect("snake_case arguments reach the command");

    // A bad ticket is refused with the field's rule, and nothing is placed.
    let mut bad = ticket_without_price();
    bad["account"] = account;
    let err = invoke_with(
        &webview,
        ipc::PlaceOrder::NAME,
        serde_json::json!({ "ticket": bad }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert_eq!(err["message"], "enter a limit price");
    assert_eq!(
        invoke(&webview, ipc::ListOrders::NAME)
            .unwrap()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

fn ticket_without_price() -> serde_json::Value {
    serde_json::json!({
        "connection": "paper-local",
        "account": "",
        "symbol": "MSFT",
        "side": "sell",
        "quantity": {"qty": "1"},
        "order_type": "limit",
        "time_in_force": "day",
        "limit_price": null,
        "stop_price": null,
    })
}

#[test]
fn connecting_alpaca_takes_snake_case_fields_and_needs_a_vault() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let err = invoke_with(
        &webview,
        ipc::AddKeyConnection::NAME,
        serde_json::json!({
            "vendor": "alpaca",
            "fields": {
                "environment": "custom",
                "server_url": "http://127.0.0.1:9",
                "key_id": "PK1",
                "secret_key": "s",
            },
            "sandbox": false,
            "label": "",
        }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("create a vault"),
        "{err}"
    );
    let connections = invoke(&webview, ipc::ListConnections::NAME).unwrap();
    assert_eq!(connections.as_array().unwrap().len(), 1);
    assert_eq!(connections[0]["id"], "paper-local");
}

#[test]
fn oauth_commands_take_snake_case_fields_and_fail_with_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let err = invoke_with(
        &webview,
        ipc::OAuthStart::NAME,
        serde_json::json!({ "vendor": "square" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("create a vault"),
        "{err}"
    );

    invoke_with(&webview, "vault_create", sample_args("vault_create", "")).unwrap();
    let err = invoke_with(
        &webview,
        ipc::OAuthStart::NAME,
        serde_json::json!({ "vendor": "square" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    assert!(
        err["message"].as_str().unwrap().contains("oauth client"),
        "says what to store: {err}"
    );
    let err = invoke_with(
        &webview,
        ipc::OAuthStart::NAME,
        serde_json::json!({ "vendor": "ibkr" }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input");
    for name in [ipc::OAuthFinish::NAME, ipc::OAuthCancel::NAME] {
        let err =
            invoke_with(&webview, name, serde_json::json!({ "flow_id": "nope" })).unwrap_err();
        assert_eq!(err["code"], "not_found", "{name}: {err}");
    }
}

#[test]
fn connecting_by_key_takes_snake_case_fields_and_keeps_nothing_when_the_vendor_is_away() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().to_path_buf());
    config
        .key_vendor_urls
        .insert("stripe".into(), "http://127.0.0.1:9".into());
    let (_app, webview) = app(config);
    invoke_with(&webview, "vault_create", sample_args("vault_create", "")).unwrap();

    // Stripe is pointed at a closed port: the key is well formed, the vendor cannot be
    // reached, so the command fails cleanly and stores nothing.
    let err = invoke_with(
        &webview,
        ipc::AddKeyConnection::NAME,
        serde_json::json!({
            "vendor": "stripe",
            "fields": { "secret_key": STRIPE_KEY },
            "sandbox": false,
            "label": "",
        }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "unavailable", "{err}");
    assert!(!err.to_string().contains(STRIPE_KEY), "{err}");
    // A form that is not Stripe's is refused by name, before any request.
    let err = invoke_with(
        &webview,
        ipc::AddKeyConnection::NAME,
        serde_json::json!({ "vendor": "stripe", "fields": { "api_key": "x" } }),
    )
    .unwrap_err();
    assert_eq!(err["code"], "invalid_input", "{err}");

    let connections = invoke(&webview, ipc::ListConnections::NAME).unwrap();
    assert_eq!(connections.as_array().unwrap().len(), 1);
    let credentials = invoke(&webview, ipc::ListCredentials::NAME).unwrap();
    assert_eq!(credentials.as_array().unwrap().len(), 0);
}

#[test]
fn the_vendor_catalog_brings_the_catalog_and_every_vendors_form_to_the_ui() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let reply = invoke(&webview, ipc::GetVendorCatalog::NAME).unwrap();
    let catalog: brokerdesk_model::vendors::VendorCatalog =
        serde_json::from_value(reply).expect("the contract's type");
    assert_eq!(catalog, brokerdesk_service::vendor_catalog());
    assert!(catalog.institutions.len() > catalog.vendors.len());
    // Every institution reached through an aggregator finds that aggregator's form.
    for i in &catalog.institutions {
        for way in &i.sign_in {
            if let brokerdesk_model::catalog::SignIn::AggregatorPortal(a) = way {
                let vendor = catalog.aggregator(*a).expect("the aggregator is a vendor");
                assert!(vendor.form.is_some(), "{}", i.id);
            }
        }
    }
    assert!(
        catalog
            .vendors
            .iter()
            .filter_map(|v| v.form.as_ref())
            .all(|f| !f.fields.is_empty())
    );
}

/// The net worth history over IPC: the paper account's refresh is stored and answered apart
/// (paper totals), the live totals hold none of it, and a range outside the enum is refused.
#[test]
fn net_worth_history_keeps_paper_out_of_the_live_total() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().to_path_buf());
    config.paper_starting_cash = Decimal::new(4_321_099, 2);
    let (_app, webview) = app(config);
    invoke(&webview, GetAccountsOverview::NAME).expect("a refresh stores a snapshot");

    let args =
        |paper: bool| serde_json::json!({ "query": { "range": "1D", "include_paper": paper } });
    let live = invoke_with(&webview, ipc::NetWorthHistory::NAME, args(false)).expect("answers");
    assert_eq!(live["accounts"], serde_json::json!([]), "{live}");
    assert_eq!(live["live_totals"], serde_json::json!({}));
    assert_eq!(live["range"], "1D");

    let both = invoke_with(&webview, ipc::NetWorthHistory::NAME, args(true)).expect("answers");
    let history: brokerdesk_model::net_worth::NetWorthHistory =
        serde_json::from_value(both.clone()).expect("the contract's type");
    assert_eq!(history.accounts.len(), 1);
    assert_eq!(history.accounts[0].mode, TradingMode::Paper);
    assert!(
        history.live_totals.is_empty(),
        "paper never in the live total"
    );
    assert_eq!(
        both["paper_totals"]["USD"][0]["equity"], "43210.99",
        "exact, as a string"
    );

    let bad = serde_json::json!({ "query": { "range": "2D" } });
    assert!(invoke_with(&webview, ipc::NetWorthHistory::NAME, bad).is_err());
}
