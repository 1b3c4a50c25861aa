//! Where Stripe lives, which API version we speak and how hard we may push it.

use crate::ConnectorError;
use crate::http::{HttpPolicy, RateLimit};
use std::time::Duration;

pub const API_URL: &str = "https://api.stripe.com";

/// The API version of the spec our models follow (specs/stripe, 2023-08-16). Sent as
/// `Stripe-Version` so a change of the account's default version cannot change the replies.
pub const API_VERSION: &str = "2023-08-16";

/// Stripe allows 25 requests a second in test mode (100 operations live); stay below the
/// smaller so one setting fits both.
pub const RATE_LIMIT: RateLimit = RateLimit {
    max: 20,
    per: Duration::from_secs(1),
    burst: 5,
};

#[derive(Clone, Debug)]
pub struct StripeConfig {
    pub base_url: String,
    pub policy: HttpPolicy,
    pub api_version: String,
    /// A Connect account (`acct_…`, from Stripe Connect OAuth's `stripe_user_id`) to act for;
    /// `None` reads the key's own account.
    pub connect_account: Option<String>,
    /// Transactions per page (`limit`, 1..=100) when the query names none.
    pub default_page_size: u32,
}

impl StripeConfig {
    pub fn new(base_url: impl Into<String>) -> Self {
        Self {
            base_url: base_url.into(),
            policy: HttpPolicy::new(RATE_LIMIT),
            api_version: API_VERSION.into(),
            connect_account: None,
            default_page_size: 100,
        }
    }

    /// Stripe has one URL; test mode is chosen by the key.
    pub fn api() -> Self {
        Self::new(API_URL)
    }

    /// Acts for a Connect account: every request carries `Stripe-Account: acct_…`.
    pub fn for_connect_account(mut self, account: &str) -> Result<Self, ConnectorError> {
        let valid = account.strip_prefix("acct_").is_some_and(|rest| {
            !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric())
        });
        if !valid {
            return Err(ConnectorError::Rejected(format!(
                "{account:?} is not a Stripe account id (acct_…)"
            )));
        }
        self.connect_account = Some(account.to_owned());
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn connect_accounts_must_look_like_one() {
        let c = StripeConfig::api()
            .for_connect_account("acct_1032D82eZvKYlo2C")
            .unwrap();
        assert_eq!(c.connect_account.as_deref(), Some("acct_1032D82eZvKYlo2C"));
        for bad in ["", "acct_", "cus_123", "acct_12 3", "acct_1\r\nX-Evil: 1"] {
            assert!(
                StripeConfig::api().for_connect_account(bad).is_err(),
                "{bad:?}"
            );
        }
    }
}
