//! Alpaca: Trading API v2 and Market Data API v2, for live, Alpaca's paper environment and the
//! local paper sandbox alike (only the base URLs differ).

pub mod activity;
pub mod adapter;
pub mod config;
pub mod credential;
pub mod descriptor;
pub mod equity_history;
pub mod http;
pub mod websocket;

pub use adapter::AlpacaConnector;
pub use config::AlpacaConfig;
pub use credential::AlpacaCredential;
