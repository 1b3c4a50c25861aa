//! A Square access token: from OAuth (PKCE or code flow) or a personal access token from the
//! developer dashboard. Either is a bearer token; Debug never shows it.

use secrecy::SecretString;
use std::fmt;

#[derive(Clone)]
pub struct SquareCredential {
    pub(crate) access_token: SecretString,
}

impl SquareCredential {
    pub fn access_token(token: impl Into<String>) -> Self {
        Self {
            access_token: SecretString::from(token.into()),
        }
    }
}

impl fmt::Debug for SquareCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SquareCredential")
            .field("access_token", &"[REDACTED]")
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_token() {
        let s = format!("{:?}", SquareCredential::access_token("EAAAl-secret-token"));
        assert!(!s.contains("EAAAl"), "{s}");
    }
}
