//! Typed errors. None of them carries a token, a code, a verifier or a client secret: they end
//! up in logs and on screens.

use std::time::Duration;

/// Why a sign-in did not end with tokens.
#[derive(Debug, thiserror::Error)]
pub enum FlowError {
    #[error("invalid OAuth configuration: {0}")]
    Config(String),
    #[error("could not listen on the loopback redirect address {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("could not open the browser: {0}")]
    Browser(String),
    #[error("no answer from the browser within {0:?}; sign-in timed out")]
    TimedOut(Duration),
    /// The authorization server redirected back with `error=…` (RFC 6749 §4.1.2.1).
    #[error("the authorization server refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Authorization {
        error: String,
        description: Option<String>,
    },
    #[error("the redirect carried a state that does not belong to this sign-in (possible CSRF)")]
    StateMismatch,
    #[error("the redirect is malformed: {0}")]
    MalformedRedirect(String),
    #[error("the redirect carried no authorization code")]
    MissingCode,
    /// RFC 9207: the response came from another authorization server than the one we asked.
    #[error(
        "the redirect came from issuer {got:?}, expected {expected:?} (possible mix-up attack)"
    )]
    IssuerMismatch { expected: String, got: String },
    #[error("the authorization server must say who it is (iss, RFC 9207) and did not")]
    MissingIssuer,
    #[error("the loopback listener stopped unexpectedly")]
    ListenerClosed,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The token endpoint did not hand out tokens.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    /// A standard OAuth error body (RFC 6749 §5.2): `invalid_grant`, `invalid_client`, …
    #[error("the token endpoint refused: {error}{}", description.as_deref().map(|d| format!(" ({d})")).unwrap_or_default())]
    Rejected {
        error: String,
        description: Option<String>,
    },
    #[error("the token endpoint failed with HTTP {0}; try again later")]
    ServerError(u16),
    #[error("could not reach the token endpoint: {0}")]
    Transport(String),
    /// The body is deliberately left out: a half-valid answer may hold a token.
    #[error("the token endpoint sent an answer that is not a valid token response: {0}")]
    Malformed(String),
}

impl TokenError {
    /// The OAuth error code when the server refused, e.g. `invalid_grant`.
    pub fn oauth_error(&self) -> Option<&str> {
        match self {
            Self::Rejected { error, .. } => Some(error),
            _ => None,
        }
    }

    /// True when the server said the grant itself is no good: only a new sign-in helps.
    /// Transport failures and 5xx are worth a retry instead.
    pub fn needs_sign_in(&self) -> bool {
        matches!(
            self.oauth_error(),
            Some("invalid_grant" | "invalid_client" | "unauthorized_client" | "invalid_scope")
        )
    }
}

/// The token store (the vault) failed.
#[derive(Debug, thiserror::Error)]
#[error("token store: {0}")]
pub struct StoreError(pub String);

/// Why a signed-in session cannot give out an access token.
#[derive(Debug, thiserror::Error)]
pub enum SessionError {
    /// The user must sign in again: no tokens, no refresh token, or the server refused the refresh.
    #[error("sign-in needed: {reason}")]
    NeedsSignIn { reason: String },
    /// The refresh failed for a reason that may pass (network, 5xx); the tokens are kept.
    #[error("could not refresh the access token: {0}")]
    Refresh(#[source] TokenError),
    #[error(transparent)]
    Store(#[from] StoreError),
}
