//! `brokerdesk portal CONNECTION_ID`: the app's "Link accounts" — the aggregator's own portal in
//! the system browser, waited for until the browser comes back (Ctrl-C cancels) — and the
//! waiting shared with `brokerdesk connect --oauth`.
//!
//! Self-contained on purpose (only the service and its crates): `tests/portal.rs` compiles this
//! file against a service whose aggregator is a loopback stand-in, which no process argument
//! can point a real binary at.

use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::{ConnectionId, ConnectionSummary};
use brokerdesk_oauth::BrowserOpener;
use brokerdesk_service::{BrokerageService, ServiceError};

#[derive(Debug, clap::Args)]
pub struct PortalArgs {
    /// The aggregator connection's id, as `brokerdesk status` lists it.
    pub connection: String,
    /// Print the portal's address instead of opening a browser ($BROWSER, else the platform's).
    #[arg(long)]
    pub no_browser: bool,
    /// What to link, where the aggregator links several kinds of account (default: its first,
    /// brokerage accounts).
    #[arg(long = "for", value_enum)]
    pub purpose: Option<Purpose>,
}

/// `--for`: what a portal visit links.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Purpose {
    /// Brokerage and retirement accounts (holdings).
    Investments,
    /// Bank and credit card accounts (balances and transactions).
    Bank,
}

impl From<Purpose> for LinkPurpose {
    fn from(p: Purpose) -> Self {
        match p {
            Purpose::Investments => LinkPurpose::Investments,
            Purpose::Bank => LinkPurpose::BankAndCards,
        }
    }
}

/// Opens the portal for `connection` with `opener` (to link `purpose`, else the aggregator's
/// first), then waits for the browser to come back. The connection is read again when it
/// does; its summary is returned.
pub async fn visit(
    service: &BrokerageService,
    connection: &str,
    purpose: Option<LinkPurpose>,
    opener: &dyn BrowserOpener,
) -> Result<ConnectionSummary, ServiceError> {
    let id = ConnectionId::new(connection);
    let started = service.portal_start(&id, purpose, opener).await?;
    eprintln!("Waiting for the portal to send the browser back (Ctrl-C cancels)…");
    finish_or_cancel(service, &started.flow_id).await
}

/// Ctrl-C cancels the flow (closing its port) rather than leaving it to time out.
pub async fn finish_or_cancel(
    service: &BrokerageService,
    flow_id: &str,
) -> Result<ConnectionSummary, ServiceError> {
    let finish = service.oauth_finish(flow_id);
    tokio::pin!(finish);
    tokio::select! {
        done = &mut finish => done,
        _ = tokio::signal::ctrl_c() => {
            service.oauth_cancel(flow_id)?;
            finish.await
        }
    }
}
