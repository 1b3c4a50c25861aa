//! `brokerdesk`: the terminal front of Brokerdesk. Same service as the app, no window.

mod activity_cmd;
mod connect_cmd;
mod connections_cmd;
mod live_cmd;
mod mcp_cmd;
mod oauth_cmd;
mod orders_cmd;
mod portal_cmd;
mod reconcile_cmd;
mod render;
mod sandbox_cmd;
mod trade_cmd;
mod vault_cmd;

use anyhow::Context;
use brokerdesk_service::{BrokerageService, ServiceConfig, ServiceError};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc: the exchange and the service allocate per order and per message, and glibc's
/// free was a tenth of the exchange's instructions.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

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
    Accounts {
        /// Read this connection's balances live first, where its vendor bills each live
        /// read and so reads them live only every so often (`brokerdesk status` says which).
        #[arg(long, value_name = "CONNECTION")]
        live_balances: Option<String>,
    },
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
    /// Cancel an open order (its id or client order id, as `brokerdesk orders` lists it).
    Cancel(orders_cmd::CancelArgs),
    /// Compare the journal of orders and fills with every broker's positions; `accept` takes
    /// the broker's figures for a break.
    Reconcile {
        #[command(subcommand)]
        cmd: Option<reconcile_cmd::ReconcileCommand>,
    },
    /// Every connection with its status and latency.
    Status,
    /// Show the settings, or change one (`settings max-order-pct 25`).
    Settings {
        #[command(subcommand)]
        cmd: Option<trade_cmd::SettingsCommand>,
    },
    /// Connect an institution: with its form (keys on standard input or a hidden prompt), or
    /// by signing in to it in the browser (OAuth).
    Connect(connect_cmd::ConnectArgs),
    /// Remove a connection and every key stored for it (asks first unless --yes).
    Disconnect(connections_cmd::DisconnectArgs),
    /// Open an aggregator connection's portal to link accounts, and wait for it.
    Portal(portal_cmd::PortalArgs),
    /// Arm live trading for one command, or show that it is not armed.
    Live {
        #[command(subcommand)]
        cmd: live_cmd::LiveCommand,
    },
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
    /// Serve the Model Context Protocol on stdin/stdout, so an AI assistant (Claude Desktop and
    /// others) can read your accounts and trade paper. Attaches to the running app when it
    /// runs on the same data dir (the app asks your consent); else serves headless, unlocked
    /// with BROKERDESK_PASSWORD.
    Mcp(mcp_cmd::McpArgs),
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
            Command::Sandbox {
                cmd: sandbox_cmd::SandboxCommand::Prices(args),
            } => {
                let service = open_service(config).await?;
                print!("{}", sandbox_cmd::prices(&service, args, cli.json).await?);
                return Ok(());
            }
            Command::Sandbox { cmd } => {
                return sandbox_cmd::run(cmd, &config.data_dir, config.sandbox_addr, cli.json)
                    .await;
            }
            Command::Oauth { cmd } => return oauth_cmd::run(cmd, &config.data_dir).await,
            Command::Mcp(args) => return mcp_cmd::run(config, args).await,
            Command::Connect(args) => {
                print!("{}", connect_cmd::run(args, config, cli.json).await?);
                return Ok(());
            }
            read => read,
        };
        let service = open_service(config).await?;
        let out = match command {
            Command::Live {
                cmd: live_cmd::LiveCommand::Arm(args),
            } => run_armed(&service, args, cli.json).await?,
            command => run_on(&service, command, cli.json).await?,
        };
        print!("{out}");
        Ok(())
    })
}

/// A command that runs on an open service; its output.
async fn run_on(
    service: &BrokerageService,
    command: Command,
    json: bool,
) -> anyhow::Result<String> {
    Ok(match command {
        Command::Quotes {
            symbols,
            connection,
        } => trade_cmd::quotes(service, &connection, symbols, json).await?,
        Command::Order(args) => trade_cmd::order(service, args, json).await?,
        Command::Orders => trade_cmd::orders(service, json).await?,
        Command::Cancel(args) => orders_cmd::cancel(service, args, json).await?,
        Command::Reconcile { cmd } => reconcile_cmd::run(service, cmd, json).await?,
        Command::Status => trade_cmd::status(service, json).await?,
        Command::Activity(args) => activity_cmd::run(service, args, json).await?,
        Command::Settings { cmd } => trade_cmd::settings(service, cmd, json)?,
        Command::Disconnect(args) => connections_cmd::disconnect(service, args, json).await?,
        Command::Portal(args) => {
            let opener: Box<dyn brokerdesk_oauth::BrowserOpener> = match args.no_browser {
                true => Box::new(brokerdesk_oauth::PrintUrl::stderr()),
                false => Box::new(brokerdesk_oauth::SystemBrowser),
            };
            let purpose = args.purpose.map(Into::into);
            let summary = portal_cmd::visit(service, &args.connection, purpose, opener.as_ref())
                .await
                .context("accounts not linked")?;
            match json {
                true => serde_json::to_string_pretty(&summary)? + "\n",
                false => format!(
                    "Linked accounts through {}.\n{}",
                    summary.display_name,
                    render::status(std::slice::from_ref(&summary))
                ),
            }
        }
        Command::Live { cmd } => match cmd {
            live_cmd::LiveCommand::Disarm => live_cmd::report(
                &live_cmd::disarm(service)?,
                json,
                "Disarmed (a CLI arm ends with the command it wraps, so none was held between commands).",
            )?,
            live_cmd::LiveCommand::Status => live_cmd::report(&service.vault().state()?, json, "")?,
            live_cmd::LiveCommand::Arm(_) => {
                anyhow::bail!("`live arm` cannot be wrapped in another `live arm`")
            }
        },
        Command::Accounts {
            live_balances: Some(id),
        } => {
            let id = brokerdesk_model::ConnectionId::new(id);
            let overview = service.refresh_live_balances(&id).await?;
            match json {
                true => serde_json::to_string_pretty(&overview)? + "\n",
                false => render::accounts(&overview),
            }
        }
        Command::Accounts {
            live_balances: None,
        }
        | Command::Positions => {
            let overview = service.accounts_overview().await?;
            match (command, json) {
                (_, true) => serde_json::to_string_pretty(&overview)? + "\n",
                (Command::Positions, false) => render::positions(&overview),
                (_, false) => render::accounts(&overview),
            }
        }
        Command::Connect(_)
        | Command::Oauth { .. }
        | Command::Sandbox { .. }
        | Command::Mcp(_)
        | Command::Vault { .. } => {
            anyhow::bail!("this command opens its own session; run it on its own")
        }
    })
}

/// `live arm … -- COMMAND`: arms this process's session, runs COMMAND on it, and disarms
/// whatever COMMAND's outcome (see `live_cmd`).
async fn run_armed(
    service: &BrokerageService,
    args: live_cmd::ArmArgs,
    json: bool,
) -> anyhow::Result<String> {
    live_cmd::require_command(&args)?;
    // Parsed before arming: a typo never leaves an arm behind.
    let inner = Cli::try_parse_from(
        std::iter::once("brokerdesk".to_owned()).chain(args.command.iter().cloned()),
    )
    .map_err(|e| {
        // clap's first line says what is wrong; the rest is usage, for a terminal.
        let e = e.to_string();
        anyhow::anyhow!(
            "the command after `--`: {}",
            e.lines()
                .next()
                .unwrap_or_default()
                .trim_start_matches("error: ")
        )
    })?;
    // (Its `data_dir` is filled from the environment too; only the flag itself is a mistake.)
    if args
        .command
        .iter()
        .any(|a| a == "--data-dir" || a.starts_with("--data-dir="))
    {
        anyhow::bail!("put --data-dir before `live arm`, not in the armed command");
    }
    if matches!(
        inner.command,
        Command::Connect(_)
            | Command::Oauth { .. }
            | Command::Sandbox { .. }
            | Command::Mcp(_)
            | Command::Vault { .. }
            | Command::Live {
                cmd: live_cmd::LiveCommand::Arm(_)
            }
    ) {
        anyhow::bail!("`live arm` wraps a command that trades or reads, such as `order …`");
    }
    let armed = live_cmd::arm(service, &args)?;
    eprint!("{}", live_cmd::report(&armed, false, "")?);
    let out = Box::pin(run_on(service, inner.command, json || inner.json)).await;
    live_cmd::disarm(service)?;
    out
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
