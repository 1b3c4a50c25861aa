//! Domain types shared by every Brokerdesk crate and by the wasm UI.
//!
//! This crate is the one definition of every type that crosses IPC: the backend serialises it,
//! the UI deserialises the very same struct. It must therefore stay free of I/O, async runtimes
//! and anything that does not compile for `wasm32-unknown-unknown`.

pub mod account;
pub mod activity;
pub mod allocation;
pub mod app_info;
pub mod assistant;
pub mod catalog;
pub mod chart;
pub mod connection;
pub mod error;
pub mod event;
pub mod fx;
pub mod ids;
pub mod ipc;
pub mod key_fields;
pub mod market;
pub mod money;
pub mod net_worth;
pub mod order;
pub mod position;
pub mod position_detail;
pub mod reconcile;
pub mod sandbox;
pub mod search;
pub mod settings;
pub mod ticket_form;
pub mod trading;
pub mod vault;
pub mod vendors;

pub use account::{AccountSnapshot, AccountsOverview, BalanceUnknown, Balances, PriceSource};
pub use activity::{
    ActivityCursor, ActivityEntry, ActivityFilter, ActivityKind, ActivityList, ActivityRow,
    ActivityStatus, ActivitySyncError,
};
pub use app_info::AppInfo;
pub use assistant::{
    AllowedAssistant, AssistantAsk, AssistantCall, AssistantQuestion, CallOutcome, ConsentAnswer,
    LiveOrderAsk, OrderDecision,
};
pub use connection::{
    AlpacaEnvironment, ApiKeyConnectionArgs, ConnectionStatus, ConnectionSummary, IbkrGatewayArgs,
    KeyConnectionArgs, OAuthStarted, TradingMode,
};
pub use error::{ErrorCode, IpcError};
pub use event::ServiceEvent;
pub use ids::{AccountId, ClientOrderId, ConnectionId, OrderId, Symbol, VendorId};
pub use market::Quote;
pub use order::{Order, OrderQuantity, OrderSide, OrderStatus, OrderType, TimeInForce};
pub use position::{AssetClass, Position, PositionSide};
pub use reconcile::{BreakKind, ReconciliationBreak};
pub use settings::{NotificationSettings, Settings, Theme};
pub use ticket_form::{QuantityKind, TicketField, TicketForm};
pub use trading::{BlotterEntry, OrderPlacement, OrderTicket, OrderWarnings};
