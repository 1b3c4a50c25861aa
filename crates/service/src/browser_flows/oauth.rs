//! Connecting an institution by OAuth sign-in in the system browser, for every front: the app
//! starts a flow and finishes it with two commands, the CLI with `brokerdesk connect`. Which
//! presets exist is the vendors' descriptors' say (`OAuthSupport`), as is how a token reads.
//!
//! `oauth_start` binds the loopback listener, opens the browser and parks the flow under a
//! random id; `oauth_finish` waits for the redirect (the flow's timeout, 5 min by default),
//! seals the tokens in the vault as a record of the new connection, then saves the connection;
//! `oauth_cancel` drops the flow, which closes the port at once. Nothing is stored on any failure.
//!
//! **Client credentials rule.** None of the vendors has a public client id we could ship, so the
//! user registers their own OAuth app and stores it in the vault as one credential of that
//! vendor, kind `other` (or `aggregator_secret`), labelled `oauth client`, whose secret is JSON:
//! `{"client_id": "…", "client_secret": "…", "redirect_uri": "http://127.0.0.1:53682/callback"}`.
//! `client_secret` is needed only where the vendor demands one (Alpaca, PayPal, Stripe);
//! `redirect_uri` is the exact loopback URI registered with the vendor (every current preset
//! needs one, since none accepts an arbitrary port). E.g.
//! `brokerdesk vault put square "oauth client" --kind other`.
//!
//! A connection made this way works through [`OAuthConnection`], which asks its [`OAuthSession`]
//! for a token before every request: refreshed before expiry and after a 401, and a refused
//! refresh shows as `ConnectorError::NeedsSignIn`, i.e. the status "needs sign-in".

use super::oauth_connection::OAuthConnection;
use super::{BrowserFlows, FlowHost};
use crate::error::ServiceError;
use crate::oauth_tokens::VaultTokenStore;
use crate::registry::{ConnectionRecord, OAuthConfig, SignInKind};
use crate::vault_access::VaultAccess;
use brokerdesk_connectors::registry as vendors;
use brokerdesk_model::catalog;
use brokerdesk_model::vault::CredentialKind;
use brokerdesk_model::{ConnectionId, ConnectionSummary, ErrorCode, OAuthStarted, VendorId};
use brokerdesk_oauth::{
    BrowserOpener, FlowError, OAuthSession, ProviderConfig, RedirectPath, SignIn, TokenError,
    VendorPreset, check_browser_url, preset,
};
use brokerdesk_vault::{Action, CredentialId};
use chrono::Utc;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;
use tokio::sync::watch;
use zeroize::{Zeroize, ZeroizeOnDrop};

/// The label of the vault credential that holds the user's registered OAuth app.
pub const OAUTH_CLIENT_LABEL: &str = "oauth client";

/// A flow nobody finishes is dropped (port closed) this long after its own timeout.
const ABANDONED_GRACE: Duration = Duration::from_secs(30);

/// Settings that stand in for a vendor preset's: for tests against a local authorization
/// server, and for a vendor's sandbox. Unset fields keep the preset's (or the vault's) value.
#[derive(Clone, Debug, Default)]
pub struct OAuthOverrides {
    pub authorize_url: Option<String>,
    pub token_url: Option<String>,
    /// Used instead of the vault's `oauth client` credential (a public client then: no secret).
    pub client_id: Option<String>,
    pub scopes: Option<Vec<String>>,
    /// A fixed redirect path on any loopback port (servers that ignore the port, RFC 8252 §7.3).
    pub redirect_path: Option<String>,
    /// When set, the redirect must carry this `iss` (RFC 9207).
    pub issuer: Option<String>,
    /// How long `oauth_finish` waits for the browser (default 5 minutes).
    pub timeout: Option<Duration>,
    /// The vendor's API at a stand-in address on this computer (tests), kept with the
    /// connection.
    pub api_url: Option<String>,
}

/// The user's registered OAuth app, as sealed in the vault. Wiped when dropped.
#[derive(Deserialize, Zeroize, ZeroizeOnDrop)]
pub(super) struct StoredClient {
    pub(super) client_id: String,
    #[serde(default)]
    pub(super) client_secret: Option<String>,
    #[serde(default)]
    pub(super) redirect_uri: Option<String>,
}

/// The OAuth presets a user can connect: those a vendor's descriptor signs in with (its
/// sandbox's too), in the OAuth crate's order.
pub fn oauth_vendors() -> Vec<&'static str> {
    preset::PRESETS
        .iter()
        .filter(|p| vendors::by_oauth_preset(p.id).is_some())
        .map(|p| p.id)
        .collect()
}

pub(super) fn oauth_preset(vendor: &VendorId) -> Result<&'static VendorPreset, ServiceError> {
    let known = || oauth_vendors().join(", ");
    match (
        preset::preset(vendor.as_str()),
        vendors::by_oauth_preset(vendor.as_str()),
    ) {
        (Some(p), Some(_)) => Ok(p),
        _ => match catalog::institution(&vendors::catalog(), vendor.as_str()) {
            Some(i) => Err(ServiceError::InvalidInput(format!(
                "{} does not sign in with OAuth here; connect it from the Connect page (OAuth \
                 sign-in exists for {})",
                i.name,
                known()
            ))),
            None => Err(ServiceError::InvalidInput(format!(
                "no institution `{vendor}`; OAuth sign-in exists for {}",
                known()
            ))),
        },
    }
}

pub(super) fn register_hint(preset: &VendorPreset) -> String {
    let secret = if preset.client_secret_required {
        r#", "client_secret": "…""#
    } else {
        ""
    };
    format!(
        "{name} needs your own registered OAuth app. Register one with {name} (redirect URI \
         e.g. {SUGGESTED_REDIRECT_URI}), then enter its client id{secret_words} on the Connect \
         page under \"Your OAuth app\", or store it in the vault as a `{vendor}` credential of \
         kind `other` labelled `{OAUTH_CLIENT_LABEL}` whose secret is \
         {{\"client_id\": \"…\"{secret}, \"redirect_uri\": \"{SUGGESTED_REDIRECT_URI}\"}} \
         (brokerdesk vault put {vendor} \"{OAUTH_CLIENT_LABEL}\" --kind other).",
        name = preset.name,
        vendor = preset.id,
        secret_words = if preset.client_secret_required {
            " and secret"
        } else {
            ""
        },
    )
}

/// The vendor's `oauth client` credential, newest first when there are several.
pub(super) fn stored_client(
    vault: &VaultAccess,
    preset: &VendorPreset,
) -> Result<Option<StoredClient>, ServiceError> {
    let found = vault.with_store(|store| {
        let mut candidates: Vec<_> = store
            .list()?
            .into_iter()
            .filter(|c| {
                c.vendor.as_str() == preset.id
                    && matches!(
                        c.kind,
                        CredentialKind::Other | CredentialKind::AggregatorSecret
                    )
                    && c.label.trim().eq_ignore_ascii_case(OAUTH_CLIENT_LABEL)
            })
            .collect();
        candidates.sort_by_key(|c| std::cmp::Reverse(c.updated_at));
        match candidates.first() {
            Some(c) => store.get(c.id).map(Some),
            None => Ok(None),
        }
    })?;
    let Some(secret) = found else {
        return Ok(None);
    };
    let client: StoredClient = serde_json::from_str(secret.expose_secret()).map_err(|_| {
        ServiceError::InvalidInput(format!(
            "the `{OAUTH_CLIENT_LABEL}` credential of {} is not JSON with a client_id. {}",
            preset.name,
            register_hint(preset)
        ))
    })?;
    if client.client_id.trim().is_empty() {
        return Err(ServiceError::InvalidInput(register_hint(preset)));
    }
    Ok(Some(client))
}

/// The preset, the user's app from the vault, then the overrides, in that order.
fn provider_config(
    vault: &VaultAccess,
    preset: &VendorPreset,
    overrides: &OAuthOverrides,
) -> Result<ProviderConfig, ServiceError> {
    let stored = match &overrides.client_id {
        Some(_) => None,
        None => Some(
            stored_client(vault, preset)?
                .ok_or_else(|| ServiceError::InvalidInput(register_hint(preset)))?,
        ),
    };
    let client_id = match (&overrides.client_id, &stored) {
        (Some(id), _) => id.trim().to_owned(),
        (None, Some(s)) => s.client_id.trim().to_owned(),
        (None, None) => return Err(ServiceError::InvalidInput(register_hint(preset))),
    };
    let secret = stored
        .as_ref()
        .and_then(|s| s.client_secret.as_deref())
        .filter(|s| !s.is_empty())
        .map(SecretString::from);
    let invalid =
        |e: FlowError| ServiceError::InvalidInput(format!("{e}. {}", register_hint(preset)));
    let mut config = if overrides.client_id.is_some() {
        // A stand-in server's public client: the preset's rules but no secret demanded.
        let mut c = ProviderConfig::new(preset.authorize_url, preset.token_url, &client_id)
            .map_err(invalid)?;
        c.client_auth = preset.client_auth;
        c.token_body = preset.token_body;
        c.scopes = preset.scopes.iter().map(|s| (*s).to_owned()).collect();
        c
    } else {
        ProviderConfig::from_preset(preset, &client_id, secret).map_err(invalid)?
    };
    if let Some(uri) = stored.as_ref().and_then(|s| s.redirect_uri.as_deref()) {
        apply_redirect_uri(&mut config, uri)?;
    } else if !preset.loopback_any_port && overrides.redirect_path.is_none() {
        return Err(ServiceError::InvalidInput(format!(
            "{} accepts only the exact redirect URI registered with your app: add \
             \"redirect_uri\" to the `{OAUTH_CLIENT_LABEL}` credential. {}",
            preset.name,
            register_hint(preset)
        )));
    }
    let url = |what: &str, s: &str| {
        s.parse()
            .map_err(|_| ServiceError::InvalidInput(format!("bad {what} {s:?}")))
    };
    if let Some(u) = &overrides.authorize_url {
        config.authorize_url = url("authorize URL", u)?;
    }
    if let Some(u) = &overrides.token_url {
        config.token_url = url("token URL", u)?;
    }
    if let Some(scopes) = &overrides.scopes {
        config.scopes = scopes.clone();
    }
    if let Some(path) = &overrides.redirect_path {
        config.redirect.path = RedirectPath::Fixed(path.clone());
    }
    if let Some(issuer) = &overrides.issuer {
        config.issuer = Some(issuer.clone());
        config.require_issuer = true;
    }
    if let Some(timeout) = overrides.timeout {
        config.timeout = timeout;
    }
    config
        .validate()
        .map_err(|e| ServiceError::InvalidInput(e.to_string()))?;
    Ok(config)
}

/// The redirect URI to register with a vendor that accepts only an exact one.
pub(super) const SUGGESTED_REDIRECT_URI: &str = "http://127.0.0.1:53682/callback";

/// `http://127.0.0.1:PORT/path` (or `[::1]`), as registered with the vendor: its host, port
/// and path, or why not.
pub(super) fn parse_redirect_uri(
    uri: &str,
) -> Result<(brokerdesk_oauth::LoopbackHost, u16, String), ServiceError> {
    let bad = || {
        ServiceError::InvalidInput(format!(
            "redirect URI {uri:?} must be http://127.0.0.1:PORT/PATH or http://[::1]:PORT/PATH \
             (a loopback IP literal with a port)"
        ))
    };
    let url = url::Url::parse(uri.trim()).map_err(|_| bad())?;
    if url.scheme() != "http"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(bad());
    }
    let host = match url.host() {
        Some(url::Host::Ipv4(ip)) if ip.is_loopback() => brokerdesk_oauth::LoopbackHost::Ipv4,
        Some(url::Host::Ipv6(ip)) if ip.is_loopback() => brokerdesk_oauth::LoopbackHost::Ipv6,
        _ => return Err(bad()),
    };
    let port = url.port().ok_or_else(bad)?;
    Ok((host, port, url.path().to_owned()))
}

fn apply_redirect_uri(config: &mut ProviderConfig, uri: &str) -> Result<(), ServiceError> {
    let (host, port, path) = parse_redirect_uri(uri)?;
    config.redirect.host = host;
    config.redirect.port = port;
    config.redirect.path = RedirectPath::Fixed(path);
    Ok(())
}

enum Slot {
    Waiting(Box<SignIn>),
    Finishing,
    Cancelled,
}

/// One sign-in parked between start and finish.
struct PendingFlow {
    preset: &'static VendorPreset,
    client_id: String,
    token_url: String,
    uses_client_secret: bool,
    api_url: Option<String>,
    slot: Mutex<Slot>,
    cancelled: watch::Sender<bool>,
}

/// The flows started and not yet finished.
#[derive(Default)]
pub(super) struct Flows {
    pending: Mutex<HashMap<String, Arc<PendingFlow>>>,
}

impl Flows {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<PendingFlow>>> {
        // Plain data: a panic elsewhere cannot leave it half-written.
        self.pending.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn get(&self, id: &str) -> Result<Arc<PendingFlow>, ServiceError> {
        self.map().get(id).cloned().ok_or_else(|| {
            sign_in_error(
                ErrorCode::NotFound,
                format!(
                    "no sign-in in progress with id {id} (it finished, timed out or was cancelled)"
                ),
            )
        })
    }

    fn remove(&self, id: &str) -> Option<Arc<PendingFlow>> {
        self.map().remove(id)
    }

    /// How many flows are parked (tests: nothing is left behind).
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.map().len()
    }
}

impl PendingFlow {
    fn slot(&self) -> std::sync::MutexGuard<'_, Slot> {
        self.slot.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn sign_in_error(code: ErrorCode, message: String) -> ServiceError {
    ServiceError::SignIn { code, message }
}

fn cancelled() -> ServiceError {
    sign_in_error(
        ErrorCode::Rejected,
        "the sign-in was cancelled; nothing was stored".into(),
    )
}

/// What the UI can do about a failed sign-in, by cause.
fn flow_error(err: FlowError) -> ServiceError {
    let code = match &err {
        FlowError::Config(_) => ErrorCode::InvalidInput,
        FlowError::Authorization { .. }
        | FlowError::StateMismatch
        | FlowError::MalformedRedirect(_)
        | FlowError::MissingCode
        | FlowError::IssuerMismatch { .. }
        | FlowError::MissingIssuer
        | FlowError::Token(TokenError::Rejected { .. }) => ErrorCode::Rejected,
        FlowError::TimedOut(_) | FlowError::Bind { .. } | FlowError::Token(_) => {
            ErrorCode::Unavailable
        }
        FlowError::Browser(_) | FlowError::ListenerClosed | FlowError::Store(_) => {
            ErrorCode::Internal
        }
    };
    sign_in_error(code, format!("sign-in failed: {err}; nothing was stored"))
}

impl BrowserFlows {
    /// Starts an OAuth sign-in to a catalog vendor with its preset; see the module comment for
    /// where the client id comes from.
    pub(crate) async fn oauth_start(
        &self,
        host: &dyn FlowHost,
        vendor: &VendorId,
        overrides: &OAuthOverrides,
        opener: &dyn BrowserOpener,
    ) -> Result<OAuthStarted, ServiceError> {
        self.vault.authorize(Action::Read)?;
        let preset = oauth_preset(vendor)?;
        host.require_vault()?;
        self.vault.touch()?;
        let config = provider_config(&self.vault, preset, overrides)?;
        let (client_id, token_url, timeout, uses_client_secret) = (
            config.client_id.clone(),
            config.token_url.to_string(),
            config.timeout,
            config.client_secret.is_some(),
        );
        let sign_in = SignIn::start(config).await.map_err(flow_error)?;
        let authorize_url = sign_in.authorize_url().to_string();
        // If the browser cannot be opened the flow is dropped here, closing the port.
        check_browser_url(sign_in.authorize_url())
            .and_then(|()| opener.open(sign_in.authorize_url()))
            .map_err(|e| flow_error(FlowError::Browser(e.to_string())))?;
        let flow_id = uuid::Uuid::new_v4().simple().to_string();
        let flow = Arc::new(PendingFlow {
            preset,
            client_id,
            token_url,
            uses_client_secret,
            api_url: overrides.api_url.clone(),
            slot: Mutex::new(Slot::Waiting(Box::new(sign_in))),
            cancelled: watch::Sender::new(false),
        });
        self.oauth.map().insert(flow_id.clone(), flow);
        spawn_abandon(
            Arc::downgrade(&self.oauth),
            flow_id.clone(),
            timeout + ABANDONED_GRACE,
        );
        tracing::info!(vendor = %vendor, flow = %flow_id, "oauth sign-in started");
        Ok(OAuthStarted {
            flow_id,
            authorize_url,
        })
    }

    /// Waits for the browser; on success the tokens are in the vault, attached to a new
    /// connection, which is saved and returned.
    pub(crate) async fn oauth_finish(
        &self,
        host: &dyn FlowHost,
        flow_id: &str,
    ) -> Result<ConnectionSummary, ServiceError> {
        // One pair of finish/cancel commands for every browser flow: portals too.
        if self.portals.contains(flow_id) {
            return self.portal_finish(host, flow_id).await;
        }
        let flow = self.oauth.get(flow_id)?;
        let sign_in = {
            let mut slot = flow.slot();
            match std::mem::replace(&mut *slot, Slot::Finishing) {
                Slot::Waiting(sign_in) => sign_in,
                Slot::Finishing => {
                    return Err(sign_in_error(
                        ErrorCode::InvalidInput,
                        "this sign-in is already being finished".into(),
                    ));
                }
                Slot::Cancelled => {
                    *slot = Slot::Cancelled;
                    drop(slot);
                    self.oauth.remove(flow_id);
                    return Err(cancelled());
                }
            }
        };
        let result = self.finish_flow(host, &flow, *sign_in).await;
        self.oauth.remove(flow_id);
        result
    }

    async fn finish_flow(
        &self,
        host: &dyn FlowHost,
        flow: &PendingFlow,
        sign_in: SignIn,
    ) -> Result<ConnectionSummary, ServiceError> {
        // The vault may have locked while the user was in the browser.
        self.vault.authorize(Action::Read)?;
        host.require_vault()?;
        let vendor = VendorId::new(flow.preset.id);
        let id = ConnectionId::new(format!(
            "{}-{}",
            flow.preset.id,
            uuid::Uuid::new_v4().simple()
        ));
        let store =
            VaultTokenStore::new(self.vault.clone(), vendor.clone()).for_connection(id.clone());
        let mut cancel = flow.cancelled.subscribe();
        let outcome = tokio::select! {
            // Dropping the sign-in on cancel drops its listener, which closes the port.
            _ = cancel.wait_for(|c| *c) => Err(cancelled()),
            done = sign_in.finish(&store, id.as_str()) => done.map_err(flow_error),
        };
        outcome?;
        self.vault.touch()?;
        let credential = self.token_credential(&id)?;
        let record = ConnectionRecord {
            id: id.clone(),
            display_name: format!("{} (OAuth)", flow.preset.name),
            vendor,
            sign_in: SignInKind::OAuth,
            config: serde_json::to_value(OAuthConfig {
                client_id: flow.client_id.clone(),
                token_url: flow.token_url.clone(),
                uses_client_secret: flow.uses_client_secret,
                api_url: flow.api_url.clone(),
            })
            .map_err(|e| ServiceError::Internal(format!("encoding: {e}")))?,
            credential: None,
            created_at: Utc::now(),
        };
        tracing::info!(connection = %id, "oauth sign-in finished");
        host.save_record(record, Some(credential)).await
    }

    fn token_credential(&self, id: &ConnectionId) -> Result<CredentialId, ServiceError> {
        self.vault
            .with_store(|s| s.list())?
            .into_iter()
            .find(|c| c.connection.as_ref() == Some(id) && c.kind == CredentialKind::OauthToken)
            .map(|c| c.id)
            .ok_or_else(|| ServiceError::Internal("the tokens just stored are missing".into()))
    }

    /// Stops a sign-in: its port closes, and `oauth_finish` answers that it was cancelled.
    pub(crate) fn oauth_cancel(&self, flow_id: &str) -> Result<(), ServiceError> {
        if self.portals.contains(flow_id) {
            return self.portal_cancel(flow_id);
        }
        let flow = self.oauth.get(flow_id)?;
        // Dropping a waiting sign-in closes its port now. The entry stays as a tombstone, so a
        // later finish says "cancelled"; the finish (or the abandon timer) removes it.
        *flow.slot() = Slot::Cancelled;
        flow.cancelled.send_replace(true);
        tracing::info!(flow = %flow_id, "oauth sign-in cancelled");
        Ok(())
    }

    /// The session of a saved OAuth connection, read through its vendor's token opener.
    pub(crate) fn oauth_connection(
        &self,
        record: &ConnectionRecord,
    ) -> Result<OAuthConnection, ServiceError> {
        let provider = &record.vendor;
        let OAuthConfig {
            client_id,
            token_url,
            uses_client_secret,
            api_url,
        } = serde_json::from_value(record.config.clone()).map_err(|e| {
            ServiceError::Internal(format!("{}: the sign-in's settings: {e}", record.id))
        })?;
        let (client_id, token_url) = (client_id.as_str(), token_url.as_str());
        let preset = oauth_preset(provider)?;
        let overrides = OAuthOverrides {
            token_url: Some(token_url.to_owned()),
            client_id: Some(client_id.to_owned()),
            // Refreshing needs no redirect.
            redirect_path: Some("/".into()),
            ..OAuthOverrides::default()
        };
        let mut config = provider_config(&self.vault, preset, &overrides)?;
        if uses_client_secret {
            // Refreshes authenticate with the registered app's secret, kept in the vault.
            let stored = stored_client(&self.vault, preset)?
                .ok_or_else(|| ServiceError::InvalidInput(register_hint(preset)))?;
            config.client_secret = stored
                .client_secret
                .as_deref()
                .filter(|s| !s.is_empty())
                .map(SecretString::from);
        }
        let store = Arc::new(
            VaultTokenStore::new(self.vault.clone(), provider.clone())
                .for_connection(record.id.clone()),
        );
        let session = OAuthSession::new(record.id.as_str(), config, store)
            .map_err(|e| ServiceError::Config(e.to_string()))?;
        Ok(OAuthConnection::new(
            vendors::by_oauth_preset(preset.id).map(|(_, support)| support),
            Arc::new(session),
            api_url,
        ))
    }
}

/// Drops a flow nobody finished once its time is up, so its port does not stay open.
fn spawn_abandon(flows: Weak<Flows>, flow_id: String, after: Duration) {
    tokio::spawn(async move {
        tokio::time::sleep(after).await;
        let Some(flows) = flows.upgrade() else { return };
        let mut map = flows.map();
        let finishing = map
            .get(&flow_id)
            .is_some_and(|f| matches!(*f.slot(), Slot::Finishing));
        if !finishing {
            map.remove(&flow_id);
        }
    });
}
