//! Orders: what we ask for and what the broker reports. Defined in `brokerdesk-model` (the UI
//! shows them); re-exported here because the capability traits speak them.

pub use brokerdesk_model::order::{
    Order, OrderFilter, OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderStatusFilter,
    OrderType, ReplaceRequest, TimeInForce,
};
