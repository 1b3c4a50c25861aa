//! `BrokerageService`: the one core behind both fronts (the desktop app and the CLI).
//!
//! It owns the connections, fans requests out to them concurrently, and turns every failure
//! into an error code the fronts can act on. It knows nothing about Tauri or terminals.

mod atomic_file;
mod config;
mod connection;
mod error;
pub mod events;
mod journal;
mod key_connections;
#[cfg(test)]
mod key_connections_tests;
#[cfg(test)]
mod live_guard_tests;
#[cfg(test)]
mod oauth_flow_tests;
mod oauth_flows;
mod oauth_tokens;
mod order_size;
mod orders;
pub mod paper_connection;
pub mod payment_portfolio;
pub mod portal_flows;
mod reconcile;
mod reconciling;
mod registry;
mod service;
#[cfg(test)]
mod service_tests;
mod settings;
mod supervisor;
mod vault_access;
#[cfg(test)]
mod vault_tests;

/// The paper exchange's options, for `brokerdesk sandbox serve`.
pub use brokerdesk_paper::{
    PriceSource, ReplayEnd, SandboxConfig, SandboxCredentials, engine::CalendarKind,
    store::Durability,
};
pub use config::{DEFAULT_SANDBOX_ADDR, ServiceConfig};
pub use connection::{AccountModes, ConnectionParts, LatencyProbe};
pub use error::ServiceError;
pub use oauth_flows::{OAUTH_CLIENT_LABEL, OAuthOverrides, oauth_vendors};
pub use oauth_tokens::VaultTokenStore;
pub use order_size::LargeOrder;
pub use paper_connection::{PaperOpenError, serve_sandbox};
pub use service::{BrokerageService, LOCAL_PAPER_CONNECTION};
pub use vault_access::VaultAccess;
