//! The capability traits of DESIGN.md. Each vendor implements only the ones it truly supports.

use crate::error::ConnectorError;
use crate::types::{
    Order, OrderFilter, OrderRequest, PaymentBalance, Quote, TransactionPage, TransactionQuery,
};
use async_trait::async_trait;
use brokerdesk_model::{AccountId, Balances, ClientOrderId, OrderId, Position, Symbol};

/// Read access to an institution's accounts, balances and positions.
#[async_trait]
pub trait Portfolio: Send + Sync {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError>;
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError>;
    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError>;
}

/// Placing and managing orders.
#[async_trait]
pub trait Trading: Send + Sync {
    /// Submits exactly once: after a timeout or a lost reply the connector looks the order up by
    /// its client order id before it sends again, and adopts an order that already exists.
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError>;
    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError>;
    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError>;
    /// `None` when the broker has no order with that client id.
    async fn order_by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError>;
}

/// Quotes.
#[async_trait]
pub trait MarketData: Send + Sync {
    /// Latest quotes; symbols the vendor has nothing for are left out.
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError>;
}

/// A payment account (PayPal, Stripe, Square): its balances and its transactions.
///
/// Transactions come newest first; `amount` is signed (money in is positive) and `fee` is what
/// the transaction cost. A page's `next_cursor` stands alone: passed back as
/// `TransactionQuery::cursor` it continues the same listing, and `since`/`until` are then not
/// read. Square reports no balance: its `payment_balances` is always a `Rejected` error whose
/// message says so for the user.
#[async_trait]
pub trait Payments: Send + Sync {
    async fn payment_balances(
        &self,
        account: &AccountId,
    ) -> Result<Vec<PaymentBalance>, ConnectorError>;
    async fn transactions(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ConnectorError>;
}
