//! `BrowserFlows`: everything the service does in the system browser — OAuth sign-ins
//! (`oauth`) and aggregator portals (`portal`) — with its own state (the flows under way).
//!
//! It does not know `BrokerageService`: what it needs from the rest of the service (the vault's
//! state, a connection, saving one, events) it asks through [`FlowHost`], which the service
//! implements (`flows_api`). So the dependency runs one way: service → browser_flows →
//! connection, registry, vault_access.

mod oauth;
mod oauth_client;
mod oauth_connection;
mod portal;

pub use oauth::{OAUTH_CLIENT_LABEL, OAuthOverrides, oauth_vendors};
pub(crate) use oauth_client::preset_infos;
pub(crate) use portal::PortalTarget;

use crate::connection::{Connection, ConnectionParts};
use crate::error::ServiceError;
use crate::registry::ConnectionRecord;
use crate::vault_access::VaultAccess;
use brokerdesk_model::{ConnectionId, ConnectionSummary, ServiceEvent};
use brokerdesk_vault::CredentialId;
use std::sync::Arc;

/// What the browser flows need from the service that hosts them.
#[async_trait::async_trait]
pub(crate) trait FlowHost: Send + Sync {
    /// Connecting stores a key, and keys live only in the vault: it must exist.
    fn require_vault(&self) -> Result<(), ServiceError>;
    async fn connection(&self, id: &ConnectionId) -> Result<Arc<Connection>, ServiceError>;
    /// Saves a new connection (its vault record already stored), then reads it once.
    async fn save_record(
        &self,
        record: ConnectionRecord,
        credential: Option<CredentialId>,
    ) -> Result<ConnectionSummary, ServiceError>;
    /// The vault record holding a saved connection's keys.
    fn credential_of(&self, connection: &ConnectionId) -> Result<CredentialId, ServiceError>;
    /// Reopens the saved connections (after their vault records changed).
    fn reload_linked(&self);
    fn publish(&self, event: ServiceEvent);
}

/// The browser flows and their state.
pub(crate) struct BrowserFlows {
    vault: VaultAccess,
    /// OAuth sign-ins started and not yet finished.
    oauth: Arc<oauth::Flows>,
    /// Portal visits started and not yet finished.
    portals: portal::PortalFlows,
}

impl BrowserFlows {
    pub(crate) fn new(vault: VaultAccess) -> Self {
        Self {
            vault,
            oauth: Arc::default(),
            portals: portal::PortalFlows::default(),
        }
    }

    /// Opens a saved OAuth connection: its session, through what its vendor's descriptor
    /// opens with a token (portfolio; trading and quotes where offered).
    pub(crate) fn open_oauth(&self, record: &ConnectionRecord) -> Result<Connection, ServiceError> {
        let connection = Arc::new(self.oauth_connection(record)?);
        let offers = connection.offers();
        Ok(Connection::new(ConnectionParts {
            id: record.id.clone(),
            vendor: record.vendor(),
            display_name: record.display_name.clone(),
            mode: record.mode(),
            portfolio: connection.clone(),
            trading: offers
                .trading
                .then(|| connection.clone() as Arc<dyn brokerdesk_connectors::Trading>),
            market: offers
                .quotes
                .then_some(connection as Arc<dyn brokerdesk_connectors::MarketData>),
            streams: None,
            latency: None,
            keep: Vec::new(),
        }))
    }

    /// How many sign-ins are parked (tests: nothing is left behind).
    #[cfg(test)]
    pub(crate) fn oauth_pending(&self) -> usize {
        self.oauth.len()
    }

    /// No portal visit is parked (tests: nothing is left behind).
    #[cfg(test)]
    pub(crate) fn portals_idle(&self) -> bool {
        self.portals.is_empty()
    }
}
