//! Which Plaid environment, and how hard we may push it.

use crate::http::{HttpPolicy, RateLimit};
use brokerdesk_model::vendors::LinkPurpose;
use std::time::Duration;

pub const SANDBOX_URL: &str = "https://sandbox.plaid.com";
pub const PRODUCTION_URL: &str = "https://production.plaid.com";

/// Plaid's limits are per endpoint and per Item (and differ between Sandbox and Production);
/// this client-wide pace stays under the tightest published ones for a single user's app.
pub const RATE_LIMIT: RateLimit = RateLimit {
    max: 100,
    per: Duration::from_secs(60),
    burst: 10,
};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaidEnvironment {
    Sandbox,
    Production,
    /// Any other base URL: a mock server in tests, a proxy.
    Custom(String),
}

impl PlaidEnvironment {
    pub fn base_url(&self) -> &str {
        match self {
            PlaidEnvironment::Sandbox => SANDBOX_URL,
            PlaidEnvironment::Production => PRODUCTION_URL,
            PlaidEnvironment::Custom(url) => url,
        }
    }

    /// Parses `sandbox`, `production`, or an http(s) URL.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            v if v.eq_ignore_ascii_case("sandbox") => Some(Self::Sandbox),
            v if v.eq_ignore_ascii_case("production") => Some(Self::Production),
            v if v.starts_with("http://") || v.starts_with("https://") => {
                Some(Self::Custom(v.trim_end_matches('/').to_owned()))
            }
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct PlaidConfig {
    pub environment: PlaidEnvironment,
    pub policy: HttpPolicy,
    /// Shown to the user in Link.
    pub client_name: String,
    /// ISO-3166-1 alpha-2 codes for Link and institution search.
    pub country_codes: Vec<String>,
    pub language: String,
    /// The least time between two live balance reads (`/accounts/balance/get`, billed per
    /// call) of one Item; reads in between use `/accounts/get`.
    pub live_balance_every: Duration,
}

/// Plaid bills live balance reads per call: at most one per Item every 15 minutes.
pub const LIVE_BALANCE_EVERY: Duration = Duration::from_secs(15 * 60);

impl PlaidConfig {
    pub fn new(environment: PlaidEnvironment) -> Self {
        Self {
            environment,
            policy: HttpPolicy::new(RATE_LIMIT),
            client_name: "Brokerdesk".into(),
            country_codes: vec!["US".into()],
            language: "en".into(),
            live_balance_every: LIVE_BALANCE_EVERY,
        }
    }

    pub fn sandbox() -> Self {
        Self::new(PlaidEnvironment::Sandbox)
    }

    pub fn production() -> Self {
        Self::new(PlaidEnvironment::Production)
    }

    pub fn base_url(&self) -> &str {
        self.environment.base_url()
    }
}

/// The products Link asks for (`products`: the institution must support all of them, which
/// also narrows the institutions Link lists) and adds where supported (`optional_products`),
/// by what the user links. Investments also asks for `transactions`, so an Item's cash
/// movements reach the Activity page; a bank or card login asks for `transactions` (Venmo or
/// Cash App transfers appear there, named as the counterparty) and takes holdings where the
/// bank also keeps a brokerage account.
pub fn link_products(purpose: LinkPurpose) -> (&'static [&'static str], &'static [&'static str]) {
    match purpose {
        LinkPurpose::Investments => (&["investments"], &["transactions"]),
        LinkPurpose::BankAndCards => (&["transactions"], &["investments"]),
    }
}

/// What a Link opened on `institution` is for: its holdings when it offers them, else its
/// bank and card accounts (Plaid lists an institution's products in its directory).
pub fn purpose_for(products: &[String]) -> LinkPurpose {
    if products.iter().any(|p| p == "investments") {
        LinkPurpose::Investments
    } else {
        LinkPurpose::BankAndCards
    }
}
