//! The Stripe connector: our types in, our types out, over the raw endpoints.

use super::config::StripeConfig;
use super::credential::{StripeKey, StripeMode};
use super::http::client::{GetBalance, GetBalanceTransaction, ListBalanceTransactions};
use super::http::error::to_connector;
use super::http::models::BalanceTransaction;
use super::http::parse::{self, Cursor};
use super::http::{StripeHttp, StripePost};
use crate::ConnectorError;
use crate::capability::{AccountActivity, Payments};
use crate::http::{HttpError, LatencySnapshot};
use crate::types::{
    ActivityPage, PaymentBalance, PaymentTransaction, TransactionPage, TransactionQuery,
};
use async_trait::async_trait;
use brokerdesk_model::AccountId;

/// The account id of a key's own account. Stripe's balance replies do not name the account,
/// and reading it (`GET /v1/account`) needs a permission restricted keys often lack.
pub const OWN_ACCOUNT: &str = "self";

#[derive(Debug)]
pub struct StripeConnector {
    http: StripeHttp,
    mode: StripeMode,
    account: AccountId,
    default_page_size: u32,
}

impl StripeConnector {
    pub fn new(config: StripeConfig, key: StripeKey) -> Result<Self, ConnectorError> {
        let mode = key.mode();
        let account = AccountId::new(config.connect_account.as_deref().unwrap_or(OWN_ACCOUNT));
        Ok(Self {
            http: StripeHttp::new(&config, key)?,
            mode,
            account,
            default_page_size: config.default_page_size,
        })
    }

    /// Test mode or live mode, from the key's prefix: the UI shows it like paper vs live.
    pub fn mode(&self) -> StripeMode {
        self.mode
    }

    /// The Connect account id (`acct_…`) when acting for one, else [`OWN_ACCOUNT`].
    pub fn account(&self) -> &AccountId {
        &self.account
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
    }

    pub fn raw(&self) -> &StripeHttp {
        &self.http
    }

    /// Sends a write with its idempotency key (see [`StripePost`]).
    pub async fn post(&self, post: &StripePost) -> Result<serde_json::Value, ConnectorError> {
        self.http.post(post).await.map_err(to_connector)
    }

    /// One balance transaction by id; `None` when Stripe has none (404).
    pub async fn transaction(
        &self,
        id: &str,
    ) -> Result<Option<PaymentTransaction>, ConnectorError> {
        match self.http.get(&GetBalanceTransaction(id.to_owned())).await {
            Ok(t) => parse::transaction(&t).map(Some),
            Err(HttpError::Status { status: 404, .. }) => Ok(None),
            Err(e) => Err(to_connector(e)),
        }
    }

    /// One page of balance transactions and the cursor to the next.
    async fn list(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<(Vec<BalanceTransaction>, Option<String>), ConnectorError> {
        self.check(account)?;
        let (starting_after, created_gte, created_lte) = match &query.cursor {
            Some(c) => {
                let c = Cursor::decode(c)?;
                (Some(c.starting_after), c.created_gte, c.created_lte)
            }
            None => (
                None,
                query.since.map(|t| t.timestamp()),
                query.until.map(|t| t.timestamp()),
            ),
        };
        let list = self
            .http
            .get(&ListBalanceTransactions {
                limit: query.limit.unwrap_or(self.default_page_size).clamp(1, 100),
                starting_after,
                created_gte,
                created_lte,
            })
            .await
            .map_err(to_connector)?;
        let next_cursor = match (list.has_more, list.data.last()) {
            (true, Some(last)) => Some(
                Cursor {
                    starting_after: last.id.clone(),
                    created_gte,
                    created_lte,
                }
                .encode(),
            ),
            _ => None,
        };
        Ok((list.data, next_cursor))
    }

    fn check(&self, account: &AccountId) -> Result<(), ConnectorError> {
        if *account == self.account {
            Ok(())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }
}

#[async_trait]
impl Payments for StripeConnector {
    /// Per currency: `available` and `pending` (which can be negative after refunds).
    async fn payment_balances(
        &self,
        account: &AccountId,
    ) -> Result<Vec<PaymentBalance>, ConnectorError> {
        self.check(account)?;
        let b = self.http.get(&GetBalance).await.map_err(to_connector)?;
        Ok(parse::balance(&b))
    }

    /// Balance transactions, newest first (Stripe's order). A cursor carries the time filters
    /// of the first page, so `since`/`until` are read only when there is no cursor.
    async fn transactions(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ConnectorError> {
        let (list, next_cursor) = self.list(account, query).await?;
        let transactions = list
            .iter()
            .map(parse::transaction)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TransactionPage {
            transactions,
            next_cursor,
        })
    }
}

#[async_trait]
impl AccountActivity for StripeConnector {
    /// The same balance transactions, each with its kind (payout, payment, refund, fee,
    /// transfer) from Stripe's `type`.
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        let (list, next_cursor) = self.list(account, query).await?;
        let entries = list
            .iter()
            .map(|t| parse::activity(t, account))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ActivityPage {
            entries,
            next_cursor,
        })
    }
}
