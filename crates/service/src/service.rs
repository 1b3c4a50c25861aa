//! The service proper: a set of connections read concurrently.

use crate::config::ServiceConfig;
use crate::error::ServiceError;
use crate::paper_connection::PaperConnection;
use crate::vault_access::VaultAccess;
use brokerdesk_connectors::{ConnectorError, Portfolio};
use brokerdesk_model::{
    AccountSnapshot, AccountsOverview, AppInfo, ConnectionId, ConnectionStatus, ConnectionSummary,
    TradingMode, VendorId,
};
use brokerdesk_vault::Action;
use chrono::Utc;
use std::sync::Arc;
use std::time::Instant;

/// The id of the paper sandbox that is always there.
pub const LOCAL_PAPER_CONNECTION: &str = "paper-local";

struct Connection {
    id: ConnectionId,
    vendor: VendorId,
    display_name: String,
    mode: TradingMode,
    portfolio: Arc<dyn Portfolio>,
}

impl Connection {
    fn summary(&self, status: ConnectionStatus, latency_ms: Option<u32>) -> ConnectionSummary {
        ConnectionSummary {
            id: self.id.clone(),
            vendor: self.vendor.clone(),
            display_name: self.display_name.clone(),
            mode: self.mode,
            status,
            latency_ms,
        }
    }

    /// Reads every account of this connection, timing the whole round.
    async fn read(&self) -> Result<Vec<AccountSnapshot>, ServiceError> {
        let started = Instant::now();
        let wrap = |source| ServiceError::Connector {
            connection: self.id.clone(),
            source,
        };
        let ids = self.portfolio.accounts().await.map_err(wrap)?;
        let mut reads = Vec::with_capacity(ids.len());
        for id in ids {
            let balances = self.portfolio.balances(&id).await.map_err(wrap)?;
            let positions = self.portfolio.positions(&id).await.map_err(wrap)?;
            reads.push((id, balances, positions));
        }
        let latency = u32::try_from(started.elapsed().as_millis()).unwrap_or(u32::MAX);
        let as_of = Utc::now();
        Ok(reads
            .into_iter()
            .map(|(account_id, balances, positions)| AccountSnapshot {
                connection: self.summary(ConnectionStatus::Connected, Some(latency)),
                account_id,
                balances,
                positions,
                as_of,
            })
            .collect())
    }
}

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

pub struct BrokerageService {
    config: ServiceConfig,
    connections: Vec<Connection>,
    vault: VaultAccess,
}

impl BrokerageService {
    /// Starts the service with the local paper sandbox connected: the default that needs no
    /// account and no keys. Must run inside a Tokio runtime (the sandbox's market feed runs
    /// on it).
    pub async fn start(config: ServiceConfig) -> Result<Self, ServiceError> {
        std::fs::create_dir_all(&config.data_dir).map_err(|source| ServiceError::DataDir {
            path: config.data_dir.display().to_string(),
            source,
        })?;
        let paper = Connection {
            id: ConnectionId::new(LOCAL_PAPER_CONNECTION),
            vendor: VendorId::new("paper"),
            display_name: "Paper (local)".to_owned(),
            mode: TradingMode::Paper,
            portfolio: match PaperConnection::open(
                &config.data_dir.join("paper"),
                config.paper_starting_cash,
            )
            .await
            {
                Ok(paper) => Arc::new(paper),
                Err(err) => {
                    tracing::warn!(error = %err, "paper sandbox unavailable");
                    Arc::new(Unavailable(err.to_string()))
                }
            },
        };
        let vault = VaultAccess::open(&config.data_dir, config.auto_lock);
        Ok(Self {
            config,
            connections: vec![paper],
            vault,
        })
    }

    pub fn app_info(&self) -> AppInfo {
        AppInfo {
            version: env!("CARGO_PKG_VERSION").to_owned(),
            data_dir: self.config.data_dir.display().to_string(),
        }
    }

    /// The vault: the app's sign-in, and the only place credentials live.
    pub fn vault(&self) -> &VaultAccess {
        &self.vault
    }

    /// Reads every connection at once; the round takes as long as the slowest connection, and
    /// a failing one is reported in `unreachable` without hiding the others.
    pub async fn accounts_overview(&self) -> Result<AccountsOverview, ServiceError> {
        self.vault.authorize(Action::Read)?;
        // Someone asked for their accounts: that is activity, and pushes auto-lock back.
        self.vault.touch()?;
        let reads = futures::future::join_all(
            self.connections
                .iter()
                .map(|c| async move { (c, c.read().await) }),
        )
        .await;
        let mut overview = AccountsOverview {
            accounts: Vec::new(),
            unreachable: Vec::new(),
        };
        for (connection, read) in reads {
            match read {
                Ok(snapshots) => overview.accounts.extend(snapshots),
                Err(err) => {
                    tracing::warn!(connection = %connection.id, error = %err, "read failed");
                    overview.unreachable.push(
                        connection.summary(ConnectionStatus::Disconnected(err.to_string()), None),
                    );
                }
            }
        }
        Ok(overview)
    }

    /// The accounts of one connection.
    pub async fn connection_accounts(
        &self,
        id: &ConnectionId,
    ) -> Result<Vec<AccountSnapshot>, ServiceError> {
        self.vault.authorize(Action::Read)?;
        self.connections
            .iter()
            .find(|c| &c.id == id)
            .ok_or_else(|| ServiceError::UnknownConnection(id.clone()))?
            .read()
            .await
    }

    #[cfg(test)]
    fn with_connections(config: ServiceConfig, connections: Vec<Connection>) -> Self {
        let vault = VaultAccess::open(&config.data_dir, config.auto_lock);
        Self {
            config,
            connections,
            vault,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_trait::async_trait;
    use brokerdesk_model::{AccountId, Balances, ErrorCode, IpcError, Position};
    use rust_decimal::Decimal;

    fn config() -> (tempfile::TempDir, ServiceConfig) {
        let dir = tempfile::tempdir().unwrap();
        let config = ServiceConfig::new(dir.path().join("data"));
        (dir, config)
    }

    #[tokio::test]
    async fn starting_cash_comes_from_the_config() {
        let (_dir, mut config) = config();
        config.paper_starting_cash = Decimal::new(1_234_567, 2);
        let service = BrokerageService::start(config).await.unwrap();
        let overview = service.accounts_overview().await.unwrap();
        assert_eq!(
            overview.accounts[0].balances.cash,
            Decimal::new(1_234_567, 2)
        );
        assert!(service.app_info().data_dir.ends_with("data"));
    }

    #[tokio::test]
    async fn first_start_shows_the_funded_paper_account() {
        let (_dir, config) = config();
        let service = BrokerageService::start(config.clone()).await.unwrap();
        assert!(config.data_dir.is_dir());
        let overview = service.accounts_overview().await.unwrap();
        assert!(overview.unreachable.is_empty());
        assert_eq!(overview.accounts.len(), 1);
        let paper = &overview.accounts[0];
        assert_eq!(paper.connection.id.as_str(), LOCAL_PAPER_CONNECTION);
        assert_eq!(paper.connection.mode, TradingMode::Paper);
        assert_eq!(paper.connection.status, ConnectionStatus::Connected);
        assert_eq!(paper.balances.cash, Decimal::from(100_000));
        assert_eq!(paper.balances.buying_power, Decimal::from(200_000));
        assert!(paper.positions.is_empty());
    }

    #[tokio::test]
    async fn the_paper_journal_has_one_owner_and_survives_a_restart() {
        let (_dir, mut config) = config();
        config.paper_starting_cash = Decimal::from(5_000);
        let first = BrokerageService::start(config.clone()).await.unwrap();
        assert_eq!(
            first.accounts_overview().await.unwrap().accounts[0]
                .balances
                .cash,
            Decimal::from(5_000)
        );

        // A second process-like owner is refused, and says why, instead of forking the history.
        let second = BrokerageService::start(config.clone()).await.unwrap();
        let overview = second.accounts_overview().await.unwrap();
        assert!(overview.accounts.is_empty());
        assert!(matches!(
            &overview.unreachable[0].status,
            ConnectionStatus::Disconnected(why) if why.contains("another Brokerdesk process")
        ));
        drop(second);
        drop(first);

        // Restart: the journal, not the new setting, decides the account's cash.
        config.paper_starting_cash = Decimal::from(999);
        let again = BrokerageService::start(config).await.unwrap();
        let overview = again.accounts_overview().await.unwrap();
        assert_eq!(overview.accounts[0].balances.cash, Decimal::from(5_000));
    }

    struct Broken;

    #[async_trait]
    impl Portfolio for Broken {
        async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
            Err(ConnectorError::Unavailable("connection refused".into()))
        }
        async fn balances(&self, _: &AccountId) -> Result<Balances, ConnectorError> {
            unreachable!("accounts() already failed")
        }
        async fn positions(&self, _: &AccountId) -> Result<Vec<Position>, ConnectorError> {
            unreachable!("accounts() already failed")
        }
    }

    #[tokio::test]
    async fn one_failing_connection_does_not_hide_the_others() {
        let (_dir, config) = config();
        let paper = BrokerageService::start(config.clone())
            .await
            .unwrap()
            .connections
            .remove(0);
        let broken = Connection {
            id: ConnectionId::new("broken"),
            vendor: VendorId::new("alpaca"),
            display_name: "Alpaca — live".into(),
            mode: TradingMode::Live,
            portfolio: Arc::new(Broken),
        };
        let service = BrokerageService::with_connections(config, vec![broken, paper]);
        let overview = service.accounts_overview().await.unwrap();
        assert_eq!(overview.accounts.len(), 1);
        assert_eq!(overview.unreachable.len(), 1);
        assert!(matches!(
            &overview.unreachable[0].status,
            ConnectionStatus::Disconnected(why) if why.contains("connection refused")
        ));

        let err = service
            .connection_accounts(&ConnectionId::new("broken"))
            .await
            .unwrap_err();
        assert_eq!(IpcError::from(&err).code, ErrorCode::Unavailable);
        let missing = service
            .connection_accounts(&ConnectionId::new("nope"))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), ErrorCode::NotFound);
    }
}
