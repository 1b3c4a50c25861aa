//! Calls to the token endpoint (code exchange and refresh) through the `oauth2` crate, with
//! errors turned into [`TokenError`]s that hold no secret.

use crate::config::ProviderConfig;
use crate::error::TokenError;
use crate::preset::{ClientAuth, TokenBody};
use crate::tokens::TokenSet;
use chrono::{DateTime, Utc};
use oauth2::basic::BasicClient;
use oauth2::{
    AsyncHttpClient, AuthType, AuthorizationCode, ClientId, ClientSecret, HttpRequest,
    HttpResponse, PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, TokenResponse,
    TokenUrl,
};
use secrecy::{ExposeSecret, SecretString};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

/// The HTTP client for token requests: no redirects (RFC 6749 §3.2 requests must not be
/// forwarded with their credentials), bounded time.
pub fn http_client() -> Result<reqwest::Client, TokenError> {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| TokenError::Transport(e.to_string()))
}

#[derive(Debug, thiserror::Error)]
enum HttpError {
    #[error("{0}")]
    Transport(String),
    #[error("HTTP {0}")]
    Status(u16),
}

/// Wraps reqwest so that a 5xx, or any error answer that is not JSON, keeps its status code
/// instead of becoming an opaque parse error inside `oauth2`; re-encodes the body as JSON for
/// vendors that want it.
struct StatusAware<'a>(&'a reqwest::Client, TokenBody);

/// The same fields as a JSON object of strings.
fn form_to_json(request: HttpRequest) -> Result<HttpRequest, HttpError> {
    let (mut parts, body) = request.into_parts();
    let object: serde_json::Map<String, serde_json::Value> = url::form_urlencoded::parse(&body)
        .into_owned()
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    let json = serde_json::to_vec(&object).map_err(|e| HttpError::Transport(e.to_string()))?;
    parts.headers.insert(
        reqwest::header::CONTENT_TYPE,
        reqwest::header::HeaderValue::from_static("application/json"),
    );
    Ok(HttpRequest::from_parts(parts, json))
}

impl<'c> AsyncHttpClient<'c> for StatusAware<'_> {
    type Error = HttpError;
    type Future = Pin<Box<dyn Future<Output = Result<HttpResponse, HttpError>> + Send + 'c>>;

    fn call(&'c self, request: HttpRequest) -> Self::Future {
        Box::pin(async move {
            let request = match self.1 {
                TokenBody::Form => request,
                TokenBody::Json => form_to_json(request)?,
            };
            let response = self
                .0
                .call(request)
                .await
                .map_err(|e| HttpError::Transport(error_chain(&e)))?;
            let status = response.status();
            let json = response
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.to_ascii_lowercase().contains("json"));
            if status.is_server_error() || (!status.is_success() && !json) {
                return Err(HttpError::Status(status.as_u16()));
            }
            Ok(response)
        })
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        out.push_str(": ");
        out.push_str(&s.to_string());
        source = s.source();
    }
    out
}

type Client = BasicClient<
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

fn client(config: &ProviderConfig, redirect_uri: Option<&str>) -> Result<Client, TokenError> {
    let mut client = BasicClient::new(ClientId::new(config.client_id.clone()))
        .set_token_uri(TokenUrl::from_url(config.token_url.clone()))
        .set_auth_type(match config.client_auth {
            ClientAuth::Basic => AuthType::BasicAuth,
            ClientAuth::RequestBody => AuthType::RequestBody,
        });
    if let Some(secret) = &config.client_secret {
        client = client.set_client_secret(ClientSecret::new(secret.expose_secret().to_owned()));
    }
    if let Some(uri) = redirect_uri {
        let uri = RedirectUrl::new(uri.to_owned())
            .map_err(|e| TokenError::Malformed(format!("redirect URI: {e}")))?;
        client = client.set_redirect_uri(uri);
    }
    Ok(client)
}

type Outcome = Result<
    oauth2::basic::BasicTokenResponse,
    RequestTokenError<HttpError, oauth2::basic::BasicErrorResponse>,
>;

fn map_error(err: RequestTokenError<HttpError, oauth2::basic::BasicErrorResponse>) -> TokenError {
    match err {
        RequestTokenError::ServerResponse(body) => TokenError::Rejected {
            error: body.error().as_ref().to_owned(),
            description: body.error_description().cloned(),
        },
        RequestTokenError::Request(HttpError::Status(status)) => TokenError::ServerError(status),
        RequestTokenError::Request(HttpError::Transport(msg)) => TokenError::Transport(msg),
        // Only the JSON path: the body and serde's message may quote a token.
        RequestTokenError::Parse(e, _body) => {
            TokenError::Malformed(format!("unexpected content at `{}`", e.path()))
        }
        RequestTokenError::Other(msg) => TokenError::Malformed(msg),
    }
}

/// The longest token lifetime we take from a token endpoint. `expires_in` is the server's
/// number: a larger one (up to `u64::MAX` seconds) is clamped, so the session still refreshes
/// within a year and no date arithmetic can overflow. (A negative or fractional one does not
/// parse: a malformed answer.)
pub const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(365 * 24 * 60 * 60);

/// When a token given out `now` with `expires_in` expires, the lifetime clamped to
/// [`MAX_TOKEN_LIFETIME`].
pub(crate) fn expiry(expires_in: Option<Duration>, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let said = expires_in?;
    if said > MAX_TOKEN_LIFETIME {
        tracing::debug!(
            expires_in = said.as_secs(),
            "token lifetime clamped to one year"
        );
    }
    let lifetime = chrono::Duration::from_std(said.min(MAX_TOKEN_LIFETIME)).ok()?;
    now.checked_add_signed(lifetime)
}

fn into_tokens(outcome: Outcome, asked_scopes: &[String]) -> Result<TokenSet, TokenError> {
    let response = outcome.map_err(map_error)?;
    let expires_at = expiry(response.expires_in(), Utc::now());
    let scopes = match response.scopes() {
        Some(scopes) => scopes.iter().map(|s| s.to_string()).collect(),
        None => asked_scopes.to_vec(),
    };
    Ok(TokenSet {
        access_token: SecretString::from(response.access_token().secret().as_str()),
        refresh_token: response
            .refresh_token()
            .map(|t| SecretString::from(t.secret().as_str())),
        expires_at,
        scopes,
        token_type: response.token_type().as_ref().to_owned(),
    })
}

/// Trades an authorization code and its PKCE verifier for tokens (RFC 6749 §4.1.3, RFC 7636 §4.5).
pub(crate) async fn exchange_code(
    http: &reqwest::Client,
    config: &ProviderConfig,
    redirect_uri: &str,
    code: String,
    verifier: PkceCodeVerifier,
) -> Result<TokenSet, TokenError> {
    let client = client(config, Some(redirect_uri))?;
    let outcome = client
        .exchange_code(AuthorizationCode::new(code))
        .set_pkce_verifier(verifier)
        .request_async(&StatusAware(http, config.token_body))
        .await;
    into_tokens(outcome, &config.scopes)
}

/// Uses a refresh token (RFC 6749 §6). The answer may or may not carry a new refresh token.
pub(crate) async fn refresh(
    http: &reqwest::Client,
    config: &ProviderConfig,
    refresh_token: &SecretString,
) -> Result<TokenSet, TokenError> {
    let client = client(config, None)?;
    let token = RefreshToken::new(refresh_token.expose_secret().to_owned());
    let outcome = client
        .exchange_refresh_token(&token)
        .request_async(&StatusAware(http, config.token_body))
        .await;
    into_tokens(outcome, &config.scopes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetimes_are_clamped_to_a_year_and_never_overflow() {
        let now = Utc::now();
        let year = chrono::Duration::from_std(MAX_TOKEN_LIFETIME).unwrap();
        assert_eq!(expiry(None, now), None);
        assert_eq!(
            expiry(Some(Duration::from_secs(3600)), now),
            Some(now + chrono::Duration::seconds(3600))
        );
        for secs in [
            u64::MAX,
            i64::MAX as u64,
            10_000_000_000_000,
            365 * 86_400 + 1,
        ] {
            assert_eq!(
                expiry(Some(Duration::from_secs(secs)), now),
                Some(now + year),
                "{secs}"
            );
        }
        // Even at the end of time there is no panic: no expiry rather than a wrapped one.
        assert_eq!(
            expiry(Some(Duration::from_secs(60)), DateTime::<Utc>::MAX_UTC),
            None
        );
    }
}
