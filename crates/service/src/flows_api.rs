//! The service's face of its browser flows and aggregator directories: the public methods the
//! fronts call, and [`FlowHost`] over the service. Depends on `service` and `browser_flows`;
//! neither depends on it.

use crate::browser_flows::{FlowHost, OAuthOverrides, PortalTarget};
use crate::connection::Connection;
use crate::error::ServiceError;
use crate::registry::ConnectionRecord;
use crate::service::BrokerageService;
use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::{ConnectionId, ConnectionSummary, OAuthStarted, ServiceEvent, VendorId};
use brokerdesk_oauth::BrowserOpener;
use brokerdesk_vault::{Action, CredentialId};
use std::sync::Arc;

#[async_trait::async_trait]
impl FlowHost for BrokerageService {
    fn require_vault(&self) -> Result<(), ServiceError> {
        BrokerageService::require_vault(self)
    }

    async fn connection(&self, id: &ConnectionId) -> Result<Arc<Connection>, ServiceError> {
        BrokerageService::connection(self, id).await
    }

    async fn save_record(
        &self,
        record: ConnectionRecord,
        credential: Option<CredentialId>,
    ) -> Result<ConnectionSummary, ServiceError> {
        BrokerageService::save_record(self, record, credential).await
    }

    fn credential_of(&self, connection: &ConnectionId) -> Result<CredentialId, ServiceError> {
        let records = self.inner.registry.load()?;
        let record = records
            .iter()
            .find(|r| &r.id == connection)
            .ok_or_else(|| ServiceError::UnknownConnection(connection.clone()))?;
        crate::opening::credential_id(record)?.ok_or_else(|| {
            ServiceError::InvalidInput(format!("{connection} has no keys of its own"))
        })
    }

    fn reload_linked(&self) {
        BrokerageService::reload_linked(self)
    }

    fn publish(&self, event: ServiceEvent) {
        BrokerageService::publish(self, event)
    }
}

impl BrokerageService {
    /// Starts an OAuth sign-in to a catalog vendor with its preset (`browser_flows::oauth`
    /// says where the client id comes from).
    pub async fn oauth_start(
        &self,
        vendor: &VendorId,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.oauth_start_with(vendor, &OAuthOverrides::default(), opener)
            .await
    }

    /// [`oauth_start`](Self::oauth_start) with some of the preset's settings replaced.
    pub async fn oauth_start_with(
        &self,
        vendor: &VendorId,
        overrides: &OAuthOverrides,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.inner
            .flows
            .oauth_start(self, vendor, overrides, opener)
            .await
    }

    /// Waits for the browser (a sign-in or a portal visit); a sign-in ends with its tokens in
    /// the vault and a new connection, a portal visit with the connection read again.
    pub async fn oauth_finish(&self, flow_id: &str) -> Result<ConnectionSummary, ServiceError> {
        self.inner.flows.oauth_finish(self, flow_id).await
    }

    /// Stops a sign-in or portal visit: its port closes, and finishing says it was cancelled.
    pub fn oauth_cancel(&self, flow_id: &str) -> Result<(), ServiceError> {
        self.inner.flows.oauth_cancel(flow_id)
    }

    /// Opens the aggregator's portal for `connection` in the system browser, to link
    /// `purpose` (`None`: the first the aggregator offers).
    pub async fn portal_start(
        &self,
        connection: &ConnectionId,
        purpose: Option<LinkPurpose>,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.inner
            .flows
            .portal_start(self, connection, PortalTarget::Purpose(purpose), opener)
            .await
    }

    /// Connects a remote search hit: the portal of the user's connection to the hit's
    /// aggregator, opened on that institution. Without such a connection, says what to add
    /// first (the aggregator's keys) instead of failing silently.
    pub async fn portal_start_for_hit(
        &self,
        hit: &brokerdesk_model::search::RemoteInstitution,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let through = brokerdesk_connectors::registry::DESCRIPTORS
            .iter()
            .find(|d| d.aggregator == Some(hit.aggregator));
        let connection =
            self.connections().await.into_iter().find(|c| {
                c.portal().is_some() && through.is_some_and(|d| d.id == c.vendor.as_str())
            });
        let Some(connection) = connection else {
            let name = through.map_or("the aggregator", |d| d.name);
            return Err(ServiceError::InvalidInput(format!(
                "{} is reached through {name}: connect {name} with its keys first (Connect → \
                 {name}), then connect {} from the search.",
                hit.name, hit.name
            )));
        };
        self.inner
            .flows
            .portal_start(
                self,
                &connection.id,
                PortalTarget::Institution(&hit.id),
                opener,
            )
            .await
    }

    /// The connected aggregators' own institution search, at once; one that fails is left out
    /// (the catalog still answers), and said in the log.
    pub async fn search_institutions(
        &self,
        query: &str,
    ) -> Result<Vec<brokerdesk_model::search::RemoteInstitution>, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let query = query.trim();
        if query.chars().count() < 2 {
            return Ok(Vec::new());
        }
        let directories: Vec<_> = self
            .connections()
            .await
            .iter()
            .filter_map(|c| c.directory().map(|d| (c.id.clone(), d)))
            .collect();
        let found = futures::future::join_all(
            directories
                .iter()
                .map(|(id, d)| async move { (id, d.search_institutions(query).await) }),
        )
        .await;
        let mut out = Vec::new();
        for (id, result) in found {
            match result {
                Ok(hits) => out.extend(hits),
                Err(e) => tracing::warn!(connection = %id, error = %e, "institution search failed"),
            }
        }
        Ok(out)
    }

    /// The catalog and every vendor's ways to connect, for the Connect page.
    pub fn vendor_catalog(&self) -> brokerdesk_model::vendors::VendorCatalog {
        vendor_catalog()
    }

    /// Whether the user's own OAuth app is registered for a preset (never its secret).
    pub fn oauth_client(
        &self,
        preset: &VendorId,
    ) -> Result<brokerdesk_model::vendors::OAuthClientInfo, ServiceError> {
        self.guard_connecting()?;
        self.inner.flows.oauth_client(preset)
    }

    /// Registers the user's OAuth app for a preset (client id, secret where the vendor needs
    /// one, the redirect URI registered with it), replacing an older one.
    pub fn save_oauth_client(
        &self,
        args: brokerdesk_model::vendors::OAuthClientArgs,
    ) -> Result<brokerdesk_model::vendors::OAuthClientInfo, ServiceError> {
        self.guard_connecting()?;
        self.inner.flows.save_oauth_client(args)
    }
}

/// The catalog and every vendor's ways to connect (with its OAuth sign-ins' rules), for the
/// Connect page and the CLI.
pub fn vendor_catalog() -> brokerdesk_model::vendors::VendorCatalog {
    let mut catalog = brokerdesk_connectors::registry::vendor_catalog();
    for vendor in &mut catalog.vendors {
        vendor.oauth_presets = crate::browser_flows::preset_infos(vendor.id.as_str());
    }
    catalog
}
