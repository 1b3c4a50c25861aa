//! SnapTrade's HTTP layer: endpoint types (`client`), the vendor's JSON (`models`), its
//! conversion to our types (`parse`) and its error bodies (`error`).

pub mod activity;
pub mod client;
pub mod error;
pub mod models;
pub mod parse;

pub use client::SnapTradeHttp;
