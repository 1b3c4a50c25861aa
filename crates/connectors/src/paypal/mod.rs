//! PayPal: the Transaction Search API (`/v1/reporting/balances`, `/v1/reporting/transactions`)
//! of the account that owns the REST app, live or sandbox (only the base URL differs).
//!
//! Reading another person's account needs PayPal partner status (specs/NOTES.md), so the user
//! brings their own REST app's client id and secret; the connector trades them for a bearer
//! token (client credentials grant) and keeps it until shortly before it expires.

pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod http;

pub use adapter::PayPalConnector;
pub use config::PayPalConfig;
pub use credential::PayPalCredential;
