//! A Stripe API key: secret (`sk_`) or restricted (`rk_`), live or test. Publishable keys
//! (`pk_`) cannot read balances and are refused up front. The key stays a `SecretString`;
//! Debug shows kind, mode and the last four characters only.

use crate::ConnectorError;
use secrecy::{ExposeSecret, SecretString};
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StripeKeyKind {
    Secret,
    Restricted,
}

/// Which of the account's two worlds the key reads: Stripe keeps test and live data apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StripeMode {
    Live,
    Test,
}

#[derive(Clone)]
pub struct StripeKey {
    key: SecretString,
    kind: StripeKeyKind,
    mode: StripeMode,
    tail: String,
}

impl StripeKey {
    pub fn new(key: impl Into<String>) -> Result<Self, ConnectorError> {
        let key: String = key.into();
        let (kind, mode) = if key.starts_with("sk_live_") {
            (StripeKeyKind::Secret, StripeMode::Live)
        } else if key.starts_with("sk_test_") {
            (StripeKeyKind::Secret, StripeMode::Test)
        } else if key.starts_with("rk_live_") {
            (StripeKeyKind::Restricted, StripeMode::Live)
        } else if key.starts_with("rk_test_") {
            (StripeKeyKind::Restricted, StripeMode::Test)
        } else if key.starts_with("pk_") {
            return Err(ConnectorError::Rejected(
                "a publishable key (pk_…) cannot read balances; use a secret (sk_…) or \
                 restricted (rk_…) key"
                    .into(),
            ));
        } else {
            // Never echo the value: it may be a secret pasted into the wrong field.
            return Err(ConnectorError::Rejected(
                "not a Stripe secret or restricted key (sk_live_…, sk_test_…, rk_live_…, \
                 rk_test_…)"
                    .into(),
            ));
        };
        let body = &key[8..];
        if body.is_empty() || !body.bytes().all(|b| b.is_ascii_alphanumeric()) {
            return Err(ConnectorError::Rejected(
                "the Stripe key is incomplete or has stray characters (spaces, line breaks)".into(),
            ));
        }
        let tail = body
            .get(body.len().saturating_sub(4)..)
            .unwrap_or_default()
            .to_owned();
        Ok(Self {
            key: SecretString::from(key),
            kind,
            mode,
            tail,
        })
    }

    pub fn kind(&self) -> StripeKeyKind {
        self.kind
    }

    pub fn mode(&self) -> StripeMode {
        self.mode
    }

    pub(crate) fn expose(&self) -> &str {
        self.key.expose_secret()
    }
}

impl fmt::Debug for StripeKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StripeKey")
            .field("kind", &self.kind)
            .field("mode", &self.mode)
            .field("key", &format!("…{}", self.tail))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_tell_kind_and_mode() {
        let k = StripeKey::new("sk_test_4eC39HqLyjWDarjtT1zdp7dc").unwrap();
        assert_eq!(
            (k.kind(), k.mode()),
            (StripeKeyKind::Secret, StripeMode::Test)
        );
        let k = StripeKey::new("rk_live_51Habc123XYZ").unwrap();
        assert_eq!(
            (k.kind(), k.mode()),
            (StripeKeyKind::Restricted, StripeMode::Live)
        );
        assert_eq!(
            StripeKey::new("sk_live_abc").unwrap().mode(),
            StripeMode::Live
        );
    }

    #[test]
    fn other_keys_are_refused_without_echoing_them() {
        for bad in [
            "pk_test_TYooMQauvdEDq54NiTphI7jx",
            "whsec_abcdef",
            "sk_test_",
            "sk_test_abc def",
            "sk_test_abc\n",
            "SK_TEST_abc",
        ] {
            match StripeKey::new(bad) {
                Err(ConnectorError::Rejected(m)) => assert!(!m.contains(bad), "{m}"),
                other => panic!("{bad:?}: {other:?}"),
            }
        }
    }

    #[test]
    fn debug_shows_only_the_tail() {
        let s = format!(
            "{:?}",
            StripeKey::new("sk_test_4eC39HqLyjWDarjtT1zdp7dc").unwrap()
        );
        assert!(!s.contains("4eC39HqLyjWDarjt"), "{s}");
        assert!(s.contains("…p7dc") && s.contains("Test"), "{s}");
    }
}
