//! One live connection: its connectors, and the health the status display shows.

use crate::error::ServiceError;
use crate::pricing::{self, QuoteBook};
use brokerdesk_connectors::{
    ConnectorError, MarketData, Portfolio, StreamControl, Streams, Trading,
};
use brokerdesk_model::{
    AccountId, AccountSnapshot, ConnectionId, ConnectionStatus, ConnectionSummary, Quote, Symbol,
    TradingMode, VendorId,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeSet;
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A read that has not answered by then is a disconnection, not a wait.
pub const READ_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest pause between attempts to reach a failing connection.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

use brokerdesk_connectors::vendor::AggregatorPortal;
/// The request latency the connector measured, and a connector's per-account modes: both are
/// the connectors' (`brokerdesk_connectors::vendor`).
pub use brokerdesk_connectors::vendor::{AccountModes, LatencyProbe};

#[derive(Clone, Debug)]
struct Health {
    status: ConnectionStatus,
    latency_ms: Option<u32>,
    last_refresh: Option<DateTime<Utc>>,
    failures: u32,
    next_attempt: Option<Instant>,
}

pub struct Connection {
    pub id: ConnectionId,
    pub vendor: VendorId,
    pub display_name: String,
    pub mode: TradingMode,
    pub portfolio: Arc<dyn Portfolio>,
    pub trading: Option<Arc<dyn Trading>>,
    pub market: Option<Arc<dyn MarketData>>,
    /// Order updates and quotes pushed by the vendor; `None`: everything is polled.
    pub streams: Option<Arc<dyn Streams>>,
    latency: Option<LatencyProbe>,
    health: Mutex<Health>,
    /// This connection's own latest quotes, and the symbols someone looks at.
    pub(crate) quotes: QuoteBook,
    /// The streams while they are open (the supervisor opens them).
    listening: Mutex<Option<Listening>>,
    /// The last read, for reconciliation and the quote subscriptions without reading again.
    last_read: Mutex<Option<Vec<AccountSnapshot>>>,
    portal: Option<Arc<dyn AggregatorPortal>>,
    /// Balances the vendor bills per live read (read live on a schedule and on request).
    billed_balances: Option<Arc<dyn brokerdesk_connectors::BilledBalances>>,
    directory: Option<Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>>,
    account_modes: Option<Arc<dyn AccountModes>>,
    /// The accounts' money movements, where the vendor reports them (the Activity page).
    activity: Option<Arc<dyn brokerdesk_connectors::AccountActivity>>,
    /// The accounts' past equity, where the vendor keeps it (the net worth back-fill).
    equity_history: Option<Arc<dyn brokerdesk_connectors::EquityHistory>>,
    /// Each account's mode as last learnt from `account_modes` (for the blotter).
    known_modes: Mutex<HashMap<AccountId, TradingMode>>,
    /// No read has been started yet: the first one counts in the first-sync progress.
    first_read: AtomicBool,
    /// Whatever must live as long as the connection (the local sandbox, keep-alive tasks).
    _keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

pub struct ConnectionParts {
    pub id: ConnectionId,
    pub vendor: VendorId,
    pub display_name: String,
    pub mode: TradingMode,
    pub portfolio: Arc<dyn Portfolio>,
    pub trading: Option<Arc<dyn Trading>>,
    pub market: Option<Arc<dyn MarketData>>,
    pub streams: Option<Arc<dyn Streams>>,
    pub latency: Option<LatencyProbe>,
    pub keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

/// Open streams and what they carry now.
struct Listening {
    control: StreamControl,
    /// The task reading the updates; stops with the connection.
    _consumer: AbortOnDrop,
    orders: StreamState,
    quotes: StreamState,
}

/// One stream's state as last reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StreamState {
    Connecting,
    Up,
    /// Dropped; it reconnects by itself and resyncs then.
    Down,
    /// Stopped for good: what it carried is polled instead.
    Stopped,
}

/// Stops a task when dropped.
pub(crate) struct AbortOnDrop(pub(crate) tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// How a connector's error shows as a status.
pub fn status_of(err: &ConnectorError) -> ConnectionStatus {
    match err {
        ConnectorError::NeedsSignIn(how) => ConnectionStatus::NeedsSignIn(how.clone()),
        ConnectorError::Unavailable(why) => ConnectionStatus::Disconnected(why.clone()),
        ConnectorError::RateLimited { message, .. } => {
            ConnectionStatus::Degraded(format!("rate limited: {message}"))
        }
        other => ConnectionStatus::Degraded(other.to_string()),
    }
}

impl Connection {
    pub fn new(parts: ConnectionParts) -> Self {
        Self {
            id: parts.id,
            vendor: parts.vendor,
            display_name: parts.display_name,
            mode: parts.mode,
            portfolio: parts.portfolio,
            trading: parts.trading,
            market: parts.market,
            streams: parts.streams,
            latency: parts.latency,
            quotes: QuoteBook::default(),
            listening: Mutex::new(None),
            last_read: Mutex::new(None),
            health: Mutex::new(Health {
                status: ConnectionStatus::Disconnected("not read yet".into()),
                latency_ms: None,
                last_refresh: None,
                failures: 0,
                next_attempt: None,
            }),
            portal: None,
            billed_balances: None,
            directory: None,
            account_modes: None,
            activity: None,
            equity_history: None,
            known_modes: Mutex::new(HashMap::new()),
            first_read: AtomicBool::new(true),
            _keep: parts.keep,
        }
    }

    /// True once, for whoever starts this connection's first read (so two reads at once do
    /// not both count it in the first-sync progress).
    pub(crate) fn claim_first_read(&self) -> bool {
        self.first_read.swap(false, Ordering::SeqCst)
    }

    /// The accounts' money movements, where the vendor reports them.
    pub fn with_activity(
        mut self,
        activity: Option<Arc<dyn brokerdesk_connectors::AccountActivity>>,
    ) -> Self {
        self.activity = activity;
        self
    }

    pub fn activity(&self) -> Option<Arc<dyn brokerdesk_connectors::AccountActivity>> {
        self.activity.clone()
    }

    /// The accounts' past equity, where the vendor keeps it.
    pub fn with_equity_history(
        mut self,
        history: Option<Arc<dyn brokerdesk_connectors::EquityHistory>>,
    ) -> Self {
        self.equity_history = history;
        self
    }

    pub fn equity_history(&self) -> Option<Arc<dyn brokerdesk_connectors::EquityHistory>> {
        self.equity_history.clone()
    }

    /// The aggregator portal for linking more accounts, where the connection has one.
    pub fn with_portal(mut self, portal: Option<Arc<dyn AggregatorPortal>>) -> Self {
        self.portal = portal;
        self
    }

    pub fn portal(&self) -> Option<Arc<dyn AggregatorPortal>> {
        self.portal.clone()
    }

    pub fn with_billed_balances(
        mut self,
        billed: Option<Arc<dyn brokerdesk_connectors::BilledBalances>>,
    ) -> Self {
        self.billed_balances = billed;
        self
    }

    pub fn billed_balances(&self) -> Option<Arc<dyn brokerdesk_connectors::BilledBalances>> {
        self.billed_balances.clone()
    }

    /// The aggregator's institution search, where the connection has one.
    pub fn with_directory(
        mut self,
        directory: Option<Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>>,
    ) -> Self {
        self.directory = directory;
        self
    }

    pub fn directory(
        &self,
    ) -> Option<Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>> {
        self.directory.clone()
    }

    /// Lets the connector tell each account's mode (see [`AccountModes`]).
    pub fn with_account_modes(mut self, modes: Arc<dyn AccountModes>) -> Self {
        self.account_modes = Some(modes);
        self
    }

    /// What an order on `account` does. A paper connection's accounts are paper; a live
    /// connection's are live unless its connector proves the account paper. Failing to ask is
    /// live: the safe side.
    pub async fn account_mode(&self, account: &AccountId) -> TradingMode {
        if self.mode == TradingMode::Paper {
            return TradingMode::Paper;
        }
        let Some(modes) = &self.account_modes else {
            return self.mode;
        };
        let mode = match modes.account_mode(account).await {
            Ok(mode) => mode,
            Err(err) => {
                tracing::debug!(connection = %self.id, %account, error = %err, "account mode unknown");
                TradingMode::Live
            }
        };
        self.known_modes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(account.clone(), mode);
        mode
    }

    /// The account's mode as last learnt, without asking (display only; orders ask).
    pub fn known_account_mode(&self, account: &AccountId) -> TradingMode {
        if self.mode == TradingMode::Paper {
            return TradingMode::Paper;
        }
        self.known_modes
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(account)
            .copied()
            .unwrap_or(self.mode)
    }

    fn health(&self) -> Health {
        self.health
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn summary(&self) -> ConnectionSummary {
        let h = self.health();
        ConnectionSummary {
            id: self.id.clone(),
            vendor: self.vendor.clone(),
            display_name: self.display_name.clone(),
            mode: self.mode,
            status: h.status,
            latency_ms: h.latency_ms,
            last_refresh: h.last_refresh,
            live_balances_every_min: self
                .billed_balances
                .as_ref()
                .map(|b| u32::try_from(b.live_every().as_secs().div_ceil(60)).unwrap_or(u32::MAX)),
        }
    }

    /// Whether the supervisor should try this connection now (failing ones back off).
    pub fn due(&self, now: Instant) -> bool {
        self.health().next_attempt.is_none_or(|at| now >= at)
    }

    /// Records the outcome of a request; returns true when the status changed.
    pub fn record(&self, outcome: Result<Duration, &ConnectorError>) -> bool {
        let mut h = self.health.lock().unwrap_or_else(|p| p.into_inner());
        let before = h.status.clone();
        match outcome {
            Ok(round) => {
                let measured = self
                    .latency
                    .as_ref()
                    .and_then(|probe| probe())
                    .unwrap_or(round);
                h.status = ConnectionStatus::Connected;
                h.latency_ms = Some(u32::try_from(measured.as_millis()).unwrap_or(u32::MAX));
                h.last_refresh = Some(Utc::now());
                h.failures = 0;
                h.next_attempt = None;
            }
            Err(err) => {
                h.status = status_of(err);
                h.failures = h.failures.saturating_add(1);
                let backoff = Duration::from_secs(1u64 << h.failures.min(6)).min(MAX_BACKOFF);
                // A vendor that said when to come back is not asked before then.
                let backoff = match err {
                    ConnectorError::RateLimited {
                        retry_after: Some(wait),
                        ..
                    } => backoff.max(*wait),
                    _ => backoff,
                };
                h.next_attempt = Some(Instant::now() + backoff);
            }
        }
        h.status != before
    }

    /// Reads every account of this connection: the accounts first, then each account's
    /// balances and positions at once.
    pub async fn read(&self) -> Result<Vec<AccountSnapshot>, ServiceError> {
        let started = Instant::now();
        let result = tokio::time::timeout(READ_TIMEOUT, self.read_accounts()).await;
        let result = match result {
            Ok(r) => r,
            Err(_) => Err(ConnectorError::Unavailable(format!(
                "no answer within {} s",
                READ_TIMEOUT.as_secs()
            ))),
        };
        match result {
            Ok(reads) => {
                self.record(Ok(started.elapsed()));
                let connection = self.summary();
                let as_of = Utc::now();
                let quotes = self.quotes.fresh();
                let modes = futures::future::join_all(
                    reads
                        .iter()
                        .map(|(account_id, _, _, _)| self.account_mode(account_id)),
                )
                .await;
                let snapshots: Vec<AccountSnapshot> = reads
                    .into_iter()
                    .zip(modes)
                    .map(
                        |((account_id, balances, positions, balance_unknown), mode)| {
                            // Priced by this connection only: its quotes, else its own payload.
                            let (positions, prices) = pricing::price(positions, &quotes, as_of);
                            AccountSnapshot {
                                connection: connection.clone(),
                                account_id,
                                mode,
                                balances,
                                positions,
                                as_of,
                                prices,
                                balance_unknown,
                            }
                        },
                    )
                    .collect();
                *self.last_read.lock().unwrap_or_else(|p| p.into_inner()) = Some(snapshots.clone());
                Ok(snapshots)
            }
            Err(source) => {
                self.record(Err(&source));
                Err(ServiceError::Connector {
                    connection: self.id.clone(),
                    source,
                })
            }
        }
    }

    /// The last read's snapshots, without reading (`None`: never read).
    pub fn last_read(&self) -> Option<Vec<AccountSnapshot>> {
        self.last_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// An account's currency as the last read reported it.
    pub fn account_currency(&self, account: &AccountId) -> Option<String> {
        self.last_read
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()?
            .iter()
            .find(|s| &s.account_id == account)
            .map(|s| s.balances.currency.clone())
    }

    /// The symbols of every position in the last read.
    pub fn held_symbols(&self) -> BTreeSet<Symbol> {
        self.last_read()
            .unwrap_or_default()
            .iter()
            .flat_map(|s| s.positions.iter().map(|p| p.symbol.clone()))
            .collect()
    }

    /// Keeps `control` (the open streams) and `consumer` (the task reading them).
    pub(crate) fn listen(&self, control: StreamControl, consumer: AbortOnDrop) {
        *self.listening.lock().unwrap_or_else(|p| p.into_inner()) = Some(Listening {
            control,
            _consumer: consumer,
            orders: StreamState::Connecting,
            quotes: StreamState::Connecting,
        });
    }

    /// Whether the streams are open (or being opened).
    pub fn is_listening(&self) -> bool {
        self.listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// Records what a stream reported about itself.
    pub(crate) fn set_stream_state(
        &self,
        kind: brokerdesk_connectors::StreamKind,
        state: StreamState,
    ) {
        if let Some(l) = self
            .listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_mut()
        {
            match kind {
                brokerdesk_connectors::StreamKind::Orders => l.orders = state,
                brokerdesk_connectors::StreamKind::Quotes => l.quotes = state,
            }
        }
    }

    fn stream_state(&self, kind: brokerdesk_connectors::StreamKind) -> Option<StreamState> {
        self.listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map(|l| match kind {
                brokerdesk_connectors::StreamKind::Orders => l.orders,
                brokerdesk_connectors::StreamKind::Quotes => l.quotes,
            })
    }

    /// Whether balances, positions and orders are polled: no order stream is listening, or it
    /// stopped for good. A stream that is down reconnects and resyncs; it is not polled.
    pub fn polled(&self) -> bool {
        self.stream_state(brokerdesk_connectors::StreamKind::Orders)
            .is_none_or(|s| s == StreamState::Stopped)
    }

    /// Whether watched quotes are asked for over REST (there is market data, and no quote
    /// stream carries them).
    pub fn quotes_polled(&self) -> bool {
        self.market.is_some()
            && self
                .stream_state(brokerdesk_connectors::StreamKind::Quotes)
                .is_none_or(|s| s == StreamState::Stopped)
    }

    /// Points the quote stream at what is looked at and held now; returns whether it changed.
    pub(crate) fn follow_quotes(&self) -> bool {
        let mut wanted = self.quotes.watched();
        wanted.extend(self.held_symbols());
        self.listening
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .is_some_and(|l| l.control.watch_quotes(wanted))
    }

    /// Stores quotes from this connection's own market data.
    pub(crate) fn store_quotes(&self, quotes: &[Quote]) {
        self.quotes.store(quotes);
    }

    /// Reads the accounts, then each account's balances and positions at once. An account
    /// whose balance the institution cannot give (`ConnectorError::BalanceUnknown`) is still
    /// listed, with the reason and no figures; any other failure fails the read.
    async fn read_accounts(&self) -> Result<Vec<AccountRead>, ConnectorError> {
        let ids = self.portfolio.accounts().await?;
        let reads = futures::future::try_join_all(ids.into_iter().map(|id| async move {
            let (balances, positions) =
                futures::future::join(self.portfolio.balances(&id), self.portfolio.positions(&id))
                    .await;
            let (balances, unknown) = match balances {
                Ok(b) => (b, None),
                Err(ConnectorError::BalanceUnknown(why)) => (no_figures(), Some(why)),
                Err(e) => return Err(e),
            };
            let positions = match positions {
                Ok(p) => p,
                // The same account's login expired: no holdings to show either.
                Err(ConnectorError::BalanceUnknown(_)) if unknown.is_some() => Vec::new(),
                Err(e) => return Err(e),
            };
            Ok::<_, ConnectorError>((id, balances, positions, unknown))
        }))
        .await?;
        Ok(reads)
    }
}

/// One account as read: its id, balances, positions, and why it has no balance if so.
type AccountRead = (
    brokerdesk_model::AccountId,
    brokerdesk_model::Balances,
    Vec<brokerdesk_model::Position>,
    Option<brokerdesk_model::BalanceUnknown>,
);

/// The placeholder balances of an account without figures (never shown: the note is).
fn no_figures() -> brokerdesk_model::Balances {
    brokerdesk_model::Balances {
        currency: String::new(),
        cash: rust_decimal::Decimal::ZERO,
        buying_power: rust_decimal::Decimal::ZERO,
        equity: rust_decimal::Decimal::ZERO,
    }
}
