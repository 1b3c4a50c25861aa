//! `brokerdesk mcp`: the Model Context Protocol server over stdio (`brokerdesk-mcp`).
//!
//! Attached: when the app runs on the same data dir, it listens on a socket only this user can
//! open (`brokerdesk_mcp::attach`); this command then only relays bytes between stdio and that
//! socket, and the app serves (its unlocked service, its consent prompt). Otherwise, or with
//! `--headless`, headless: a service opened like every other command's — except that it never
//! prompts: standard input is the protocol, and the vault password never comes over MCP.
//! `BROKERDESK_PASSWORD` in the server's environment unlocks the vault; without it a vault that
//! exists stays locked and every read says so; on a fresh data dir the local paper account is
//! served.

use crate::vault_cmd;
use brokerdesk_service::{BrokerageService, ServiceConfig, ServiceError};

#[derive(clap::Args, Debug, Default)]
pub(crate) struct McpArgs {
    /// Never attach to the running app: serve on this process's own service (the vault
    /// unlocked with BROKERDESK_PASSWORD, paper orders only).
    #[arg(long)]
    headless: bool,
}

pub(crate) async fn run(config: ServiceConfig, args: McpArgs) -> anyhow::Result<()> {
    #[cfg(unix)]
    if !args.headless {
        match brokerdesk_mcp::attach::socket_path(&config.data_dir) {
            Ok(socket) => {
                if let Some(stream) = brokerdesk_mcp::relay::try_attach(&socket).await {
                    eprintln!(
                        "brokerdesk mcp: attached to the running Brokerdesk app ({}); the app \
                         asks the user's consent",
                        socket.display()
                    );
                    return brokerdesk_mcp::relay::relay_stdio(stream)
                        .await
                        .map_err(anyhow::Error::msg);
                }
            }
            Err(why) => eprintln!("brokerdesk mcp: not attaching: {why}"),
        }
    }
    #[cfg(not(unix))]
    let _ = args.headless;
    let service = open(config).await?;
    brokerdesk_mcp::serve_stdio(service)
        .await
        .map_err(anyhow::Error::msg)
}

async fn open(config: ServiceConfig) -> anyhow::Result<BrokerageService> {
    let service = BrokerageService::start(config).await?;
    let vault = service.vault().state()?;
    if vault.initialized && !vault.unlocked {
        match vault_cmd::session_password_from_env() {
            Some(password) => match service.unlock(password).await {
                Ok(_) => {}
                Err(err @ ServiceError::ConnectionsTampered { .. }) => {
                    eprintln!("brokerdesk mcp: warning: {err}");
                }
                Err(err) => return Err(err.into()),
            },
            None => eprintln!(
                "brokerdesk mcp: the vault is locked and BROKERDESK_PASSWORD is not set: every \
                 read will be refused until the server is started with it"
            ),
        }
    }
    Ok(service)
}
