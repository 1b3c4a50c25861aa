//! Domain types shared by every Brokerdesk crate and by the wasm UI.
//!
//! This crate is the one definition of every type that crosses IPC: the backend serialises it,
//! the UI deserialises the very same struct. It must therefore stay free of I/O, async runtimes
//! and anything that does not compile for `wasm32-unknown-unknown`.

pub mod account;
pub mod app_info;
pub mod catalog;
pub mod connection;
pub mod error;
pub mod ids;
pub mod ipc;
pub mod money;
pub mod order;
pub mod position;
pub mod search;
pub mod vault;

pub use account::{AccountSnapshot, AccountsOverview, Balances};
pub use app_info::AppInfo;
pub use connection::{ConnectionStatus, ConnectionSummary, TradingMode};
pub use error::{ErrorCode, IpcError};
pub use ids::{AccountId, ClientOrderId, ConnectionId, OrderId, Symbol, VendorId};
pub use position::{Position, PositionSide};
