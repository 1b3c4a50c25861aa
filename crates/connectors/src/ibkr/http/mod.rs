//! IBKR's HTTP layer: endpoint types (`client`), the gateway's JSON (`models`), conversion to
//! our types (`parse`) and error bodies (`error`).

pub mod client;
pub mod contract;
pub mod error;
pub mod models;
pub mod parse;
