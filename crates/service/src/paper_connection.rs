//! The local paper exchange as a connection like any other.

use async_trait::async_trait;
use brokerdesk_connectors::{ConnectorError, Portfolio};
use brokerdesk_model::{AccountId, Balances, Position};
use brokerdesk_paper::{PaperError, PaperExchange};
use std::sync::{Arc, Mutex, MutexGuard};

pub struct PaperConnection {
    exchange: Arc<Mutex<PaperExchange>>,
}

impl PaperConnection {
    pub fn new(exchange: PaperExchange) -> Self {
        Self {
            exchange: Arc::new(Mutex::new(exchange)),
        }
    }

    fn lock(&self) -> Result<MutexGuard<'_, PaperExchange>, ConnectorError> {
        // A poisoned lock means a panic mid-update; refuse rather than serve a torn state.
        self.exchange
            .lock()
            .map_err(|_| ConnectorError::Unavailable("the paper exchange stopped".into()))
    }
}

fn map_err(err: PaperError) -> ConnectorError {
    match err {
        PaperError::UnknownAccount(id) => ConnectorError::UnknownAccount(id),
    }
}

#[async_trait]
impl Portfolio for PaperConnection {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(self.lock()?.account_ids())
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        self.lock()?.balances(account).map_err(map_err)
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        self.lock()?.positions(account).map_err(map_err)
    }
}
