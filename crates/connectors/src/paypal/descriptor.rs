//! PayPal as the rest of Brokerdesk sees it: its catalog entry, its REST app form, its OAuth
//! preset, and how a saved connection opens.

use super::{PayPalConfig, PayPalConnector, PayPalCredential};
use crate::ConnectorError;
use crate::payment_portfolio::{payment_capabilities, payment_connection};
use crate::vendor::{
    Capabilities, FormInput, KeyConfig, OAuthSupport, OpenRequest, PaymentAccounts, Prepared,
    Secrets, VendorDescriptor, VendorError, default_name, keys_label, latency_of,
};
use brokerdesk_model::AccountId;
use brokerdesk_model::catalog::{Capability, Institution, InstitutionKind, SignIn};
use brokerdesk_model::key_fields::{KeyField, KeyForm};
use futures::FutureExt;
use std::sync::Arc;

pub const ID: &str = "paypal";
const NAME: &str = "PayPal";

pub static DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: ID,
    name: NAME,
    aggregator: None,
    link_purposes: &[],
    catalog,
    form: Some(form),
    prepare: Some(|input| async move { prepare(input) }.boxed()),
    mode: KeyConfig::mode_of,
    open,
    oauth: Some(OAuthSupport {
        presets: &["paypal"],
        open: None,
        offers: crate::vendor::OAuthOffers {
            trading: false,
            quotes: false,
        },
    }),
};

fn catalog() -> Vec<Institution> {
    vec![Institution {
        id: ID.into(),
        name: NAME.into(),
        aliases: vec!["pay pal".into()],
        kind: InstitutionKind::PaymentProcessor,
        sign_in: vec![SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: payment_capabilities(
            Capability::partial("Through the reporting API, once Transaction Search is enabled."),
            Capability::partial(
                "Through PayPal's reporting API: up to 3 hours late, 31 days per request, and \
                 only once Transaction Search is enabled for your REST app.",
            ),
        ),
        sandbox: true,
        summary: "Your business account's balances and transactions, with your own REST app's \
                  client id and secret. \"Log in with PayPal\" proves who you are but does not \
                  open the reporting API, so balances need the app's keys."
            .into(),
    }]
}

fn form() -> KeyForm {
    KeyForm {
        fields: vec![
            KeyField::text(
                "client_id",
                "Client ID",
                "PayPal Developer Dashboard → Apps & Credentials → your REST app (Sandbox or \
                 Live).",
            ),
            KeyField::secret(
                "client_secret",
                "Secret",
                "The same app's secret. Transaction Search must be enabled for the app.",
            ),
        ],
        sandbox_switch: Some(format!("Use {NAME}'s sandbox (no real money)")),
        steps: Vec::new(),
        busy_text: "Checking the keys with PayPal…".into(),
        submit_label: "Check and connect".into(),
    }
}

fn prepare(mut input: FormInput) -> Result<Prepared, VendorError> {
    let config = KeyConfig {
        sandbox: input.sandbox,
        base_url: input.base_url.clone(),
    };
    let display_name = default_name(NAME, input.sandbox, &input.label);
    let credential_label = keys_label(NAME, input.fields.optional("client_id"));
    Ok(Prepared {
        config: config.to_json(),
        secrets: Some(Secrets(std::mem::take(&mut input.fields.0))),
        display_name,
        credential_label,
    })
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let (config, secrets) = (req.config, req.secrets);
    let config = KeyConfig::parse(config)?;
    let secrets =
        secrets.ok_or_else(|| VendorError::Unreadable("the PayPal keys are missing".into()))?;
    let paypal = match (&config.base_url, config.sandbox) {
        (Some(url), _) => PayPalConfig::new(url),
        (None, true) => PayPalConfig::sandbox(),
        (None, false) => PayPalConfig::live(),
    };
    let credential = PayPalCredential::client_credentials(
        secrets.get("client_id")?,
        secrets.get("client_secret")?,
    );
    let c = Arc::new(PayPalConnector::new(paypal, credential)?);
    let probe = Arc::clone(&c);
    // The default check: a token, then the balances (which name the account).
    Ok(payment_connection(
        c,
        latency_of(move || probe.latency().map(|l| l.last)),
    ))
}

#[async_trait::async_trait]
impl PaymentAccounts for PayPalConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.accounts().await
    }
}
