//! The local paper exchange: the embedded default that lets anyone trade with no account.
//!
//! - [`engine`]: the pure, deterministic matching engine (`apply(command) -> events`).
//! - [`quotes`]: market data sources behind one trait (seeded simulation, CSV replay, live).
//! - `ledger`: the small facade the service reads balances and positions through.

pub mod engine;
pub mod ledger;
pub mod quotes;

pub use ledger::{PaperError, PaperExchange, PaperExchangeConfig};
