//! The background loop of a long-running front (the app): keeps every connection's status
//! fresh, retries failing ones with backoff, follows open orders, streams quotes, reconciles.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::{AccountsOverview, Quote, ServiceEvent, Symbol};
use brokerdesk_vault::Action;
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// How long the UI's interest in a symbol lasts after it last asked for its quote.
const WATCH_FOR: Duration = Duration::from_secs(30);
const RECONCILE_EVERY: Duration = Duration::from_secs(30);
const TICK: Duration = Duration::from_secs(1);
/// Resting orders are asked about every this many ticks (15 s).
const RESTING_EVERY_TICKS: u64 = 15;

/// What changes on the Accounts page, without the parts that change on every read.
fn fingerprint(o: &AccountsOverview) -> String {
    let mut parts: Vec<String> = o
        .accounts
        .iter()
        .map(|a| {
            format!(
                "{}/{}:{:?}:{:?}",
                a.connection.id, a.account_id, a.balances, a.positions
            )
        })
        .collect();
    parts.extend(
        o.unreachable
            .iter()
            .map(|c| format!("{}:{}", c.id, c.status)),
    );
    parts.sort();
    parts.join("|")
}

impl BrokerageService {
    /// The supervisor loop; a long-running front spawns it on its runtime. Never returns.
    pub async fn supervise(self) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last_refresh: Option<Instant> = None;
        let mut last_reconcile = Instant::now();
        let mut last_seen = String::new();
        let mut ticks: u64 = 0;
        loop {
            tick.tick().await;
            if let Ok(true) = self.vault().enforce_auto_lock() {
                self.publish(ServiceEvent::Vault);
            }
            // Reading is allowed (a vault exists and is unlocked, or no vault yet)?
            if self.vault().authorize(Action::Read).is_err() {
                let _ = self.connections().await; // drops the user's connections on lock
                continue;
            }
            let every = self.inner.config.refresh_every;
            if last_refresh.is_none_or(|t| t.elapsed() >= every) {
                last_refresh = Some(Instant::now());
                let now = Instant::now();
                let overview = self.refresh_where(|c| c.due(now)).await;
                let seen = fingerprint(&overview);
                if seen != last_seen {
                    last_seen = seen;
                    self.publish(ServiceEvent::AccountsChanged);
                }
            }
            ticks = ticks.wrapping_add(1);
            if let Err(err) = self
                .follow_orders(ticks.is_multiple_of(RESTING_EVERY_TICKS))
                .await
            {
                tracing::warn!(error = %err, "following orders failed");
            }
            self.publish_quotes().await;
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = Instant::now();
                if let Err(err) = self.reconcile().await {
                    tracing::warn!(error = %err, "reconciliation failed");
                }
            }
        }
    }

    /// Latest quotes for `symbols`, from the first connected source that has market data
    /// (the local sandbox always does). The symbols stay watched for a while: their quotes
    /// then arrive as events.
    pub async fn quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        let symbols: Vec<Symbol> = symbols
            .iter()
            .map(|s| Symbol::new(s.as_str().trim().to_uppercase()))
            .filter(|s| !s.as_str().is_empty())
            .collect();
        if symbols.is_empty() {
            return Err(ServiceError::InvalidInput(
                "name at least one symbol".into(),
            ));
        }
        {
            let mut watched = self.inner.watched.lock().unwrap_or_else(|p| p.into_inner());
            let until = Instant::now() + WATCH_FOR;
            for s in &symbols {
                watched.insert(s.clone(), until);
            }
        }
        let mut last_err = None;
        for c in self.connections().await {
            let Some(market) = c.market.clone() else {
                continue;
            };
            match market.latest_quotes(&symbols).await {
                Ok(quotes) => return Ok(quotes),
                Err(source) => {
                    last_err = Some(ServiceError::Connector {
                        connection: c.id.clone(),
                        source,
                    })
                }
            }
        }
        Err(last_err.unwrap_or_else(|| {
            ServiceError::InvalidInput("no connection offers quotes right now".into())
        }))
    }

    async fn publish_quotes(&self) {
        let symbols: BTreeSet<Symbol> = {
            let mut watched = self.inner.watched.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            watched.retain(|_, until| *until > now);
            watched.keys().cloned().collect()
        };
        if symbols.is_empty() {
            return;
        }
        let symbols: Vec<Symbol> = symbols.into_iter().collect();
        for c in self.connections().await {
            let Some(market) = c.market.clone() else {
                continue;
            };
            if let Ok(quotes) = market.latest_quotes(&symbols).await {
                if !quotes.is_empty() {
                    self.publish(ServiceEvent::Quotes(quotes));
                }
                return;
            }
        }
    }
}
