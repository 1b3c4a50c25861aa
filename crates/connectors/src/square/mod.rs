//! Square: a seller's locations and payments (`/v2/locations`, `/v2/payments`), production or
//! sandbox, with an OAuth or personal access token.
//!
//! Square has no account-balance endpoint for most sellers: its public API reports payments,
//! payouts and bank accounts, not the money held. [`SquareConnector`] therefore answers
//! `payment_balances` with [`BALANCES_UNAVAILABLE`] instead of inventing a number.

pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod http;

pub use adapter::{BALANCES_UNAVAILABLE, SquareConnector, SquareLocation};
pub use config::SquareConfig;
pub use credential::SquareCredential;
