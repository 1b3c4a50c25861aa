//! Net worth over time, the service side: every refresh that reads an account stores its
//! equity (`net_worth_store`), the vendors' own history is read in once per account (and again
//! over a gap the app was closed for), and `net_worth_history` answers series per account and
//! totals per mode and currency. The store is used off the async threads, one call at a time.

use crate::error::ServiceError;
use crate::net_worth_store::{NetWorthStore, Snapshot, StoredRow};
use brokerdesk_model::net_worth::{AccountKey, AccountSeries};
use brokerdesk_model::{AccountSnapshot, TradingMode};
use chrono::Utc;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// How far back a first back-fill asks the vendor.
pub(crate) const BACKFILL_YEARS: i64 = 10;

pub(crate) struct NetWorthState {
    pub(crate) store: Arc<Mutex<NetWorthStore>>,
    /// One back-fill at a time (a refresh starts one when none runs).
    pub(crate) backfilling: Arc<tokio::sync::Mutex<()>>,
}

pub(crate) fn stopped() -> ServiceError {
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
    pub(crate) async fn run<T: Send + 'static>(
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
pub(crate) fn snapshot_of(a: &AccountSnapshot) -> Option<Snapshot> {
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
pub(crate) fn series(rows: Vec<StoredRow>) -> Vec<AccountSeries> {
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

/// When a stored time is (for the tests).
#[cfg(test)]
pub(crate) fn at(s: &str) -> chrono::DateTime<Utc> {
    chrono::DateTime::parse_from_rfc3339(s)
        .expect("an RFC 3339 time")
        .with_timezone(&Utc)
}
