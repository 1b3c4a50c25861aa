//! The Square connector: our types in, our types out, over the raw endpoints. Its accounts
//! are the seller's locations: payments are listed per location.

use super::config::SquareConfig;
use super::credential::SquareCredential;
use super::http::SquareHttp;
use super::http::client::{ListLocations, ListPayments, ListPayouts};
use super::http::error::to_connector;
use super::http::parse::{self, ActivityCursor, Cursor};
use crate::ConnectorError;
use crate::capability::{AccountActivity, Payments};
use crate::http::LatencySnapshot;
use crate::types::{ActivityPage, PaymentBalance, TransactionPage, TransactionQuery};
use async_trait::async_trait;
use brokerdesk_model::AccountId;
use chrono::SecondsFormat;
use tokio::sync::OnceCell;

/// Why a Square connection shows no balance; the UI can show this text as it is.
pub const BALANCES_UNAVAILABLE: &str = "Square has no balance endpoint — see payments and \
    payouts in Activity (the Square Dashboard shows the balance).";

/// A seller location, as the connection's accounts list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SquareLocation {
    pub id: AccountId,
    pub name: Option<String>,
    pub currency: Option<String>,
    /// `ACTIVE` or `INACTIVE`.
    pub status: Option<String>,
}

#[derive(Debug)]
pub struct SquareConnector {
    http: SquareHttp,
    config: SquareConfig,
    /// Learnt once per connection; locations change rarely and a new one needs a reconnect.
    locations: OnceCell<Vec<SquareLocation>>,
}

impl SquareConnector {
    pub fn new(config: SquareConfig, credential: SquareCredential) -> Result<Self, ConnectorError> {
        Ok(Self {
            http: SquareHttp::new(&config, credential)?,
            config,
            locations: OnceCell::new(),
        })
    }

    pub fn is_sandbox(&self) -> bool {
        self.config.is_sandbox()
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
    }

    pub fn raw(&self) -> &SquareHttp {
        &self.http
    }

    pub async fn locations(&self) -> Result<&[SquareLocation], ConnectorError> {
        let all = self
            .locations
            .get_or_try_init(|| async {
                let reply = self.http.send(&ListLocations).await.map_err(to_connector)?;
                Ok::<_, ConnectorError>(
                    reply
                        .locations
                        .into_iter()
                        .map(|l| SquareLocation {
                            id: AccountId::new(l.id),
                            name: l.name.or(l.business_name),
                            currency: l.currency,
                            status: l.status,
                        })
                        .collect(),
                )
            })
            .await?;
        Ok(all.as_slice())
    }

    /// The locations' ids: each is an account of this connection.
    pub async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(self
            .locations()
            .await?
            .iter()
            .map(|l| l.id.clone())
            .collect())
    }

    async fn check(&self, account: &AccountId) -> Result<(), ConnectorError> {
        if self.locations().await?.iter().any(|l| l.id == *account) {
            Ok(())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }
}

#[async_trait]
impl Payments for SquareConnector {
    /// Always `BalanceUnknown::NotReported`, without asking Square: there is no balance to
    /// read. The note is [`BALANCES_UNAVAILABLE`], meant for the user; the account still shows
    /// (Connected), with its payments and payouts on the Activity page.
    async fn payment_balances(
        &self,
        _account: &AccountId,
    ) -> Result<Vec<PaymentBalance>, ConnectorError> {
        Err(ConnectorError::BalanceUnknown(
            brokerdesk_model::BalanceUnknown::NotReported {
                note: BALANCES_UNAVAILABLE.into(),
            },
        ))
    }

    /// The location's payments, newest first: amount is `total_money` (tip included), fee the
    /// sum of the processing fees known so far. A cursor carries the time range of the first
    /// page, so `since`/`until` are read only when there is no cursor. Without `since` Square
    /// looks back one year.
    async fn transactions(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ConnectorError> {
        self.check(account).await?;
        let rfc = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let (begin_time, end_time, cursor) = match &query.cursor {
            Some(c) => {
                let c = Cursor::decode(c)?;
                (c.begin_time, c.end_time, Some(c.square))
            }
            None => (query.since.map(rfc), query.until.map(rfc), None),
        };
        let reply = self
            .http
            .send(&ListPayments {
                location_id: account.as_str().to_owned(),
                begin_time: begin_time.clone(),
                end_time: end_time.clone(),
                cursor,
                limit: query
                    .limit
                    .unwrap_or(self.config.default_page_size)
                    .clamp(1, 100),
            })
            .await
            .map_err(to_connector)?;
        let transactions = reply
            .payments
            .iter()
            .map(parse::payment)
            .collect::<Result<Vec<_>, _>>()?;
        let next_cursor = reply.cursor.filter(|c| !c.is_empty()).map(|square| {
            Cursor {
                begin_time,
                end_time,
                square,
            }
            .encode()
        });
        Ok(TransactionPage {
            transactions,
            next_cursor,
        })
    }
}

#[async_trait]
impl AccountActivity for SquareConnector {
    /// The location's payments (money in) and payouts (money out to the bank), one page of
    /// each read at once and merged newest first; the cursor continues each source where it
    /// stopped (a source read to the end is not asked again). Ordering holds within a page;
    /// the service keeps entries by id, so pages need not interleave exactly.
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        self.check(account).await?;
        let rfc = |t: chrono::DateTime<chrono::Utc>| t.to_rfc3339_opts(SecondsFormat::Millis, true);
        let (begin_time, end_time, payments_cursor, payouts_cursor, first) = match &query.cursor {
            Some(c) => {
                let c = ActivityCursor::decode(c)?;
                (c.begin_time, c.end_time, c.payments, c.payouts, false)
            }
            None => (query.since.map(rfc), query.until.map(rfc), None, None, true),
        };
        let limit = query
            .limit
            .unwrap_or(self.config.default_page_size)
            .clamp(1, 100);
        let location_id = account.as_str().to_owned();
        let payments = async {
            if !first && payments_cursor.is_none() {
                return Ok(None);
            }
            self.http
                .send(&ListPayments {
                    location_id: location_id.clone(),
                    begin_time: begin_time.clone(),
                    end_time: end_time.clone(),
                    cursor: payments_cursor.clone(),
                    limit,
                })
                .await
                .map(Some)
                .map_err(to_connector)
        };
        let payouts = async {
            if !first && payouts_cursor.is_none() {
                return Ok(None);
            }
            self.http
                .send(&ListPayouts {
                    location_id: location_id.clone(),
                    begin_time: begin_time.clone(),
                    end_time: end_time.clone(),
                    cursor: payouts_cursor.clone(),
                    limit,
                })
                .await
                .map(Some)
                .map_err(to_connector)
        };
        let (payments, payouts) = futures::future::try_join(payments, payouts).await?;
        let mut entries = Vec::new();
        let mut next_payments = None;
        let mut next_payouts = None;
        if let Some(reply) = payments {
            for p in &reply.payments {
                entries.push(parse::payment_activity(p, account)?);
            }
            next_payments = reply.cursor.filter(|c| !c.is_empty());
        }
        if let Some(reply) = payouts {
            for p in &reply.payouts {
                entries.push(parse::payout_activity(p, account)?);
            }
            next_payouts = reply.cursor.filter(|c| !c.is_empty());
        }
        entries.sort_by_key(|e| std::cmp::Reverse(e.time));
        let next_cursor = (next_payments.is_some() || next_payouts.is_some()).then(|| {
            ActivityCursor {
                begin_time,
                end_time,
                payments: next_payments,
                payouts: next_payouts,
            }
            .encode()
        });
        Ok(ActivityPage {
            entries,
            next_cursor,
        })
    }
}
