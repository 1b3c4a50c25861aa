//! Resets of the paper account, whoever asks for them: Settings, `brokerdesk sandbox reset`, or
//! any Alpaca client posting `/v2/sandbox/reset` to the running sandbox. The exchange announces
//! each one; the service follows those announcements and starts its journal's expectations for
//! the account again from there, so a reset is never mistaken for a break. If a burst of events
//! outruns the follower, a reset among the missed ones still shows: it opened its account
//! afresh, so the account's opening time has changed.

use crate::error::ServiceError;
use crate::service::{BrokerageService, Inner, LOCAL_PAPER_CONNECTION};
use brokerdesk_model::{AccountId, ConnectionId, ServiceEvent};
use brokerdesk_paper::engine::Timestamp;
use brokerdesk_paper::engine::types::Event;
use brokerdesk_paper::server::ExchangeHandle;
use chrono::Utc;
use std::collections::BTreeMap;
use std::sync::{Arc, Weak};
use tokio::sync::broadcast::error::RecvError;

impl BrokerageService {
    /// Follows the local sandbox's resets for as long as both it and this service exist (the
    /// task holds neither alive). Call once, inside the runtime, after start.
    pub(crate) fn follow_sandbox_resets(&self) {
        let Ok(sandbox) = &self.inner.sandbox_control.sandbox else {
            return;
        };
        let handle = sandbox.sandbox().handle();
        // Subscribed now, so a reset right after start (the task not yet run) is heard.
        let mut events = handle.subscribe_events();
        let service: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            let mut seen = opened(&handle).await;
            // Openings already followed from missed events: their own event, if it comes
            // after all, is not followed twice.
            let mut followed = Opened::new();
            loop {
                match events.recv().await {
                    Ok(event) => {
                        let Event::AccountReset { account } = &*event else {
                            continue;
                        };
                        let now = opened(&handle).await;
                        let twice = followed
                            .get(account)
                            .is_some_and(|at| now.get(account) == Some(at));
                        if !twice {
                            restart(&service).await;
                        }
                        seen = now;
                    }
                    // Events were missed (a burst outran this task): a reset among them opened
                    // its account afresh, which the accounts' opening times show.
                    Err(RecvError::Lagged(missed)) => {
                        let now = opened(&handle).await;
                        let reset = reset_between(&seen, &now);
                        tracing::info!(missed, reset, "paper events missed while following resets");
                        if reset {
                            restart(&service).await;
                            followed = now.clone();
                        }
                        seen = now;
                    }
                    Err(RecvError::Closed) => return,
                }
            }
        });
    }

    /// The journal starts the paper accounts' expectations again from now; the fronts hear of
    /// the breaks this answered and of the changed accounts.
    async fn restart_after_reset(&self) -> Result<(), ServiceError> {
        let paper = ConnectionId::new(LOCAL_PAPER_CONNECTION);
        let reset = self
            .orders()
            .run(move |journal| journal.restart_accounts(&paper, Utc::now()))
            .await?;
        tracing::info!(accounts = reset.len(), "paper account reset");
        self.inner.resets_followed.bump();
        self.publish(ServiceEvent::Breaks {
            open: self.open_break_count().await?,
        });
        self.publish(ServiceEvent::AccountsChanged);
        Ok(())
    }
}

/// When each paper account was opened: a reset opens its account afresh.
type Opened = BTreeMap<AccountId, Timestamp>;

/// The accounts' opening times; empty while the exchange rebuilds (then only the reset events
/// themselves are followed).
async fn opened(handle: &ExchangeHandle) -> Opened {
    handle
        .read(|s| {
            s.engine
                .account_ids()
                .into_iter()
                .filter_map(|id| s.engine.account(&id).map(|a| (id, a.created_at)))
                .collect()
        })
        .await
        .unwrap_or_default()
}

/// Whether an account seen at `before` was opened afresh by `now`.
fn reset_between(before: &Opened, now: &Opened) -> bool {
    before
        .iter()
        .any(|(id, at)| now.get(id).is_some_and(|t| t != at))
}

/// Restarts the journal's expectations, if the service is still there.
async fn restart(service: &Weak<Inner>) {
    let Some(inner) = service.upgrade() else {
        return;
    };
    let service = BrokerageService { inner };
    if let Err(e) = service.restart_after_reset().await {
        tracing::error!(error = %e, "the journal did not follow a paper reset");
    }
}
