//! Plaid's client credentials, sent as the `PLAID-CLIENT-ID` and `PLAID-SECRET` headers (the
//! spec allows them in the body too; headers keep them out of every body we build or log).

use crate::http::Auth;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

#[derive(Clone)]
pub struct PlaidCredential {
    pub client_id: String,
    pub secret: SecretString,
}

impl PlaidCredential {
    pub fn new(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            secret: SecretString::from(secret.into()),
        }
    }
}

impl fmt::Debug for PlaidCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PlaidCredential")
            .field("client_id", &self.client_id)
            .field("secret", &"[REDACTED]")
            .finish()
    }
}

fn sensitive(value: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(value).ok()?;
    v.set_sensitive(true);
    Some(v)
}

impl Auth for PlaidCredential {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        // An invalid header value is left out: Plaid then answers INVALID_API_KEYS.
        let mut r = request;
        if let Some(v) = sensitive(&self.client_id) {
            r = r.header("PLAID-CLIENT-ID", v);
        }
        if let Some(v) = sensitive(self.secret.expose_secret()) {
            r = r.header("PLAID-SECRET", v);
        }
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_secret() {
        let c = PlaidCredential::new("client-1", "plaid-secret-value");
        let s = format!("{c:?}");
        assert!(
            !s.contains("plaid-secret-value") && s.contains("client-1"),
            "{s}"
        );
    }
}
