//! The shell's commands through Tauri's mock runtime: real IPC plumbing, no display.

use brokerdesk_model::ipc::{self, Command, GetAccountsOverview, GetAppInfo};
use brokerdesk_model::{AccountsOverview, AppInfo, TradingMode};
use brokerdesk_service::{BrokerageService, ServiceConfig};
use rust_decimal::Decimal;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{
    INVOKE_KEY, MockRuntime, get_ipc_response, mock_builder, mock_context, noop_assets,
};
use tauri::webview::InvokeRequest;
use tauri::{App, WebviewWindow, WebviewWindowBuilder};

fn app(config: ServiceConfig) -> (App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let service = BrokerageService::start(config).expect("the service starts");
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
    get_ipc_response(
        webview,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            // On Linux the IPC origin must be tauri://localhost.
            url: "tauri://localhost".parse().expect("a valid URL"),
            body: InvokeBody::default(),
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
    let info: AppInfo =
        serde_json::from_value(invoke(&webview, GetAppInfo::NAME).unwrap()).unwrap();
    assert!(info.data_dir.ends_with("desk"), "{}", info.data_dir);
    assert_eq!(info.version, env!("CARGO_PKG_VERSION"));
}

#[test]
fn an_unknown_command_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    let err = invoke(&webview, "read_secrets").expect_err("no such command");
    assert!(err.to_string().contains("read_secrets"), "{err}");
}

#[test]
fn every_registered_command_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, webview) = app(ServiceConfig::new(dir.path().to_path_buf()));
    // Every command of the contract takes no arguments today and must succeed on a fresh start.
    for name in ipc::ALL {
        if let Err(err) = invoke(&webview, name) {
            panic!("{name} failed over IPC: {err}");
        }
    }
}
