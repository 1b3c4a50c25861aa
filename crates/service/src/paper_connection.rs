//! The local paper exchange as a connection like any other.
//!
//! The exchange runs in this process, on its journal in `<data dir>/paper`. Only one process
//! may own a journal (two engines appending to one history would diverge), so the owner holds
//! an OS file lock on `owner.lock`; a second process (the CLI while the app runs) finds it
//! taken and reports the paper connection as unavailable instead of corrupting it.

use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, Portfolio};
use brokerdesk_model::{AccountId, Balances, Position, PositionSide};
use brokerdesk_paper::engine::PositionView;
use brokerdesk_paper::{Sandbox, SandboxConfig};
use rust_decimal::Decimal;
use std::fs::File;
use std::net::SocketAddr;
use std::path::Path;
use tokio::net::TcpListener;

pub struct PaperConnection {
    sandbox: Sandbox,
    /// Held for the life of the connection: the OS releases it if the process dies.
    _owner: File,
}

#[derive(Debug, thiserror::Error)]
pub enum PaperOpenError {
    #[error(
        "the local paper exchange is open in another Brokerdesk process (the app or \
         `brokerdesk sandbox serve`); close it to use the sandbox here"
    )]
    InUse,
    #[error("could not open the paper exchange in {dir}: {reason}")]
    Failed { dir: String, reason: String },
}

/// Takes the journal's owner lock in `dir`; the returned file holds it until dropped.
pub fn own_journal(dir: &Path) -> Result<File, PaperOpenError> {
    let failed = |reason: String| PaperOpenError::Failed {
        dir: dir.display().to_string(),
        reason,
    };
    std::fs::create_dir_all(dir).map_err(|e| failed(e.to_string()))?;
    let owner = File::create(dir.join("owner.lock")).map_err(|e| failed(e.to_string()))?;
    match owner.try_lock() {
        Ok(()) => Ok(owner),
        Err(std::fs::TryLockError::WouldBlock) => Err(PaperOpenError::InUse),
        Err(std::fs::TryLockError::Error(e)) => Err(failed(e.to_string())),
    }
}

/// Serves the exchange in `config.data_dir` as an Alpaca-compatible API on `addr` until the
/// process ends (`brokerdesk sandbox serve`). Holds the journal's owner lock meanwhile.
pub async fn serve_sandbox(config: SandboxConfig, addr: SocketAddr) -> Result<(), PaperOpenError> {
    let dir = config.data_dir.display().to_string();
    let failed = |reason: String| PaperOpenError::Failed {
        dir: dir.clone(),
        reason,
    };
    let _owner = own_journal(&config.data_dir)?;
    let listener = TcpListener::bind(addr)
        .await
        .map_err(|e| failed(format!("cannot listen on {addr}: {e}")))?;
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    brokerdesk_paper::serve_with_shutdown(config, listener, shutdown)
        .await
        .map_err(|e| failed(e.to_string()))
}

impl PaperConnection {
    /// Opens (or creates) the exchange in `dir`. A new journal opens one margin account with
    /// `cash`; an existing one replays to exactly the state it had.
    pub async fn open(dir: &Path, cash: Decimal) -> Result<Self, PaperOpenError> {
        let owner = own_journal(dir)?;
        let config = SandboxConfig {
            cash,
            ..SandboxConfig::new(dir)
        };
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| PaperOpenError::Failed {
                dir: dir.display().to_string(),
                reason: e.to_string(),
            })?;
        Ok(Self {
            sandbox,
            _owner: owner,
        })
    }
}

fn gone() -> ConnectorError {
    ConnectorError::Unavailable("the paper exchange stopped".into())
}

fn position(p: PositionView) -> Position {
    let side = if p.qty.is_sign_negative() {
        PositionSide::Short
    } else {
        PositionSide::Long
    };
    Position {
        symbol: p.symbol,
        side,
        qty: p.qty.abs(),
        avg_entry_price: p.avg_entry_price,
        cost_basis: p.cost_basis,
        current_price: p.current_price,
        market_value: p.market_value,
        unrealized_pl: p.unrealized_pl,
    }
}

#[async_trait]
impl Portfolio for PaperConnection {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.sandbox
            .handle()
            .read(|s| s.engine.account_ids())
            .await
            .map_err(|_| gone())
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        let id = account.clone();
        let summary = self
            .sandbox
            .handle()
            .read(move |s| s.engine.summary(&id))
            .await
            .map_err(|_| gone())?
            .ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))?;
        Ok(Balances {
            currency: "USD".to_owned(),
            cash: summary.cash,
            buying_power: summary.buying_power,
            equity: summary.equity,
        })
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        let id = account.clone();
        let views = self
            .sandbox
            .handle()
            .read(move |s| s.engine.positions(&id))
            .await
            .map_err(|_| gone())?
            .ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))?;
        Ok(views.into_iter().map(position).collect())
    }
}
