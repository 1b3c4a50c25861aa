//! Vendor connectors behind capability traits.
//!
//! Each vendor implements only the traits it truly supports. The service holds connectors as
//! `Arc<dyn Portfolio>` (and friends), so a paper account, an Alpaca account and an IBKR account
//! look the same from above.

pub mod capability;
pub mod error;

pub use capability::Portfolio;
pub use error::ConnectorError;
