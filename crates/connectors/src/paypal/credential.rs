//! PayPal credentials: the REST app's client id and secret (traded for a bearer token by the
//! connector), or a bearer token obtained elsewhere (for example "Log in with PayPal").
//! Secrets stay in `secrecy` types; Debug shows only the last characters of the client id.

use crate::alpaca::credential::mask;
use secrecy::SecretString;
use std::fmt;

#[derive(Clone)]
pub enum PayPalCredential {
    /// Client credentials grant: `POST /v1/oauth2/token` with Basic `client_id:secret`.
    ClientCredentials {
        client_id: String,
        secret: SecretString,
    },
    /// A bearer token we cannot renew ourselves: when PayPal refuses it, the user signs in
    /// again. A "Log in with PayPal" token carries identity scopes only, so PayPal may answer
    /// the reporting endpoints with 403 (see the adapter).
    AccessToken(SecretString),
}

impl PayPalCredential {
    pub fn client_credentials(client_id: impl Into<String>, secret: impl Into<String>) -> Self {
        Self::ClientCredentials {
            client_id: client_id.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    pub fn access_token(token: impl Into<String>) -> Self {
        Self::AccessToken(SecretString::from(token.into()))
    }
}

impl fmt::Debug for PayPalCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ClientCredentials { client_id, .. } => f
                .debug_struct("ClientCredentials")
                .field("client_id", &mask(client_id))
                .field("secret", &"[REDACTED]")
                .finish(),
            Self::AccessToken(_) => f.debug_tuple("AccessToken").field(&"[REDACTED]").finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = PayPalCredential::client_credentials("AbCdEfGhIj1234", "very-secret");
        let s = format!("{c:?}");
        assert!(!s.contains("very-secret") && !s.contains("AbCdEf"), "{s}");
        assert!(s.contains("…1234"));
        let t = format!("{:?}", PayPalCredential::access_token("A21AAtoken"));
        assert!(!t.contains("A21AAtoken"), "{t}");
    }
}
