//! Vendor connectors behind capability traits.
//!
//! Each vendor implements only the traits it truly supports. The service holds connectors as
//! `Arc<dyn Portfolio>` (and friends), so a paper account, an Alpaca account and an IBKR account
//! look the same from above. Every request goes through the one HTTP policy in [`http`].

pub mod alpaca;
pub mod capability;
pub mod decimal;
pub mod error;
pub mod http;
pub mod ibkr;
pub mod types;

pub use capability::{MarketData, Portfolio, Trading};
pub use error::ConnectorError;
