//! `brokerdesk sandbox serve`: the local paper exchange as an Alpaca-compatible API, so that any
//! Alpaca client (the official SDKs, or Brokerdesk's own connector) can trade against it.
//! `brokerdesk sandbox credentials`: the per-install key pair those clients sign in with.

use anyhow::Context;
use brokerdesk_service::{
    CalendarKind, Durability, PriceSource, ReplayEnd, SandboxConfig, SandboxCredentials,
};
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
    /// Move a symbol's price in the running sandbox (the app's or `sandbox serve`'s) at once:
    /// resting stops and limits react, and the simulation continues from there.
    Price(PriceArgs),
    /// Reset the paper account of the running sandbox: cancel its orders, forget its
    /// positions and fills, restore its starting cash. Asks first unless `--yes`.
    Reset(ResetArgs),
    /// Show or choose where the sandbox's prices come from (as Settings › Paper sandbox does;
    /// saved, so the app uses it from its next start): `--simulated`, or `--replay FILE`.
    Prices(PricesArgs),
}

#[derive(Debug, clap::Args)]
pub struct PricesArgs {
    /// Use the seeded simulation (the default).
    #[arg(long, conflicts_with = "replay")]
    simulated: bool,
    /// Replay this CSV or Parquet file of quotes, trades or bars (its full path).
    #[arg(long)]
    replay: Option<std::path::PathBuf>,
    /// At the end of the file: `loop` (start again) or `stop` (keep the last prices).
    #[arg(long, value_enum, default_value = "loop", requires = "replay")]
    at_end: AtEndArg,
}

#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum AtEndArg {
    Loop,
    Stop,
}

/// `brokerdesk sandbox prices`: through the service, which owns the sandbox in this process
/// (or says which process does).
pub async fn prices(
    service: &brokerdesk_service::BrokerageService,
    args: PricesArgs,
    json: bool,
) -> anyhow::Result<String> {
    use brokerdesk_model::sandbox::{ReplayAtEnd, SandboxPrices};
    let chosen = match (args.simulated, args.replay) {
        (true, _) => Some(SandboxPrices::Simulated),
        (false, Some(path)) => {
            let path = std::path::absolute(&path)
                .with_context(|| format!("cannot use {}", path.display()))?;
            Some(SandboxPrices::Replay {
                path: path.display().to_string(),
                at_end: match args.at_end {
                    AtEndArg::Loop => ReplayAtEnd::Loop,
                    AtEndArg::Stop => ReplayAtEnd::Stop,
                },
            })
        }
        (false, None) => None,
    };
    let controls = match chosen {
        Some(prices) => service.set_sandbox_prices(prices).await?,
        None => service.sandbox_controls()?,
    };
    if json {
        return Ok(serde_json::to_string_pretty(&controls)? + "\n");
    }
    let mut out = match (&controls.unavailable, &controls.prices) {
        (Some(why), _) => format!("The sandbox does not run here: {why}\n"),
        (None, SandboxPrices::Simulated) => "Prices: simulated (seeded random walk)\n".to_owned(),
        (None, SandboxPrices::Replay { path, at_end }) => format!(
            "Prices: replaying {path}, {} at its end\n",
            match at_end {
                ReplayAtEnd::Loop => "starting again",
                ReplayAtEnd::Stop => "stopping",
            }
        ),
    };
    if let Some(note) = &controls.prices_note {
        out.push_str(&format!("Note: {note}\n"));
    }
    Ok(out)
}

#[derive(Debug, clap::Args)]
pub struct PriceArgs {
    /// The symbol, e.g. AAPL.
    symbol: String,
    /// The new price, e.g. 190.00.
    price: Decimal,
    /// Where the sandbox listens (default: where the app serves it).
    #[arg(long)]
    addr: Option<SocketAddr>,
}

#[derive(Debug, clap::Args)]
pub struct ResetArgs {
    /// Do not ask for confirmation.
    #[arg(long)]
    yes: bool,
    /// Where the sandbox listens (default: where the app serves it).
    #[arg(long)]
    addr: Option<SocketAddr>,
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
    /// Replay prices from this CSV (quotes, trades or bars; see the paper crate's README)
    /// instead of the seeded simulation.
    #[arg(long)]
    prices: Option<std::path::PathBuf>,
    /// What a replay does at the end of its file: `loop` (start over) or `stop`.
    #[arg(long, default_value = "loop", requires = "prices")]
    prices_end: ReplayEnd,
    /// The share of fills (0–100 %) that take only part of what is resting, as Alpaca's own
    /// paper trading does; 0 fills every order whole (tests that count shares).
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u8).range(0..=100))]
    partial_fill_pct: u8,
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
            .field("prices", &self.prices)
            .field("prices_end", &self.prices_end)
            .field("partial_fill_pct", &self.partial_fill_pct)
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
        SandboxCommand::Price(args) => {
            let body = serde_json::json!({ "price": args.price.to_string() });
            let path = format!("/v2/sandbox/prices/{}", args.symbol.trim());
            let answer = control(data_dir, args.addr.unwrap_or(addr), &path, body).await?;
            if json {
                println!("{answer}");
            } else {
                println!(
                    "{} is now {}",
                    args.symbol.trim().to_uppercase(),
                    args.price
                );
            }
            Ok(())
        }
        SandboxCommand::Reset(args) => {
            if !args.yes && !confirm_reset()? {
                anyhow::bail!("not reset");
            }
            let body = serde_json::json!({ "confirm": true });
            let answer = control(
                data_dir,
                args.addr.unwrap_or(addr),
                "/v2/sandbox/reset",
                body,
            )
            .await?;
            if json {
                println!("{answer}");
            } else {
                println!(
                    "The paper account is reset: no orders or positions, starting cash restored."
                );
            }
            Ok(())
        }
        // Opened on the service by `main` (it owns the sandbox in this process).
        SandboxCommand::Prices(_) => {
            anyhow::bail!("`sandbox prices` runs on the service")
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
                prices: match args.prices {
                    Some(path) => PriceSource::Replay {
                        path,
                        at_end: args.prices_end,
                    },
                    None => PriceSource::Simulated,
                },
                random_partial_fill_pct: args.partial_fill_pct,
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

/// Asks on the terminal; only `reset` (typed out) goes ahead.
fn confirm_reset() -> anyhow::Result<bool> {
    eprint!(
        "This cancels every order of the paper account and forgets its positions and fills.\n\
         Type `reset` to continue: "
    );
    let mut line = String::new();
    std::io::stdin().read_line(&mut line)?;
    Ok(line.trim() == "reset")
}

/// POSTs a sandbox control to the running sandbox at `addr`, signed with the per-install pair.
async fn control(
    data_dir: &Path,
    addr: SocketAddr,
    path: &str,
    body: serde_json::Value,
) -> anyhow::Result<serde_json::Value> {
    if !addr.ip().is_loopback() {
        anyhow::bail!("the sandbox listens on loopback only, not {addr}");
    }
    let creds = SandboxCredentials::load_or_create(&data_dir.join("paper"))?;
    let url = format!("http://{addr}{path}");
    let response = reqwest::Client::new()
        .post(&url)
        .header("APCA-API-KEY-ID", creds.key_id())
        .header("APCA-API-SECRET-KEY", creds.secret_key())
        .json(&body)
        .send()
        .await
        .with_context(|| {
            format!("no sandbox answers on {addr}: start the app or `brokerdesk sandbox serve`")
        })?;
    let status = response.status();
    let answer: serde_json::Value = response.json().await.unwrap_or_default();
    if !status.is_success() {
        let message = answer["message"].as_str().unwrap_or("no message");
        anyhow::bail!("the sandbox refused ({status}): {message}");
    }
    Ok(answer)
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
