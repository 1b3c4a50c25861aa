//! What a vendor is to the rest of Brokerdesk: one [`VendorDescriptor`] per vendor folder,
//! listed once in [`crate::registry`]. The service connects, rebuilds and signs in through
//! descriptors only; it never matches on a vendor's name.
//!
//! A descriptor says what the vendor is (its catalog entries), how one connects to it (its
//! form, OAuth presets, portal) and opens a connection from the vendor's own typed config (as
//! JSON in `connections.json`) and its secrets (one vault record, JSON) into [`Capabilities`]:
//! what the connection offers, each an `Option` so a capability not declared is absent, never
//! an error.

use crate::directory::InstitutionDirectory;
use crate::{AccountActivity, ConnectorError, MarketData, Payments, Portfolio, Streams, Trading};
use async_trait::async_trait;
use brokerdesk_model::catalog::{Aggregator, Institution};
use brokerdesk_model::connection::{check_server_url, is_loopback};
use brokerdesk_model::key_fields::KeyForm;
use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::{AccountId, TradingMode};
use futures::future::BoxFuture;
use secrecy::SecretString;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use zeroize::Zeroize;

/// The request latency the connector measured (the shared HTTP policy's figure).
pub type LatencyProbe = Arc<dyn Fn() -> Option<Duration> + Send + Sync>;

/// One cheap read that proves the keys work, asked before anything is stored.
pub type Check = Arc<dyn Fn() -> BoxFuture<'static, Result<(), ConnectorError>> + Send + Sync>;

/// A connector whose accounts differ in mode (a gateway listing paper and live accounts) says
/// which is which; the service never guesses from a vendor's name.
#[async_trait]
pub trait AccountModes: Send + Sync {
    async fn account_mode(&self, account: &AccountId) -> Result<TradingMode, ConnectorError>;
}

/// An aggregator's portal for linking more accounts, opened in the system browser.
#[async_trait]
pub trait AggregatorPortal: Send + Sync {
    /// The portal's address, linking accounts for `purpose` (one of the descriptor's
    /// `link_purposes`); when the user is done it sends the browser to `back_to`.
    async fn portal_url(
        &self,
        back_to: &url::Url,
        purpose: LinkPurpose,
    ) -> Result<url::Url, ConnectorError>;

    /// The portal opened on one institution of the aggregator's directory (its id as the
    /// directory gave it), where the aggregator can preselect one, for what that institution
    /// offers; else the plain portal for its first purpose.
    async fn portal_url_for(
        &self,
        back_to: &url::Url,
        institution: &str,
    ) -> Result<url::Url, ConnectorError>;

    /// Called once the browser is back: a secret to seal into the connection's vault record
    /// (e.g. the access token of the Item just linked), if the portal produced one.
    async fn completed(&self) -> Result<Option<PortalSecret>, ConnectorError> {
        Ok(None)
    }
}

/// What a finished portal visit adds to the connection's vault record.
pub enum PortalSecret {
    /// Sets `field`, replacing what it held.
    Set { field: String, secret: SecretString },
    /// One more value of a repeated field (one per linked login): stored under `field` when
    /// free, else the first free `field.2`, `field.3`…; never replaces one
    /// ([`Secrets::repeated`] reads them all back).
    Add { field: String, secret: SecretString },
}

/// The record key of the `n`th value (from 1) of a repeated field.
pub fn repeated_key(field: &str, n: usize) -> String {
    if n <= 1 {
        field.to_owned()
    } else {
        format!("{field}.{n}")
    }
}

/// The payment accounts a credential reads. `Payments` has no list of its own: each vendor
/// names its accounts differently.
#[async_trait]
pub trait PaymentAccounts: Payments {
    async fn payment_accounts(&self) -> Result<Vec<AccountId>, ConnectorError>;
}

/// What an open connection offers. A plain struct of optional parts: adding a capability is
/// adding a field.
#[derive(Default)]
pub struct Capabilities {
    pub portfolio: Option<Arc<dyn Portfolio>>,
    pub trading: Option<Arc<dyn Trading>>,
    pub market: Option<Arc<dyn MarketData>>,
    /// Order updates and quotes pushed by the vendor; where present, the service listens
    /// instead of polling.
    pub streams: Option<Arc<dyn Streams>>,
    pub payments: Option<Arc<dyn PaymentAccounts>>,
    /// The accounts' money movements (the Activity page).
    pub activity: Option<Arc<dyn AccountActivity>>,
    /// Balances billed per live read, read live on a schedule and on request.
    pub billed_balances: Option<Arc<dyn crate::BilledBalances>>,
    /// Past equity, read once per account to start the net worth chart before the app.
    pub equity_history: Option<Arc<dyn crate::capability::EquityHistory>>,
    pub portal: Option<Arc<dyn AggregatorPortal>>,
    pub directory: Option<Arc<dyn InstitutionDirectory>>,
    pub account_modes: Option<Arc<dyn AccountModes>>,
    pub latency: Option<LatencyProbe>,
    /// The read that proves the keys when the connection is added; `None` reads the accounts.
    pub check: Option<Check>,
    /// Whatever must live as long as the connection (keep-alive tasks, a local server).
    pub keep: Vec<Box<dyn std::any::Any + Send + Sync>>,
}

impl Capabilities {
    /// The one read that proves the keys: the vendor's own check, else the account list.
    pub async fn check(&self) -> Result<(), ConnectorError> {
        match (&self.check, &self.portfolio) {
            (Some(check), _) => check().await,
            (None, Some(portfolio)) => portfolio.accounts().await.map(|_| ()),
            (None, None) => Ok(()),
        }
    }
}

/// Stops a background task when its connection goes away.
pub struct AbortOnDrop(pub tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Why a descriptor could not prepare or open a connection.
#[derive(Debug, thiserror::Error)]
pub enum VendorError {
    /// Something the user typed (or a stored config) is not acceptable; said for the user.
    #[error("{0}")]
    InvalidInput(String),
    /// The stored config or secret cannot be read (never quotes the secret).
    #[error("{0}")]
    Unreadable(String),
    #[error(transparent)]
    Connector(#[from] ConnectorError),
}

/// A form's checked values, secret and not, as one vault record. Wiped when dropped.
#[derive(Default, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct Secrets(pub BTreeMap<String, String>);

impl Drop for Secrets {
    fn drop(&mut self) {
        for value in self.0.values_mut() {
            value.zeroize();
        }
    }
}

impl Secrets {
    /// A field the form requires (present after `check_fields`; an error, not a panic, if a
    /// stored record lacks it).
    pub fn get(&self, name: &str) -> Result<&str, VendorError> {
        self.0
            .get(name)
            .map(String::as_str)
            .ok_or_else(|| VendorError::InvalidInput(format!("the {name} is missing")))
    }

    pub fn optional(&self, name: &str) -> Option<&str> {
        self.0
            .get(name)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }

    /// Every value of a repeated field ([`PortalSecret::Add`]): `field`, `field.2`, `field.3`…
    /// in that order, skipping empty ones. A record written before the field repeated (one
    /// value under `field`) reads as a list of one.
    pub fn repeated(&self, field: &str) -> Vec<&str> {
        let mut numbered: Vec<(usize, &str)> = self
            .0
            .iter()
            .filter(|(_, v)| !v.is_empty())
            .filter_map(|(k, v)| {
                if k == field {
                    Some((1, v.as_str()))
                } else {
                    let n = k.strip_prefix(field)?.strip_prefix('.')?.parse().ok()?;
                    (n > 1).then_some((n, v.as_str()))
                }
            })
            .collect();
        numbered.sort_by_key(|(n, _)| *n);
        numbered.into_iter().map(|(_, v)| v).collect()
    }

    /// Reads the sealed record; `vendor` names whose keys it was, for the error.
    pub fn parse(json: &str, vendor: &str) -> Result<Self, VendorError> {
        serde_json::from_str(json).map_err(|_| {
            VendorError::Unreadable(format!("the stored {vendor} keys are unreadable"))
        })
    }

    /// A typed view of the record (each vendor's own struct of keys; make it `ZeroizeOnDrop`).
    /// The JSON in between is wiped too.
    pub fn typed<T: serde::de::DeserializeOwned>(&self, vendor: &str) -> Result<T, VendorError> {
        let unreadable =
            || VendorError::Unreadable(format!("the stored {vendor} keys are unreadable"));
        let json =
            zeroize::Zeroizing::new(serde_json::to_string(&self.0).map_err(|_| unreadable())?);
        serde_json::from_str(&json).map_err(|_| unreadable())
    }
}

/// What the user filled in, checked against the vendor's form.
pub struct FormInput {
    pub fields: Secrets,
    /// The "use the sandbox" switch (only for vendors whose form has one).
    pub sandbox: bool,
    /// Set only when the service was configured to reach the vendor elsewhere (tests, a
    /// proxy): replaces the vendor's own URL.
    pub base_url: Option<String>,
    /// What the user calls it; empty for the vendor's default name.
    pub label: String,
}

/// A connection ready to be tried and saved: the vendor's typed config (as JSON, saved in
/// `connections.json`) and the secrets to seal in the vault (none for a gateway).
pub struct Prepared {
    pub config: serde_json::Value,
    pub secrets: Option<Secrets>,
    pub display_name: String,
    /// What the vault's credential list shows: never any part of a secret.
    pub credential_label: String,
}

/// A saved connection to open.
pub struct OpenRequest<'a> {
    /// The connection's id (a stable, non-personal id the vendor may need for its user).
    pub connection: &'a str,
    /// The vendor's own settings, as its `prepare` made them.
    pub config: &'a serde_json::Value,
    /// The connection's vault record, if it has one.
    pub secrets: Option<&'a Secrets>,
}

/// What an OAuth access token is used against.
pub struct TokenGrant<'a> {
    pub token: &'a SecretString,
    /// The vendor's API at another address than its own (a stand-in on this computer, in
    /// tests); `None` is the vendor's own.
    pub api_url: Option<&'a str>,
}

/// Opens a vendor with an OAuth access token. Pure: builds clients, sends nothing.
pub type TokenOpener = fn(&TokenGrant<'_>) -> Result<Capabilities, ConnectorError>;

/// A descriptor's `prepare`: the checked form to a connection ready to try.
pub type PrepareFn = fn(FormInput) -> BoxFuture<'static, Result<Prepared, VendorError>>;

/// How the vendor takes OAuth tokens, where it signs in with OAuth.
pub struct OAuthSupport {
    /// The `brokerdesk_oauth::preset` ids that sign in to this vendor (its sandbox too).
    pub presets: &'static [&'static str],
    /// Opens the vendor with an access token; `None` when the service cannot read it with one
    /// yet (the sign-in is then only proven alive).
    pub open: Option<TokenOpener>,
    /// What `open` offers besides the portfolio, known before any token exists (the
    /// connection's shape is fixed when it opens; the token is fetched per request).
    pub offers: OAuthOffers,
}

/// The capabilities an OAuth connection has beyond reading its portfolio.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OAuthOffers {
    pub trading: bool,
    pub quotes: bool,
}

/// Everything the rest of Brokerdesk knows about one vendor.
pub struct VendorDescriptor {
    /// The vendor id of its connections and vault records.
    pub id: &'static str,
    pub name: &'static str,
    /// Set when other institutions are reached through this vendor's portal.
    pub aggregator: Option<Aggregator>,
    /// What its portal links, the first being the default (empty without a portal).
    pub link_purposes: &'static [LinkPurpose],
    /// Its catalog entries (its own, and for an aggregator none of the institutions it
    /// reaches: those are in the registry's list of aggregated institutions).
    pub catalog: fn() -> Vec<Institution>,
    /// The form it connects with (`None`: it does not connect by a form).
    pub form: Option<fn() -> KeyForm>,
    /// From the checked form to a config and secrets (may ask the vendor, e.g. to register a
    /// user). Absent with `form`.
    pub prepare: Option<PrepareFn>,
    /// The connection's mode, from its saved config alone: a config that does not parse is
    /// live, the safe side.
    pub mode: fn(&serde_json::Value) -> TradingMode,
    /// Opens a connection from its saved config and its vault record.
    pub open: fn(&OpenRequest<'_>) -> Result<Capabilities, VendorError>,
    pub oauth: Option<OAuthSupport>,
}

impl std::fmt::Debug for VendorDescriptor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VendorDescriptor")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// The config of a vendor connected by pasted keys: its sandbox or production, or a URL set
/// in code (tests, a proxy).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct KeyConfig {
    /// The vendor's sandbox or test mode.
    pub sandbox: bool,
    #[serde(default)]
    pub base_url: Option<String>,
}

impl KeyConfig {
    /// Paper for the vendor's own sandbox (no `base_url`), or for a stand-in server on this
    /// computer; a sandbox flag next to any other URL proves nothing.
    pub fn mode(&self) -> TradingMode {
        let own_or_local = self
            .base_url
            .as_deref()
            .is_none_or(|url| check_server_url(url).is_ok_and(|u| is_loopback(&u)));
        if self.sandbox && own_or_local {
            TradingMode::Paper
        } else {
            TradingMode::Live
        }
    }

    /// The mode of a saved config (unreadable: live).
    pub fn mode_of(config: &serde_json::Value) -> TradingMode {
        serde_json::from_value::<KeyConfig>(config.clone())
            .map(|c| c.mode())
            .unwrap_or(TradingMode::Live)
    }

    pub fn parse(config: &serde_json::Value) -> Result<Self, VendorError> {
        serde_json::from_value(config.clone())
            .map_err(|e| VendorError::Unreadable(format!("the connection's settings: {e}")))
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({ "sandbox": self.sandbox, "base_url": self.base_url })
    }
}

/// The default name of a key connection.
pub fn default_name(name: &str, sandbox: bool, label: &str) -> String {
    match (label.trim(), sandbox) {
        ("", true) => format!("{name} — sandbox"),
        ("", false) => name.to_owned(),
        (label, _) => label.to_owned(),
    }
}

/// The last four characters of a non-secret id, for labels.
pub fn mask(id: &str) -> String {
    crate::alpaca::credential::mask(id)
}

/// A credential label: the vendor and, where there is one, the masked non-secret id.
pub fn keys_label(name: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("{name} keys ({})", mask(id)),
        None => format!("{name} keys"),
    }
}

/// A latency probe over a connector's HTTP policy.
pub fn latency_of<F>(f: F) -> Option<LatencyProbe>
where
    F: Fn() -> Option<Duration> + Send + Sync + 'static,
{
    Some(Arc::new(f))
}

/// Refusing a sandbox the vendor does not have.
pub fn no_sandbox(name: &str) -> VendorError {
    VendorError::InvalidInput(format!(
        "{name} has no separate sandbox; connect your paper brokerage account through it instead"
    ))
}

/// A refusal of the keys, said as one: "<vendor> did not accept these keys: …".
pub fn refused(name: &str, err: ConnectorError) -> ConnectorError {
    match err {
        ConnectorError::NeedsSignIn(why) if !why.contains(name) => {
            ConnectorError::NeedsSignIn(format!("{name} did not accept these keys: {why}"))
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repeated_field_reads_every_value_in_order_and_an_old_record_as_one() {
        let old = Secrets([("access_token".to_owned(), "a".to_owned())].into());
        assert_eq!(old.repeated("access_token"), ["a"]);
        let many = Secrets(
            [
                ("access_token.10", "j"),
                ("access_token", "a"),
                ("access_token.2", "b"),
                ("access_token.x", "no"),
                ("access_tokens", "no"),
                ("access_token.3", ""),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        );
        assert_eq!(many.repeated("access_token"), ["a", "b", "j"]);
        assert_eq!(repeated_key("access_token", 1), "access_token");
        assert_eq!(repeated_key("access_token", 3), "access_token.3");
    }

    fn mode(sandbox: bool, base_url: Option<&str>) -> TradingMode {
        KeyConfig {
            sandbox,
            base_url: base_url.map(str::to_owned),
        }
        .mode()
    }

    #[test]
    fn a_sandbox_flag_is_paper_only_with_the_vendors_own_or_a_local_url() {
        assert_eq!(mode(true, None), TradingMode::Paper);
        assert_eq!(mode(true, Some("http://127.0.0.1:9")), TradingMode::Paper);
        assert_eq!(
            mode(true, Some("https://api.stripe.com")),
            TradingMode::Live
        );
        assert_eq!(
            mode(true, Some("http://localhost@evil.com")),
            TradingMode::Live
        );
        assert_eq!(mode(false, None), TradingMode::Live);
        assert_eq!(mode(false, Some("http://127.0.0.1:9")), TradingMode::Live);
        assert_eq!(
            KeyConfig::mode_of(&serde_json::json!({"sandbox": "yes"})),
            TradingMode::Live,
            "an unreadable config is live"
        );
    }
}
