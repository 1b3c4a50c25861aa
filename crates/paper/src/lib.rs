//! The local paper exchange: the embedded default that lets anyone trade with no account.
//!
//! `PaperExchange` is the facade the service talks to. The matching engine, journal, quote
//! sources and Alpaca-compatible HTTP API arrive with the paper-exchange issue behind it.

pub mod ledger;

pub use ledger::{PaperError, PaperExchange, PaperExchangeConfig};
