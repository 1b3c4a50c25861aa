//! PayPal endpoints, one type each, and the raw client. Two `HttpClient`s share the base URL:
//! one presents the client id and secret to the token endpoint, the other the current bearer
//! token to the API; both go through the shared policy.

use super::models as m;
use crate::http::endpoint::endpoint;
use crate::http::{Auth, Endpoint, HttpClient, HttpError, Method};
use crate::paypal::config::PayPalConfig;
use crate::paypal::credential::PayPalCredential;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;
use std::sync::{Arc, RwLock};

/// `POST /v1/oauth2/token`, `grant_type=client_credentials` (the form body is added by
/// [`ClientSecretBasic`], the only credential this endpoint is sent with).
pub struct RequestToken;
endpoint!(
    RequestToken,
    Post,
    m::Token,
    |s| path = "/v1/oauth2/token".into(),
    // Asking twice only mints a second token; nothing is changed at PayPal.
    idempotent = true
);

/// `GET /v1/reporting/balances`.
#[derive(Default)]
pub struct GetBalances {
    pub currency_code: Option<String>,
}
endpoint!(
    GetBalances,
    Get,
    m::Balances,
    |s| path = "/v1/reporting/balances".into(),
    query = {
        let mut q = Vec::new();
        if let Some(c) = &s.currency_code {
            q.push(("currency_code", c.clone()));
        }
        q
    }
);

/// `GET /v1/reporting/transactions` for one window of at most 31 days.
pub struct ListTransactions {
    /// RFC 3339 with seconds (PayPal requires them).
    pub start_date: String,
    pub end_date: String,
    /// 1-based.
    pub page: u32,
    /// 1..=500.
    pub page_size: u32,
}
endpoint!(
    ListTransactions,
    Get,
    m::Search,
    |s| path = "/v1/reporting/transactions".into(),
    query = vec![
        ("start_date", s.start_date.clone()),
        ("end_date", s.end_date.clone()),
        // transaction_info alone would leave out who paid.
        ("fields", "transaction_info,payer_info".to_owned()),
        ("page_size", s.page_size.to_string()),
        ("page", s.page.to_string()),
    ]
);

/// Client id and secret for the token endpoint: Basic auth plus the grant's form body.
/// The shared `Endpoint` carries JSON bodies only, and this client sends nothing but the
/// token request, so the credential supplies the form.
pub struct ClientSecretBasic {
    client_id: String,
    secret: SecretString,
}

impl fmt::Debug for ClientSecretBasic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientSecretBasic")
            .field(
                "client_id",
                &crate::alpaca::credential::mask(&self.client_id),
            )
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

impl Auth for ClientSecretBasic {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // basic_auth marks the header sensitive.
        request
            .basic_auth(&self.client_id, Some(self.secret.expose_secret()))
            .form(&[("grant_type", "client_credentials")])
    }
}

/// The bearer token in use, swapped when the connector fetches a new one. Readers take it
/// at send time, so a retry after a refresh carries the new token.
#[derive(Clone, Default)]
pub struct TokenCell(Arc<RwLock<Option<SecretString>>>);

impl TokenCell {
    pub fn set(&self, token: Option<SecretString>) {
        // A poisoned lock only means a panic elsewhere mid-write; the value is still a token.
        *self.0.write().unwrap_or_else(|p| p.into_inner()) = token;
    }

    pub fn is_set(&self) -> bool {
        self.0.read().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    fn header(&self) -> Option<HeaderValue> {
        let guard = self.0.read().unwrap_or_else(|p| p.into_inner());
        let token = guard.as_ref()?;
        let mut v = HeaderValue::from_str(&format!("Bearer {}", token.expose_secret())).ok()?;
        v.set_sensitive(true);
        Some(v)
    }
}

impl fmt::Debug for TokenCell {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.is_set() {
            "TokenCell([REDACTED])"
        } else {
            "TokenCell(empty)"
        })
    }
}

impl Auth for TokenCell {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // No token (or one that is not a valid header) sends none: PayPal answers 401, which
        // the connector treats as "fetch a token" or "sign in again".
        match self.header() {
            Some(v) => request.header(reqwest::header::AUTHORIZATION, v),
            None => request,
        }
    }
}

/// The raw client.
#[derive(Clone, Debug)]
pub struct PayPalHttp {
    pub api: HttpClient,
    /// Present for client credentials only.
    pub token: Option<HttpClient>,
    pub bearer: TokenCell,
}

impl PayPalHttp {
    pub fn new(config: &PayPalConfig, credential: &PayPalCredential) -> Result<Self, HttpError> {
        let bearer = TokenCell::default();
        let token = match credential {
            PayPalCredential::ClientCredentials { client_id, secret } => Some(HttpClient::new(
                "paypal-oauth",
                &config.base_url,
                config.policy.clone(),
                Arc::new(ClientSecretBasic {
                    client_id: client_id.clone(),
                    secret: secret.clone(),
                }),
                super::error::decode,
            )?),
            PayPalCredential::AccessToken(t) => {
                bearer.set(Some(t.clone()));
                None
            }
        };
        let api = HttpClient::new(
            "paypal",
            &config.base_url,
            config.policy.clone(),
            Arc::new(bearer.clone()),
            super::error::decode,
        )?;
        Ok(Self { api, token, bearer })
    }

    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, HttpError> {
        self.api.send(endpoint).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transactions_query_names_window_page_and_fields() {
        let e = ListTransactions {
            start_date: "2024-01-01T00:00:00Z".into(),
            end_date: "2024-01-31T23:59:59Z".into(),
            page: 2,
            page_size: 50,
        };
        assert_eq!(e.method(), Method::Get);
        let q = e.query();
        assert!(q.contains(&("page", "2".into())));
        assert!(q.contains(&("page_size", "50".into())));
        assert!(q.contains(&("start_date", "2024-01-01T00:00:00Z".into())));
        assert!(RequestToken.idempotent());
    }

    #[test]
    fn token_cell_never_debugs_its_token() {
        let c = TokenCell::default();
        c.set(Some(SecretString::from("A21AAsecret".to_owned())));
        assert!(!format!("{c:?}").contains("A21AA"));
    }
}
