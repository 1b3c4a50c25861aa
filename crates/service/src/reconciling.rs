//! Reconciliation runs: the journal's expected positions against each broker's, per account.

use crate::error::ServiceError;
use crate::reconcile::{Holding, expected_holdings, find_breaks};
use crate::service::BrokerageService;
use brokerdesk_model::{
    AccountId, ConnectionId, Position, PositionSide, ReconciliationBreak, ServiceEvent, Symbol,
};
use brokerdesk_vault::Action;
use chrono::Utc;
use std::collections::{BTreeMap, HashSet};

fn holdings(positions: &[Position]) -> BTreeMap<Symbol, Holding> {
    positions
        .iter()
        .map(|p| {
            let qty = match p.side {
                PositionSide::Long => p.qty,
                PositionSide::Short => -p.qty,
            };
            (
                p.symbol.clone(),
                Holding {
                    qty,
                    avg_cost: Some(p.avg_entry_price),
                },
            )
        })
        .collect()
}

impl BrokerageService {
    /// Reconciles every account of every connection that takes orders; returns the open breaks.
    pub async fn reconcile(&self) -> Result<Vec<ReconciliationBreak>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        let before = self.orders().run(|j| j.open_breaks()).await?.len();
        // Orders first, so that a fill the broker already booked is in the journal too.
        self.refresh_orders().await?;
        let first = self.observe().await?;
        let confirmed = if first.iter().all(|(_, _, found)| found.is_empty()) {
            first
        } else {
            // A difference seen once may be a fill in flight; only one seen twice is a break.
            self.refresh_orders().await?;
            let second = self.observe().await?;
            second
                .into_iter()
                .map(|(c, a, found)| {
                    let seen: HashSet<_> = first
                        .iter()
                        .filter(|(c1, a1, _)| c1 == &c && a1 == &a)
                        .flat_map(|(_, _, f)| f.iter().map(|b| (b.symbol.clone(), b.kind)))
                        .collect();
                    let found = found
                        .into_iter()
                        .filter(|b| seen.contains(&(b.symbol.clone(), b.kind)))
                        .collect();
                    (c, a, found)
                })
                .collect()
        };
        let now = Utc::now();
        let open = self
            .orders()
            .run(move |journal| {
                for (connection, account, found) in &confirmed {
                    journal.record_breaks(connection, account, found, now)?;
                }
                journal.open_breaks()
            })
            .await?;
        if open.len() != before {
            self.publish(ServiceEvent::Breaks { open: open.len() });
        }
        Ok(open)
    }

    /// The breaks as of the last reconciliation, without a new one.
    pub fn open_breaks(&self) -> Result<Vec<ReconciliationBreak>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        self.orders().run_blocking(|j| j.open_breaks())
    }

    /// Accepts the broker's figures for a break.
    pub fn resolve_break(&self, id: i64) -> Result<Vec<ReconciliationBreak>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        let _ = self.vault().touch();
        let open = self.orders().run_blocking(|journal| {
            journal.resolve_break(id, Utc::now())?;
            journal.open_breaks()
        })?;
        self.publish(ServiceEvent::Breaks { open: open.len() });
        Ok(open)
    }

    /// Reads each trading connection's positions and compares them with the journal.
    async fn observe(
        &self,
    ) -> Result<Vec<(ConnectionId, AccountId, Vec<ReconciliationBreak>)>, ServiceError> {
        let connections: Vec<_> = self
            .connections()
            .await
            .into_iter()
            .filter(|c| c.trading.is_some())
            .collect();
        let reads = futures::future::join_all(connections.iter().map(|c| c.read())).await;
        // An unreachable broker cannot be reconciled now; its status already says why.
        let snapshots = reads.into_iter().flatten().flatten().collect();
        self.compare(snapshots).await
    }

    /// Each snapshot's positions against what the journal expects of its account.
    async fn compare(
        &self,
        snapshots: Vec<brokerdesk_model::AccountSnapshot>,
    ) -> Result<Vec<(ConnectionId, AccountId, Vec<ReconciliationBreak>)>, ServiceError> {
        let now = Utc::now();
        self.orders()
            .run(move |journal| {
                let mut out = Vec::new();
                for snapshot in snapshots {
                    let (connection, account) =
                        (snapshot.connection.id.clone(), snapshot.account_id.clone());
                    let actual = holdings(&snapshot.positions);
                    let held: Vec<_> = actual
                        .iter()
                        .map(|(s, h)| (s.clone(), h.qty, h.avg_cost))
                        .collect();
                    journal.adopt_account(&connection, &account, &held, now)?;
                    let Some((after, baselines)) = journal.baselines(&connection, &account)? else {
                        continue;
                    };
                    let fills = journal.fills(&connection, &account)?;
                    let expected = expected_holdings(after, &baselines, &fills);
                    let found = find_breaks(&connection, &account, &expected, &actual, now);
                    out.push((connection, account, found));
                }
                Ok(out)
            })
            .await
    }

    /// The supervisor's reconciliation: each connection's last read against the journal, with
    /// no new read (a connection with streams is read when a fill or a reconnect says so, not
    /// on a timer). A difference counts as a break only when the previous round (`seen`) saw
    /// it too: one seen once may be a fill whose report is still on its way.
    pub(crate) async fn reconcile_last_reads(
        &self,
        seen: &mut HashSet<(ConnectionId, AccountId, Symbol, brokerdesk_model::BreakKind)>,
    ) -> Result<(), ServiceError> {
        let snapshots: Vec<_> = self
            .connections()
            .await
            .into_iter()
            .filter(|c| c.trading.is_some())
            .filter_map(|c| c.last_read())
            .flatten()
            .collect();
        let found = self.compare(snapshots).await?;
        let now_seen: HashSet<_> = found
            .iter()
            .flat_map(|(c, a, f)| {
                f.iter()
                    .map(|b| (c.clone(), a.clone(), b.symbol.clone(), b.kind))
            })
            .collect();
        let confirmed: Vec<_> = found
            .into_iter()
            .map(|(c, a, f)| {
                let f: Vec<ReconciliationBreak> = f
                    .into_iter()
                    .filter(|b| seen.contains(&(c.clone(), a.clone(), b.symbol.clone(), b.kind)))
                    .collect();
                (c, a, f)
            })
            .collect();
        *seen = now_seen;
        let now = Utc::now();
        let (before, open) = self
            .orders()
            .run(move |journal| {
                let before = journal.open_breaks()?.len();
                for (connection, account, found) in &confirmed {
                    journal.record_breaks(connection, account, found, now)?;
                }
                Ok((before, journal.open_breaks()?.len()))
            })
            .await?;
        if open != before {
            self.publish(ServiceEvent::Breaks { open });
        }
        Ok(())
    }
}
