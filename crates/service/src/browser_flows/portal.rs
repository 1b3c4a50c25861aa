//! Aggregator portals: the user links brokerages on the aggregator's own pages in the system
//! browser, which then sends them back to our loopback listener; the connection is read again
//! at once so the new accounts appear. The portal itself is the aggregator's descriptor's
//! (`Capabilities::portal`, `brokerdesk_connectors::vendor::AggregatorPortal`).
//!
//! The flow shares the OAuth commands' shape: `portal_start` gives a flow id and the URL,
//! `oauth_finish` / `oauth_cancel` finish or cancel any browser flow by its id.

use super::{BrowserFlows, FlowHost};
use crate::error::ServiceError;
use brokerdesk_connectors::ConnectorError;
use brokerdesk_connectors::vendor::{AggregatorPortal, PortalSecret, repeated_key};
use brokerdesk_model::vendors::LinkPurpose;
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

/// Where a portal visit opens.
#[derive(Clone, Copy, Debug)]
pub(crate) enum PortalTarget<'a> {
    /// For this purpose (`None`: the aggregator's first).
    Purpose(Option<LinkPurpose>),
    /// On an institution of the aggregator's directory (its id there).
    Institution(&'a str),
}

struct PortalFlow {
    connection: ConnectionId,
    portal: Arc<dyn AggregatorPortal>,
    listener: Option<ReturnListener>,
    cancelled: watch::Sender<bool>,
}

#[derive(Default)]
pub(super) struct PortalFlows {
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

impl BrowserFlows {
    /// Opens the aggregator's portal for `connection` in the system browser: for one of
    /// what it links, or on an institution of its directory.
    pub(crate) async fn portal_start(
        &self,
        host: &dyn FlowHost,
        connection: &ConnectionId,
        target: PortalTarget<'_>,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.vault.authorize(Action::Read)?;
        let _ = self.vault.touch();
        let c = host.connection(connection).await?;
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
        let url = match target {
            PortalTarget::Institution(id) => portal.portal_url_for(&back_to, id).await,
            PortalTarget::Purpose(asked) => {
                let offered = brokerdesk_connectors::registry::DESCRIPTORS
                    .iter()
                    .find(|d| d.id == c.vendor.as_str())
                    .map_or(&[][..], |d| d.link_purposes);
                let purpose = match asked {
                    None => offered.first().copied(),
                    Some(p) => offered.contains(&p).then_some(p),
                }
                .ok_or_else(|| {
                    ServiceError::InvalidInput(format!(
                        "{} cannot link {}",
                        c.display_name,
                        asked.map_or("accounts", |p| p.noun())
                    ))
                })?;
                portal.portal_url(&back_to, purpose).await
            }
        }
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
        self.portals
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
    pub(super) async fn portal_finish(
        &self,
        host: &dyn FlowHost,
        flow_id: &str,
    ) -> Result<ConnectionSummary, ServiceError> {
        let (connection, portal, listener, mut cancel) = {
            let mut pending = self
                .portals
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
        self.portals
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
        if let Some(produced) = produced {
            self.seal_into_connection(host, &connection, produced)?;
        }
        let c = host.connection(&connection).await?;
        // New accounts show at once, whatever the read says about the connection's health.
        let _ = c.read().await;
        host.publish(ServiceEvent::AccountsChanged);
        Ok(c.summary())
    }

    /// Seals what the portal produced into the vault record of a key connection (a set field
    /// replaced; an added one under the first free name of its field, so linking again never
    /// overwrites an earlier login), then rebuilds the connection from the vault.
    fn seal_into_connection(
        &self,
        host: &dyn FlowHost,
        connection: &ConnectionId,
        produced: PortalSecret,
    ) -> Result<(), ServiceError> {
        let credential = host.credential_of(connection)?;
        self.vault.with_store(|s| {
            let current = s.get(credential)?;
            let mut fields: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(current.expose_secret()).map_err(|_| {
                    brokerdesk_vault::VaultError::InvalidInput(
                        "the stored keys are unreadable".into(),
                    )
                })?;
            let (key, secret) = match &produced {
                PortalSecret::Set { field, secret } => (field.clone(), secret),
                PortalSecret::Add { field, secret } => {
                    let free = (1..)
                        .map(|n| repeated_key(field, n))
                        .find(|k| !fields.contains_key(k))
                        .unwrap_or_else(|| field.clone());
                    (free, secret)
                }
            };
            fields.insert(
                key,
                serde_json::Value::String(secret.expose_secret().to_owned()),
            );
            let updated = zeroize::Zeroizing::new(serde_json::Value::Object(fields).to_string());
            s.update_secret(credential, SecretString::from(updated.as_str()), None)
        })?;
        host.reload_linked();
        Ok(())
    }

    pub(super) fn portal_cancel(&self, flow_id: &str) -> Result<(), ServiceError> {
        let mut pending = self
            .portals
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
