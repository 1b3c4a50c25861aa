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
use brokerdesk_connectors::plaid::{LinkRequest, PlaidConnector};
use brokerdesk_model::{ConnectionId, ConnectionSummary, OAuthStarted, ServiceEvent};
use brokerdesk_oauth::{BrowserOpener, ReturnListener, check_browser_url};
use brokerdesk_vault::Action;
use secrecy::{ExposeSecret, SecretString};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// How long the portal may take: linking a brokerage includes its own sign-in and 2FA.
const PORTAL_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// A connection whose aggregator has a portal for linking more accounts.
#[async_trait]
pub trait AggregatorPortal: Send + Sync {
    /// The portal's address; when the user is done it sends the browser to `back_to`.
    async fn portal_url(&self, back_to: &url::Url) -> Result<url::Url, ConnectorError>;

    /// Called once the browser is back: a new secret to seal into the connection's vault
    /// record (Plaid: the access token of the Item just linked), if the portal produced one.
    async fn completed(&self) -> Result<Option<(String, SecretString)>, ConnectorError> {
        Ok(None)
    }
}

/// Plaid's Hosted Link as a portal: a link token whose completion redirect is our listener;
/// afterwards `/link/token/get` names the public token, which is exchanged for the access
/// token (single use: never resent).
pub struct PlaidPortal {
    plaid: Arc<PlaidConnector>,
    /// Our stable id for the user at Plaid (the connection id; nothing personal).
    client_user_id: String,
    link_token: Mutex<Option<SecretString>>,
}

impl PlaidPortal {
    pub fn new(plaid: Arc<PlaidConnector>, client_user_id: String) -> Self {
        Self {
            plaid,
            client_user_id,
            link_token: Mutex::new(None),
        }
    }
}

#[async_trait]
impl AggregatorPortal for PlaidPortal {
    async fn portal_url(&self, back_to: &url::Url) -> Result<url::Url, ConnectorError> {
        let token = self
            .plaid
            .create_link_token(&LinkRequest {
                client_user_id: self.client_user_id.clone(),
                completion_redirect_uri: Some(back_to.to_string()),
                redirect_uri: None,
                access_token: None,
            })
            .await?;
        *self.link_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.link_token);
        url::Url::parse(&token.hosted_link_url).map_err(|e| {
            ConnectorError::BadResponse(format!("Plaid's Hosted Link URL is not a URL: {e}"))
        })
    }

    async fn completed(&self) -> Result<Option<(String, SecretString)>, ConnectorError> {
        let link_token = self
            .link_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        let Some(link_token) = link_token else {
            return Ok(None);
        };
        let Some(public) = self
            .plaid
            .link_results(&link_token)
            .await?
            .into_iter()
            .next()
        else {
            return Err(ConnectorError::Rejected(
                "no institution was linked in Plaid's Link".into(),
            ));
        };
        let item = self.plaid.exchange_public_token(public).await?;
        Ok(Some(("access_token".to_owned(), item.access_token)))
    }
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
    portal: Arc<dyn AggregatorPortal>,
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

    /// No portal visit is parked (tests: nothing is left behind).
    #[cfg(test)]
    pub(crate) fn is_empty(&self) -> bool {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .is_empty()
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
        // The address comes from the aggregator's reply: only https is opened (or shown).
        check_browser_url(&url).map_err(|e| ServiceError::Connector {
            connection: c.id.clone(),
            source: ConnectorError::BadResponse(e.to_string()),
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
                    portal: Arc::clone(&portal),
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
        let (connection, portal, listener, mut cancel) = {
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
                Arc::clone(&flow.portal),
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
        let produced = portal
            .completed()
            .await
            .map_err(|source| ServiceError::Connector {
                connection: connection.clone(),
                source,
            })?;
        if let Some((field, secret)) = produced {
            self.seal_into_connection(&connection, &field, &secret)?;
        }
        let c = self.connection(&connection).await?;
        // New accounts show at once, whatever the read says about the connection's health.
        let _ = c.read().await;
        self.publish(ServiceEvent::AccountsChanged);
        Ok(c.summary())
    }

    /// Adds `field` to the vault record of a key connection, then rebuilds the connection
    /// from the vault so that it uses it.
    fn seal_into_connection(
        &self,
        connection: &ConnectionId,
        field: &str,
        secret: &SecretString,
    ) -> Result<(), ServiceError> {
        let credential = crate::key_connections::credential_of(self, connection)?;
        self.inner.vault.with_store(|s| {
            let current = s.get(credential)?;
            let mut fields: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(current.expose_secret()).map_err(|_| {
                    brokerdesk_vault::VaultError::InvalidInput(
                        "the stored keys are unreadable".into(),
                    )
                })?;
            fields.insert(
                field.to_owned(),
                serde_json::Value::String(secret.expose_secret().to_owned()),
            );
            let updated = zeroize::Zeroizing::new(serde_json::Value::Object(fields).to_string());
            s.update_secret(credential, SecretString::from(updated.as_str()), None)
        })?;
        self.reload_linked();
        Ok(())
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

impl BrokerageService {
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
}
