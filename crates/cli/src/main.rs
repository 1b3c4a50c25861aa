//! `brokerdesk`: the terminal front of Brokerdesk. Same service as the app, no window.

mod activity_cmd;
mod connect_cmd;
mod oauth_cmd;
mod render;
mod sandbox_cmd;
mod trade_cmd;
mod vault_cmd;

use anyhow::Context;
use brokerdesk_service::{BrokerageService, ServiceConfig, ServiceError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "brokerdesk",
    version,
    about = "Your money accounts in one place, from the terminal."
)]
struct Cli {
    /// Where journals, the vault and settings live.
    #[arg(long, global = true, env = "BROKERDESK_DATA_DIR")]
    data_dir: Option<PathBuf>,

    /// Print JSON instead of tables (for scripts).
    #[arg(long, global = true)]
    json: bool,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// List every account with its cash, buying power and equity.
    Accounts,
    /// Show each account's balances and positions.
    Positions,
    /// Latest quotes for one or more symbols, from one connection's own market data.
    Quotes {
        #[arg(required = true)]
        symbols: Vec<String>,
        /// The connection to quote from (its id, as `brokerdesk status` lists it).
        #[arg(long, default_value = brokerdesk_service::LOCAL_PAPER_CONNECTION)]
        connection: String,
    },
    /// Place an order (the local paper sandbox unless --connection says otherwise).
    Order(trade_cmd::OrderArgs),
    /// The orders placed from Brokerdesk, with their latest status.
    Orders,
    /// Compare the journal of orders and fills with every broker's positions.
    Reconcile,
    /// Every connection with its status and latency.
    Status,
    /// Show the settings, or change one (`settings max-order-pct 25`).
    Settings {
        #[command(subcommand)]
        cmd: Option<trade_cmd::SettingsCommand>,
    },
    /// Connect an institution by signing in to it in the browser (OAuth).
    Connect(connect_cmd::ConnectArgs),
    /// Sign in to an OAuth 2.0 provider through the system browser.
    Oauth {
        #[command(subcommand)]
        cmd: oauth_cmd::OauthCommand,
    },
    /// The local paper exchange, served as an Alpaca-compatible API.
    Sandbox {
        #[command(subcommand)]
        cmd: sandbox_cmd::SandboxCommand,
    },
    /// Every connection's money movements: fills, dividends, fees, transfers, payments.
    Activity(activity_cmd::ActivityArgs),
    /// Create, unlock and manage the local vault of keys and tokens.
    Vault {
        #[command(subcommand)]
        cmd: vault_cmd::VaultCommand,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("BROKERDESK_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn")),
        )
        .with_writer(std::io::stderr)
        // Colour codes only on a terminal: a log piped to a file or a test stays plain text.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    // Arguments never hold a secret (passwords and keys come from stdin, the environment or a
    // prompt; `--secret` of the sandbox has a redacting Debug), so they may be logged.
    tracing::debug!(command_line = ?cli, "brokerdesk");
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            // One line, no backtrace: the chain of causes reads as a sentence.
            eprintln!("brokerdesk: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let mut config = ServiceConfig::from_env()?;
    if let Some(dir) = cli.data_dir {
        config.data_dir = dir;
    }
    let command = match cli.command {
        Command::Vault { cmd } => return vault_cmd::run(cmd, &config.data_dir, cli.json),
        read => read,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("could not start the async runtime")?;
    runtime.block_on(async {
        let command = match command {
            Command::Sandbox { cmd } => {
                return sandbox_cmd::run(cmd, &config.data_dir, config.sandbox_addr, cli.json)
                    .await;
            }
            Command::Oauth { cmd } => return oauth_cmd::run(cmd, &config.data_dir).await,
            Command::Connect(args) => {
                print!("{}", connect_cmd::run(args, config, cli.json).await?);
                return Ok(());
            }
            read => read,
        };
        let service = open_service(config).await?;
        let json = cli.json;
        let out = match command {
            Command::Quotes {
                symbols,
                connection,
            } => trade_cmd::quotes(&service, &connection, symbols, json).await?,
            Command::Order(args) => trade_cmd::order(&service, args, json).await?,
            Command::Orders => trade_cmd::orders(&service, json).await?,
            Command::Reconcile => trade_cmd::reconcile(&service, json).await?,
            Command::Status => trade_cmd::status(&service, json).await?,
            Command::Activity(args) => activity_cmd::run(&service, args, json).await?,
            Command::Settings { cmd } => trade_cmd::settings(&service, cmd, json)?,
            read => {
                let overview = service.accounts_overview().await?;
                match (read, json) {
                    (_, true) => serde_json::to_string_pretty(&overview)? + "\n",
                    (Command::Positions, false) => render::positions(&overview),
                    (_, false) => render::accounts(&overview),
                }
            }
        };
        print!("{out}");
        Ok(())
    })
}

/// The service, with the vault unlocked when one exists: a one-shot process signs in again
/// for each command. A refused connection list is said at once and the command goes on
/// without those connections (the sandbox still answers).
pub(crate) async fn open_service(config: ServiceConfig) -> anyhow::Result<BrokerageService> {
    let service = BrokerageService::start(config).await?;
    let vault = service.vault().state()?;
    if vault.initialized && !vault.unlocked {
        match service.unlock(vault_cmd::session_password()?).await {
            Ok(_) => {}
            Err(err @ ServiceError::ConnectionsTampered { .. }) => {
                eprintln!("brokerdesk: warning: {err}");
            }
            Err(err) => return Err(err.into()),
        }
    }
    Ok(service)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_the_parsed_command_line_never_shows_the_sandbox_secret() {
        let cli = Cli::try_parse_from([
            "brokerdesk",
            "sandbox",
            "serve",
            "--key",
            "PKCLITEST",
            "--secret",
            "SECRET-cli-sandbox-9Xq2",
        ])
        .unwrap();
        let shown = format!("{cli:?} {cli:#?}");
        assert!(!shown.contains("SECRET-cli-sandbox-9Xq2"), "{shown}");
        assert!(
            shown.contains("PKCLITEST") && shown.contains("[REDACTED]"),
            "{shown}"
        );
    }
}
