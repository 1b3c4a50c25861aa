//! SnapTrade: brokerages reached through SnapTrade's aggregation API. Every request is signed
//! (see [`credential`]); the user connects brokerages in SnapTrade's Connection Portal, opened in
//! the system browser, and trading goes through SnapTrade only where the brokerage and the
//! connection allow it.

pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod http;

pub use adapter::{ConnectionType, PortalLink, SnapTradeConnector};
pub use config::SnapTradeConfig;
pub use credential::{SnapTradeCredential, SnapTradeUser};
