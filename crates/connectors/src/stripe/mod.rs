//! Stripe: the balance and balance transactions of an account, read with a secret (`sk_`) or
//! restricted (`rk_`) key, optionally on behalf of a Connect account (`Stripe-Account`).
//! Test mode or live mode is the key's own prefix; [`StripeConnector::mode`] reports it.

pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod http;

pub use adapter::StripeConnector;
pub use config::StripeConfig;
pub use credential::{StripeKey, StripeKeyKind, StripeMode};
