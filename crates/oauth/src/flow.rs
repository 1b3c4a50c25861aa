//! One sign-in: authorize URL with PKCE S256 and state, wait for the redirect on the loopback
//! listener, check it, exchange the code, store the tokens, answer the browser.

use crate::browser::{BrowserOpener, check_browser_url};
use crate::config::{ProviderConfig, RedirectPath};
use crate::endpoint;
use crate::error::FlowError;
use crate::listener::{Callback, Claim, Loopback};
use crate::page::Page;
use crate::store::TokenStore;
use crate::tokens::TokenSet;
use oauth2::basic::BasicClient;
use oauth2::{
    AuthUrl, ClientId, CsrfToken, PkceCodeChallenge, PkceCodeVerifier, RedirectUrl, Scope,
};
use secrecy::{ExposeSecret, SecretString};
use std::net::SocketAddr;
use subtle::ConstantTimeEq;
use url::Url;

/// A sign-in in progress: the listener is up and the authorize URL is ready to open.
pub struct SignIn {
    config: ProviderConfig,
    listener: Loopback,
    authorize_url: Url,
    state: SecretString,
    verifier: PkceCodeVerifier,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("redirect_uri", &self.listener.redirect_uri())
            .finish_non_exhaustive()
    }
}

impl SignIn {
    /// Binds the listener and prepares the authorize URL. Nothing is opened yet.
    pub async fn start(config: ProviderConfig) -> Result<Self, FlowError> {
        config.validate()?;
        let path = match &config.redirect.path {
            RedirectPath::Fixed(path) => path.clone(),
            // Its own path per flow: a late redirect meant for another flow finds nothing here.
            RedirectPath::PerFlow => format!("/callback/{}", CsrfToken::new_random().secret()),
        };
        // The state is made first so the listener can tell the real answer from forgeries.
        let state = CsrfToken::new_random();
        let listener = Loopback::bind(
            &config.redirect,
            path,
            claim_by_state(SecretString::from(state.secret().as_str())),
        )
        .await?;
        let redirect = RedirectUrl::new(listener.redirect_uri().to_owned())
            .map_err(|e| FlowError::Config(format!("redirect URI: {e}")))?;
        let client = BasicClient::new(ClientId::new(config.client_id.clone()))
            .set_auth_uri(AuthUrl::from_url(config.authorize_url.clone()))
            .set_redirect_uri(redirect);
        // PKCE S256 always, even with a client secret (RFC 9700 §2.1.1).
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(move || state)
            .set_pkce_challenge(challenge)
            .add_scopes(config.scopes.iter().cloned().map(Scope::new));
        for (name, value) in &config.extra_authorize_params {
            request = request.add_extra_param(name.clone(), value.clone());
        }
        let (authorize_url, state) = request.url();
        Ok(Self {
            config,
            listener,
            authorize_url,
            state: SecretString::from(state.secret().as_str()),
            verifier,
        })
    }

    /// Where to send the browser.
    pub fn authorize_url(&self) -> &Url {
        &self.authorize_url
    }

    /// The `redirect_uri` sent to the server, e.g. `http://127.0.0.1:53117/callback/…`.
    pub fn redirect_uri(&self) -> &str {
        self.listener.redirect_uri()
    }

    /// The listener's socket address.
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr()
    }

    /// Waits for the redirect (up to the configured timeout), exchanges the code, saves the
    /// tokens under `key`, then tells the browser. On any failure nothing is saved.
    pub async fn finish(
        mut self,
        store: &dyn TokenStore,
        key: &str,
    ) -> Result<TokenSet, FlowError> {
        let timeout = self.config.timeout;
        let (callback, reply) = match tokio::time::timeout(timeout, self.listener.callback()).await
        {
            Ok(Ok(got)) => got,
            Ok(Err(e)) => {
                self.listener.shutdown().await;
                return Err(e);
            }
            Err(_) => {
                self.listener.shutdown().await;
                return Err(FlowError::TimedOut(timeout));
            }
        };
        let outcome = self.complete(&callback, store, key).await;
        let page = match &outcome {
            Ok(_) => Page::signed_in(),
            Err(e) => Page::failed(&e.to_string()),
        };
        // The browser may have gone away; the outcome stands either way.
        let _ = reply.send(page);
        self.listener.shutdown().await;
        if let Err(e) = &outcome {
            tracing::warn!(error = %e, "oauth sign-in failed");
        }
        outcome
    }

    async fn complete(
        &mut self,
        callback: &Callback,
        store: &dyn TokenStore,
        key: &str,
    ) -> Result<TokenSet, FlowError> {
        let code = check_redirect(&self.config, self.state.expose_secret(), callback)?;
        let http = endpoint::http_client()?;
        // The verifier is single-use; take it out so it cannot be sent twice.
        let verifier = std::mem::replace(&mut self.verifier, PkceCodeVerifier::new(String::new()));
        let tokens = endpoint::exchange_code(
            &http,
            &self.config,
            self.listener.redirect_uri(),
            code,
            verifier,
        )
        .await?;
        store.save(key, &tokens).await?;
        Ok(tokens)
    }
}

/// Runs a whole sign-in: start, open the browser, wait, store.
pub async fn sign_in(
    config: ProviderConfig,
    opener: &dyn BrowserOpener,
    store: &dyn TokenStore,
    key: &str,
) -> Result<TokenSet, FlowError> {
    let flow = SignIn::start(config).await?;
    check_browser_url(flow.authorize_url())
        .and_then(|()| opener.open(flow.authorize_url()))
        .map_err(|e| FlowError::Browser(e.to_string()))?;
    flow.finish(store, key).await
}

/// The single value of a parameter; a repeated one is malformed (RFC 6749 §3.1).
fn single<'a>(callback: &'a Callback, name: &str) -> Result<Option<&'a str>, FlowError> {
    let mut values = callback.params.iter().filter(|(k, _)| k == name);
    let first = values.next().map(|(_, v)| v.as_str());
    if values.next().is_some() {
        return Err(FlowError::MalformedRedirect(format!(
            "`{name}` appears more than once"
        )));
    }
    Ok(first)
}

/// Whether the callback carries exactly one `state`, equal to ours (compared in constant time).
fn state_matches(expected_state: &str, callback: &Callback) -> bool {
    match single(callback, "state") {
        Ok(Some(state)) => bool::from(state.as_bytes().ct_eq(expected_state.as_bytes())),
        _ => false,
    }
}

/// The listener hands the flow only a callback with its state: anyone can reach the loopback
/// port, and a forged answer (wrong or no state, even a fake `error=access_denied`) must not use
/// up the one real redirect.
fn claim_by_state(expected_state: SecretString) -> Claim {
    Box::new(move |callback| {
        if state_matches(expected_state.expose_secret(), callback) {
            Ok(())
        } else {
            Err(Page::not_this_flow())
        }
    })
}

/// State first (it guards everything else), then issuer, then error, then the code. The
/// listener already let only our state through; checking again keeps this function whole.
fn check_redirect(
    config: &ProviderConfig,
    expected_state: &str,
    callback: &Callback,
) -> Result<String, FlowError> {
    if !state_matches(expected_state, callback) {
        return Err(FlowError::StateMismatch);
    }
    match (single(callback, "iss")?, &config.issuer) {
        (Some(got), Some(expected)) if got != expected => {
            return Err(FlowError::IssuerMismatch {
                expected: expected.clone(),
                got: got.to_owned(),
            });
        }
        (None, _) if config.require_issuer => return Err(FlowError::MissingIssuer),
        _ => {}
    }
    if let Some(error) = single(callback, "error")? {
        return Err(FlowError::Authorization {
            error: error.to_owned(),
            description: single(callback, "error_description")?.map(str::to_owned),
        });
    }
    match single(callback, "code")? {
        Some(code) if !code.is_empty() => Ok(code.to_owned()),
        _ => Err(FlowError::MissingCode),
    }
}
