//! `BrokerageService`'s methods over `activity` (the state lives in `activity.rs`).

use crate::activity::*;
use crate::connection::Connection;
use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_connectors::types::TransactionQuery;
use brokerdesk_model::{
    ActivityCursor, ActivityFilter, ActivityList, ActivitySyncError, ServiceEvent,
};
use brokerdesk_vault::Action;
use std::path::PathBuf;
use std::sync::Arc;

impl BrokerageService {
    /// A page of stored activity, newest first, after `cursor`; with the total that matches
    /// and the connections whose last sync failed.
    pub async fn activity(
        &self,
        filter: ActivityFilter,
        cursor: Option<ActivityCursor>,
        limit: Option<u32>,
    ) -> Result<ActivityList, ServiceError> {
        self.guard(Action::Read)?;
        let limit = limit
            .map(|l| (l as usize).clamp(1, MAX_LIMIT))
            .unwrap_or(DEFAULT_LIMIT);
        let (page, total) = self
            .inner
            .activity
            .run(move |s| Ok((s.page(&filter, cursor.as_ref(), limit)?, s.count(&filter)?)))
            .await?;
        let next = if page.more {
            page.rows.last().map(|(seq, row)| ActivityCursor {
                time: row.entry.time,
                seq: *seq,
            })
        } else {
            None
        };
        Ok(ActivityList {
            rows: page.rows.into_iter().map(|(_, row)| row).collect(),
            next,
            total,
            sync_errors: self.inner.activity.errors(),
        })
    }

    /// Writes every stored movement matching `filter` to a CSV file, atomically: to `path`
    /// (absolute, no `..`, its folder must exist), or, without one, to a new file in the data
    /// folder's `exports` folder. Answers the file's path and how many rows it holds.
    pub async fn export_activity_csv(
        &self,
        filter: ActivityFilter,
        path: Option<PathBuf>,
    ) -> Result<(PathBuf, u64), ServiceError> {
        self.guard(Action::Read)?;
        let path = match path {
            Some(path) => path,
            None => {
                let dir = self.inner.activity.exports.clone();
                std::fs::create_dir_all(&dir).map_err(|source| ServiceError::DataDir {
                    path: dir.display().to_string(),
                    source,
                })?;
                let stamp = chrono::Utc::now().format("%Y%m%d-%H%M%S-%3f");
                dir.join(format!("activity-{stamp}.csv"))
            }
        };
        let target = path.clone();
        let written = self
            .inner
            .activity
            .run(move |s| {
                crate::activity_csv::write_atomically(&target, |each| s.for_each(&filter, each))
            })
            .await?;
        Ok((path, written))
    }

    /// Reads every connection's new activity now (the Refresh button, `brokerdesk activity`);
    /// answers with the connections that failed.
    pub async fn sync_activity(&self) -> Result<Vec<ActivitySyncError>, ServiceError> {
        self.guard(Action::Read)?;
        self.sync_activity_now().await;
        Ok(self.inner.activity.errors())
    }

    /// A sync in the background (after a fill, from the supervisor).
    pub(crate) fn request_activity_sync(&self) {
        let service = self.clone();
        tokio::spawn(async move { service.sync_activity_now().await });
    }

    /// One sync of every connection with the capability, concurrently; publishes
    /// `ActivityChanged` when anything was stored or a connection's error changed.
    pub(crate) async fn sync_activity_now(&self) {
        let _one_at_a_time = self.inner.activity.syncing.lock().await;
        let connections: Vec<_> = self
            .connections()
            .await
            .into_iter()
            .filter(|c| c.activity().is_some())
            .collect();
        let results =
            futures::future::join_all(connections.iter().map(|c| self.sync_connection(c))).await;
        let mut changed = false;
        {
            let mut errors = self
                .inner
                .activity
                .errors
                .lock()
                .unwrap_or_else(|p| p.into_inner());
            for (c, result) in connections.iter().zip(results) {
                match result {
                    Ok(n) => {
                        changed |= n > 0;
                        changed |= errors.remove(&c.id).is_some();
                    }
                    Err(message) => {
                        tracing::warn!(connection = %c.id, error = %message, "activity sync failed");
                        let error = ActivitySyncError {
                            connection: c.id.clone(),
                            connection_name: c.display_name.clone(),
                            message,
                        };
                        changed |= errors.get(&c.id) != Some(&error);
                        errors.insert(c.id.clone(), error);
                    }
                }
            }
        }
        if changed {
            self.publish(ServiceEvent::ActivityChanged);
        }
    }

    /// One connection: every account, each from its newest stored time less the overlap.
    async fn sync_connection(&self, c: &Arc<Connection>) -> Synced {
        let Some(source) = c.activity() else {
            return Ok(0);
        };
        let accounts = c.portfolio.accounts().await.map_err(|e| e.to_string())?;
        let mut stored = 0;
        for account in accounts {
            let (id, acct) = (c.id.clone(), account.clone());
            let newest = self
                .inner
                .activity
                .run(move |s| s.newest(&id, &acct))
                .await
                .map_err(|e| e.to_string())?;
            let mut query = TransactionQuery {
                since: newest.and_then(|t| t.checked_sub_signed(OVERLAP)),
                ..TransactionQuery::default()
            };
            for _ in 0..MAX_PAGES {
                let page = source
                    .activity(&account, &query)
                    .await
                    .map_err(|e| e.to_string())?;
                // Only this account's movements are stored under it.
                let entries: Vec<_> = page
                    .entries
                    .into_iter()
                    .filter(|e| e.account_id == account)
                    .collect();
                let (id, name, mode) = (c.id.clone(), c.display_name.clone(), c.mode);
                stored += self
                    .inner
                    .activity
                    .run(move |s| s.upsert(&id, &name, mode, &entries))
                    .await
                    .map_err(|e| e.to_string())?;
                match page.next_cursor {
                    Some(cursor) => query.cursor = Some(cursor),
                    None => break,
                }
            }
        }
        Ok(stored)
    }
}
