//! `BrokerageService`'s methods over `net_worth` (the state lives in `net_worth.rs`).

use crate::error::ServiceError;
use crate::net_worth::*;
use crate::net_worth_store::Snapshot;
use crate::service::BrokerageService;
use brokerdesk_model::net_worth::{NetWorthHistory, NetWorthQuery, totals};
use brokerdesk_model::{AccountSnapshot, TradingMode};
use brokerdesk_vault::Action;
use chrono::{TimeDelta, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;

impl BrokerageService {
    /// Stores the equity of the accounts a refresh read. A failure is logged, never the
    /// refresh's: the overview still shows.
    pub(crate) async fn record_net_worth(&self, accounts: &[AccountSnapshot]) {
        let snapshots: Vec<Snapshot> = accounts.iter().filter_map(snapshot_of).collect();
        if snapshots.is_empty() {
            return;
        }
        let recorded = self
            .inner
            .net_worth
            .run(move |s| s.record(&snapshots, Utc::now()))
            .await;
        if let Err(err) = recorded {
            tracing::warn!(error = %err, "net worth snapshot not stored");
            return;
        }
        // Back-fill in the background; the refresh does not wait for vendors' history. Only
        // where a connection offers one, and holding the service weakly: a background task
        // must not keep a dropped service (and its sandbox) alive.
        let offered = self
            .connections()
            .await
            .iter()
            .any(|c| c.equity_history().is_some());
        if !offered {
            return;
        }
        if let Ok(running) = Arc::clone(&self.inner.net_worth.backfilling).try_lock_owned() {
            let service = Arc::downgrade(&self.inner);
            let accounts = accounts.to_vec();
            tokio::spawn(async move {
                if let Some(inner) = service.upgrade() {
                    BrokerageService { inner }
                        .backfill_accounts(&accounts)
                        .await;
                }
                drop(running);
            });
        }
    }

    /// Reads the vendor's history of each of `accounts` that needs it (never back-filled, or
    /// a gap) from connections that offer it, waiting for one under way. Answers how many
    /// rows were added.
    #[cfg(test)]
    pub(crate) async fn backfill_net_worth(&self, accounts: &[AccountSnapshot]) -> usize {
        let _running = self.inner.net_worth.backfilling.lock().await;
        self.backfill_accounts(accounts).await
    }

    async fn backfill_accounts(&self, accounts: &[AccountSnapshot]) -> usize {
        let connections = self.connections().await;
        let mut added = 0;
        for a in accounts {
            let Some(snapshot) = snapshot_of(a) else {
                continue;
            };
            let Some(history) = connections
                .iter()
                .find(|c| c.id == snapshot.key.connection)
                .and_then(|c| c.equity_history())
            else {
                continue;
            };
            let earliest = Utc::now() - TimeDelta::days(365 * BACKFILL_YEARS);
            let key = snapshot.key.clone();
            let since = match self
                .inner
                .net_worth
                .run(move |s| s.backfill_from(&key, earliest))
                .await
            {
                Ok(Some(since)) => since,
                Ok(None) => continue,
                Err(err) => {
                    tracing::warn!(error = %err, "net worth back-fill not checked");
                    continue;
                }
            };
            let points = match history.equity_history(&a.account_id, since).await {
                Ok(points) => points,
                Err(err) => {
                    // Tried again at a later refresh (the account is still not back-filled).
                    tracing::warn!(connection = %a.connection.id, error = %err, "equity history not read");
                    continue;
                }
            };
            match self
                .inner
                .net_worth
                .run(move |s| s.backfill(&snapshot, &points, Utc::now()))
                .await
            {
                Ok(n) => added += n,
                Err(err) => tracing::warn!(error = %err, "net worth back-fill not stored"),
            }
        }
        added
    }

    /// The net worth chart's data: each account's series over the range and the totals,
    /// live and paper apart, per currency.
    pub async fn net_worth_history(
        &self,
        query: NetWorthQuery,
    ) -> Result<NetWorthHistory, ServiceError> {
        self.guard(Action::Read)?;
        let until = Utc::now();
        let since = query.range.since(until);
        let wanted = query.account.clone();
        let include_paper = query.include_paper;
        let accounts = self
            .inner
            .net_worth
            .run(move |s| {
                let rows = s
                    .rows(since)?
                    .into_iter()
                    .filter(|r| wanted.as_ref().is_none_or(|w| *w == r.key))
                    .filter(|r| include_paper || r.mode == TradingMode::Live)
                    .collect();
                let mut series = series(rows);
                for a in &mut series {
                    let facts = s.facts(&a.key)?;
                    a.first_seen = facts.first_seen;
                    a.backfilled = facts.backfilled;
                }
                Ok(series)
            })
            .await?;
        let overflow = || ServiceError::Internal("net worth total overflows".into());
        let live_totals = totals(&accounts, TradingMode::Live).ok_or_else(overflow)?;
        let paper_totals = if include_paper {
            totals(&accounts, TradingMode::Paper).ok_or_else(overflow)?
        } else {
            BTreeMap::new()
        };
        Ok(NetWorthHistory {
            range: query.range,
            since,
            until,
            accounts,
            live_totals,
            paper_totals,
        })
    }
}
