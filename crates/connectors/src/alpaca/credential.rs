//! Alpaca credentials: an API key pair, or an OAuth access token. Secrets stay in `secrecy`
//! types; Debug shows only the last characters of the key id.

use crate::http::Auth;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

#[derive(Clone)]
pub enum AlpacaCredential {
    ApiKey {
        key_id: String,
        secret_key: SecretString,
    },
    OAuth {
        access_token: SecretString,
    },
}

impl AlpacaCredential {
    pub fn api_key(key_id: impl Into<String>, secret_key: impl Into<String>) -> Self {
        Self::ApiKey {
            key_id: key_id.into(),
            secret_key: SecretString::from(secret_key.into()),
        }
    }

    pub fn oauth(access_token: impl Into<String>) -> Self {
        Self::OAuth {
            access_token: SecretString::from(access_token.into()),
        }
    }
}

/// `…WXYZ`: enough to tell keys apart in logs, not enough to use.
pub fn mask(key: &str) -> String {
    let tail: String = key
        .chars()
        .rev()
        .take(4)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect();
    format!("…{tail}")
}

impl fmt::Debug for AlpacaCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ApiKey { key_id, .. } => f
                .debug_struct("ApiKey")
                .field("key_id", &mask(key_id))
                .field("secret_key", &"[REDACTED]")
                .finish(),
            Self::OAuth { .. } => f
                .debug_struct("OAuth")
                .field("access_token", &"[REDACTED]")
                .finish(),
        }
    }
}

fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

impl Auth for AlpacaCredential {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // A value that is not a valid header (control characters) is left out: the vendor then
        // answers 401, which surfaces as "sign in again" rather than a panic.
        match self {
            Self::ApiKey { key_id, secret_key } => {
                let mut r = request;
                if let Some(v) = sensitive(key_id) {
                    r = r.header("APCA-API-KEY-ID", v);
                }
                if let Some(v) = sensitive(secret_key.expose_secret()) {
                    r = r.header("APCA-API-SECRET-KEY", v);
                }
                r
            }
            Self::OAuth { access_token } => {
                match sensitive(&format!("Bearer {}", access_token.expose_secret())) {
                    Some(v) => request.header(reqwest::header::AUTHORIZATION, v),
                    None => request,
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = AlpacaCredential::api_key("PKABCDEFGH1234", "super-secret-value");
        let s = format!("{c:?}");
        assert!(
            !s.contains("super-secret-value") && !s.contains("PKABCDEFGH"),
            "{s}"
        );
        assert!(s.contains("…1234"));
        let o = format!("{:?}", AlpacaCredential::oauth("tok-123456"));
        assert!(!o.contains("tok-123456"), "{o}");
    }
}
