//! SnapTrade as the rest of Brokerdesk sees it: an aggregator reached with its keys, that
//! registers a user when none is given, links brokerages through its Connection Portal and
//! searches its brokerage list.

use super::{
    ConnectionType, SnapTradeConfig, SnapTradeConnector, SnapTradeCredential, SnapTradeUser,
};
use crate::directory::InstitutionDirectory;
use crate::vendor::{
    AggregatorPortal, Capabilities, FormInput, KeyConfig, OpenRequest, Prepared, Secrets,
    VendorDescriptor, VendorError, default_name, keys_label, latency_of, no_sandbox,
};
use crate::{AccountActivity, ConnectorError, Portfolio, Trading};
use async_trait::async_trait;
use brokerdesk_model::catalog::Aggregator;
use brokerdesk_model::key_fields::{KeyField, KeyForm};
use brokerdesk_model::vendors::LinkPurpose;
use futures::FutureExt;
use secrecy::ExposeSecret;
use std::sync::Arc;

pub const ID: &str = "snaptrade";
const NAME: &str = "SnapTrade";

pub static DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: ID,
    name: NAME,
    aggregator: Some(Aggregator::SnapTrade),
    link_purposes: &[LinkPurpose::Investments],
    catalog: Vec::new,
    form: Some(form),
    prepare: Some(|input| prepare(input).boxed()),
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
                "SnapTrade dashboard → API keys (your personal key).",
            ),
            KeyField::secret(
                "consumer_key",
                "Consumer key",
                "Shown with the client ID; it signs every request.",
            ),
            KeyField::text(
                "user_id",
                "User ID",
                "An existing SnapTrade user; leave both user fields empty and Brokerdesk \
                 registers one (its secret goes straight into the vault), then \"Link accounts\" \
                 opens the portal.",
            )
            .optional(),
            KeyField::secret(
                "user_secret",
                "User secret",
                "Returned once when that user was registered.",
            )
            .optional(),
        ],
        // One host; paper brokerages are connected like any other.
        sandbox_switch: None,
        steps: Vec::new(),
        busy_text: "Checking the keys with SnapTrade…".into(),
        submit_label: "Check and connect".into(),
    }
}

fn connector(config: &KeyConfig, secrets: &Secrets) -> Result<SnapTradeConnector, VendorError> {
    let snaptrade =
        SnapTradeConfig::new(config.base_url.as_deref().unwrap_or(super::config::API_URL));
    let credential =
        SnapTradeCredential::new(secrets.get("client_id")?, secrets.get("consumer_key")?);
    Ok(SnapTradeConnector::new(snaptrade, credential)?)
}

async fn prepare(mut input: FormInput) -> Result<Prepared, VendorError> {
    if input.sandbox {
        return Err(no_sandbox(NAME));
    }
    let config = KeyConfig {
        sandbox: false,
        base_url: input.base_url.clone(),
    };
    register_user(&config, &mut input.fields).await?;
    Ok(Prepared {
        config: config.to_json(),
        display_name: default_name(NAME, false, &input.label),
        credential_label: keys_label(NAME, input.fields.optional("client_id")),
        secrets: Some(Secrets(std::mem::take(&mut input.fields.0))),
    })
}

/// A connection without a user gets a new one registered under the user's client id; its
/// secret (shown by SnapTrade only once) joins the fields sealed in the vault. Both user fields
/// or neither: half a user is refused.
async fn register_user(config: &KeyConfig, fields: &mut Secrets) -> Result<(), VendorError> {
    match (
        fields.0.contains_key("user_id"),
        fields.0.contains_key("user_secret"),
    ) {
        (true, true) => return Ok(()),
        (false, false) => {}
        _ => {
            return Err(VendorError::InvalidInput(
                "give both the SnapTrade user ID and its secret, or neither to register a new \
                 user"
                    .into(),
            ));
        }
    }
    let snaptrade = connector(config, fields)?;
    // Our id for the user at SnapTrade: random, nothing personal.
    let user = snaptrade
        .register_user(&format!("brokerdesk-{}", uuid::Uuid::new_v4().simple()))
        .await?;
    fields.0.insert("user_id".into(), user.user_id);
    fields.0.insert(
        "user_secret".into(),
        user.user_secret.expose_secret().to_owned(),
    );
    Ok(())
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let (config, secrets) = (req.config, req.secrets);
    let config = KeyConfig::parse(config)?;
    let secrets =
        secrets.ok_or_else(|| VendorError::Unreadable("the SnapTrade keys are missing".into()))?;
    let user = SnapTradeUser::new(secrets.get("user_id")?, secrets.get("user_secret")?);
    let c = Arc::new(connector(&config, secrets)?.with_user(user));
    let probe = Arc::clone(&c);
    Ok(Capabilities {
        portfolio: Some(c.clone() as Arc<dyn Portfolio>),
        trading: Some(c.clone() as Arc<dyn Trading>),
        activity: Some(c.clone() as Arc<dyn AccountActivity>),
        portal: Some(c.clone() as Arc<dyn AggregatorPortal>),
        directory: Some(c as Arc<dyn InstitutionDirectory>),
        latency: latency_of(move || probe.latency().map(|l| l.last)),
        ..Capabilities::default()
    })
}

/// SnapTrade's Connection Portal: its `customRedirect` is our loopback listener.
#[async_trait]
impl AggregatorPortal for SnapTradeConnector {
    /// SnapTrade links brokerages only (its one purpose).
    async fn portal_url(
        &self,
        back_to: &url::Url,
        _purpose: LinkPurpose,
    ) -> Result<url::Url, ConnectorError> {
        let link = self
            .portal_link(back_to, ConnectionType::TradeIfAvailable, None, None)
            .await?;
        url::Url::parse(&link.url).map_err(|e| {
            ConnectorError::BadResponse(format!("SnapTrade's portal link is not a URL: {e}"))
        })
    }

    /// A brokerage found by SnapTrade's search (its slug, as the directory gives it): the
    /// portal opens on that brokerage's sign-in (`broker`).
    async fn portal_url_for(
        &self,
        back_to: &url::Url,
        institution: &str,
    ) -> Result<url::Url, ConnectorError> {
        let link = self
            .portal_link(
                back_to,
                ConnectionType::TradeIfAvailable,
                Some(institution),
                None,
            )
            .await?;
        url::Url::parse(&link.url).map_err(|e| {
            ConnectorError::BadResponse(format!("SnapTrade's portal link is not a URL: {e}"))
        })
    }
}
