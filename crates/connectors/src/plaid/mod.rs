//! Plaid: balances of bank, card and investment accounts, investment holdings and bank and card
//! transactions, of accounts linked through Plaid Link (Hosted Link, opened in the system
//! browser; a brokerage or a bank login, `LinkPurpose`), and Plaid's institution search. The user brings their own
//! Plaid client id and secret (Plaid Link needs a secret, so Brokerdesk cannot be a public
//! client); both stay in the vault.

pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod http;

pub use adapter::{LinkRequest, LinkToken, PlaidConnector, PlaidItem};
pub use config::{PlaidConfig, PlaidEnvironment, link_products, purpose_for};
pub use credential::PlaidCredential;
