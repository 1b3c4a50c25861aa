//! Resets of the paper account, whoever asks for them: Settings, `brokerdesk sandbox reset`, or
//! any Alpaca client posting `/v2/sandbox/reset` to the running sandbox. The exchange announces
//! each one; the service follows those announcements and starts its journal's expectations for
//! the account again from there, so a reset is never mistaken for a break.

use crate::error::ServiceError;
use crate::service::{BrokerageService, Inner, LOCAL_PAPER_CONNECTION};
use brokerdesk_model::{ConnectionId, ServiceEvent};
use brokerdesk_paper::engine::types::Event;
use chrono::Utc;
use std::sync::{Arc, Weak};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::watch;

/// How many of the exchange's resets the journal has followed (for `reset_sandbox` to wait on).
pub(crate) struct ResetsFollowed(watch::Sender<u64>);

impl Default for ResetsFollowed {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl ResetsFollowed {
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }

    fn bump(&self) {
        self.0.send_modify(|n| *n = n.saturating_add(1));
    }
}

impl BrokerageService {
    /// Follows the local sandbox's resets for as long as both it and this service exist (the
    /// task holds neither alive). Call once, inside the runtime, after start.
    pub(crate) fn follow_sandbox_resets(&self) {
        let Ok(sandbox) = &self.inner.sandbox_control.sandbox else {
            return;
        };
        let mut events = sandbox.sandbox().handle().subscribe_events();
        let service: Weak<Inner> = Arc::downgrade(&self.inner);
        tokio::spawn(async move {
            loop {
                match events.recv().await {
                    Ok(event) if matches!(*event, Event::AccountReset { .. }) => {
                        let Some(inner) = service.upgrade() else {
                            return;
                        };
                        let service = BrokerageService { inner };
                        if let Err(e) = service.restart_after_reset().await {
                            tracing::error!(error = %e, "the journal did not follow a paper reset");
                        }
                    }
                    Ok(_) => {}
                    // Only a burst of many thousand events outruns this task; a reset among
                    // them would then show as a break, which "Accept broker" resolves.
                    Err(RecvError::Lagged(missed)) => {
                        tracing::warn!(missed, "paper events missed while following resets");
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
