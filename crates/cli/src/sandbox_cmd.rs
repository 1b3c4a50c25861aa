//! `brokerdesk sandbox serve`: the local paper exchange as an Alpaca-compatible API, so that any
//! Alpaca client (the official SDKs, or Brokerdesk's own connector) can trade against it.

use anyhow::Context;
use brokerdesk_service::{CalendarKind, Durability, SandboxConfig};
use rust_decimal::Decimal;
use std::net::SocketAddr;
use std::path::Path;

#[derive(Debug, clap::Subcommand)]
pub enum SandboxCommand {
    /// Serve the paper exchange on loopback (Trading API v2, market data, both streams).
    Serve(ServeArgs),
}

/// `Debug` is written by hand: clap's derive would print `--secret`.
#[derive(clap::Args)]
pub struct ServeArgs {
    /// Where to listen. Loopback only: the sandbox speaks plain HTTP.
    #[arg(long, default_value = brokerdesk_paper_default_addr())]
    addr: SocketAddr,
    /// The API key id clients send as APCA-API-KEY-ID.
    #[arg(long, requires = "secret", default_value = "PKSANDBOX")]
    key: String,
    /// The secret clients send as APCA-API-SECRET-KEY (or as a Bearer token).
    #[arg(long, requires = "key", default_value = "sandbox-secret")]
    secret: String,
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
pub async fn run(cmd: SandboxCommand, data_dir: &Path) -> anyhow::Result<()> {
    match cmd {
        SandboxCommand::Serve(args) => {
            if args.cash.is_sign_negative() {
                anyhow::bail!("--cash must not be negative");
            }
            let config = SandboxConfig {
                cash: args.cash,
                seed: args.seed,
                calendar: args.calendar,
                durability: match args.durability {
                    DurabilityArg::Normal => Durability::Normal,
                    DurabilityArg::Full => Durability::Full,
                },
                ..SandboxConfig::new(data_dir.join("paper")).with_key(args.key, args.secret)
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
