//! The background loop of a long-running front (the app). Streams are the primary data path
//! (see `listening`): the supervisor opens them, and polls over REST only what has none —
//! balances and positions every `refresh_every` (30 s), open orders with backoff by age,
//! watched quotes every `quote_poll_every` — skipping connections that wait out a backoff
//! (a 429's `Retry-After` included). `rest_polling: false` stops every poll.

use crate::service::BrokerageService;
use brokerdesk_model::{AccountsOverview, ServiceEvent};
use brokerdesk_vault::Action;
use std::collections::HashSet;
use std::time::{Duration, Instant};

const RECONCILE_EVERY: Duration = Duration::from_secs(30);
const TICK: Duration = Duration::from_secs(1);
/// Orders of connections without an order stream: young ones every tick (they fill or fail
/// now), resting ones every this many ticks (15 s).
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
        let mut last_quotes: Option<Instant> = None;
        let mut last_reconcile = Instant::now();
        let mut last_seen = String::new();
        let mut seen_breaks = HashSet::new();
        let mut ticks: u64 = 0;
        // Activity: at a slow rate, and at once when a connection with it opens.
        let mut last_activity: Option<Instant> = None;
        let mut activity_sources: Vec<brokerdesk_model::ConnectionId> = Vec::new();
        let polling = self.inner.config.rest_polling;
        loop {
            tick.tick().await;
            let _ = self.vault().enforce_auto_lock();
            // Locked (by the timer or elsewhere): the user's connections go, keys and all.
            // The user's own Lock closes the session itself (`lock`), so a close found here is
            // the idle timer's, whichever read noticed the time was up.
            if self.sync_session() && !self.inner.session.user_locking() {
                self.publish(ServiceEvent::VaultAutoLocked);
            }
            if self.vault().authorize(Action::Read).is_err() {
                continue;
            }
            let connections = self.connections().await;
            self.listen(&connections);
            let sources: Vec<_> = connections
                .iter()
                .filter(|c| c.activity().is_some())
                .map(|c| c.id.clone())
                .collect();
            let opened = sources.iter().any(|id| !activity_sources.contains(id));
            activity_sources = sources;
            if opened || last_activity.is_none_or(|t| t.elapsed() >= crate::activity::SYNC_EVERY) {
                last_activity = Some(Instant::now());
                self.request_activity_sync();
            }
            if polling {
                let every = self.inner.config.refresh_every;
                if last_refresh.is_none_or(|t| t.elapsed() >= every) {
                    last_refresh = Some(Instant::now());
                    let now = Instant::now();
                    let overview = self.refresh_where(|c| c.polled() && c.due(now)).await;
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
                let every = self.inner.config.quote_poll_every;
                if last_quotes.is_none_or(|t| t.elapsed() >= every) {
                    last_quotes = Some(Instant::now());
                    self.poll_quotes().await;
                }
            }
            for c in &connections {
                // Symbols looked at expire; the quote streams follow.
                c.follow_quotes();
            }
            if last_reconcile.elapsed() >= RECONCILE_EVERY {
                last_reconcile = Instant::now();
                if let Err(err) = self.reconcile_last_reads(&mut seen_breaks).await {
                    tracing::warn!(error = %err, "reconciliation failed");
                }
            }
        }
    }
}
