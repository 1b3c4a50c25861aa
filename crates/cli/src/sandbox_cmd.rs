//! `brokerdesk sandbox serve`: the local paper exchange as an Alpaca-compatible API, so that any
//! Alpaca client (the official SDKs, or Brokerdesk's own connector) can trade against it.
//! `brokerdesk sandbox credentials`: the per-install key pair those clients sign in with.

use anyhow::Context;
use brokerdesk_service::{CalendarKind, Durability, SandboxConfig, SandboxCredentials};
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve the paper exchange on loopback (Trading API v2, market data, both streams).
    Serve(ServeArgs),
    /// Print the sandbox's API key id, secret and base URL (for your own Alpaca scripts).
    /// The pair is made on first use and kept in `<data dir>/paper/credentials.json`.
    Credentials,
}

/// `Debug` is written by hand: clap's derive would print `--secret`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Where to listen. Loopback only: the sandbox speaks plain HTTP.
    #[arg(long, default_value = brokerdesk_paper_default_addr())]
    addr: SocketAddr,
    /// The API key id clients send as APCA-API-KEY-ID, instead of the per-install one
    /// (`brokerdesk sandbox credentials`).
    #[arg(long, requires = "secret")]
    key: Option<String>,
    /// The secret clients send as APCA-API-SECRET-KEY (or as a Bearer token).
    #[arg(long, requires = "key")]
    secret: Option<String>,
    /// Starting cash of a new account (an existing journal keeps its own).
    #[arg(long, default_value = "100000")]
    cash: Decimal,
    /// Seed of the simulated market: the same seed gives the same tape.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// `always` (open around the clock) or `nyse` (regular hours, weekends and holidays).
    #[arg(long, default_value = "always")]
    calendar: CalendarKind,
    /// `normal`: every acknowledged order survives a killed process; `full`: an fsync per
    /// commit, so it survives a power cut too (at about half the order rate).
    #[arg(long, value_enum, default_value = "normal")]
    durability: DurabilityArg,
}

impl std::fmt::Debug for ServeArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServeArgs")
            .field("addr", &self.addr)
            .field("key", &self.key)
            .field("secret", &"[REDACTED]")
            .field("cash", &self.cash)
            .field("seed", &self.seed)
            .field("calendar", &self.calendar)
            .field("durability", &self.durability)
            .finish()
    }
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum DurabilityArg {
    Normal,
    Full,
}

const fn brokerdesk_paper_default_addr() -> &'static str {
    "127.0.0.1:8787"
}

/// The journal lives in `<data dir>/paper`, the same exchange the app shows as "Paper (local)".
/// `addr` is where the app serves the sandbox (`BROKERDESK_SANDBOX_ADDR`), for the base URL.
pub async fn run(
    cmd: SandboxCommand,
    data_dir: &Path,
    addr: SocketAddr,
    json: bool,
) -> anyhow::Result<()> {
    match cmd {
        SandboxCommand::Credentials => {
            print!("{}", credentials(&data_dir.join("paper"), addr, json)?);
            Ok(())
        }
        SandboxCommand::Serve(args) => {
            if args.cash.is_sign_negative() {
                anyhow::bail!("--cash must not be negative");
            }
            let base = SandboxConfig::new(data_dir.join("paper"));
            let base = match (args.key, args.secret) {
                (Some(key), Some(secret)) => base.with_key(key, secret),
                // The per-install pair, made on first use.
                _ => base,
            };
            let config = SandboxConfig {
                cash: args.cash,
                seed: args.seed,
                calendar: args.calendar,
                durability: match args.durability {
                    DurabilityArg::Normal => Durability::Normal,
                    DurabilityArg::Full => Durability::Full,
                },
                ..base
            };
            eprintln!(
                "Paper sandbox: Alpaca API on http://{} (journal in {}); Ctrl-C stops it.",
                args.addr,
                config.data_dir.display()
            );
            brokerdesk_service::serve_sandbox(config, args.addr)
                .await
                .context("the paper sandbox stopped")
        }
    }
}

/// The key pair in `dir` (made if missing) with the base URL, as text or JSON. The one place a
/// secret is printed: on the user's explicit request, for their own scripts.
fn credentials(dir: &Path, addr: SocketAddr, json: bool) -> anyhow::Result<String> {
    let creds = SandboxCredentials::load_or_create(dir)?;
    let base_url = format!("http://{addr}");
    let file = SandboxCredentials::path(dir).display().to_string();
    Ok(if json {
        serde_json::to_string_pretty(&serde_json::json!({
            "key_id": creds.key_id(),
            "secret_key": creds.secret_key(),
            "base_url": base_url,
            "file": file,
        }))? + "\n"
    } else {
        format!(
            "APCA_API_KEY_ID={}\nAPCA_API_SECRET_KEY={}\nAPCA_API_BASE_URL={base_url}\n# kept in {file}\n",
            creds.key_id(),
            creds.secret_key(),
        )
    })
}
