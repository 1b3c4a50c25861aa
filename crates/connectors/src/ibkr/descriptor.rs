//! Interactive Brokers as the rest of Brokerdesk sees it: its catalog entry, the gateway form,
//! and how a saved connection opens (keep-alive task, per-account modes).

use super::{IbkrConfig, IbkrConnector};
use crate::vendor::{
    AbortOnDrop, AccountModes, Capabilities, FormInput, OpenRequest, Prepared, VendorDescriptor,
    VendorError, latency_of,
};
use crate::{ConnectorError, MarketData, Portfolio, Trading};
use brokerdesk_model::catalog::{
    Capabilities as Caps, Capability, Institution, InstitutionKind, SignIn,
};
use brokerdesk_model::key_fields::{FieldDefault, KeyField, KeyForm};
use brokerdesk_model::{AccountId, TradingMode};
use futures::FutureExt;
use std::sync::Arc;

pub const ID: &str = "ibkr";
const NAME: &str = "Interactive Brokers";

pub static DESCRIPTOR: VendorDescriptor = VendorDescriptor {
    id: ID,
    name: NAME,
    aggregator: None,
    link_purposes: &[],
    catalog,
    form: Some(form),
    prepare: Some(|input| async move { prepare(input) }.boxed()),
    mode,
    open,
    oauth: None,
};

/// A saved gateway connection. Nothing secret: the gateway holds the session.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct GatewaySettings {
    pub gateway_url: String,
    pub accept_self_signed: bool,
}

fn catalog() -> Vec<Institution> {
    vec![Institution {
        id: ID.into(),
        name: NAME.into(),
        aliases: vec![
            "ibkr".into(),
            "interactive brokers llc".into(),
            "ib".into(),
            "tws".into(),
        ],
        kind: InstitutionKind::NativeBroker,
        sign_in: vec![SignIn::LocalGateway],
        capabilities: Caps {
            balances: Capability::yes(),
            positions: Capability::yes(),
            quotes: Capability::partial(
                "Snapshots through the gateway, after a first warm-up request.",
            ),
            trading: Capability::yes(),
            transactions: Capability::partial("Trades of the current gateway session only."),
        },
        sandbox: true,
        summary: "Sign in to the Client Portal gateway running on your computer; IBKR offers no \
                  OAuth for desktop apps. Paper accounts work the same way."
            .into(),
    }]
}

fn form() -> KeyForm {
    KeyForm {
        fields: vec![
            KeyField::url("gateway_url", "Gateway URL", "")
                .with_default(FieldDefault::Text("https://localhost:5000/v1/api".into())),
            KeyField::checkbox(
                "accept_self_signed",
                "Accept the gateway's self-signed certificate (loopback only)",
                "",
            )
            .with_default(FieldDefault::Text("true".into())),
        ],
        sandbox_switch: None,
        steps: vec![
            "Download and start IBKR's Client Portal Gateway on this computer (bin/run.sh \
             root/conf.yaml)."
                .into(),
            "Open https://localhost:5000 in your browser and sign in to Interactive Brokers \
             there."
                .into(),
            "Connect below. Brokerdesk keeps the session alive and tells you when the gateway \
             asks you to sign in again."
                .into(),
        ],
        busy_text: "Asking the gateway…".into(),
        submit_label: "Connect".into(),
    }
}

fn prepare(input: FormInput) -> Result<Prepared, VendorError> {
    let typed = input.fields.get("gateway_url")?;
    let url = url::Url::parse(typed)
        .map_err(|_| VendorError::InvalidInput(format!("`{typed}` is not a URL")))?;
    let accept_self_signed = input.fields.optional("accept_self_signed") == Some("true");
    Ok(Prepared {
        config: serde_json::to_value(GatewaySettings {
            gateway_url: url.to_string().trim_end_matches('/').to_owned(),
            accept_self_signed,
        })
        .map_err(|e| VendorError::Unreadable(e.to_string()))?,
        secrets: None,
        display_name: match input.label.trim() {
            "" => NAME.to_owned(),
            label => label.to_owned(),
        },
        credential_label: String::new(),
    })
}

/// The gateway serves whichever accounts the user logged into, paper or live: the connection
/// is live, and each account is paper only where the gateway proves it (`AccountModes`).
fn mode(_: &serde_json::Value) -> TradingMode {
    TradingMode::Live
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let config = req.config;
    let settings: GatewaySettings = serde_json::from_value(config.clone())
        .map_err(|e| VendorError::Unreadable(format!("the gateway connection's settings: {e}")))?;
    let connector = Arc::new(IbkrConnector::new(IbkrConfig::gateway(
        settings.gateway_url,
        settings.accept_self_signed,
    ))?);
    let keep_alive = connector.spawn_keep_alive();
    let probe = Arc::clone(&connector);
    Ok(Capabilities {
        portfolio: Some(connector.clone() as Arc<dyn Portfolio>),
        trading: Some(connector.clone() as Arc<dyn Trading>),
        market: Some(connector.clone() as Arc<dyn MarketData>),
        account_modes: Some(connector as Arc<dyn AccountModes>),
        latency: latency_of(move || probe.latency().map(|l| l.last)),
        keep: vec![Box::new(AbortOnDrop(keep_alive))],
        ..Capabilities::default()
    })
}

/// The gateway knows which of its accounts are paper (`IbkrConnector::account_mode`).
#[async_trait::async_trait]
impl AccountModes for IbkrConnector {
    async fn account_mode(&self, account: &AccountId) -> Result<TradingMode, ConnectorError> {
        IbkrConnector::account_mode(self, account).await
    }
}
