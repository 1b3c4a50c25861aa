//! Plaid as the rest of Brokerdesk sees it: an aggregator reached with its keys, that links
//! institutions through Hosted Link (the portal) and searches its institution directory.

use super::{LinkRequest, PlaidConfig, PlaidConnector, PlaidCredential, PlaidEnvironment};
use crate::directory::InstitutionDirectory;
use crate::vendor::{
    AggregatorPortal, Capabilities, FormInput, KeyConfig, OpenRequest, PortalSecret, Prepared,
    Secrets, VendorDescriptor, VendorError, default_name, keys_label, latency_of,
};
use crate::{ConnectorError, Portfolio};
use async_trait::async_trait;
use brokerdesk_model::catalog::Aggregator;
use brokerdesk_model::key_fields::{KeyField, KeyForm};
use brokerdesk_model::vendors::LinkPurpose;
use futures::FutureExt;
use secrecy::SecretString;
use std::sync::{Arc, Mutex};

pub const ID: &str = "plaid";
const NAME: &str = "Plaid";

pub static DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: ID,
    name: NAME,
    aggregator: Some(Aggregator::Plaid),
    link_purposes: &[LinkPurpose::Investments, LinkPurpose::BankAndCards],
    catalog: Vec::new,
    form: Some(form),
    prepare: Some(|input| async move { prepare(input) }.boxed()),
    mode: KeyConfig::mode_of,
    open,
    oauth: None,
};

fn form() -> KeyForm {
    KeyForm {
        fields: vec![
            KeyField::text(
                "client_id",
                "Client ID",
                "Plaid Dashboard → Developers → Keys.",
            ),
            KeyField::secret(
                "secret",
                "Secret",
                "The Sandbox or Production secret, matching the sandbox option.",
            ),
            KeyField::secret(
                "access_token",
                "Access token",
                "Leave empty and use \"Link accounts\" (Plaid's Hosted Link) once connected; or \
                 paste an Item's access-… token from a completed Link (investments product).",
            )
            .optional(),
        ],
        sandbox_switch: Some(format!("Use {NAME}'s sandbox (no real money)")),
        steps: Vec::new(),
        busy_text: "Checking the keys with Plaid…".into(),
        submit_label: "Check and connect".into(),
    }
}

fn prepare(mut input: FormInput) -> Result<Prepared, VendorError> {
    let config = KeyConfig {
        sandbox: input.sandbox,
        base_url: input.base_url.clone(),
    };
    Ok(Prepared {
        config: config.to_json(),
        display_name: default_name(NAME, input.sandbox, &input.label),
        credential_label: keys_label(NAME, input.fields.optional("client_id")),
        secrets: Some(Secrets(std::mem::take(&mut input.fields.0))),
    })
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let (config, secrets) = (req.config, req.secrets);
    let config = KeyConfig::parse(config)?;
    let secrets =
        secrets.ok_or_else(|| VendorError::Unreadable("the Plaid keys are missing".into()))?;
    let environment = match (&config.base_url, config.sandbox) {
        (Some(url), _) => PlaidEnvironment::Custom(url.clone()),
        (None, true) => PlaidEnvironment::Sandbox,
        (None, false) => PlaidEnvironment::Production,
    };
    let credential = PlaidCredential::new(secrets.get("client_id")?, secrets.get("secret")?);
    let mut plaid = PlaidConnector::new(PlaidConfig::new(environment), credential)?;
    // Without an Item yet (no access token), the keys are checked with a directory search,
    // and "Link accounts" (Hosted Link) adds the Item.
    // One access token per Item: linking again adds one (`PortalSecret::Add`).
    let linked = secrets.repeated("access_token");
    for token in &linked {
        plaid = plaid.with_access_token(SecretString::from(*token));
    }
    let has_item = !linked.is_empty();
    let c = Arc::new(plaid);
    let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
    // Our stable id for the user at Plaid: the connection id, nothing personal.
    let client_user_id = req.connection.to_owned();
    Ok(Capabilities {
        portfolio: Some(c.clone() as Arc<dyn Portfolio>),
        activity: Some(c.clone() as Arc<dyn crate::AccountActivity>),
        billed_balances: Some(c.clone() as Arc<dyn crate::BilledBalances>),
        portal: Some(Arc::new(PlaidPortal::new(Arc::clone(&c), client_user_id))),
        directory: Some(c as Arc<dyn InstitutionDirectory>),
        latency: latency_of(move || probe.latency().map(|l| l.last)),
        check: Some(Arc::new(move || {
            let read = Arc::clone(&read);
            async move {
                if has_item {
                    read.accounts().await.map(|_| ())
                } else {
                    read.search_institutions("bank").await.map(|_| ())
                }
            }
            .boxed()
        })),
        ..Capabilities::default()
    })
}

/// Plaid's Hosted Link as a portal: a link token whose completion redirect is our listener;
/// afterwards `/link/token/get` names the public token, which is exchanged for the access
/// token (single use: never resent).
pub struct PlaidPortal {
    plaid: Arc<PlaidConnector>,
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

impl PlaidPortal {
    /// A Hosted Link session (on one institution when given) whose completion comes back
    /// to `back_to`.
    async fn open_link(
        &self,
        back_to: &url::Url,
        institution_id: Option<String>,
        purpose: LinkPurpose,
    ) -> Result<url::Url, ConnectorError> {
        let token = self
            .plaid
            .create_link_token(&LinkRequest {
                client_user_id: self.client_user_id.clone(),
                completion_redirect_uri: Some(back_to.to_string()),
                redirect_uri: None,
                access_token: None,
                institution_id,
                purpose,
            })
            .await?;
        *self.link_token.lock().unwrap_or_else(|p| p.into_inner()) = Some(token.link_token);
        url::Url::parse(&token.hosted_link_url).map_err(|e| {
            ConnectorError::BadResponse(format!("Plaid's Hosted Link URL is not a URL: {e}"))
        })
    }
}

#[async_trait]
impl AggregatorPortal for PlaidPortal {
    async fn portal_url(
        &self,
        back_to: &url::Url,
        purpose: LinkPurpose,
    ) -> Result<url::Url, ConnectorError> {
        self.open_link(back_to, None, purpose).await
    }

    /// Link opened on an institution from Plaid's own search, for what it offers: its
    /// holdings if it has them, else its bank and card accounts.
    async fn portal_url_for(
        &self,
        back_to: &url::Url,
        institution: &str,
    ) -> Result<url::Url, ConnectorError> {
        let products = self.plaid.institution_products(institution).await?;
        let purpose = super::config::purpose_for(&products);
        self.open_link(back_to, Some(institution.to_owned()), purpose)
            .await
    }

    /// The new Item's access token, added beside the connection's other Items (never
    /// replacing one: that would orphan its Item at Plaid).
    async fn completed(&self) -> Result<Option<PortalSecret>, ConnectorError> {
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
        Ok(Some(PortalSecret::Add {
            field: "access_token".to_owned(),
            secret: item.access_token,
        }))
    }
}
