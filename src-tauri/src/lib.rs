//! The Brokerdesk desktop shell: Tauri plumbing around `brokerdesk-service`.
//!
//! Nothing here decides anything about money. Commands take managed state, call the service and
//! map its error to the `{ code, message }` the UI matches on.

mod commands;
mod events;
pub mod notifications;
mod stronghold;

use brokerdesk_service::{BrokerageService, ServiceConfig};
use tauri::{Manager, Runtime};

/// Everything but the runtime and context: shared by the real app and the mock-runtime tests.
pub fn configure<R: Runtime>(
    builder: tauri::Builder<R>,
    service: BrokerageService,
) -> tauri::Builder<R> {
    builder
        .plugin(stronghold::plugin())
        // For the OAuth sign-in's system browser; called from Rust only, so no capability
        // grants its commands to the webview.
        .plugin(tauri_plugin_opener::init())
        // Fills, rejections, disconnections and auto-lock, shown from Rust
        // (`notifications`); the webview is granted none of the plugin's commands.
        .plugin(tauri_plugin_notification::init())
        .manage(service)
        .setup(|app| {
            let service = app.state::<BrokerageService>().inner().clone();
            tauri::async_runtime::spawn(events::forward(app.handle().clone(), service.clone()));
            tauri::async_runtime::spawn(notifications::watch(
                service.clone(),
                notifications::PluginNotifier(app.handle().clone()),
            ));
            tauri::async_runtime::spawn(service.clone().supervise());
            // AI assistants attach here (`brokerdesk mcp` relays to it); the app runs on
            // without them if the socket cannot be opened.
            #[cfg(unix)]
            tauri::async_runtime::spawn(async move {
                match brokerdesk_mcp::attach::start(service).await {
                    Ok(path) => tracing::info!(socket = %path.display(), "assistants can attach"),
                    Err(why) => tracing::warn!("assistants cannot attach: {why}"),
                }
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::settings_get,
            commands::app::settings_set_max_order_pct,
            commands::app::settings_set_theme,
            commands::app::settings_set_notifications,
            commands::portfolio::accounts_overview,
            commands::portfolio::refresh_live_balances,
            commands::vault::vault_state,
            commands::vault::vault_create,
            commands::vault::vault_unlock,
            commands::vault::vault_lock,
            commands::vault::vault_set_auto_lock,
            commands::vault::credentials_list,
            commands::vault::credential_remove,
            commands::connections::connections_list,
            commands::connections::vendor_catalog,
            commands::connections::connection_add_key,
            commands::connections::connection_remove,
            commands::oauth::oauth_start,
            commands::oauth::oauth_client_get,
            commands::oauth::oauth_client_save,
            commands::oauth::oauth_finish,
            commands::oauth::oauth_cancel,
            commands::oauth::portal_start,
            commands::oauth::portal_start_for_hit,
            commands::connections::institutions_search,
            commands::trading::order_place,
            commands::trading::order_answer_warnings,
            commands::trading::order_cancel,
            commands::trading::orders_blotter,
            commands::trading::quotes,
            commands::trading::reconciliation,
            commands::trading::break_resolve,
            commands::trading::live_arm,
            commands::trading::live_disarm,
            commands::activity::activity_list,
            commands::activity::activity_export_csv,
            commands::activity::activity_sync,
            commands::position::position_detail,
            commands::money::fx_rates,
            commands::app::settings_set_base_currency,
            commands::assistant::assistant_audit_list,
            commands::assistant::assistant_questions,
            commands::assistant::assistant_answer_consent,
            commands::assistant::assistant_answer_order,
            commands::assistant::assistant_allowed_list,
            commands::assistant::assistant_allowed_revoke,
            commands::net_worth::net_worth_history,
            commands::sandbox::sandbox_controls,
            commands::sandbox::sandbox_set_prices,
            commands::sandbox::sandbox_reset,
        ])
}

/// Logs go to the terminal, or appended to the file `BROKERDESK_LOG_FILE` names: an app started
/// from a menu has no terminal, and a failed end-to-end flow shows the app's own account of it.
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("BROKERDESK_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt().with_env_filter(filter);
    let Some(path) = std::env::var_os("BROKERDESK_LOG_FILE") else {
        logs.init();
        return;
    };
    let path = std::path::PathBuf::from(path);
    let mut options = std::fs::OpenOptions::new();
    options.create(true).append(true);
    // Never secrets, but orders and balances: the user's own to read.
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let opened = path
        .parent()
        .map_or(Ok(()), std::fs::create_dir_all)
        .and_then(|()| options.open(&path));
    match opened {
        Ok(file) => logs
            .with_ansi(false)
            .with_writer(std::sync::Mutex::new(file))
            .init(),
        Err(err) => {
            logs.init();
            tracing::warn!(file = %path.display(), error = %err, "cannot write the log file; logging here instead");
        }
    }
}

pub fn run() {
    init_logging();
    let result = ServiceConfig::from_env()
        .and_then(|config| tauri::async_runtime::block_on(BrokerageService::start(config)))
        .map_err(|err| err.to_string())
        .and_then(|service| {
            configure(tauri::Builder::default(), service)
                .run(tauri::generate_context!())
                .map_err(|err| err.to_string())
        });
    if let Err(err) = result {
        tracing::error!(error = %err, "Brokerdesk stopped");
        eprintln!("Brokerdesk: {err}");
        std::process::exit(1);
    }
}
