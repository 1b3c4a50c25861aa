//! Vendor connectors behind capability traits.
//!
//! Each vendor implements only the traits it truly supports. The service holds connectors as
//! `Arc<dyn Portfolio>` (and friends), so a paper account, an Alpaca account and an IBKR account
//! look the same from above. Every request goes through the one HTTP policy in [`http`]
//! (timeouts, rate limit, retry with backoff honouring Retry-After, no blind resend of a
//! non-idempotent request, latency, typed vendor errors).
//!
//! ```no_run
//! # async fn demo() -> Result<(), brokerdesk_connectors::ConnectorError> {
//! use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
//! use brokerdesk_connectors::Portfolio;
//! // Live, Alpaca's paper, or the local sandbox: only the base URLs differ.
//! let config = AlpacaConfig::local("http://127.0.0.1:8080");
//! let alpaca = AlpacaConnector::new(config, AlpacaCredential::api_key("key id", "secret"))?;
//! let accounts = alpaca.accounts().await?;
//! # Ok(()) }
//! ```
//!
//! Vendor folders share one shape (NautilusTrader's adapters): `config`, `credential`,
//! `http/{client, models, parse, error}`, `websocket`, `adapter`, and `descriptor`: the one
//! [`vendor::VendorDescriptor`] the rest of Brokerdesk knows the vendor by, listed once in
//! [`registry`].

pub mod alpaca;
pub mod capability;
pub mod decimal;
pub mod directory;
pub mod error;
pub mod http;
pub mod ibkr;
pub mod payment_portfolio;
pub mod paypal;
pub mod plaid;
pub mod registry;
pub mod snaptrade;
pub mod square;
pub mod stripe;
pub mod types;
pub mod vendor;

pub use capability::{
    AccountActivity, BilledBalances, EquityHistory, MarketData, Payments, Portfolio, StreamControl,
    StreamHandle, StreamKind, StreamUpdate, Streams, Trading,
};
pub use error::{ConnectorError, OrderWarnings};
