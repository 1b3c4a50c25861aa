//! Stripe as the rest of Brokerdesk sees it: its catalog entry, its key form (a test-mode key
//! is its sandbox), its OAuth preset, and how a saved connection opens.

use super::{StripeConfig, StripeConnector, StripeKey, StripeMode};
use crate::payment_portfolio::{payment_capabilities, payment_connection};
use crate::vendor::{
    Capabilities, FormInput, KeyConfig, OAuthSupport, OpenRequest, PaymentAccounts, Prepared,
    Secrets, VendorDescriptor, VendorError, keys_label, latency_of,
};
use crate::{ConnectorError, Payments};
use brokerdesk_model::AccountId;
use brokerdesk_model::catalog::{Capability, Institution, InstitutionKind, SignIn};
use brokerdesk_model::key_fields::{KeyField, KeyForm};
use futures::FutureExt;
use std::sync::Arc;

pub const ID: &str = "stripe";
const NAME: &str = "Stripe";

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
        presets: &["stripe"],
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
        aliases: vec!["stripe payments".into()],
        kind: InstitutionKind::PaymentProcessor,
        sign_in: vec![SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: payment_capabilities(Capability::yes(), Capability::yes()),
        sandbox: true,
        summary: "Balance and balance transactions with a secret or restricted key (test mode \
                  keys work too)."
            .into(),
    }]
}

fn form() -> KeyForm {
    KeyForm {
        fields: vec![
            KeyField::secret(
                "secret_key",
                "Secret or restricted key",
                "Stripe Dashboard → Developers → API keys: sk_live_…/sk_test_…, or a restricted \
                 rk_… key with read access to Balance. Test-mode keys connect as paper.",
            ),
            KeyField::text(
                "account_id",
                "Connected account ID",
                "Optional: acct_… to read a Connect account instead of your own.",
            )
            .optional(),
        ],
        // Stripe's sandbox is its test mode, and the key says which it is.
        sandbox_switch: None,
        steps: Vec::new(),
        busy_text: "Checking the keys with Stripe…".into(),
        submit_label: "Check and connect".into(),
    }
}

fn prepare(mut input: FormInput) -> Result<Prepared, VendorError> {
    let test = StripeKey::new(input.fields.get("secret_key")?)?.mode() == StripeMode::Test;
    if input.sandbox && !test {
        return Err(VendorError::InvalidInput(
            "this is a live-mode Stripe key; use a test-mode key (sk_test_… or rk_test_…) for \
             the sandbox"
                .into(),
        ));
    }
    let config = KeyConfig {
        sandbox: test,
        base_url: input.base_url.clone(),
    };
    let display_name = match input.label.trim() {
        "" if test => format!("{NAME} — test mode"),
        "" => NAME.to_owned(),
        label => label.to_owned(),
    };
    let credential_label = keys_label(NAME, input.fields.optional("account_id"));
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
        secrets.ok_or_else(|| VendorError::Unreadable("the Stripe key is missing".into()))?;
    let key = StripeKey::new(secrets.get("secret_key")?)?;
    let mut stripe =
        StripeConfig::new(config.base_url.as_deref().unwrap_or(super::config::API_URL));
    if let Some(account) = secrets.optional("account_id") {
        stripe = stripe.for_connect_account(account)?;
    }
    let c = Arc::new(StripeConnector::new(stripe, key)?);
    let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
    let mut caps = payment_connection(c, latency_of(move || probe.latency().map(|l| l.last)));
    caps.check = Some(Arc::new(move || {
        let read = Arc::clone(&read);
        async move { read.payment_balances(read.account()).await.map(|_| ()) }.boxed()
    }));
    Ok(caps)
}

#[async_trait::async_trait]
impl PaymentAccounts for StripeConnector {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![self.account().clone()])
    }
}
