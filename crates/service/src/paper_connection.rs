//! The local paper exchange as a connection like any other.
//!
//! The exchange runs in this process, on its journal in `<data dir>/paper`, and serves its
//! Alpaca-compatible API on loopback; the "Paper (local)" connection is the ordinary Alpaca
//! connector pointed at it, so the sandbox is traded exactly as a real Alpaca account is. Only one process
//! may own a journal (two engines appending to one history would diverge), so the owner holds
//! an OS file lock on `owner.lock`; a second process (the CLI while the app runs) finds it
//! taken and reports the paper connection as unavailable instead of corrupting it.

use brokerdesk_connectors::ConnectorError;
use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::http::rate_limit::RateLimit;
use brokerdesk_paper::{PriceSource, Sandbox, SandboxConfig, SandboxCredentials};
use rust_decimal::Decimal;
use std::fs::File;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use tokio::net::TcpListener;

/// The exchange of this process: its journal's owner lock, and its Alpaca API served on
/// loopback so that the app's own Alpaca connector (and any Alpaca client) trades against it.
/// A limit that never binds in practice (the shared policy always has one).
pub const LOOPBACK_RATE: RateLimit = RateLimit {
    max: 100_000,
    per: std::time::Duration::from_secs(1),
    burst: 10_000,
};

pub struct LocalSandbox {
    sandbox: Sandbox,
    url: String,
    /// The key pair the sandbox accepts (and the app's connector signs in with).
    credentials: SandboxCredentials,
    /// Where that pair is kept, unless it was given in code.
    credentials_file: Option<PathBuf>,
    server: tokio::task::JoinHandle<()>,
    /// Held for the life of the sandbox: the OS releases it if the process dies.
    _owner: File,
}

impl Drop for LocalSandbox {
    fn drop(&mut self) {
        self.server.abort();
    }
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

impl LocalSandbox {
    /// Opens (or creates) the exchange in `dir` and serves it on `addr` (a taken port falls back
    /// to any free loopback port). A new journal opens one margin account with `cash`; an
    /// existing one replays to exactly the state it had. The sandbox accepts `credentials`, or
    /// else the per-install pair kept in `dir` (made on first use), the same pair
    /// `brokerdesk sandbox serve` and `brokerdesk sandbox credentials` use.
    pub async fn open(
        dir: &Path,
        cash: Decimal,
        addr: SocketAddr,
        credentials: Option<SandboxCredentials>,
    ) -> Result<Self, PaperOpenError> {
        Self::open_with_prices(dir, cash, addr, credentials, PriceSource::Simulated).await
    }

    /// [`Self::open`] with prices from `prices` (the seeded simulation or a replayed file).
    pub async fn open_with_prices(
        dir: &Path,
        cash: Decimal,
        addr: SocketAddr,
        credentials: Option<SandboxCredentials>,
        prices: PriceSource,
    ) -> Result<Self, PaperOpenError> {
        let failed = |reason: String| PaperOpenError::Failed {
            dir: dir.display().to_string(),
            reason,
        };
        let owner = own_journal(dir)?;
        let (credentials, credentials_file) = match credentials {
            Some(given) => (given, None),
            None => (
                SandboxCredentials::load_or_create(dir).map_err(|e| failed(e.to_string()))?,
                Some(SandboxCredentials::path(dir)),
            ),
        };
        let config = SandboxConfig {
            cash,
            prices,
            ..SandboxConfig::new(dir).with_credentials(&credentials)
        };
        let sandbox = Sandbox::start(config)
            .await
            .map_err(|e| failed(e.to_string()))?;
        if !addr.ip().is_loopback() {
            return Err(failed(format!(
                "refusing to serve the sandbox on {addr}: not loopback"
            )));
        }
        let listener = match TcpListener::bind(addr).await {
            Ok(l) => l,
            Err(e) => {
                tracing::info!(%addr, error = %e, "sandbox port taken; using any free port");
                TcpListener::bind(SocketAddr::new(addr.ip(), 0))
                    .await
                    .map_err(|e| failed(format!("cannot listen on loopback: {e}")))?
            }
        };
        let bound = listener.local_addr().map_err(|e| failed(e.to_string()))?;
        let serving = sandbox.serve(listener).map_err(|e| failed(e.to_string()))?;
        let server = tokio::spawn(async move {
            match serving.await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => tracing::error!(error = %e, "local sandbox server stopped"),
                Err(e) => tracing::error!(error = %e, "local sandbox server ended"),
            }
        });
        Ok(Self {
            sandbox,
            url: format!("http://{bound}"),
            credentials,
            credentials_file,
            server,
            _owner: owner,
        })
    }

    /// The key id Alpaca clients send (`APCA-API-KEY-ID`); the secret stays in its file.
    pub fn key_id(&self) -> &str {
        self.credentials.key_id()
    }

    /// The file holding the key pair, unless it was given in code.
    pub fn credentials_file(&self) -> Option<&Path> {
        self.credentials_file.as_deref()
    }

    /// Base URL of the sandbox's Alpaca API, e.g. `http://127.0.0.1:8787`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The exchange itself, for in-process reads.
    pub fn sandbox(&self) -> &Sandbox {
        &self.sandbox
    }

    /// An Alpaca connector signed in to the sandbox's default account.
    pub fn connector(&self) -> Result<AlpacaConnector, ConnectorError> {
        let mut config = AlpacaConfig::local(&self.url);
        // Our own exchange on loopback has no per-minute quota to protect.
        config.trading_policy.rate_limit = LOOPBACK_RATE;
        config.data_policy.rate_limit = LOOPBACK_RATE;
        AlpacaConnector::new(
            config,
            AlpacaCredential::api_key(self.credentials.key_id(), self.credentials.secret_key()),
        )
    }
}
