//! Aggregator portals (SnapTrade's Connection Portal): the user links brokerages on the
//! aggregator's own pages in the system browser, which then sends them back to our loopback
//! listener; the connection is read again at once so the new accounts appear.
//!
//! The flow shares the OAuth commands' shape: `portal_start` gives a flow id and the URL,
//! `oauth_finish` / `oauth_cancel` finish or cancel any browser flow by its id.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use async_trait::async_trait;
use brokerdesk_connectors::ConnectorError;
use brokerdesk_model::{ConnectionId, ConnectionSummary, OAuthStarted, ServiceEvent};
use brokerdesk_oauth::{BrowserOpener, ReturnListener};
use brokerdesk_vault::Action;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;
use tokio::sync::watch;

/// How long the portal may take: linking a brokerage includes its own sign-in and 2FA.
const PORTAL_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A connection whose aggregator has a portal for linking more accounts.
#[async_trait]
pub trait AggregatorPortal: Send + Sync {
    /// The portal's address; when the user is done it sends the browser to `back_to`.
    async fn portal_url(&self, back_to: &url::Url) -> Result<url::Url, ConnectorError>;
}

#[async_trait]
impl AggregatorPortal for brokerdesk_connectors::snaptrade::SnapTradeConnector {
    async fn portal_url(&self, back_to: &url::Url) -> Result<url::Url, ConnectorError> {
        use brokerdesk_connectors::snaptrade::adapter::ConnectionType;
        let link = self
            .portal_link(back_to, ConnectionType::TradeIfAvailable, None, None)
            .await?;
        url::Url::parse(&link.url).map_err(|e| {
            ConnectorError::BadResponse(format!("SnapTrade's portal link is not a URL: {e}"))
        })
    }
}

struct PortalFlow {
    connection: ConnectionId,
    listener: Option<ReturnListener>,
    cancelled: watch::Sender<bool>,
}

#[derive(Default)]
pub(crate) struct PortalFlows {
    pending: Mutex<HashMap<String, PortalFlow>>,
}

impl PortalFlows {
    pub(crate) fn contains(&self, flow_id: &str) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains_key(flow_id)
    }
}

impl BrokerageService {
    /// Opens the aggregator's portal for `connection` in the system browser.
    pub async fn portal_start(
        &self,
        connection: &ConnectionId,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        let _ = self.inner.vault.touch();
        let c = self.connection(connection).await?;
        let portal = c.portal().ok_or_else(|| {
            ServiceError::InvalidInput(format!(
                "{} has no portal for linking accounts",
                c.display_name
            ))
        })?;
        let listener = ReturnListener::bind()
            .await
            .map_err(|e| ServiceError::Internal(format!("cannot listen on loopback: {e}")))?;
        let back_to = url::Url::parse(listener.redirect_uri())
            .map_err(|e| ServiceError::Internal(format!("listener address: {e}")))?;
        let url = portal
            .portal_url(&back_to)
            .await
            .map_err(|source| ServiceError::Connector {
                connection: c.id.clone(),
                source,
            })?;
        // A browser that does not open is not fatal: the page shows the address to copy.
        if let Err(e) = opener.open(&url) {
            tracing::warn!(error = %e, "could not open the system browser");
        }
        let flow_id = format!("portal-{}", uuid::Uuid::new_v4().simple());
        let (cancelled, _) = watch::channel(false);
        self.inner
            .portal_flows
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(
                flow_id.clone(),
                PortalFlow {
                    connection: c.id.clone(),
                    listener: Some(listener),
                    cancelled,
                },
            );
        Ok(OAuthStarted {
            flow_id,
            authorize_url: url.to_string(),
        })
    }

    /// Waits for the browser to come back from the portal, then reads the connection again.
    pub(crate) async fn portal_finish(
        &self,
        flow_id: &str,
    ) -> Result<ConnectionSummary, ServiceError> {
        let (connection, listener, mut cancel) = {
            let mut pending = self
                .inner
                .portal_flows
                .pending
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            let flow = pending
                .get_mut(flow_id)
                .ok_or_else(|| ServiceError::InvalidInput(format!("no portal visit {flow_id}")))?;
            if *flow.cancelled.borrow() {
                pending.remove(flow_id);
                return Err(ServiceError::InvalidInput(
                    "the portal visit was cancelled".into(),
                ));
            }
            let listener = flow.listener.take().ok_or_else(|| {
                ServiceError::InvalidInput("this portal visit is already being finished".into())
            })?;
            (
                flow.connection.clone(),
                listener,
                flow.cancelled.subscribe(),
            )
        };
        let outcome = tokio::select! {
            _ = cancel.wait_for(|c| *c) => Err(ServiceError::InvalidInput("the portal visit was cancelled".into())),
            back = listener.wait(PORTAL_TIMEOUT) => back.map_err(|e| ServiceError::InvalidInput(format!("the portal did not send the browser back: {e}"))),
        };
        self.inner
            .portal_flows
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(flow_id);
        outcome?;
        let c = self.connection(&connection).await?;
        // New accounts show at once, whatever the read says about the connection's health.
        let _ = c.read().await;
        self.publish(ServiceEvent::AccountsChanged);
        Ok(c.summary())
    }

    pub(crate) fn portal_cancel(&self, flow_id: &str) -> Result<(), ServiceError> {
        let mut pending = self
            .inner
            .portal_flows
            .pending
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        let flow = pending
            .get_mut(flow_id)
            .ok_or_else(|| ServiceError::InvalidInput(format!("no portal visit {flow_id}")))?;
        flow.cancelled.send_replace(true);
        // Not being finished yet: dropping the listener closes the port now.
        flow.listener = None;
        Ok(())
    }
}
