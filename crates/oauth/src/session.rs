//! A signed-in connection: hands out access tokens, refreshing them before they expire and
//! after a 401, one refresh at a time, and says when only a new sign-in will help.

use crate::browser::BrowserOpener;
use crate::config::ProviderConfig;
use crate::endpoint;
use crate::error::{FlowError, SessionError};
use crate::flow;
use crate::store::TokenStore;
use crate::tokens::TokenSet;
use chrono::Utc;
use secrecy::SecretString;
use std::sync::Arc;
use tokio::sync::{Mutex, watch};

/// Refresh this long before the server's expiry, so a request never leaves with a dying token.
pub const DEFAULT_REFRESH_MARGIN: std::time::Duration = std::time::Duration::from_secs(60);

/// What the UI shows for the connection.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionStatus {
    /// Tokens are stored (or, before the first use, may be).
    SignedIn,
    /// Only a new sign-in helps; `reason` is safe to show.
    NeedsSignIn { reason: String },
}

/// Tokens of one connection, kept in a [`TokenStore`] under `key`.
pub struct OAuthSession {
    key: String,
    config: ProviderConfig,
    store: Arc<dyn TokenStore>,
    http: reqwest::Client,
    margin: chrono::Duration,
    /// Held for the whole refresh: concurrent callers wait and reuse its result.
    refreshing: Mutex<()>,
    status: watch::Sender<SessionStatus>,
}

impl std::fmt::Debug for OAuthSession {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthSession")
            .field("key", &self.key)
            .field("status", &*self.status.borrow())
            .finish_non_exhaustive()
    }
}

impl OAuthSession {
    pub fn new(
        key: impl Into<String>,
        config: ProviderConfig,
        store: Arc<dyn TokenStore>,
    ) -> Result<Self, FlowError> {
        config.validate()?;
        Ok(Self {
            key: key.into(),
            config,
            store,
            http: endpoint::http_client()?,
            margin: chrono::Duration::from_std(DEFAULT_REFRESH_MARGIN)
                .unwrap_or(chrono::Duration::zero()),
            refreshing: Mutex::new(()),
            status: watch::Sender::new(SessionStatus::SignedIn),
        })
    }

    /// How long before expiry to refresh.
    pub fn with_refresh_margin(mut self, margin: std::time::Duration) -> Self {
        self.margin = chrono::Duration::from_std(margin).unwrap_or(self.margin);
        self
    }

    pub fn key(&self) -> &str {
        &self.key
    }

    pub fn status(&self) -> SessionStatus {
        self.status.borrow().clone()
    }

    /// Follow status changes (for the UI).
    pub fn subscribe(&self) -> watch::Receiver<SessionStatus> {
        self.status.subscribe()
    }

    /// Runs the browser sign-in and stores the tokens under this session's key.
    pub async fn sign_in(&self, opener: &dyn BrowserOpener) -> Result<TokenSet, FlowError> {
        let tokens = flow::sign_in(self.config.clone(), opener, &*self.store, &self.key).await?;
        self.status.send_replace(SessionStatus::SignedIn);
        Ok(tokens)
    }

    /// A usable access token: the stored one, or a fresh one when it expires within the margin.
    pub async fn access_token(&self) -> Result<SecretString, SessionError> {
        let tokens = self.stored().await?;
        if !tokens.expires_within(self.margin, Utc::now()) {
            return Ok(tokens.access_token);
        }
        self.refresh(Some(&tokens.access_token)).await
    }

    /// Call when the API answered 401 to `rejected`: refreshes unless someone already did.
    pub async fn after_unauthorized(
        &self,
        rejected: &SecretString,
    ) -> Result<SecretString, SessionError> {
        self.refresh(Some(rejected)).await
    }

    /// Keeps the tokens fresh while nobody asks: refreshes `margin` before each expiry, so the
    /// UI learns of a dead grant ("needs sign-in") without waiting for a request. Ends when the
    /// session is dropped, needs sign-in, or the tokens carry no expiry (then: refresh on 401).
    pub fn spawn_refresher(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak = Arc::downgrade(self);
        tokio::spawn(async move {
            // Transient failures (network, 5xx) retry with a growing pause.
            let mut backoff = std::time::Duration::from_secs(1);
            loop {
                let Some(session) = weak.upgrade() else {
                    return;
                };
                let expires_at = match session.store.load(&session.key).await {
                    Ok(Some(tokens)) => tokens.expires_at,
                    Ok(None) => return,
                    Err(e) => {
                        tracing::warn!(key = %session.key, error = %e, "token store unavailable");
                        None
                    }
                };
                let Some(expires_at) = expires_at else { return };
                // Checked: a stored expiry at the edge of the calendar must not panic here.
                let wait = expires_at
                    .checked_sub_signed(session.margin)
                    .and_then(|at| at.signed_duration_since(Utc::now()).to_std().ok())
                    .unwrap_or_default();
                drop(session);
                tokio::time::sleep(wait).await;
                let Some(session) = weak.upgrade() else {
                    return;
                };
                match session.access_token().await {
                    Ok(_) => backoff = std::time::Duration::from_secs(1),
                    Err(SessionError::NeedsSignIn { .. }) => return,
                    Err(e) => {
                        tracing::warn!(key = %session.key, error = %e, "background refresh failed");
                        drop(session);
                        tokio::time::sleep(backoff).await;
                        backoff = (backoff * 2).min(std::time::Duration::from_secs(300));
                    }
                }
            }
        })
    }

    /// Refreshes now, whatever the expiry says.
    pub async fn force_refresh(&self) -> Result<SecretString, SessionError> {
        self.refresh(None).await
    }

    async fn stored(&self) -> Result<TokenSet, SessionError> {
        match self.store.load(&self.key).await? {
            Some(tokens) => Ok(tokens),
            None => Err(self.needs_sign_in("not signed in")),
        }
    }

    fn needs_sign_in(&self, reason: &str) -> SessionError {
        self.status.send_replace(SessionStatus::NeedsSignIn {
            reason: reason.to_owned(),
        });
        SessionError::NeedsSignIn {
            reason: reason.to_owned(),
        }
    }

    /// `stale`: the token the caller found wanting. If the store holds another, fresh one by
    /// the time we hold the lock, a concurrent refresh already did the work.
    async fn refresh(&self, stale: Option<&SecretString>) -> Result<SecretString, SessionError> {
        let _one_at_a_time = self.refreshing.lock().await;
        let current = self.stored().await?;
        if let Some(stale) = stale
            && !current.same_access_token(stale)
            && !current.expires_within(self.margin, Utc::now())
        {
            return Ok(current.access_token);
        }
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(
                self.needs_sign_in("the access token expired and there is no refresh token")
            );
        };
        match endpoint::refresh(&self.http, &self.config, &refresh_token).await {
            Ok(mut fresh) => {
                // Rotation: keep the new refresh token when the server sent one, else the old.
                if fresh.refresh_token.is_none() {
                    fresh.refresh_token = Some(refresh_token);
                }
                self.store.save(&self.key, &fresh).await?;
                self.status.send_replace(SessionStatus::SignedIn);
                tracing::debug!(key = %self.key, expires_at = ?fresh.expires_at, "oauth tokens refreshed");
                Ok(fresh.access_token)
            }
            Err(e) if e.needs_sign_in() => {
                // The grant is dead: drop it so a restart shows the same state.
                self.store.remove(&self.key).await?;
                Err(self.needs_sign_in(&format!("the server refused the refresh: {e}")))
            }
            Err(e) => Err(SessionError::Refresh(e)),
        }
    }
}
