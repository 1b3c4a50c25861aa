//! `brokerdesk mcp`: the Model Context Protocol server over stdio (`brokerdesk-mcp`), on a
//! service opened like every other command's — except that it never prompts: standard input is
//! the protocol, and the vault password never comes over MCP. `BROKERDESK_PASSWORD` in the
//! server's environment unlocks the vault; without it a vault that exists stays locked and
//! every read says so; on a fresh data dir the local paper account is served.

use crate::vault_cmd;
use brokerdesk_service::{BrokerageService, ServiceConfig, ServiceError};

pub(crate) async fn run(config: ServiceConfig) -> anyhow::Result<()> {
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
