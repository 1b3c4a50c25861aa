//! The service proper: the connections (the local sandbox, and the user's own once the vault is
//! unlocked), read concurrently, with events for the fronts.

use crate::browser_flows::BrowserFlows;
use crate::config::ServiceConfig;
use crate::connection::{Connection, ConnectionParts};
use crate::error::ServiceError;
use crate::journal::Journal;
use crate::orders_journal::Orders;
use crate::paper_connection::{LocalSandbox, PaperOpenError};
use crate::registry::{ConnectionRecord, Registry, SignInKind};
use crate::sandbox_controls::{SandboxControl, price_source, sandbox_prices};
use crate::session::Session;
use crate::vault_access::VaultAccess;
use brokerdesk_connectors::registry as vendors;
use brokerdesk_connectors::{ConnectorError, Portfolio};
use brokerdesk_model::sandbox::SandboxPrices;
use brokerdesk_model::vault::VaultState;
use brokerdesk_model::{
    AccountSnapshot, AccountsOverview, AppInfo, ConnectionId, ConnectionSummary, ServiceEvent,
    TradingMode, VendorId,
};
use brokerdesk_paper::PriceSource;
use brokerdesk_vault::{Action, CredentialId};
use secrecy::SecretString;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// The id of the paper sandbox that is always there.
pub const LOCAL_PAPER_CONNECTION: &str = "paper-local";

/// A connection that could not be opened: every read reports why.
struct Unavailable(String);

#[async_trait::async_trait]
impl Portfolio for Unavailable {
    async fn accounts(&self) -> Result<Vec<brokerdesk_model::AccountId>, ConnectorError> {
        Err(ConnectorError::Unavailable(self.0.clone()))
    }
    async fn balances(
        &self,
        _: &brokerdesk_model::AccountId,
    ) -> Result<brokerdesk_model::Balances, ConnectorError> {
        Err(ConnectorError::Unavailable(self.0.clone()))
    }
    async fn positions(
        &self,
        _: &brokerdesk_model::AccountId,
    ) -> Result<Vec<brokerdesk_model::Position>, ConnectorError> {
        Err(ConnectorError::Unavailable(self.0.clone()))
    }
}

/// A connection that could not be opened, listed as Disconnected with `reason`.
fn unavailable(
    id: ConnectionId,
    vendor: VendorId,
    display_name: String,
    mode: TradingMode,
    reason: String,
) -> Connection {
    let connection = Connection::new(ConnectionParts {
        id,
        vendor,
        display_name,
        mode,
        portfolio: Arc::new(Unavailable(reason.clone())),
        trading: None,
        market: None,
        streams: None,
        latency: None,
        keep: Vec::new(),
    });
    connection.record(Err(&ConnectorError::Unavailable(reason)));
    connection
}

/// Opens the local sandbox with the prices set in code, or else the ones saved in Settings. A
/// saved replay whose file cannot be opened any more does not cost the user the sandbox: it
/// starts on the simulation, and the returned note says why.
async fn open_sandbox(
    config: &ServiceConfig,
    settings: &crate::settings::SettingsFile,
) -> Result<(LocalSandbox, SandboxPrices, Option<String>), PaperOpenError> {
    let dir = config.data_dir.join("paper");
    let open = |source: PriceSource| {
        LocalSandbox::open_with_prices(
            &dir,
            config.paper_starting_cash,
            config.sandbox_addr,
            config.sandbox_credentials.clone(),
            source,
        )
    };
    let saved = match &config.sandbox_prices {
        PriceSource::Simulated => settings
            .load()
            .map(|s| s.sandbox_prices)
            .unwrap_or_default(),
        given => sandbox_prices(given),
    };
    let source = match price_source(&saved) {
        Ok(source) => source,
        Err(why) => {
            let sandbox = open(PriceSource::Simulated).await?;
            return Ok((sandbox, SandboxPrices::Simulated, Some(why)));
        }
    };
    match open(source).await {
        Ok(sandbox) => Ok((sandbox, saved, None)),
        Err(PaperOpenError::InUse) => Err(PaperOpenError::InUse),
        Err(err) if saved != SandboxPrices::Simulated => {
            tracing::warn!(error = %err, "the saved price replay could not be opened");
            let sandbox = open(PriceSource::Simulated).await?;
            let note =
                format!("the saved price replay could not be used ({err}); prices are simulated");
            Ok((sandbox, SandboxPrices::Simulated, Some(note)))
        }
        Err(err) => Err(err),
    }
}

/// What Settings shows about the local sandbox: never its secret.
struct SandboxFacts {
    url: String,
    key_id: String,
    credentials_file: Option<String>,
}

pub(crate) struct Inner {
    pub(crate) config: ServiceConfig,
    pub(crate) vault: VaultAccess,
    pub(crate) registry: Registry,
    pub(crate) settings: crate::settings::SettingsFile,
    paper: Arc<Connection>,
    /// The local sandbox's URL, key id and key file, when it runs in this process.
    sandbox: Option<SandboxFacts>,
    /// The sandbox's price source and reset (Settings › Paper sandbox).
    pub(crate) sandbox_control: SandboxControl,
    /// The user's own connections, open while the vault is unlocked.
    pub(crate) session: Session,
    /// Connections attached in code (embedders, tests, benchmarks).
    attached: RwLock<Vec<Arc<Connection>>>,
    /// The order journal, used off the async threads.
    pub(crate) orders: Orders,
    pub(crate) events: broadcast::Sender<ServiceEvent>,
    /// OAuth sign-ins and aggregator portals under way in the system browser.
    pub(crate) flows: BrowserFlows,
    /// Orders the broker holds back with warnings, waiting for the user's answer.
    pub(crate) warnings: crate::order_warnings::PendingWarnings,
    /// Questions app-attached AI assistants wait on (consent, live orders).
    pub(crate) assistant: crate::assistant_consent::AssistantQuestions,
    /// Every connection's money movements, stored and synced (the Activity page).
    pub(crate) activity: crate::activity::ActivityState,
    /// Exchange rates for base-currency totals, cached in the data dir.
    pub(crate) fx: crate::fx_rates::FxState,
    /// Every account's equity over time (the net worth chart).
    pub(crate) net_worth: crate::net_worth::NetWorthState,
    /// Paper resets the journal has followed (`sandbox_resets`).
    pub(crate) resets_followed: crate::resets_followed::ResetsFollowed,
}

/// The one core behind the app and the CLI. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct BrokerageService {
    pub(crate) inner: Arc<Inner>,
}

/// The id under which a refused connection list shows, in place of its connections.
const REFUSED_LIST: &str = "connections-json";

impl BrokerageService {
    /// Starts the service with the local paper sandbox connected: the default that needs no
    /// account and no keys. Must run inside a Tokio runtime (the sandbox runs on it).
    pub async fn start(config: ServiceConfig) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServiceError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let id = ConnectionId::new(LOCAL_PAPER_CONNECTION);
        let name = "Paper (local)".to_owned();
        let settings = crate::settings::SettingsFile::new(&config.data_dir);
        let opened = open_sandbox(&config, &settings).await;
        let (paper, sandbox_facts, sandbox_control) = match opened {
            Ok((sandbox, prices, note)) => {
                let sandbox = Arc::new(sandbox);
                let facts = SandboxFacts {
                    url: sandbox.url().to_owned(),
                    key_id: sandbox.key_id().to_owned(),
                    credentials_file: sandbox.credentials_file().map(|p| p.display().to_string()),
                };
                let connector = sandbox
                    .connector()
                    .map_err(|source| ServiceError::Connector {
                        connection: id.clone(),
                        source,
                    })?;
                let mut capabilities = vendors::sandbox_capabilities(connector);
                capabilities.keep.push(Box::new(Arc::clone(&sandbox)));
                let connection = crate::opening::connection(
                    id,
                    VendorId::new(vendors::LOCAL_SANDBOX),
                    name,
                    TradingMode::Paper,
                    capabilities,
                );
                let control =
                    SandboxControl::new(Ok(sandbox), prices, note, config.paper_starting_cash);
                (connection, Some(facts), control)
            }
            Err(err) => {
                tracing::warn!(error = %err, "paper sandbox unavailable");
                let control = SandboxControl::new(
                    Err(err.to_string()),
                    SandboxPrices::Simulated,
                    None,
                    config.paper_starting_cash,
                );
                let connection = unavailable(
                    id,
                    VendorId::new(vendors::LOCAL_SANDBOX),
                    name,
                    TradingMode::Paper,
                    err.to_string(),
                );
                (connection, None, control)
            }
        };
        let journal = Journal::open(&config.data_dir.join("orders.sqlite3"))?;
        let activity = crate::activity::ActivityState::open(&config.data_dir)?;
        let net_worth = crate::net_worth::NetWorthState::open(&config.data_dir)?;
        let vault = VaultAccess::open(&config.data_dir, config.auto_lock);
        let (events, _) = broadcast::channel(1024);
        let service = Self {
            inner: Arc::new(Inner {
                registry: Registry::new(&config.data_dir, vault.clone()),
                settings,
                sandbox_control,
                fx: crate::fx_rates::FxState::new(&config.data_dir, config.fx_rates_url.clone()),
                config,
                flows: BrowserFlows::new(vault.clone()),
                vault,
                paper: Arc::new(paper),
                sandbox: sandbox_facts,
                session: Session::default(),
                attached: RwLock::new(Vec::new()),
                orders: Orders::new(journal),
                warnings: Default::default(),
                assistant: Default::default(),
                activity,
                net_worth,
                events,
                resets_followed: Default::default(),
            }),
        };
        service.follow_sandbox_resets();
        Ok(service)
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.inner.config.data_dir.display().to_string(),
            sandbox_url: self.inner.sandbox.as_ref().map(|s| s.url.clone()),
            sandbox_key_id: self.inner.sandbox.as_ref().map(|s| s.key_id.clone()),
            sandbox_credentials_file: self
                .inner
                .sandbox
                .as_ref()
                .and_then(|s| s.credentials_file.clone()),
        }
    }

    /// The vault: the app's sign-in, and the only place credentials live.
    /// Where this service keeps its data (the app and the CLI find the assistant socket from
    /// it).
    pub fn data_dir(&self) -> &std::path::Path {
        &self.inner.config.data_dir
    }

    pub fn vault(&self) -> &VaultAccess {
        &self.inner.vault
    }

    /// Events for the fronts: statuses, order updates, quotes, breaks.
    pub fn subscribe(&self) -> broadcast::Receiver<ServiceEvent> {
        self.inner.events.subscribe()
    }

    pub(crate) fn publish(&self, event: ServiceEvent) {
        // No subscriber is fine: the CLI has none.
        let _ = self.inner.events.send(event);
    }

    /// The order journal.
    pub(crate) fn orders(&self) -> &Orders {
        &self.inner.orders
    }

    /// Attaches a connection built in code (embedders, tests, benchmarks). It is read, traded
    /// and reconciled like any other, and is not saved.
    pub fn attach(&self, parts: ConnectionParts) {
        self.attach_connection(Connection::new(parts));
    }

    /// As [`Self::attach`], with the accounts' money movements too (the Activity page).
    pub fn attach_with_activity(
        &self,
        parts: ConnectionParts,
        activity: Arc<dyn brokerdesk_connectors::AccountActivity>,
    ) {
        self.attach_connection(Connection::new(parts).with_activity(Some(activity)));
    }

    /// As [`Self::attach`], for a connection already built (with its optional capabilities).
    pub(crate) fn attach_connection(&self, connection: Connection) {
        self.inner
            .attached
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::new(connection));
    }

    /// The connections to use now: the sandbox, the user's own while the vault is unlocked,
    /// and those attached in code. Only reads: opening and dropping is the session's business
    /// (`unlock`, `lock`, and the supervisor noticing an auto-lock).
    pub(crate) async fn connections(&self) -> Vec<Arc<Connection>> {
        let unlocked = self
            .inner
            .vault
            .state()
            .map(|s| s.unlocked)
            .unwrap_or(false);
        let mut all = vec![Arc::clone(&self.inner.paper)];
        // A vault locked a moment ago hides its connections before they are dropped.
        if unlocked {
            all.extend(self.inner.session.connections());
        }
        all.extend(
            self.inner
                .attached
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .iter()
                .cloned(),
        );
        all
    }

    pub(crate) async fn connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Arc<Connection>, ServiceError> {
        let found = self
            .connections()
            .await
            .into_iter()
            .find(|c| &c.id == id && c.id.as_str() != REFUSED_LIST);
        match found {
            Some(connection) => Ok(connection),
            // A connection missing because its list was refused: say why, not just "no such".
            None => match self.inner.registry.load() {
                Err(err @ ServiceError::ConnectionsTampered { .. }) => Err(err),
                _ => Err(ServiceError::UnknownConnection(id.clone())),
            },
        }
    }

    /// Unlocks the vault (the app's sign-in) and opens the user's connections. The vault stays
    /// unlocked even when the connection list is refused (the sandbox, credentials and adding
    /// connections still work), but the refusal is this call's answer, so the user hears it at
    /// sign-in.
    pub async fn unlock(&self, password: SecretString) -> Result<VaultState, ServiceError> {
        let state = self.inner.vault.unlock(password).await?;
        let (built, refused) = self.open_linked();
        self.inner.session.open(built);
        self.publish(ServiceEvent::Vault);
        match refused {
            Some(err) => Err(err),
            None => Ok(state),
        }
    }

    fn build_linked(&self) -> Vec<Arc<Connection>> {
        self.open_linked().0
    }

    /// The user's connections from the list; a list that cannot be used opens none of them and
    /// shows as one disconnected entry saying why (and is returned as the error).
    fn open_linked(&self) -> (Vec<Arc<Connection>>, Option<ServiceError>) {
        let records = match self.inner.registry.load() {
            Ok(records) => records,
            Err(err) => {
                tracing::error!(error = %err, "cannot use the connection list");
                let shown = unavailable(
                    ConnectionId::new(REFUSED_LIST),
                    VendorId::new("brokerdesk"),
                    "Your connections".into(),
                    TradingMode::Live,
                    err.to_string(),
                );
                return (vec![Arc::new(shown)], Some(err));
            }
        };
        let built = records
            .into_iter()
            .map(|record| {
                let built = self.build(&record);
                Arc::new(built.unwrap_or_else(|err| {
                    // Shown, not hidden: the user sees the connection and why it is down.
                    unavailable(
                        record.id.clone(),
                        record.vendor(),
                        record.display_name.clone(),
                        record.mode(),
                        err.to_string(),
                    )
                }))
            })
            .collect();
        (built, None)
    }

    /// Opens a saved connection: its vendor's descriptor for one made with a form, the
    /// browser flows' OAuth session for one signed in with the browser.
    fn build(&self, record: &ConnectionRecord) -> Result<Connection, ServiceError> {
        match record.sign_in {
            SignInKind::Form => crate::opening::open(record, &self.inner.vault),
            SignInKind::OAuth => self.inner.flows.open_oauth(record),
        }
    }

    pub(crate) async fn save_record(
        &self,
        record: ConnectionRecord,
        credential: Option<CredentialId>,
    ) -> Result<ConnectionSummary, ServiceError> {
        let id = record.id.clone();
        let saved = self.inner.registry.load().and_then(|mut records| {
            records.push(record);
            self.inner.registry.save(&records)
        });
        if let Err(err) = saved {
            // Nothing half-saved: a credential without its connection is removed again.
            if let Some(credential) = credential {
                let _ = self.inner.vault.with_store(|s| s.remove(credential));
            }
            return Err(err);
        }
        self.reload_linked();
        let connection = self.connection(&id).await?;
        // A first read, so the new connection shows with its status and latency at once.
        let _ = connection.read().await;
        let summary = connection.summary();
        self.publish(ServiceEvent::Connection(summary.clone()));
        self.publish(ServiceEvent::AccountsChanged);
        Ok(summary)
    }

    /// Removes a connection and every credential stored for it.
    pub async fn remove_connection(
        &self,
        id: &ConnectionId,
    ) -> Result<Vec<ConnectionSummary>, ServiceError> {
        self.guard_connecting()?;
        if id.as_str() == LOCAL_PAPER_CONNECTION {
            return Err(ServiceError::InvalidInput(
                "the local paper sandbox is always there".into(),
            ));
        }
        let mut records = self.inner.registry.load()?;
        let before = records.len();
        records.retain(|r| &r.id != id);
        if records.len() == before {
            return Err(ServiceError::UnknownConnection(id.clone()));
        }
        self.inner.registry.save(&records)?;
        let stale: Vec<CredentialId> = self
            .inner
            .vault
            .with_store(|s| s.list())?
            .into_iter()
            .filter(|m| m.connection.as_ref() == Some(id))
            .map(|m| m.id)
            .collect();
        for credential in stale {
            self.inner.vault.with_store(|s| s.remove(credential))?;
        }
        self.reload_linked();
        self.publish(ServiceEvent::AccountsChanged);
        self.list_connections().await
    }

    pub(crate) fn reload_linked(&self) {
        let built = self.build_linked();
        self.inner.session.open(built);
    }

    /// Locks the vault and drops the user's connections (keys, streams and all).
    pub fn lock(&self) -> Result<VaultState, ServiceError> {
        self.inner.session.set_user_locking(true);
        let state = self.inner.vault.lock();
        self.sync_session();
        self.inner.session.set_user_locking(false);
        state
    }

    /// Brings the session in line with the vault after it changed elsewhere (an auto-lock, a
    /// lock or unlock through the vault handle): drops the connections when it is locked, opens
    /// them when it is unlocked. Publishes one event when anything changed. Returns whether
    /// it dropped the connections (the vault locked).
    pub(crate) fn sync_session(&self) -> bool {
        let unlocked = self
            .inner
            .vault
            .state()
            .map(|s| s.unlocked)
            .unwrap_or(false);
        let (changed, closed) = match (unlocked, self.inner.session.is_open()) {
            (true, false) => {
                self.inner.session.open(self.build_linked());
                (true, false)
            }
            (false, true) => {
                let closed = self.inner.session.close();
                (closed, closed)
            }
            _ => (false, false),
        };
        if changed {
            self.publish(ServiceEvent::Vault);
        }
        closed
    }

    /// Connecting an institution stores a key, and keys live only in the vault.
    pub(crate) fn require_vault(&self) -> Result<(), ServiceError> {
        let state = self.inner.vault.state()?;
        if !state.initialized {
            return Err(ServiceError::InvalidInput(
                "create a vault first (Settings): it is where this connection's key is kept".into(),
            ));
        }
        Ok(())
    }

    /// Every connection and its health, without reading anything.
    pub async fn list_connections(&self) -> Result<Vec<ConnectionSummary>, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        Ok(self
            .connections()
            .await
            .iter()
            .map(|c| c.summary())
            .collect())
    }

    /// Reads every connection at once; the round takes as long as the slowest connection, and
    /// a failing one is reported in `unreachable` without hiding the others.
    pub async fn accounts_overview(&self) -> Result<AccountsOverview, ServiceError> {
        // Someone asked for their accounts: that is activity, and pushes auto-lock back.
        self.guard(Action::Read)?;
        Ok(self.refresh().await)
    }

    /// One concurrent read of every connection (the supervisor's and the overview's).
    pub async fn refresh(&self) -> AccountsOverview {
        self.refresh_where(|_| true).await
    }

    /// One concurrent read of the connections `wanted` picks (the supervisor skips those
    /// waiting out a backoff); status changes are published as they are seen.
    pub(crate) async fn refresh_where(
        &self,
        wanted: impl Fn(&Connection) -> bool,
    ) -> AccountsOverview {
        let connections: Vec<_> = self
            .connections()
            .await
            .into_iter()
            .filter(|c| wanted(c))
            .collect();
        // Connections read for the first time (just opened, e.g. at unlock) report progress:
        // with many accounts the first sync is long and the page should say how far it is.
        let first: Vec<bool> = connections.iter().map(|c| c.claim_first_read()).collect();
        let total = u32::try_from(first.iter().filter(|f| **f).count()).unwrap_or(u32::MAX);
        let done = std::sync::atomic::AtomicU32::new(0);
        if total > 0 {
            self.publish(ServiceEvent::SyncProgress { done: 0, total });
        }
        let reads = futures::future::join_all(connections.iter().zip(first).map(|(c, first)| {
            let done = &done;
            async move {
                let before = c.summary().status;
                let read = c.read().await;
                if first {
                    let done = done.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                    self.publish(ServiceEvent::SyncProgress { done, total });
                }
                (c, before, read)
            }
        }))
        .await;
        let mut overview = AccountsOverview {
            accounts: Vec::new(),
            unreachable: Vec::new(),
        };
        for (connection, before, read) in reads {
            let summary = connection.summary();
            if summary.status != before {
                self.publish(ServiceEvent::Connection(summary.clone()));
            }
            match read {
                Ok(snapshots) => overview.accounts.extend(snapshots),
                Err(err) => {
                    tracing::warn!(connection = %connection.id, error = %err, "read failed");
                    overview.unreachable.push(summary);
                }
            }
        }
        self.record_net_worth(&overview.accounts).await;
        overview
    }

    /// Reads a connection's balances live now where its vendor bills live reads (and so
    /// reads them live only every so often), then every connection as `refresh` does.
    pub async fn refresh_live_balances(
        &self,
        id: &ConnectionId,
    ) -> Result<AccountsOverview, ServiceError> {
        self.guard(Action::Read)?;
        let connection = self.connection(id).await?;
        let billed = connection.billed_balances().ok_or_else(|| {
            ServiceError::InvalidInput(format!(
                "{} reads live balances on every refresh already",
                connection.display_name
            ))
        })?;
        billed.read_live_next();
        Ok(self.refresh().await)
    }

    /// The accounts of one connection.
    pub async fn connection_accounts(
        &self,
        id: &ConnectionId,
    ) -> Result<Vec<AccountSnapshot>, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        self.connection(id).await?.read().await
    }

    /// The statuses, as `brokerdesk status` prints them.
    pub async fn status(&self) -> Result<Vec<ConnectionSummary>, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        self.refresh().await;
        self.list_connections().await
    }
}
