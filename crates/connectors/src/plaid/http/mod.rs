//! Plaid's HTTP layer: endpoint types (`client`), the vendor's JSON (`models`), its conversion
//! to our types (`parse`) and its error object (`error`).

pub mod client;
pub mod error;
pub mod models;
pub mod parse;

pub use client::PlaidHttp;
