//! Order and market types the capability traits speak. They belong in `brokerdesk-model` (serde,
//! rust_decimal and chrono only, no I/O) and live here until they move.

pub mod account;
pub mod market;
pub mod order;
pub mod payments;

pub use account::{Activity, ActivityPage, Asset, HistoryPoint, MarketClock, PortfolioHistory};
pub use market::{Bar, Quote, Snapshot, Trade};
pub use order::{
    Order, OrderFilter, OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderStatusFilter,
    OrderType, ReplaceRequest, TimeInForce,
};
pub use payments::{PaymentBalance, PaymentTransaction, TransactionPage, TransactionQuery};
