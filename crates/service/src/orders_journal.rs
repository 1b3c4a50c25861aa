//! `Orders`: the order journal (SQLite), used from async code without blocking it. Every use
//! runs on Tokio's blocking pool, one at a time (the journal is one SQLite connection).

use crate::error::ServiceError;
use crate::journal::Journal;
use std::sync::{Arc, Mutex};

#[derive(Clone)]
pub(crate) struct Orders {
    journal: Arc<Mutex<Journal>>,
}

fn stopped() -> ServiceError {
    ServiceError::Internal("the order journal stopped after an internal error".into())
}

impl Orders {
    pub(crate) fn new(journal: Journal) -> Self {
        Self {
            journal: Arc::new(Mutex::new(journal)),
        }
    }

    /// Runs `work` on the journal off the async threads.
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce(&mut Journal) -> Result<T, ServiceError> + Send + 'static,
    ) -> Result<T, ServiceError> {
        let journal = Arc::clone(&self.journal);
        tokio::task::spawn_blocking(move || {
            let mut journal = journal.lock().map_err(|_| stopped())?;
            work(&mut journal)
        })
        .await
        .map_err(|_| stopped())?
    }

    /// Runs `work` on the journal from synchronous code (never from an async fn).
    pub(crate) fn run_blocking<T>(
        &self,
        work: impl FnOnce(&mut Journal) -> Result<T, ServiceError>,
    ) -> Result<T, ServiceError> {
        let mut journal = self.journal.lock().map_err(|_| stopped())?;
        work(&mut journal)
    }
}
