//! The sandbox served as an Alpaca-compatible API (Trading API v2, a Market Data v2 subset
//! and both WebSocket streams), on loopback by default.

pub mod auth;
mod configurations_api;
pub mod control;
mod counter;
mod extract;
mod guard;
pub mod history;
mod history_json;
mod image;
mod listener;
pub mod market_data;
mod market_data_api;
mod order_body;
mod order_json;
#[cfg(test)]
mod restart_tests;
pub mod runtime;
pub mod series;
mod session_cache;
mod streams;
mod trading;
mod watchlists_api;
pub mod wire;

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use brokerdesk_model::AccountId;
use rust_decimal::Decimal;
use std::future::Future;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;

use crate::credentials::{CredentialsError, SandboxCredentials};
use crate::engine::rejection::code;
use crate::engine::validate::MAX_CASH;
use crate::engine::{AccountKind, CalendarKind, CommandKind, EngineConfig, Rejection};
use crate::quotes::{QuoteSource, ReplayError, SimulatedMarket};
use crate::store::{Durability, Journal, StoreError};
pub use control::PriceSource;
pub use runtime::{ExchangeGone, ExchangeHandle, State, StopWaiter};

/// One API key pair and the paper account it trades (Alpaca keys belong to one account).
/// `Authorization: Bearer <secret_key>` is accepted too, like an OAuth token.
/// `Debug` never shows the secret.
#[derive(Clone, PartialEq)]
pub struct Credential {
    pub key_id: String,
    pub secret_key: String,
    pub account: AccountId,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("key_id", &self.key_id)
            .field("secret_key", &"[redacted]")
            .field("account", &self.account)
            .finish()
    }
}

/// Options of `brokerdesk sandbox serve`.
///
/// With no credentials given, the sandbox uses the key pair kept in its data dir
/// (`SandboxCredentials::load_or_create`, made on first use) for the default account.
/// The CLI maps its flags onto this: `--data-dir` → `data_dir`, `--key`/`--secret` → the
/// credential instead of that pair, `--cash` → `cash`, `--seed` → `seed`, `--calendar always|nyse` →
/// `calendar`, and binds `--addr` (default `127.0.0.1:8787`) itself before calling [`serve`].
/// `cash`, `account_kind`, `calendar` and `random_partial_fill_pct` only matter when the data dir is new: a restart
/// replays the journal with the settings it was created with.
#[derive(Clone, Debug)]
pub struct SandboxConfig {
    /// Holds the journal (`journal.sqlite3`, its segment and snapshot files) and
    /// `credentials.json` when `credentials` is empty.
    pub data_dir: PathBuf,
    /// Empty: the per-install pair in `data_dir`, for the default account.
    pub credentials: Vec<Credential>,
    /// Starting cash of each new account (Alpaca paper gives $100,000).
    pub cash: Decimal,
    pub account_kind: AccountKind,
    /// Seed of the simulated market; the same seed gives the same tape.
    pub seed: u64,
    pub calendar: CalendarKind,
    /// How often the market source is polled (and the clock ticks).
    pub tick_interval: Duration,
    /// Where prices come from: the seeded simulation, or a replayed file (`--prices`).
    pub prices: PriceSource,
    pub durability: Durability,
    /// Serve on a non-loopback address (off: the sandbox has no TLS).
    pub allow_remote: bool,
    /// Commands between snapshots; a snapshot bounds the journal and the restart time.
    pub snapshot_every: u64,
    /// Percent of executions that fill only partly, like Alpaca's paper venue (seeded).
    pub random_partial_fill_pct: u8,
}

pub const DEFAULT_ADDR: &str = "127.0.0.1:8787";
/// The account the default credentials trade.
pub const DEFAULT_ACCOUNT: &str = "PA-SANDBOX-1";

impl SandboxConfig {
    pub fn new(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            data_dir: data_dir.into(),
            credentials: Vec::new(),
            cash: Decimal::from(100_000),
            account_kind: AccountKind::Margin,
            seed: 42,
            calendar: CalendarKind::Always,
            tick_interval: Duration::from_millis(1000),
            prices: PriceSource::Simulated,
            // Survives kill -9 (the crash test proves it) at twice the order rate of an fsync
            // per order; a power cut may lose the last moments of paper trading. `Full` for more.
            durability: Durability::Normal,
            allow_remote: false,
            snapshot_every: 20_000,
            random_partial_fill_pct: 10,
        }
    }

    /// Trades the default account with this key pair instead of the per-install one (the
    /// CLI's `--key`/`--secret`).
    pub fn with_key(self, key_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        self.with_credentials(&SandboxCredentials::new(key_id, secret_key))
    }

    /// Trades the default account with `creds` (and no other key).
    pub fn with_credentials(mut self, creds: &SandboxCredentials) -> Self {
        self.credentials = vec![Credential {
            key_id: creds.key_id().to_owned(),
            secret_key: creds.secret_key().to_owned(),
            account: AccountId::new(DEFAULT_ACCOUNT),
        }];
        self
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("reading {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("refusing to serve on non-loopback address {0} (set allow_remote)")]
    NotLoopback(std::net::SocketAddr),
    #[error(transparent)]
    Credentials(#[from] CredentialsError),
    #[error("starting cash {0} is out of range (0 to {MAX_CASH})")]
    Cash(Decimal),
    #[error("the paper exchange stopped")]
    Gone(#[from] ExchangeGone),
    #[error("{0}")]
    Unsupported(String),
    /// The exchange refused a control (an unknown symbol, a bad price).
    #[error("{0}")]
    Refused(String),
}

/// What every handler reads, shared: axum clones the state for each request, and one count
/// increment costs less than cloning each of the handles inside (a dozen atomic operations
/// per request, and as many again to drop them).
#[derive(Clone)]
pub(crate) struct AppState(Arc<AppParts>);

impl std::ops::Deref for AppState {
    type Target = AppParts;

    fn deref(&self) -> &AppParts {
        &self.0
    }
}

pub(crate) struct AppParts {
    pub handle: ExchangeHandle,
    pub credentials: Arc<Vec<Credential>>,
    /// Generated price history, built per symbol on first use.
    pub history: Arc<history::HistoryBook>,
    /// The market feed's controls (prices set by hand, a new price source).
    pub feed: tokio::sync::mpsc::UnboundedSender<control::FeedMsg>,
    /// Starting cash of new (and reset) accounts.
    pub cash: Decimal,
    /// Changes when the sandbox is dropped: the server stops accepting and closes its
    /// connections (`listener`), and WebSocket sessions (upgraded, so outside its graceful
    /// shutdown) end, so no clone of the handle keeps the exchange thread alive.
    pub closing: tokio::sync::watch::Receiver<bool>,
}

/// An error answered the way Alpaca answers: status plus `{"code", "message"}`.
#[derive(Debug)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: u32,
    pub message: String,
    /// Seconds, sent as `Retry-After` (503 while the exchange rebuilds).
    pub retry_after: Option<u32>,
}

/// Alpaca's code for a 503 (status, then a sub-code).
const UNAVAILABLE: u32 = 50310000;
/// A rebuild from the journal takes well under a second for a snapshotted journal.
const RETRY_AFTER_SECS: u32 = 1;

impl ApiError {
    pub fn new(status: StatusCode, code: u32, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            retry_after: None,
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, extract::BAD_REQUEST_CODE, message)
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code::NOT_FOUND, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            code::UNPROCESSABLE,
            message,
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (
            self.status,
            axum::Json(wire::error(self.code, self.message)),
        )
            .into_response();
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        response
    }
}

impl From<Rejection> for ApiError {
    fn from(r: Rejection) -> Self {
        let status =
            StatusCode::from_u16(r.http_status()).unwrap_or(StatusCode::UNPROCESSABLE_ENTITY);
        Self::new(status, r.code(), r.to_string())
    }
}

impl From<ExchangeGone> for ApiError {
    fn from(e: ExchangeGone) -> Self {
        Self {
            retry_after: Some(RETRY_AFTER_SECS),
            ..Self::new(StatusCode::SERVICE_UNAVAILABLE, UNAVAILABLE, e.to_string())
        }
    }
}

/// A running sandbox: the exchange thread, the market feed and the HTTP routes.
pub struct Sandbox {
    handle: ExchangeHandle,
    state: AppState,
    feed: tokio::task::JoinHandle<()>,
    closing: tokio::sync::watch::Sender<bool>,
    /// HTTP requests answered (WebSocket upgrades included): what its clients cost it.
    requests: Arc<std::sync::atomic::AtomicU64>,
}

impl Sandbox {
    /// Recovers the journal in `config.data_dir` (or starts one), opens missing accounts and
    /// starts the market feed. Must be called inside a Tokio runtime.
    pub async fn start(mut config: SandboxConfig) -> Result<Self, SandboxError> {
        if !(Decimal::ZERO..=MAX_CASH).contains(&config.cash) {
            return Err(SandboxError::Cash(config.cash));
        }
        if config.credentials.is_empty() {
            let creds = SandboxCredentials::load_or_create(&config.data_dir)?;
            config = config.with_credentials(&creds);
        }
        // A price file that does not read is refused before the journal is touched.
        let replay = match &config.prices {
            PriceSource::Replay { path, at_end } => Some(control::open_replay(path, *at_end)?),
            PriceSource::Simulated => None,
        };
        let journal = Journal::open_dir(&config.data_dir, config.durability)?;
        let fresh = journal.is_empty()?;
        let replayed = journal.len()?;
        let engine_config = EngineConfig {
            calendar: config.calendar,
            random_partial_fill_pct: config.random_partial_fill_pct.min(100),
            seed: config.seed,
            ..EngineConfig::default()
        };
        let reopen: runtime::Reopen = {
            let (dir, durability) = (config.data_dir.clone(), config.durability);
            Box::new(move || Journal::open_dir(&dir, durability))
        };
        let handle = runtime::start(journal, engine_config, config.snapshot_every, reopen)?;

        let wanted: Vec<(AccountId, AccountKind, Decimal)> = config
            .credentials
            .iter()
            .map(|c| (c.account.clone(), config.account_kind, config.cash))
            .collect();
        handle
            .plan(move |s| {
                wanted
                    .into_iter()
                    .filter(|(id, _, _)| s.engine.account(id).is_none())
                    .map(|(account, kind, cash)| CommandKind::OpenAccount {
                        account,
                        kind,
                        cash,
                    })
                    .collect()
            })
            .await?;

        let source: Box<dyn QuoteSource> = match replay {
            Some(r) => Box::new(r),
            None => {
                // Continue the tape from the last journaled prices; vary the stream after a
                // restart so it does not replay the same moves.
                let seed = config.seed ^ replayed;
                let mut sim = if fresh {
                    SimulatedMarket::new(seed)
                } else {
                    let marks = handle.read(marks_of).await?;
                    SimulatedMarket::resume(seed, |s| marks.get(s).copied())
                };
                handle.apply(CommandKind::Market(sim.snapshot())).await?;
                Box::new(sim)
            }
        };
        let (feed_tx, feed_rx) = tokio::sync::mpsc::unbounded_channel();
        let feed = tokio::spawn(control::feed(
            handle.clone(),
            source,
            config.tick_interval,
            feed_rx,
        ));
        let (closing_tx, closing) = tokio::sync::watch::channel(false);
        let state = AppState(Arc::new(AppParts {
            closing,
            handle: handle.clone(),
            credentials: Arc::new(config.credentials),
            history: Arc::new(history::HistoryBook::new(config.seed)),
            feed: feed_tx,
            cash: config.cash,
        }));
        Ok(Self {
            closing: closing_tx,
            handle,
            state,
            feed,
            requests: Arc::default(),
        })
    }

    pub fn handle(&self) -> ExchangeHandle {
        self.handle.clone()
    }

    /// Moves `symbol`'s price now (a trade there and a one-cent quote around it); resting
    /// orders react at once and the simulation continues from it. `POST /v2/sandbox/prices/{symbol}`.
    pub async fn set_price(&self, symbol: &str, price: Decimal) -> Result<(), SandboxError> {
        self.state
            .set_price(brokerdesk_model::Symbol::new(symbol), price)
            .await
            .map_err(|e| SandboxError::Refused(e.message))
    }

    /// Resets the account of the default credentials (or `account`) to a fresh one with the
    /// configured starting cash; journaled, so it survives a restart. `POST /v2/sandbox/reset`.
    pub async fn reset_account(&self, account: Option<AccountId>) -> Result<(), SandboxError> {
        let account = match account {
            Some(a) => a,
            None => self
                .state
                .credentials
                .first()
                .map_or_else(|| AccountId::new(DEFAULT_ACCOUNT), |c| c.account.clone()),
        };
        self.state
            .reset(account, None)
            .await
            .map_err(|e| SandboxError::Refused(e.message))
    }

    /// Takes prices from `source` from now on (the Settings page's choice, no restart needed).
    pub async fn set_price_source(&self, source: &PriceSource) -> Result<(), SandboxError> {
        let next: Box<dyn QuoteSource> = match source {
            PriceSource::Replay { path, at_end } => Box::new(control::open_replay(path, *at_end)?),
            PriceSource::Simulated => {
                let marks = self.handle.read(marks_of).await?;
                // Another stream than the one the sandbox started with.
                let seed = self.state.history.seed().wrapping_add(1);
                Box::new(SimulatedMarket::resume(seed, |s| marks.get(s).copied()))
            }
        };
        Ok(self.state.set_source(next).await?)
    }

    /// The HTTP routes (`/v2/...` trading and market data, `/stream` and `/v2/{feed}` sockets)
    /// for a server bound to `bound`: requests must be addressed to it (`Host`), and none may
    /// come from a web page (see `guard`).
    pub fn router(&self, bound: SocketAddr) -> Router {
        router(self.state.clone(), bound).layer(counter::CountLayer(Arc::clone(&self.requests)))
    }

    /// Serves the routes on `listener` from the exchange thread's runtime, so a request
    /// reaches the exchange without a thread hop (see `runtime`); the way the service and
    /// `brokerdesk sandbox serve` run it. Once the sandbox is dropped the server stops
    /// accepting and closes its idle connections; the handle resolves then.
    pub fn serve(
        &self,
        listener: TcpListener,
    ) -> Result<tokio::task::JoinHandle<std::io::Result<()>>, SandboxError> {
        let io = |source| SandboxError::Io {
            path: "listener".into(),
            source,
        };
        let bound = listener.local_addr().map_err(io)?;
        // A Tokio listener belongs to the runtime it was made on: handed over as a plain
        // socket, registered again on the exchange's.
        let listener = listener.into_std().map_err(io)?;
        let routes = listener::Routes {
            router: self.router(bound),
            app: self.state.clone(),
            allowed: Arc::new(guard::AllowedHosts::for_addr(bound)),
            requests: Arc::clone(&self.requests),
        };
        let closing = self.state.closing.clone();
        Ok(self.handle.spawn(async move {
            let listener = TcpListener::from_std(listener)?;
            listener::serve(listener, routes, closing).await
        }))
    }

    /// How many HTTP requests the routes have answered (WebSocket upgrades included).
    pub fn requests(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.feed.abort();
        let _ = self.closing.send(true);
        // Open connections keep handles alive; the exchange ends now anyway, so the journal
        // is free for whoever opens this data dir next.
        self.handle.close();
    }
}

/// The last price of every listed symbol (a simulation resumes from them).
fn marks_of(s: &State) -> std::collections::HashMap<brokerdesk_model::Symbol, Decimal> {
    s.engine
        .assets()
        .iter()
        .filter_map(|a| s.engine.mark(&a.symbol).map(|m| (a.symbol.clone(), m)))
        .collect()
}

fn router(state: AppState, bound: SocketAddr) -> Router {
    Router::new()
        .merge(trading::routes())
        .merge(market_data_api::routes())
        .merge(control::routes())
        .merge(watchlists_api::routes())
        .merge(configurations_api::routes())
        .merge(streams::routes())
        .route("/healthz", get(|| async { "ok" }))
        .with_state(state)
        .layer(guard::GuardLayer::new(bound))
}

/// Serves the sandbox on `listener` until the process ends.
pub async fn serve(config: SandboxConfig, listener: TcpListener) -> Result<(), SandboxError> {
    serve_with_shutdown(config, listener, std::future::pending()).await
}

/// Serves the sandbox on `listener` until `shutdown` resolves.
pub async fn serve_with_shutdown(
    config: SandboxConfig,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), SandboxError> {
    let addr = listener.local_addr().map_err(|source| SandboxError::Io {
        path: "listener".into(),
        source,
    })?;
    if !addr.ip().is_loopback() && !config.allow_remote {
        return Err(SandboxError::NotLoopback(addr));
    }
    let sandbox = Sandbox::start(config).await?;
    tracing::info!(%addr, "paper sandbox serving the Alpaca API");
    let mut server = sandbox.serve(listener)?;
    let stopped = |done: Result<std::io::Result<()>, tokio::task::JoinError>| {
        done.map_err(std::io::Error::other)
            .flatten()
            .map_err(|source| SandboxError::Io {
                path: "http server".into(),
                source,
            })
    };
    tokio::select! {
        done = &mut server => return stopped(done),
        () = shutdown => {}
    }
    // Dropping the sandbox tells the server to stop accepting and close idle connections.
    drop(sandbox);
    stopped(server.await)
}
