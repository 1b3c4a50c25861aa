//! The PayPal connector: our types in, our types out, over the raw endpoints. It owns the
//! bearer token's lifetime: fetched on first use, replaced shortly before `expires_in` runs
//! out, and fetched again once when PayPal answers 401 (a token can die early, e.g. when the
//! app's permissions change).

use super::config::PayPalConfig;
use super::credential::PayPalCredential;
use super::http::PayPalHttp;
use super::http::client::{GetBalances, ListTransactions, RequestToken};
use super::http::error::to_connector;
use super::http::models::TransactionDetail;
use super::http::parse::{self, MAX_WINDOW, Walk};
use crate::ConnectorError;
use crate::capability::{AccountActivity, Payments};
use crate::http::{Endpoint, HttpError, LatencySnapshot};
use crate::types::{ActivityPage, PaymentBalance, TransactionPage, TransactionQuery};
use async_trait::async_trait;
use brokerdesk_model::AccountId;
use chrono::{DateTime, TimeZone, Utc};
use secrecy::SecretString;
use std::time::Duration;
use tokio::sync::{Mutex, OnceCell};
use tokio::time::Instant;

/// Used when PayPal's balances reply names no account (the field is optional in the spec).
pub const UNNAMED_ACCOUNT: &str = "paypal";

/// The longest token lifetime believed: PayPal issues about nine hours, and a larger
/// `expires_in` (up to `u64::MAX` seconds) must neither overflow the clock nor keep a token
/// for ever.
const MAX_TOKEN_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

#[derive(Debug, Default)]
struct TokenState {
    /// Bumped with every fetched token, so concurrent 401s on one token fetch one new token.
    generation: u64,
    refresh_at: Option<Instant>,
}

#[derive(Debug)]
pub struct PayPalConnector {
    http: PayPalHttp,
    config: PayPalConfig,
    /// Held while a token is fetched: concurrent callers wait for that one token.
    token: Mutex<TokenState>,
    /// PayPal serves one account per credential; its id is learnt from the balances reply.
    account: OnceCell<AccountId>,
}

impl PayPalConnector {
    pub fn new(config: PayPalConfig, credential: PayPalCredential) -> Result<Self, ConnectorError> {
        let http = PayPalHttp::new(&config, &credential)?;
        Ok(Self {
            http,
            config,
            token: Mutex::new(TokenState::default()),
            account: OnceCell::new(),
        })
    }

    pub fn is_sandbox(&self) -> bool {
        self.config.is_sandbox()
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
    }

    pub fn raw(&self) -> &PayPalHttp {
        &self.http
    }

    /// The one account this credential reads.
    pub async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(vec![self.account_id().await?.clone()])
    }

    async fn account_id(&self) -> Result<&AccountId, ConnectorError> {
        self.account
            .get_or_try_init(|| async {
                let b = self.call(&GetBalances::default()).await?;
                Ok::<_, ConnectorError>(account_of(&b))
            })
            .await
    }

    async fn check(&self, account: &AccountId) -> Result<(), ConnectorError> {
        if self.account_id().await? == account {
            Ok(())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }

    /// A valid token's generation, fetching one when there is none or it is about to expire.
    async fn ensure_token(&self, stale: Option<u64>) -> Result<u64, ConnectorError> {
        let Some(client) = &self.http.token else {
            return Ok(0);
        };
        let mut state = self.token.lock().await;
        let fresh = state.refresh_at.is_some_and(|t| Instant::now() < t);
        let replaced = stale.is_some_and(|g| g != state.generation);
        if self.http.bearer.is_set() && fresh && (stale.is_none() || replaced) {
            return Ok(state.generation);
        }
        let token = client.send(&RequestToken).await.map_err(|e| match e {
            // invalid_client: the id or secret is wrong or revoked.
            HttpError::Status {
                status: 400 | 401,
                message,
                ..
            } => ConnectorError::NeedsSignIn(format!(
                "PayPal refused the REST app's client id and secret: {message}"
            )),
            other => other.into(),
        })?;
        let lifetime = Duration::from_secs(token.expires_in.unwrap_or(0)).min(MAX_TOKEN_LIFETIME);
        // Checked: no refresh time at all (fetch again next call) rather than a panic.
        state.refresh_at =
            Instant::now().checked_add(lifetime.saturating_sub(self.config.token_refresh_margin));
        self.http
            .bearer
            .set(Some(SecretString::from(token.access_token)));
        state.generation += 1;
        tracing::debug!(generation = state.generation, ?lifetime, "paypal token");
        Ok(state.generation)
    }

    /// Sends with a valid token; on 401 fetches a new token once and sends again.
    async fn call<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, ConnectorError> {
        let generation = self.ensure_token(None).await?;
        match self.http.send(endpoint).await {
            Err(HttpError::Status { status: 401, .. }) if self.http.token.is_some() => {
                self.ensure_token(Some(generation)).await?;
                self.http.send(endpoint).await.map_err(to_connector)
            }
            other => other.map_err(to_connector),
        }
    }
}

impl PayPalConnector {
    /// One page of the transaction search (see `Payments::transactions` for the walk) and
    /// the cursor to the next.
    async fn search(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<(Vec<TransactionDetail>, Option<String>), ConnectorError> {
        self.check(account).await?;
        let mut walk = match &query.cursor {
            Some(c) => Walk::decode(c)?,
            None => {
                let until = whole_seconds(query.until.unwrap_or_else(Utc::now));
                let since = whole_seconds(
                    query
                        .since
                        .unwrap_or(until - MAX_WINDOW + chrono::Duration::seconds(1)),
                );
                if since > until {
                    return Ok((Vec::new(), None));
                }
                Walk {
                    since,
                    window_end: until,
                    page: 1,
                    page_size: query
                        .limit
                        .unwrap_or(self.config.default_page_size)
                        .clamp(1, 500),
                }
            }
        };
        loop {
            let reply = self
                .call(&ListTransactions {
                    start_date: parse::wire_time(walk.window_start()),
                    end_date: parse::wire_time(walk.window_end),
                    page: walk.page,
                    page_size: walk.page_size,
                })
                .await?;
            let transactions = reply.transaction_details;
            let full = u32::try_from(transactions.len()).unwrap_or(u32::MAX) >= walk.page_size;
            // total_pages is optional; a full page without it may have a successor.
            let total = reply
                .total_pages
                .unwrap_or(if full { walk.page + 1 } else { walk.page });
            let next = walk.next(total);
            match next {
                Some(n) if transactions.is_empty() => walk = n,
                _ => {
                    return Ok((transactions, next.map(|n| n.encode())));
                }
            }
        }
    }
}

fn account_of(b: &super::http::models::Balances) -> AccountId {
    AccountId::new(b.account_id.as_deref().unwrap_or(UNNAMED_ACCOUNT))
}

fn whole_seconds(t: DateTime<Utc>) -> DateTime<Utc> {
    Utc.timestamp_opt(t.timestamp(), 0).single().unwrap_or(t)
}

#[async_trait]
impl Payments for PayPalConnector {
    /// Per currency: `available_balance` (or the total when PayPal leaves it out) and
    /// `withheld_balance` as pending.
    async fn payment_balances(
        &self,
        account: &AccountId,
    ) -> Result<Vec<PaymentBalance>, ConnectorError> {
        let b = self.call(&GetBalances::default()).await?;
        let owner = self.account.get_or_init(|| async { account_of(&b) }).await;
        if owner != account {
            return Err(ConnectorError::UnknownAccount(account.clone()));
        }
        Ok(parse::balances(&b))
    }

    /// Newest window first. PayPal answers at most 31 days per request, so a longer range is
    /// read window by window; the cursor records the range, window and page, and windows
    /// without transactions are skipped within one call. Without `since`, the last 31 days;
    /// without `until`, up to now (PayPal lists a transaction up to 3 hours late).
    async fn transactions(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ConnectorError> {
        let (details, next_cursor) = self.search(account, query).await?;
        let transactions = details
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
impl AccountActivity for PayPalConnector {
    /// The same walk through 31-day windows, each transaction with its kind from PayPal's
    /// event code and the payer as the counterparty.
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        let (details, next_cursor) = self.search(account, query).await?;
        let entries = details
            .iter()
            .map(|d| parse::activity(d, account))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ActivityPage {
            entries,
            next_cursor,
        })
    }
}
