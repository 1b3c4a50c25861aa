//! Square as the rest of Brokerdesk sees it: its catalog entry, its token form, its OAuth
//! presets (production and sandbox), and how a saved connection opens.

use super::{SquareConfig, SquareConnector, SquareCredential};
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

pub const ID: &str = "square";
const NAME: &str = "Square";

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
        presets: &["square", "square-sandbox"],
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
        aliases: vec!["block".into(), "squareup".into(), "square up".into()],
        kind: InstitutionKind::PaymentProcessor,
        // A personal access token first: Square accepts loopback redirects in its sandbox
        // only, and production OAuth needs an HTTPS redirect a desktop app does not have.
        sign_in: vec![SignIn::ApiKey, SignIn::OAuthPkce],
        capabilities: payment_capabilities(
            Capability::no("Square's public API reports payments, not an account balance."),
            Capability::yes(),
        ),
        sandbox: true,
        summary: "Locations and payments, with a personal access token (or OAuth with PKCE in \
                  Square's sandbox: production redirects must be HTTPS)."
            .into(),
    }]
}

fn form() -> KeyForm {
    KeyForm {
        fields: vec![KeyField::secret(
            "access_token",
            "Access token",
            "Square Developer Dashboard → your application → Credentials: the personal access \
             token (use the Sandbox one with the sandbox option).",
        )],
        sandbox_switch: Some(format!("Use {NAME}'s sandbox (no real money)")),
        steps: Vec::new(),
        busy_text: "Checking the keys with Square…".into(),
        submit_label: "Check and connect".into(),
    }
}

fn prepare(mut input: FormInput) -> Result<Prepared, VendorError> {
    let config = KeyConfig {
        sandbox: input.sandbox,
        base_url: input.base_url.clone(),
    };
    let display_name = default_name(NAME, input.sandbox, &input.label);
    Ok(Prepared {
        config: config.to_json(),
        secrets: Some(Secrets(std::mem::take(&mut input.fields.0))),
        display_name,
        credential_label: keys_label(NAME, None),
    })
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let (config, secrets) = (req.config, req.secrets);
    let config = KeyConfig::parse(config)?;
    let secrets =
        secrets.ok_or_else(|| VendorError::Unreadable("the Square token is missing".into()))?;
    let square = match (&config.base_url, config.sandbox) {
        (Some(url), _) => SquareConfig::new(url),
        (None, true) => SquareConfig::sandbox(),
        (None, false) => SquareConfig::production(),
    };
    let credential = SquareCredential::access_token(secrets.get("access_token")?);
    let c = Arc::new(SquareConnector::new(square, credential)?);
    let probe = Arc::clone(&c);
    // The default check reads the locations: Square has no balance to read
    // (`BALANCES_UNAVAILABLE`).
    Ok(payment_connection(
        c,
        latency_of(move || probe.latency().map(|l| l.last)),
    ))
}

#[async_trait::async_trait]
impl PaymentAccounts for SquareConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.accounts().await
    }
}
