//! Net worth over time, the service side: every refresh that reads an account stores its
//! equity (`net_worth_store`), the vendors' own history is read in once per account (and again
//! over a gap the app was closed for), and `net_worth_history` answers series per account and
//! totals per mode and currency. The store is used off the async threads, one call at a time.

use crate::error::ServiceError;
use crate::net_worth_store::{NetWorthStore, Snapshot, StoredRow};
use crate::service::BrokerageService;
use brokerdesk_model::net_worth::{
    AccountKey, AccountSeries, NetWorthHistory, NetWorthQuery, totals,
};
use brokerdesk_model::{AccountSnapshot, TradingMode};
use brokerdesk_vault::Action;
use chrono::{TimeDelta, Utc};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// How far back a first back-fill asks the vendor.
const BACKFILL_YEARS: i64 = 10;

pub(crate) struct NetWorthState {
    store: Arc<Mutex<NetWorthStore>>,
    /// One back-fill at a time (a refresh starts one when none runs).
    backfilling: Arc<tokio::sync::Mutex<()>>,
}

fn stopped() -> ServiceError {
    ServiceError::Internal("the net worth store stopped after an internal error".into())
}

impl NetWorthState {
    pub(crate) fn open(data_dir: &Path) -> Result<Self, ServiceError> {
        Ok(Self {
            store: Arc::new(Mutex::new(NetWorthStore::open(&data_dir.join(FILE))?)),
            backfilling: Arc::new(tokio::sync::Mutex::new(())),
        })
    }

    /// Runs `work` on the store off the async threads.
    async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut NetWorthStore) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().map_err(|_| stopped())?;
            work(&mut store)
        })
        .await
        .map_err(|_| stopped())?
    }
}

/// The store's file in the data folder.
pub const FILE: &str = "net_worth.sqlite3";

/// Stores snapshots in the history of the data folder `data_dir` (used before the app starts:
/// imports, and the end-to-end test's seeded history). Blocking.
pub fn import_net_worth(data_dir: &Path, snapshots: &[Snapshot]) -> Result<(), ServiceError> {
    NetWorthStore::open(&data_dir.join(FILE))?.record(snapshots, Utc::now())
}

/// The snapshot a refresh stores for an account; none when its balance is unknown.
fn snapshot_of(a: &AccountSnapshot) -> Option<Snapshot> {
    if a.balance_unknown.is_some() {
        return None;
    }
    Some(Snapshot {
        key: AccountKey {
            connection: a.connection.id.clone(),
            account: a.account_id.clone(),
        },
        connection_name: a.connection.display_name.clone(),
        mode: a.mode,
        currency: a.balances.currency.clone(),
        time: a.as_of,
        equity: a.balances.equity,
    })
}

/// Stored rows as series: one per account, mode and currency (an account whose currency or
/// mode changed gets a series for each, never a mixed one).
fn series(rows: Vec<StoredRow>) -> Vec<AccountSeries> {
    let mut by: BTreeMap<(AccountKey, String, bool), AccountSeries> = BTreeMap::new();
    for r in rows {
        let paper = r.mode == TradingMode::Paper;
        by.entry((r.key.clone(), r.currency.clone(), paper))
            .or_insert_with(|| AccountSeries {
                key: r.key,
                connection_name: r.connection_name,
                mode: r.mode,
                currency: r.currency,
                points: Vec::new(),
                first_seen: None,
                backfilled: false,
            })
            .points
            .push(r.point);
    }
    by.into_values().collect()
}

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

/// When a stored time is (for the tests).
#[cfg(test)]
pub(crate) fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}
