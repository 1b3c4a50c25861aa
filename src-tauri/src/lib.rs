//! The Brokerdesk desktop shell: Tauri plumbing around `brokerdesk-service`.
//!
//! Nothing here decides anything about money. Commands take managed state, call the service and
//! map its error to the `{ code, message }` the UI matches on.

mod commands;
mod stronghold;

use brokerdesk_service::{BrokerageService, ServiceConfig};
use tauri::{Manager, Runtime};

/// Everything but the runtime: shared by the real app and the mock-runtime tests.
pub fn configure<R: Runtime>(
    builder: tauri::Builder<R>,
    config: ServiceConfig,
) -> tauri::Builder<R> {
    builder
        .plugin(stronghold::plugin())
        .setup(move |app| {
            let service = BrokerageService::start(config.clone())?;
            app.manage(service);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::portfolio::accounts_overview
        ])
}

pub fn run() {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BROKERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let app = configure(tauri::Builder::default(), ServiceConfig::from_env())
        .run(tauri::generate_context!());
    if let Err(err) = app {
        tracing::error!(error = %err, "Brokerdesk stopped");
        std::process::exit(1);
    }
}
