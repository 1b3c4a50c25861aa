//! The Activity page's service side: syncing every connection's money movements into the
//! activity store, listing them in keyset pages and exporting them as CSV.
//!
//! Sync reads each account of each connection that declares `Capabilities::activity`, from
//! the newest stored time less an overlap (late-settling movements change status), newest
//! first, at most `MAX_PAGES` pages per account per sync. Connections are read concurrently;
//! one that fails is reported (and shown) without stopping the others. Nothing here knows a
//! vendor. The store is used off the async threads, one call at a time.

use crate::activity_store::ActivityStore;
use crate::error::ServiceError;
use brokerdesk_model::{ActivitySyncError, ConnectionId};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Pages read per account per sync (a first sync of a long history takes several syncs).
pub(crate) const MAX_PAGES: usize = 20;
/// Read again this far back from the newest stored movement.
pub(crate) const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::days(3);
/// Rows per page when the caller does not say, and at most.
pub(crate) const DEFAULT_LIMIT: usize = 100;
pub(crate) const MAX_LIMIT: usize = 1000;
/// The supervisor's slow sync.
pub(crate) const SYNC_EVERY: std::time::Duration = std::time::Duration::from_secs(300);

/// The store and the last sync's failures.
pub(crate) struct ActivityState {
    pub(crate) store: Arc<Mutex<ActivityStore>>,
    pub(crate) errors: Mutex<BTreeMap<ConnectionId, ActivitySyncError>>,
    /// One sync at a time: a second request waits and then reads what is still new.
    pub(crate) syncing: tokio::sync::Mutex<()>,
    pub(crate) exports: PathBuf,
}

pub(crate) fn stopped() -> ServiceError {
    ServiceError::Internal("the activity store stopped after an internal error".into())
}

impl ActivityState {
    pub(crate) fn open(data_dir: &Path) -> Result<Self, ServiceError> {
        Ok(Self {
            store: Arc::new(Mutex::new(ActivityStore::open(
                &data_dir.join("activity.sqlite3"),
            )?)),
            errors: Mutex::new(BTreeMap::new()),
            syncing: tokio::sync::Mutex::new(()),
            exports: data_dir.join("exports"),
        })
    }

    /// Runs `work` on the store off the async threads.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut ActivityStore) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || {
            let mut store = store.lock().map_err(|_| stopped())?;
            work(&mut store)
        })
        .await
        .map_err(|_| stopped())?
    }

    pub(crate) fn errors(&self) -> Vec<ActivitySyncError> {
        self.errors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .values()
            .cloned()
            .collect()
    }
}

/// What one connection's sync did: rows added or changed, or why it failed.
pub(crate) type Synced = Result<usize, String>;
