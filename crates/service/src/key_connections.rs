//! Connections made with keys pasted from a vendor's dashboard: Stripe, Square and PayPal
//! (payment accounts, shown through [`PaymentPortfolio`]), SnapTrade (portfolio and trading)
//! and Plaid (portfolio). Alpaca's key form goes to [`BrokerageService::add_alpaca`].
//!
//! The form is `brokerdesk_model::key_fields`. Adding one: the fields are checked, the
//! vendor's connector is built and tried with one read, and only if the vendor accepts the
//! keys are they sealed in the vault, all fields as ONE JSON record, and the connection saved.
//! On unlock the connection is rebuilt from that record, like Alpaca's.
//!
//! Base URLs: the vendor's production or sandbox URL, unless `ServiceConfig::key_vendor_urls`
//! names another for the vendor (tests, proxies); the URL the keys were tried against is kept
//! in the connection's record so the rebuilt connector reaches the same place.

use crate::connection::{Connection, ConnectionParts, LatencyProbe};
use crate::error::ServiceError;
use crate::payment_portfolio::{PaymentAccounts, PaymentPortfolio};
use crate::registry::{ConnectionRecord, Endpoint, KeyEndpoint};
use crate::service::BrokerageService;
use brokerdesk_connectors::paypal::{PayPalConfig, PayPalConnector, PayPalCredential};
use brokerdesk_connectors::plaid::{
    PlaidConfig, PlaidConnector, PlaidCredential, PlaidEnvironment,
};
use brokerdesk_connectors::snaptrade::{
    SnapTradeConfig, SnapTradeConnector, SnapTradeCredential, SnapTradeUser,
};
use brokerdesk_connectors::square::{SquareConfig, SquareConnector, SquareCredential};
use brokerdesk_connectors::stripe::{StripeConfig, StripeConnector, StripeKey, StripeMode};
use brokerdesk_connectors::{ConnectorError, Payments, Portfolio, Trading};
use brokerdesk_model::key_fields::{check_fields, offers_sandbox};
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::{
    AlpacaEnvironment, ApiKeyConnectionArgs, ConnectionId, ConnectionSummary, KeyConnectionArgs,
    TradingMode, VendorId,
};
use brokerdesk_vault::{Action, CredentialId, NewCredential};
use chrono::Utc;
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use std::collections::BTreeMap;
use std::sync::Arc;
use zeroize::{Zeroize, Zeroizing};

/// The filled-in form, secret fields and all, as sealed in the vault. The non-secret fields
/// (client and user ids) travel with the secrets: each is useless without the other, and one
/// record rebuilds the connector. Values are wiped when it is dropped.
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct KeyFields(BTreeMap<String, String>);

impl Drop for KeyFields {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

impl KeyFields {
    /// A field the form requires (present after `check_fields`; an error, not a panic, if a
    /// stored record lacks it).
    fn get(&self, name: &str) -> Result<&str, ServiceError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| ServiceError::InvalidInput(format!("the {name} is missing")))
    }
}

/// A connection ready to use, and the one read that proves the keys work.
struct Keyed {
    parts: ConnectionParts,
    check: BoxFuture<'static, Result<(), ConnectorError>>,
    /// The aggregator's portal for linking more accounts (SnapTrade).
    portal: Option<Arc<dyn crate::portal_flows::AggregatorPortal>>,
    /// The aggregator's institution search (SnapTrade, Plaid).
    directory: Option<Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>>,
}

fn vendor_name(vendor: &str) -> &'static str {
    match vendor {
        "stripe" => "Stripe",
        "square" => "Square",
        "paypal" => "PayPal",
        "snaptrade" => "SnapTrade",
        "plaid" => "Plaid",
        _ => "the vendor",
    }
}

fn default_display_name(vendor: &str, sandbox: bool) -> String {
    let name = vendor_name(vendor);
    match (vendor, sandbox) {
        ("stripe", true) => format!("{name} — test mode"),
        (_, true) => format!("{name} — sandbox"),
        _ => name.to_owned(),
    }
}

/// How a record names the vendor of a key connection.
fn endpoint_for(vendor: &str) -> Result<fn(KeyEndpoint) -> Endpoint, ServiceError> {
    Ok(match vendor {
        "stripe" => Endpoint::Stripe,
        "square" => Endpoint::Square,
        "paypal" => Endpoint::Paypal,
        "snaptrade" => Endpoint::Snaptrade,
        "plaid" => Endpoint::Plaid,
        other => {
            return Err(ServiceError::InvalidInput(format!(
                "{other} does not connect with pasted keys"
            )));
        }
    })
}

fn latency<F>(f: F) -> Option<LatencyProbe>
where
    F: Fn() -> Option<std::time::Duration> + Send + Sync + 'static,
{
    Some(Arc::new(f))
}

fn payment_parts<P: PaymentAccounts + 'static>(
    base: PartsBase,
    connector: Arc<P>,
    latency: Option<LatencyProbe>,
) -> ConnectionParts {
    ConnectionParts {
        id: base.id,
        vendor: base.vendor,
        display_name: base.display_name,
        mode: base.mode,
        portfolio: Arc::new(PaymentPortfolio(connector)) as Arc<dyn Portfolio>,
        trading: None,
        market: None,
        streams: None,
        latency,
        keep: Vec::new(),
    }
}

struct PartsBase {
    id: ConnectionId,
    vendor: VendorId,
    display_name: String,
    mode: TradingMode,
}

/// Builds the vendor's connector from the form. `sandbox` picks the vendor's sandbox URL;
/// `base_url`, when set, replaces both.
fn connect(
    vendor: &str,
    base: PartsBase,
    sandbox: bool,
    base_url: Option<&str>,
    fields: &KeyFields,
) -> Result<Keyed, ServiceError> {
    let id = base.id.clone();
    let wrap = |source| ServiceError::Connector {
        connection: id.clone(),
        source,
    };
    match vendor {
        "stripe" => {
            let key = StripeKey::new(fields.get("secret_key")?).map_err(wrap)?;
            let mut config = StripeConfig::new(
                base_url.unwrap_or(brokerdesk_connectors::stripe::config::API_URL),
            );
            if let Some(account) = fields.0.get("account_id") {
                config = config.for_connect_account(account).map_err(wrap)?;
            }
            let c = Arc::new(StripeConnector::new(config, key).map_err(wrap)?);
            let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
            Ok(Keyed {
                portal: None,
                directory: None,
                check: Box::pin(
                    async move { read.payment_balances(read.account()).await.map(|_| ()) },
                ),
                parts: payment_parts(base, c, latency(move || probe.latency().map(|l| l.last))),
            })
        }
        "square" => {
            let config = match (base_url, sandbox) {
                (Some(url), _) => SquareConfig::new(url),
                (None, true) => SquareConfig::sandbox(),
                (None, false) => SquareConfig::production(),
            };
            let credential = SquareCredential::access_token(fields.get("access_token")?);
            let c = Arc::new(SquareConnector::new(config, credential).map_err(wrap)?);
            let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
            Ok(Keyed {
                portal: None,
                directory: None,
                // The locations: Square has no balance to read (see `BALANCES_UNAVAILABLE`).
                check: Box::pin(async move { read.accounts().await.map(|_| ()) }),
                parts: payment_parts(base, c, latency(move || probe.latency().map(|l| l.last))),
            })
        }
        "paypal" => {
            let config = match (base_url, sandbox) {
                (Some(url), _) => PayPalConfig::new(url),
                (None, true) => PayPalConfig::sandbox(),
                (None, false) => PayPalConfig::live(),
            };
            let credential = PayPalCredential::client_credentials(
                fields.get("client_id")?,
                fields.get("client_secret")?,
            );
            let c = Arc::new(PayPalConnector::new(config, credential).map_err(wrap)?);
            let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
            Ok(Keyed {
                portal: None,
                directory: None,
                // A token, then the balances (which name the account).
                check: Box::pin(async move { read.accounts().await.map(|_| ()) }),
                parts: payment_parts(base, c, latency(move || probe.latency().map(|l| l.last))),
            })
        }
        "snaptrade" => {
            let config = SnapTradeConfig::new(
                base_url.unwrap_or(brokerdesk_connectors::snaptrade::config::API_URL),
            );
            let credential =
                SnapTradeCredential::new(fields.get("client_id")?, fields.get("consumer_key")?);
            let user = SnapTradeUser::new(fields.get("user_id")?, fields.get("user_secret")?);
            let c = Arc::new(
                SnapTradeConnector::new(config, credential)
                    .map_err(wrap)?
                    .with_user(user),
            );
            let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
            Ok(Keyed {
                portal: Some(c.clone() as Arc<dyn crate::portal_flows::AggregatorPortal>),
                directory: Some(
                    c.clone() as Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>
                ),
                check: Box::pin(async move { read.accounts().await.map(|_| ()) }),
                parts: ConnectionParts {
                    id: base.id,
                    vendor: base.vendor,
                    display_name: base.display_name,
                    mode: base.mode,
                    portfolio: c.clone() as Arc<dyn Portfolio>,
                    trading: Some(c as Arc<dyn Trading>),
                    market: None,
                    streams: None,
                    latency: latency(move || probe.latency().map(|l| l.last)),
                    keep: Vec::new(),
                },
            })
        }
        "plaid" => {
            let environment = match (base_url, sandbox) {
                (Some(url), _) => PlaidEnvironment::Custom(url.to_owned()),
                (None, true) => PlaidEnvironment::Sandbox,
                (None, false) => PlaidEnvironment::Production,
            };
            let credential = PlaidCredential::new(fields.get("client_id")?, fields.get("secret")?);
            let mut plaid =
                PlaidConnector::new(PlaidConfig::new(environment), credential).map_err(wrap)?;
            // Without an Item yet (no access token), the keys are checked with a directory
            // search, and "Link accounts" (Hosted Link) adds the Item.
            let linked = fields.0.get("access_token").filter(|t| !t.is_empty());
            if let Some(token) = linked {
                plaid = plaid.with_access_token(SecretString::from(token.as_str()));
            }
            let has_item = linked.is_some();
            let c = Arc::new(plaid);
            let (probe, read) = (Arc::clone(&c), Arc::clone(&c));
            Ok(Keyed {
                portal: Some(Arc::new(crate::portal_flows::PlaidPortal::new(
                    Arc::clone(&c),
                    base.id.to_string(),
                ))),
                directory: Some(
                    c.clone() as Arc<dyn brokerdesk_connectors::directory::InstitutionDirectory>
                ),
                check: Box::pin(async move {
                    if has_item {
                        read.accounts().await.map(|_| ())
                    } else {
                        use brokerdesk_connectors::directory::InstitutionDirectory;
                        read.search_institutions("bank").await.map(|_| ())
                    }
                }),
                parts: ConnectionParts {
                    id: base.id,
                    vendor: base.vendor,
                    display_name: base.display_name,
                    mode: base.mode,
                    portfolio: c as Arc<dyn Portfolio>,
                    trading: None,
                    market: None,
                    streams: None,
                    latency: latency(move || probe.latency().map(|l| l.last)),
                    keep: Vec::new(),
                },
            })
        }
        other => Err(ServiceError::InvalidInput(format!(
            "{other} does not connect with pasted keys"
        ))),
    }
}

/// Rebuilds a key connection from its record and its vault record (on unlock, after a change).
pub(crate) fn build(
    service: &BrokerageService,
    record: &ConnectionRecord,
    key: &KeyEndpoint,
) -> Result<Connection, ServiceError> {
    let id: CredentialId = key
        .credential
        .parse()
        .map_err(|why: String| ServiceError::Internal(why))?;
    let secret = service.inner.vault.with_store(|s| s.get(id))?;
    let vendor = record.vendor();
    let fields: KeyFields = serde_json::from_str(secret.expose_secret()).map_err(|_| {
        ServiceError::Internal(format!(
            "the stored {} keys are unreadable",
            vendor_name(vendor.as_str())
        ))
    })?;
    let base = PartsBase {
        id: record.id.clone(),
        vendor: vendor.clone(),
        display_name: record.display_name.clone(),
        mode: record.mode(),
    };
    let keyed = connect(
        vendor.as_str(),
        base,
        key.sandbox,
        key.base_url.as_deref(),
        &fields,
    )?;
    Ok(Connection::new(keyed.parts)
        .with_portal(keyed.portal)
        .with_directory(keyed.directory))
}

/// What the vault's credential list shows for these keys: the vendor and, where there is
/// one, the last characters of the non-secret id; never any part of a secret.
fn credential_label(vendor: &str, fields: &KeyFields) -> String {
    let name = vendor_name(vendor);
    match fields
        .0
        .get("client_id")
        .or_else(|| fields.0.get("account_id"))
    {
        Some(id) => format!(
            "{name} keys ({})",
            brokerdesk_connectors::alpaca::credential::mask(id)
        ),
        None => format!("{name} keys"),
    }
}

impl BrokerageService {
    /// Adds a connection by keys pasted from the vendor's dashboard. The keys are tried against
    /// the vendor first (one read); nothing is stored unless the vendor accepts them. Alpaca's
    /// form is handled by [`Self::add_alpaca`] (sandbox: Alpaca's paper environment).
    pub async fn add_key_connection(
        &self,
        args: KeyConnectionArgs,
    ) -> Result<ConnectionSummary, ServiceError> {
        let KeyConnectionArgs {
            vendor,
            fields: mut raw,
            sandbox,
            label,
        } = args;
        let checked = check_fields(vendor.as_str(), &raw).map_err(ServiceError::InvalidInput);
        // The typed values leave memory whatever happens next; `checked` holds the copies.
        for value in raw.values_mut() {
            value.zeroize();
        }
        let fields = KeyFields(checked?);
        let vendor_id = vendor.as_str();
        let base_url = self.inner.config.key_vendor_urls.get(vendor_id).cloned();

        if vendor_id == "alpaca" {
            let environment = match (base_url, sandbox) {
                (Some(url), _) => AlpacaEnvironment::Custom(url),
                (None, true) => AlpacaEnvironment::Paper,
                (None, false) => AlpacaEnvironment::Live,
            };
            return self
                .add_alpaca(ApiKeyConnectionArgs {
                    environment,
                    key_id: fields.get("key_id")?.to_owned(),
                    secret_key: fields.get("secret_key")?.to_owned(),
                    label,
                })
                .await;
        }

        self.inner.vault.authorize(Action::Read)?;
        self.require_vault()?;
        self.inner.vault.touch()?;

        let sandbox = if vendor_id == "stripe" {
            // Stripe's sandbox is its test mode, and the key says which it is.
            let test = StripeKey::new(fields.get("secret_key")?)
                .map_err(|source| ServiceError::Connector {
                    connection: ConnectionId::new(vendor_id),
                    source,
                })?
                .mode()
                == StripeMode::Test;
            if sandbox && !test {
                return Err(ServiceError::InvalidInput(
                    "this is a live-mode Stripe key; use a test-mode key (sk_test_… or \
                     rk_test_…) for the sandbox"
                        .into(),
                ));
            }
            test
        } else if sandbox && !offers_sandbox(vendor_id) {
            return Err(ServiceError::InvalidInput(format!(
                "{} has no separate sandbox; connect your paper brokerage account through it \
                 instead",
                vendor_name(vendor_id)
            )));
        } else {
            sandbox
        };

        let endpoint = endpoint_for(vendor_id)?;
        let id = ConnectionId::new(format!("{vendor_id}-{}", uuid::Uuid::new_v4().simple()));
        let mut fields = fields;
        if vendor_id == "snaptrade" {
            register_snaptrade_user(&mut fields, base_url.as_deref(), &id).await?;
        }
        let display_name = if label.trim().is_empty() {
            default_display_name(vendor_id, sandbox)
        } else {
            label.trim().to_owned()
        };
        let base = PartsBase {
            id: id.clone(),
            vendor: vendor.clone(),
            display_name: display_name.clone(),
            mode: crate::registry::key_mode(sandbox, base_url.as_deref()),
        };
        // Errors name the vendor, not the connection id: that connection does not exist yet.
        let keyed = connect(vendor_id, base, sandbox, base_url.as_deref(), &fields).map_err(
            |err| match err {
                ServiceError::Connector { source, .. } => ServiceError::Connector {
                    connection: ConnectionId::new(vendor_id),
                    source,
                },
                other => other,
            },
        )?;
        // The vendor's word on the keys, before anything is stored.
        keyed
            .check
            .await
            .map_err(|source| ServiceError::Connector {
                connection: ConnectionId::new(vendor_id),
                source: refused(vendor_id, source),
            })?;
        drop(keyed.parts);

        let secret = Zeroizing::new(
            serde_json::to_string(&fields)
                .map_err(|e| ServiceError::Internal(format!("encoding: {e}")))?,
        );
        let meta = self.inner.vault.with_store(|s| {
            s.put(NewCredential {
                vendor: vendor.clone(),
                connection: Some(id.clone()),
                label: credential_label(vendor_id, &fields),
                kind: CredentialKind::ApiSecret,
                expires_at: None,
                secret: SecretString::from(secret.as_str()),
            })
        })?;
        let record = ConnectionRecord {
            id,
            display_name,
            endpoint: endpoint(KeyEndpoint {
                sandbox,
                credential: meta.id.to_string(),
                base_url,
            }),
            created_at: Utc::now(),
        };
        self.save_record(record, meta.id).await
    }
}

/// A refusal of the keys, said as one: "Stripe did not accept these keys: …".
fn refused(vendor: &str, err: ConnectorError) -> ConnectorError {
    match err {
        // PayPal's connector already says who refused what.
        ConnectorError::NeedsSignIn(why) if !why.contains(vendor_name(vendor)) => {
            ConnectorError::NeedsSignIn(format!(
                "{} did not accept these keys: {why}",
                vendor_name(vendor)
            ))
        }
        other => other,
    }
}

/// The vault record holding a key connection's fields.
pub(crate) fn credential_of(
    service: &BrokerageService,
    connection: &ConnectionId,
) -> Result<CredentialId, ServiceError> {
    let records = service.inner.registry.load()?;
    let record = records
        .iter()
        .find(|r| &r.id == connection)
        .ok_or_else(|| ServiceError::UnknownConnection(connection.clone()))?;
    let key = match &record.endpoint {
        Endpoint::Stripe(k)
        | Endpoint::Square(k)
        | Endpoint::Paypal(k)
        | Endpoint::Snaptrade(k)
        | Endpoint::Plaid(k) => k,
        _ => {
            return Err(ServiceError::InvalidInput(format!(
                "{connection} is not a key connection"
            )));
        }
    };
    key.credential
        .parse()
        .map_err(|why: String| ServiceError::Internal(why))
}

/// A SnapTrade connection without a user gets a new one registered under the user's client
/// id; its secret (shown by SnapTrade only once) joins the fields sealed in the vault. Both
/// user fields or neither: half a user is refused.
async fn register_snaptrade_user(
    fields: &mut KeyFields,
    base_url: Option<&str>,
    id: &ConnectionId,
) -> Result<(), ServiceError> {
    match (
        fields.0.contains_key("user_id"),
        fields.0.contains_key("user_secret"),
    ) {
        (true, true) => return Ok(()),
        (false, false) => {}
        _ => {
            return Err(ServiceError::InvalidInput(
                "give both the SnapTrade user ID and its secret, or neither to register a new user"
                    .into(),
            ));
        }
    }
    let config =
        SnapTradeConfig::new(base_url.unwrap_or(brokerdesk_connectors::snaptrade::config::API_URL));
    let credential =
        SnapTradeCredential::new(fields.get("client_id")?, fields.get("consumer_key")?);
    let snaptrade =
        SnapTradeConnector::new(config, credential).map_err(|source| ServiceError::Connector {
            connection: id.clone(),
            source,
        })?;
    // Our id for the user at SnapTrade: random, nothing personal.
    let user = snaptrade
        .register_user(&format!("brokerdesk-{}", uuid::Uuid::new_v4().simple()))
        .await
        .map_err(|source| ServiceError::Connector {
            connection: id.clone(),
            source,
        })?;
    fields.0.insert("user_id".into(), user.user_id);
    fields.0.insert(
        "user_secret".into(),
        user.user_secret.expose_secret().to_owned(),
    );
    Ok(())
}
