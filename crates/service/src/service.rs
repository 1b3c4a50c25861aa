//! The service proper: the connections (the local sandbox, and the user's own once the vault is
//! unlocked), read concurrently, with events for the fronts.

use crate::config::ServiceConfig;
use crate::connection::{AccountModes, Connection, ConnectionParts, LatencyProbe};
use crate::error::ServiceError;
use crate::journal::Journal;
use crate::paper_connection::LocalSandbox;
use crate::registry::{ConnectionRecord, Endpoint, Registry};
use crate::vault_access::VaultAccess;
use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::ibkr::{IbkrConfig, IbkrConnector};
use brokerdesk_connectors::{ConnectorError, MarketData, Portfolio, Trading};
use brokerdesk_model::connection::check_server_url;
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::vault::VaultState;
use brokerdesk_model::{
    AccountSnapshot, AccountsOverview, AlpacaEnvironment, ApiKeyConnectionArgs, AppInfo,
    ConnectionId, ConnectionSummary, IbkrGatewayArgs, ServiceEvent, TradingMode, VendorId,
};
use brokerdesk_vault::{Action, CredentialId, NewCredential};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Instant;
use tokio::sync::broadcast;
use zeroize::Zeroizing;

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
        latency: None,
        keep: Vec::new(),
    });
    connection.record(Err(&ConnectorError::Unavailable(reason)));
    connection
}

/// What Settings shows about the local sandbox: never its secret.
struct SandboxFacts {
    url: String,
    key_id: String,
    credentials_file: Option<String>,
}

/// The secret of an Alpaca API-key connection, as sealed in the vault.
#[derive(serde::Serialize, serde::Deserialize)]
struct AlpacaKeyPair {
    key_id: String,
    secret_key: String,
}

pub(crate) struct Inner {
    pub(crate) config: ServiceConfig,
    pub(crate) vault: VaultAccess,
    pub(crate) registry: Registry,
    pub(crate) settings: crate::settings::SettingsFile,
    paper: Arc<Connection>,
    /// The local sandbox's URL, key id and key file, when it runs in this process.
    sandbox: Option<SandboxFacts>,
    /// The user's own connections; `None` while the vault is locked (their keys are not in
    /// memory then).
    linked: RwLock<Option<Vec<Arc<Connection>>>>,
    /// Connections attached in code (embedders, tests, benchmarks).
    attached: RwLock<Vec<Arc<Connection>>>,
    pub(crate) journal: Mutex<Journal>,
    pub(crate) events: broadcast::Sender<ServiceEvent>,
    /// Symbols the UI asked quotes for, and until when it still wants them.
    pub(crate) watched: Mutex<HashMap<brokerdesk_model::Symbol, Instant>>,
    /// OAuth sign-ins started and not yet finished.
    pub(crate) oauth_flows: Arc<crate::oauth_flows::Flows>,
    pub(crate) portal_flows: crate::portal_flows::PortalFlows,
}

/// The one core behind the app and the CLI. Cheap to clone: clones share everything.
#[derive(Clone)]
pub struct BrokerageService {
    pub(crate) inner: Arc<Inner>,
}

fn alpaca_parts(
    id: ConnectionId,
    display_name: String,
    mode: TradingMode,
    connector: AlpacaConnector,
    keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
) -> ConnectionParts {
    let connector = Arc::new(connector);
    let probe = Arc::clone(&connector);
    let latency: LatencyProbe = Arc::new(move || probe.latency().map(|l| l.last));
    ConnectionParts {
        id,
        vendor: VendorId::new("alpaca"),
        display_name,
        mode,
        portfolio: connector.clone() as Arc<dyn Portfolio>,
        trading: Some(connector.clone() as Arc<dyn Trading>),
        market: Some(connector as Arc<dyn MarketData>),
        latency: Some(latency),
        keep,
    }
}

fn alpaca_config(environment: &AlpacaEnvironment) -> AlpacaConfig {
    match environment {
        AlpacaEnvironment::Live => AlpacaConfig::live(),
        AlpacaEnvironment::Paper => AlpacaConfig::paper(),
        AlpacaEnvironment::Custom(url) => AlpacaConfig::local(url.trim_end_matches('/')),
    }
}

fn environment_name(environment: &AlpacaEnvironment) -> &'static str {
    match (environment, environment.mode()) {
        (AlpacaEnvironment::Live, _) => "live",
        (AlpacaEnvironment::Paper, _) => "paper",
        (AlpacaEnvironment::Custom(_), TradingMode::Paper) => "sandbox",
        (AlpacaEnvironment::Custom(_), TradingMode::Live) => "custom server (live)",
    }
}

/// The IBKR gateway knows which of its accounts are paper (`IbkrConnector::account_mode`).
#[async_trait::async_trait]
impl AccountModes for IbkrConnector {
    async fn account_mode(
        &self,
        account: &brokerdesk_model::AccountId,
    ) -> Result<TradingMode, ConnectorError> {
        IbkrConnector::account_mode(self, account).await
    }
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
        let (paper, sandbox_facts) = match LocalSandbox::open_with_prices(
            &config.data_dir.join("paper"),
            config.paper_starting_cash,
            config.sandbox_addr,
            config.sandbox_credentials.clone(),
            config.sandbox_prices.clone(),
        )
        .await
        {
            Ok(sandbox) => {
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
                let parts = alpaca_parts(
                    id,
                    name,
                    TradingMode::Paper,
                    connector,
                    vec![Box::new(sandbox)],
                );
                (Connection::new(parts), Some(facts))
            }
            Err(err) => {
                tracing::warn!(error = %err, "paper sandbox unavailable");
                let connection = unavailable(
                    id,
                    VendorId::new("paper"),
                    name,
                    TradingMode::Paper,
                    err.to_string(),
                );
                (connection, None)
            }
        };
        let journal = Journal::open(&config.data_dir.join("orders.sqlite3"))?;
        let vault = VaultAccess::open(&config.data_dir, config.auto_lock);
        let (events, _) = broadcast::channel(1024);
        Ok(Self {
            inner: Arc::new(Inner {
                registry: Registry::new(&config.data_dir, vault.clone()),
                settings: crate::settings::SettingsFile::new(&config.data_dir),
                config,
                vault,
                paper: Arc::new(paper),
                sandbox: sandbox_facts,
                linked: RwLock::new(None),
                attached: RwLock::new(Vec::new()),
                journal: Mutex::new(journal),
                events,
                watched: Mutex::new(HashMap::new()),
                oauth_flows: Arc::default(),
                portal_flows: Default::default(),
            }),
        })
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

    pub(crate) fn journal(&self) -> Result<MutexGuard<'_, Journal>, ServiceError> {
        self.inner.journal.lock().map_err(|_| {
            ServiceError::Internal("the order journal stopped after an internal error".into())
        })
    }

    /// Attaches a connection built in code (embedders, tests, benchmarks). It is read, traded
    /// and reconciled like any other, and is not saved.
    pub fn attach(&self, parts: ConnectionParts) {
        self.inner
            .attached
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .push(Arc::new(Connection::new(parts)));
    }

    /// Brings the user's connections in line with the vault: built from it when it is
    /// unlocked, dropped (keys and all) when it locks. Returns the connections to use now.
    pub(crate) async fn connections(&self) -> Vec<Arc<Connection>> {
        let unlocked = self
            .inner
            .vault
            .state()
            .map(|s| s.unlocked)
            .unwrap_or(false);
        let loaded = self
            .inner
            .linked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some();
        if unlocked && !loaded {
            let built = self.build_linked();
            *self.inner.linked.write().unwrap_or_else(|p| p.into_inner()) = Some(built);
            self.publish(ServiceEvent::Vault);
        } else if !unlocked && loaded {
            *self.inner.linked.write().unwrap_or_else(|p| p.into_inner()) = None;
            self.publish(ServiceEvent::Vault);
        }
        let mut all = vec![Arc::clone(&self.inner.paper)];
        if let Some(linked) = self
            .inner
            .linked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
        {
            all.extend(linked.iter().cloned());
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
        *self.inner.linked.write().unwrap_or_else(|p| p.into_inner()) = Some(built);
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

    fn build(&self, record: &ConnectionRecord) -> Result<Connection, ServiceError> {
        let wrap = |source| ServiceError::Connector {
            connection: record.id.clone(),
            source,
        };
        match &record.endpoint {
            Endpoint::Alpaca {
                environment,
                credential,
            } => {
                // Never send the key in clear text or to a URL with a user name, whatever the
                // list says (a list from before these checks may hold one).
                if let AlpacaEnvironment::Custom(url) = environment {
                    check_server_url(url).map_err(ServiceError::InvalidInput)?;
                }
                let id: CredentialId = credential
                    .parse()
                    .map_err(|why: String| ServiceError::Internal(why))?;
                let secret = self.inner.vault.with_store(|s| s.get(id))?;
                let AlpacaKeyPair { key_id, secret_key } =
                    serde_json::from_str(secret.expose_secret()).map_err(|_| {
                        ServiceError::Internal("the stored Alpaca key is unreadable".into())
                    })?;
                let secret_key = Zeroizing::new(secret_key);
                let connector = AlpacaConnector::new(
                    alpaca_config(environment),
                    AlpacaCredential::api_key(key_id, secret_key.as_str()),
                )
                .map_err(wrap)?;
                Ok(Connection::new(alpaca_parts(
                    record.id.clone(),
                    record.display_name.clone(),
                    record.mode(),
                    connector,
                    Vec::new(),
                )))
            }
            Endpoint::Ibkr {
                gateway_url,
                accept_self_signed,
            } => {
                let connector = Arc::new(
                    IbkrConnector::new(IbkrConfig::gateway(gateway_url, *accept_self_signed))
                        .map_err(wrap)?,
                );
                let keep_alive = connector.spawn_keep_alive();
                let probe = Arc::clone(&connector);
                let modes = Arc::clone(&connector) as Arc<dyn AccountModes>;
                Ok(Connection::new(ConnectionParts {
                    id: record.id.clone(),
                    vendor: record.vendor(),
                    display_name: record.display_name.clone(),
                    mode: record.mode(),
                    portfolio: connector.clone() as Arc<dyn Portfolio>,
                    trading: Some(connector.clone() as Arc<dyn Trading>),
                    market: Some(connector as Arc<dyn MarketData>),
                    latency: Some(Arc::new(move || probe.latency().map(|l| l.last))),
                    keep: vec![Box::new(AbortOnDrop(keep_alive))],
                })
                .with_account_modes(modes))
            }
            Endpoint::OAuth {
                provider,
                client_id,
                token_url,
                uses_client_secret,
            } => {
                let portfolio = self.oauth_portfolio(
                    record,
                    provider,
                    client_id,
                    token_url,
                    *uses_client_secret,
                )?;
                Ok(Connection::new(ConnectionParts {
                    id: record.id.clone(),
                    vendor: record.vendor(),
                    display_name: record.display_name.clone(),
                    mode: record.mode(),
                    portfolio: Arc::new(portfolio),
                    trading: None,
                    market: None,
                    latency: None,
                    keep: Vec::new(),
                }))
            }
            Endpoint::Stripe(key)
            | Endpoint::Square(key)
            | Endpoint::Paypal(key)
            | Endpoint::Snaptrade(key)
            | Endpoint::Plaid(key) => crate::key_connections::build(self, record, key),
        }
    }

    /// Adds an Alpaca connection by API key. The key is tried against Alpaca first (an account
    /// read); nothing is saved unless Alpaca accepts it.
    pub async fn add_alpaca(
        &self,
        args: ApiKeyConnectionArgs,
    ) -> Result<ConnectionSummary, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        self.require_vault()?;
        self.inner.vault.touch()?;
        let key_id = args.key_id.trim().to_owned();
        let secret_key = Zeroizing::new(args.secret_key.trim().to_owned());
        if key_id.is_empty() || secret_key.is_empty() {
            return Err(ServiceError::InvalidInput(
                "enter both the key id and the secret key".into(),
            ));
        }
        // A custom URL is kept as the HTTP client reads it, so that the mode decided from it
        // (`AlpacaEnvironment::mode`) is about the very server the keys go to.
        let environment = match args.environment {
            AlpacaEnvironment::Custom(url) => AlpacaEnvironment::Custom(
                check_server_url(&url)
                    .map_err(ServiceError::InvalidInput)?
                    .as_str()
                    .trim_end_matches('/')
                    .to_owned(),
            ),
            other => other,
        };
        let id = ConnectionId::new(format!("alpaca-{}", uuid::Uuid::new_v4().simple()));
        let connector = AlpacaConnector::new(
            alpaca_config(&environment),
            AlpacaCredential::api_key(key_id.clone(), secret_key.as_str()),
        )
        .map_err(|source| ServiceError::Connector {
            connection: id.clone(),
            source,
        })?;
        // Validation against the vendor: a wrong key fails here, before anything is stored.
        connector
            .accounts()
            .await
            .map_err(|source| ServiceError::Connector {
                connection: id.clone(),
                source,
            })?;
        let display_name = if args.label.trim().is_empty() {
            format!("Alpaca — {}", environment_name(&environment))
        } else {
            args.label.trim().to_owned()
        };
        let secret = Zeroizing::new(
            serde_json::to_string(&AlpacaKeyPair {
                key_id: key_id.clone(),
                secret_key: secret_key.to_string(),
            })
            .map_err(|e| ServiceError::Internal(format!("encoding: {e}")))?,
        );
        let meta = self.inner.vault.with_store(|s| {
            s.put(NewCredential {
                vendor: VendorId::new("alpaca"),
                connection: Some(id.clone()),
                label: format!(
                    "API key {}",
                    brokerdesk_connectors::alpaca::credential::mask(&key_id)
                ),
                kind: CredentialKind::ApiSecret,
                expires_at: None,
                secret: SecretString::from(secret.as_str()),
            })
        })?;
        let record = ConnectionRecord {
            id: id.clone(),
            display_name,
            endpoint: Endpoint::Alpaca {
                environment,
                credential: meta.id.to_string(),
            },
            created_at: Utc::now(),
        };
        self.save_record(record, meta.id).await
    }

    /// Adds an IBKR connection through the user's Client Portal gateway (nothing secret to
    /// store: the gateway holds the session). The gateway must answer first.
    pub async fn add_ibkr(&self, args: IbkrGatewayArgs) -> Result<ConnectionSummary, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        self.require_vault()?;
        self.inner.vault.touch()?;
        let url = url::Url::parse(args.gateway_url.trim()).map_err(|_| {
            ServiceError::InvalidInput(format!("`{}` is not a URL", args.gateway_url))
        })?;
        let record = ConnectionRecord {
            id: ConnectionId::new(format!("ibkr-{}", uuid::Uuid::new_v4().simple())),
            display_name: "Interactive Brokers".into(),
            endpoint: Endpoint::Ibkr {
                gateway_url: url.to_string().trim_end_matches('/').to_owned(),
                accept_self_signed: args.accept_self_signed,
            },
            created_at: Utc::now(),
        };
        let connection = self.build(&record)?;
        connection.read().await?;
        let mut records = self.inner.registry.load()?;
        records.push(record);
        self.inner.registry.save(&records)?;
        self.reload_linked();
        Ok(connection.summary())
    }

    pub(crate) async fn save_record(
        &self,
        record: ConnectionRecord,
        credential: CredentialId,
    ) -> Result<ConnectionSummary, ServiceError> {
        let id = record.id.clone();
        let mut records = self.inner.registry.load()?;
        records.push(record);
        if let Err(err) = self.inner.registry.save(&records) {
            // Nothing half-saved: a credential without its connection is removed again.
            let _ = self.inner.vault.with_store(|s| s.remove(credential));
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
        self.inner.vault.authorize(Action::Read)?;
        self.require_vault()?;
        self.inner.vault.touch()?;
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
        *self.inner.linked.write().unwrap_or_else(|p| p.into_inner()) = Some(built);
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
        self.inner.vault.authorize(Action::Read)?;
        // Someone asked for their accounts: that is activity, and pushes auto-lock back.
        self.inner.vault.touch()?;
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
        let reads = futures::future::join_all(connections.iter().map(|c| async move {
            let before = c.summary().status;
            let read = c.read().await;
            (c, before, read)
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
        overview
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

/// Stops a background task when its connection goes away.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}
