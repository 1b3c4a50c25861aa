//! `BrokerageService`: the one core behind both fronts (the desktop app and the CLI).
//!
//! It owns the connections, fans requests out to them concurrently, and turns every failure
//! into an error code the fronts can act on. It knows nothing about Tauri or terminals.

mod activity;
mod activity_api;
mod activity_csv;
mod activity_store;
#[cfg(test)]
mod activity_tests;
mod assistant_audit;
mod assistant_clients;
mod assistant_consent;
mod assistant_consent_api;
mod atomic_file;
mod authorization;
#[cfg(test)]
mod broker_orders_tests;
mod browser_flows;
mod config;
mod connection;
mod connection_record;
mod error;
pub mod events;
mod flows_api;
pub mod fx_rates;
mod fx_rates_api;
mod journal;
mod key_connections;
#[cfg(test)]
mod key_connections_tests;
mod listening;
#[cfg(test)]
mod live_guard_tests;
mod net_worth;
mod net_worth_api;
mod net_worth_store;
#[cfg(test)]
mod net_worth_tests;
#[cfg(test)]
mod oauth_flow_tests;
mod oauth_tokens;
mod opening;
mod order_size;
mod order_warnings;
mod order_warnings_api;
mod orders;
mod orders_journal;
pub mod paper_connection;
mod position_detail;
#[cfg(test)]
mod position_detail_tests;
mod pricing;
mod quoting;
mod reconcile;
mod reconciling;
mod registry;
mod registry_v2;
mod resets_followed;
mod sandbox_controls;
mod sandbox_controls_api;
#[cfg(test)]
mod sandbox_controls_tests;
mod sandbox_resets;
mod secret_scan;
mod service;
#[cfg(test)]
mod service_tests;
mod session;
mod settings;
#[cfg(test)]
mod streams_tests;
mod supervisor;
#[cfg(test)]
mod test_support;
mod vault_access;
#[cfg(test)]
mod vault_tests;

pub use assistant_consent::{AnswerWaiter, Answered, AssistantOrderOutcome, WaitOutcome};
pub use assistant_consent_api::AssistantPeer;
/// The paper exchange's options, for `brokerdesk sandbox serve`.
pub use brokerdesk_paper::{
    PriceSource, ReplayEnd, SandboxConfig, SandboxCredentials, engine::CalendarKind,
    store::Durability,
};
pub use browser_flows::{OAUTH_CLIENT_LABEL, OAuthOverrides, oauth_vendors};
pub use config::{DEFAULT_SANDBOX_ADDR, ServiceConfig};
pub use connection::{AccountModes, ConnectionParts, LatencyProbe};
pub use error::{LargeOrder, ServiceError};
/// The vendors' registry: the catalog and each vendor's ways to connect, for the fronts.
pub use flows_api::vendor_catalog;
pub use net_worth::{FILE as NET_WORTH_FILE, import_net_worth};
pub use net_worth_store::Snapshot as NetWorthSnapshot;
pub use oauth_tokens::VaultTokenStore;
pub use paper_connection::{PaperOpenError, serve_sandbox};
pub use service::{BrokerageService, LOCAL_PAPER_CONNECTION};
pub use vault_access::VaultAccess;
