//! The local paper exchange: the embedded default that lets anyone trade with no account.
//!
//! - [`engine`]: the pure, deterministic matching engine (`apply(command) -> events`).
//! - [`quotes`]: market data sources behind one trait (seeded simulation, CSV replay, live).
//! - [`store`]: the SQLite (WAL) journal that makes the exchange survive restarts and crashes.
//! - [`server`]: the Alpaca-compatible HTTP/WebSocket API ([`serve`]).
//! - [`credentials`]: the sandbox's per-install API key pair.

mod bytes;
pub mod credentials;
pub mod engine;
pub mod quotes;
pub mod server;
pub mod store;

pub use credentials::{CredentialsError, SandboxCredentials};
pub use quotes::ReplayEnd;
pub use server::{
    Credential, PriceSource, Sandbox, SandboxConfig, SandboxError, serve, serve_with_shutdown,
};
