//! The tokens a sign-in yields. Secrets live in `secrecy` boxes (zeroed on drop) and `Debug`
//! prints only what is safe to log.

use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

/// Access token, optional refresh token and when the access token stops working.
#[derive(Clone)]
pub struct TokenSet {
    pub access_token: SecretString,
    pub refresh_token: Option<SecretString>,
    /// `None` when the server did not say (`expires_in` absent): treat it as valid until a 401.
    pub expires_at: Option<DateTime<Utc>>,
    /// Scopes granted, when the server said; otherwise the ones asked for.
    pub scopes: Vec<String>,
    pub token_type: String,
}

impl TokenSet {
    /// True when the access token has expired or will within `margin`. Checked arithmetic: an
    /// expiry too close to the start of time to subtract from counts as expired.
    pub fn expires_within(&self, margin: chrono::Duration, now: DateTime<Utc>) -> bool {
        self.expires_at
            .is_some_and(|at| at.checked_sub_signed(margin).is_none_or(|t| t <= now))
    }

    /// Same access token? Used to tell whether someone else already refreshed.
    pub(crate) fn same_access_token(&self, other: &SecretString) -> bool {
        use subtle::ConstantTimeEq;
        bool::from(
            self.access_token
                .expose_secret()
                .as_bytes()
                .ct_eq(other.expose_secret().as_bytes()),
        )
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSet")
            .field("access_token", &"[redacted]")
            .field(
                "refresh_token",
                &self.refresh_token.as_ref().map(|_| "[redacted]"),
            )
            .field("expires_at", &self.expires_at)
            .field("scopes", &self.scopes)
            .field("token_type", &self.token_type)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_tokens() {
        let tokens = TokenSet {
            access_token: SecretString::from("at-very-secret"),
            refresh_token: Some(SecretString::from("rt-very-secret")),
            expires_at: None,
            scopes: vec!["read".into()],
            token_type: "bearer".into(),
        };
        let shown = format!("{tokens:?} {tokens:#?}");
        assert!(!shown.contains("very-secret"), "{shown}");
        assert!(shown.contains("[redacted]"));
        assert!(shown.contains("read"));
    }

    #[test]
    fn expiry_margin() {
        let now = Utc::now();
        let mut tokens = TokenSet {
            access_token: SecretString::from("a"),
            refresh_token: None,
            expires_at: Some(now + chrono::Duration::seconds(30)),
            scopes: vec![],
            token_type: "bearer".into(),
        };
        assert!(!tokens.expires_within(chrono::Duration::seconds(10), now));
        assert!(tokens.expires_within(chrono::Duration::seconds(60), now));
        tokens.expires_at = None;
        assert!(!tokens.expires_within(chrono::Duration::seconds(60), now));
        // Stored dates at either end of the calendar: an answer, not an overflow panic.
        tokens.expires_at = Some(DateTime::<Utc>::MIN_UTC);
        assert!(tokens.expires_within(chrono::Duration::seconds(60), now));
        tokens.expires_at = Some(DateTime::<Utc>::MAX_UTC);
        assert!(!tokens.expires_within(chrono::Duration::seconds(60), now));
    }
}
