//! Alpaca as the rest of Brokerdesk sees it: its catalog entry, its form (environment, server,
//! key pair), its OAuth preset, and how a saved connection opens.

use super::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use crate::capability::EquityHistory;
use crate::vendor::{
    Capabilities, FormInput, OAuthOffers, OAuthSupport, OpenRequest, Prepared, Secrets, TokenGrant,
    VendorDescriptor, VendorError, latency_of,
};
use crate::{AccountActivity, MarketData, Portfolio, Streams, Trading};
use brokerdesk_model::catalog::{
    Capabilities as Caps, Capability, Institution, InstitutionKind, SignIn,
};
use brokerdesk_model::connection::check_server_url;
use brokerdesk_model::key_fields::{FieldDefault, KeyField, KeyForm};
use brokerdesk_model::{AlpacaEnvironment, TradingMode};
use futures::FutureExt;
use secrecy::ExposeSecret;
use std::sync::Arc;

pub const ID: &str = "alpaca";
const NAME: &str = "Alpaca";

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
    oauth: Some(OAuthSupport {
        presets: &["alpaca"],
        open: Some(open_with_token),
        offers: OAuthOffers {
            trading: true,
            quotes: true,
        },
    }),
};

/// A saved Alpaca connection: where it points (the key pair is its vault record).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AlpacaSettings {
    pub environment: AlpacaEnvironment,
}

/// The key pair, as sealed in the vault. Wiped when dropped.
#[derive(serde::Deserialize, zeroize::ZeroizeOnDrop)]
struct AlpacaKeys {
    key_id: String,
    secret_key: String,
}

fn catalog() -> Vec<Institution> {
    vec![Institution {
        id: ID.into(),
        name: NAME.into(),
        aliases: vec!["alpaca markets".into(), "alpaca securities".into()],
        kind: InstitutionKind::NativeBroker,
        sign_in: vec![SignIn::ApiKey, SignIn::OAuthClientSecret],
        capabilities: Caps {
            balances: Capability::yes(),
            positions: Capability::yes(),
            quotes: Capability::partial("Live quotes; the free plan streams the IEX feed only."),
            trading: Capability::yes(),
            transactions: Capability::yes(),
        },
        sandbox: true,
        summary: "Trade stocks and ETFs with an API key (paper or live). Alpaca's OAuth needs \
                  your own registered app's client secret."
            .into(),
    }]
}

fn form() -> KeyForm {
    KeyForm {
        fields: vec![
            KeyField::choice(
                "environment",
                "Environment",
                &[
                    (
                        "custom",
                        "Local sandbox or another Alpaca-compatible server",
                    ),
                    ("paper", "Alpaca paper trading"),
                    ("live", "Alpaca live trading (real money)"),
                ],
                "",
            )
            .optional()
            .with_default(FieldDefault::Text("custom".into())),
            KeyField::url(
                "server_url",
                "Server URL",
                "This app's own sandbox is prefilled; its key id and secret are printed by \
                 `brokerdesk sandbox credentials` (Settings shows where they are kept).",
            )
            .with_default(FieldDefault::LocalSandboxUrl)
            .shown_when("environment", "custom"),
            KeyField::text(
                "key_id",
                "API key ID",
                "Alpaca dashboard → API Keys; starts with PK (paper) or AK (live).",
            ),
            KeyField::secret(
                "secret_key",
                "Secret key",
                "Shown once, when the key is generated.",
            ),
        ],
        sandbox_switch: None,
        steps: Vec::new(),
        busy_text: "Checking the key with Alpaca…".into(),
        submit_label: "Check and connect".into(),
    }
}

/// The server, as the HTTP client reads it, so that the mode decided from it
/// (`AlpacaEnvironment::mode`) is about the very server the keys go to.
fn custom(url: &str) -> Result<AlpacaEnvironment, VendorError> {
    let url = check_server_url(url).map_err(VendorError::InvalidInput)?;
    Ok(AlpacaEnvironment::Custom(
        url.as_str().trim_end_matches('/').to_owned(),
    ))
}

fn environment_name(environment: &AlpacaEnvironment) -> &'static str {
    match (environment, environment.mode()) {
        (AlpacaEnvironment::Live, _) => "live",
        (AlpacaEnvironment::Paper, _) => "paper",
        (AlpacaEnvironment::Custom(_), TradingMode::Paper) => "sandbox",
        (AlpacaEnvironment::Custom(_), TradingMode::Live) => "custom server (live)",
    }
}

fn prepare(input: FormInput) -> Result<Prepared, VendorError> {
    let f = &input.fields;
    // The form's choice; without one (older callers), the sandbox switch and a configured URL.
    let environment = match (f.optional("environment"), &input.base_url, input.sandbox) {
        (Some("custom"), _, _) => custom(f.get("server_url")?)?,
        (Some("paper"), _, _) => AlpacaEnvironment::Paper,
        (Some("live"), _, _) => AlpacaEnvironment::Live,
        (Some(other), _, _) => {
            return Err(VendorError::InvalidInput(format!(
                "no Alpaca environment {other:?}"
            )));
        }
        (None, Some(url), _) => custom(url)?,
        (None, None, true) => AlpacaEnvironment::Paper,
        (None, None, false) => AlpacaEnvironment::Live,
    };
    let key_id = f.get("key_id")?.to_owned();
    let secret_key = f.get("secret_key")?.to_owned();
    if key_id.is_empty() || secret_key.is_empty() {
        return Err(VendorError::InvalidInput(
            "enter both the key id and the secret key".into(),
        ));
    }
    let display_name = match input.label.trim() {
        "" => format!("{NAME} — {}", environment_name(&environment)),
        label => label.to_owned(),
    };
    let credential_label = format!("API key {}", super::credential::mask(&key_id));
    let mut secrets = Secrets::default();
    secrets.0.insert("key_id".into(), key_id);
    secrets.0.insert("secret_key".into(), secret_key);
    Ok(Prepared {
        config: serde_json::json!({ "environment": environment }),
        secrets: Some(secrets),
        display_name,
        credential_label,
    })
}

fn settings(config: &serde_json::Value) -> Result<AlpacaSettings, VendorError> {
    serde_json::from_value(config.clone())
        .map_err(|e| VendorError::Unreadable(format!("the Alpaca connection's settings: {e}")))
}

/// Alpaca's own addresses, or a custom URL's host (`AlpacaEnvironment::mode`).
fn mode(config: &serde_json::Value) -> TradingMode {
    settings(config)
        .map(|s| s.environment.mode())
        .unwrap_or(TradingMode::Live)
}

fn config_for(environment: &AlpacaEnvironment) -> AlpacaConfig {
    match environment {
        AlpacaEnvironment::Live => AlpacaConfig::live(),
        AlpacaEnvironment::Paper => AlpacaConfig::paper(),
        AlpacaEnvironment::Custom(url) => AlpacaConfig::local(url.trim_end_matches('/')),
    }
}

fn open(req: &OpenRequest<'_>) -> Result<Capabilities, VendorError> {
    let (config, secrets) = (req.config, req.secrets);
    let environment = settings(config)?.environment;
    // Never send the key in clear text or to a URL with a user name, whatever the list says
    // (a list from before these checks may hold one).
    if let AlpacaEnvironment::Custom(url) = &environment {
        check_server_url(url).map_err(VendorError::InvalidInput)?;
    }
    let secrets =
        secrets.ok_or_else(|| VendorError::Unreadable("the Alpaca key is missing".into()))?;
    let keys: AlpacaKeys = secrets.typed(NAME)?;
    let connector = AlpacaConnector::new(
        config_for(&environment),
        AlpacaCredential::api_key(keys.key_id.as_str(), keys.secret_key.as_str()),
    )?;
    Ok(capabilities(connector))
}

/// What an Alpaca connector offers (the local sandbox's too: it speaks Alpaca's API).
pub fn capabilities(connector: AlpacaConnector) -> Capabilities {
    let connector = Arc::new(connector);
    let probe = Arc::clone(&connector);
    Capabilities {
        portfolio: Some(connector.clone() as Arc<dyn Portfolio>),
        trading: Some(connector.clone() as Arc<dyn Trading>),
        market: Some(connector.clone() as Arc<dyn MarketData>),
        activity: Some(connector.clone() as Arc<dyn AccountActivity>),
        equity_history: Some(connector.clone() as Arc<dyn EquityHistory>),
        // Trade updates and quotes pushed: the local sandbox serves both streams like Alpaca.
        streams: Some(connector as Arc<dyn Streams>),
        latency: latency_of(move || probe.latency().map(|l| l.last)),
        ..Capabilities::default()
    }
}

/// Alpaca's OAuth tokens are valid for its Trading API (scope `trading`) and market data
/// (`data`) as a key pair is, so an OAuth connection reads, quotes and trades. They are for the
/// live API (Alpaca's docs: `env` picks paper at sign-in, which the preset does not ask for), so
/// its orders need the live arm. Streams are not opened over a token: polling covers it.
fn open_with_token(grant: &TokenGrant<'_>) -> Result<Capabilities, crate::ConnectorError> {
    let config = match grant.api_url {
        None => AlpacaConfig::live(),
        Some(url) => {
            check_server_url(url).map_err(crate::ConnectorError::Rejected)?;
            config_for(&AlpacaEnvironment::Custom(url.to_owned()))
        }
    };
    let connector = Arc::new(AlpacaConnector::new(
        config,
        AlpacaCredential::oauth(grant.token.expose_secret().to_owned()),
    )?);
    Ok(Capabilities {
        portfolio: Some(connector.clone() as Arc<dyn Portfolio>),
        trading: Some(connector.clone() as Arc<dyn Trading>),
        equity_history: Some(connector.clone() as Arc<dyn EquityHistory>),
        market: Some(connector as Arc<dyn MarketData>),
        ..Capabilities::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(pairs: &[(&str, &str)]) -> FormInput {
        FormInput {
            fields: Secrets(
                pairs
                    .iter()
                    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                    .collect(),
            ),
            sandbox: false,
            base_url: None,
            label: String::new(),
        }
    }

    #[test]
    fn the_mode_comes_from_the_server_and_a_remote_http_or_user_name_is_refused() {
        let keys = [("key_id", "PK1"), ("secret_key", "s")];
        let local = prepare(input(&[
            keys[0],
            keys[1],
            ("environment", "custom"),
            ("server_url", "http://127.0.0.1:8787/"),
        ]))
        .unwrap();
        assert_eq!(mode(&local.config), TradingMode::Paper);
        assert_eq!(local.display_name, "Alpaca — sandbox");
        let remote = prepare(input(&[
            keys[0],
            keys[1],
            ("environment", "custom"),
            ("server_url", "https://api.alpaca.markets"),
        ]))
        .unwrap();
        assert_eq!(mode(&remote.config), TradingMode::Live);
        for bad in ["http://example.com", "https://localhost@example.com"] {
            let err = prepare(input(&[
                keys[0],
                keys[1],
                ("environment", "custom"),
                ("server_url", bad),
            ]))
            .err()
            .expect("refused");
            assert!(matches!(err, VendorError::InvalidInput(_)), "{bad}: {err}");
        }
        // A list from before the checks: opening refuses it too.
        let stored =
            serde_json::json!({"environment": {"kind": "custom", "url": "http://example.com"}});
        assert!(
            open(&OpenRequest {
                connection: "c",
                config: &stored,
                secrets: None
            })
            .is_err()
        );
        assert_eq!(mode(&stored), TradingMode::Live);
        assert_eq!(mode(&serde_json::json!({"nonsense": 1})), TradingMode::Live);
    }
}
