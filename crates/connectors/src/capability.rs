//! The capability traits of DESIGN.md. Trading, MarketData and Payments arrive with the
//! connector issues; Portfolio is what every account can do.

use crate::error::ConnectorError;
use async_trait::async_trait;
use brokerdesk_model::{AccountId, Balances, Position};

/// Read access to an institution's accounts, balances and positions.
#[async_trait]
pub trait Portfolio: Send + Sync {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError>;
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError>;
    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError>;
}
