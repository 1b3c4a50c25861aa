//! Settings › Paper sandbox: where the local sandbox's prices come from (saved, so a restart
//! keeps the choice), and a reset of its account, for the app and the CLI alike.

use crate::error::ServiceError;
use crate::paper_connection::LocalSandbox;
use crate::sandbox_controls::price_source;
use crate::service::{BrokerageService, LOCAL_PAPER_CONNECTION};
use brokerdesk_connectors::ConnectorError;
use brokerdesk_model::sandbox::{SandboxControls, SandboxPrices};
use brokerdesk_model::{ConnectionId, ServiceEvent, TradingMode};
use brokerdesk_vault::Action;
use std::sync::Arc;
use std::time::Duration;

/// How long a reset waits for the journal to follow it (a local SQLite write: milliseconds).
const RESET_FOLLOWED_WITHIN: Duration = Duration::from_secs(10);

impl BrokerageService {
    /// The prices in use, and whether this process runs the sandbox at all.
    pub fn sandbox_controls(&self) -> Result<SandboxControls, ServiceError> {
        self.inner.vault.authorize(Action::Read)?;
        Ok(self.inner.sandbox_control.controls())
    }

    /// Takes the sandbox's prices from `prices` from now on, and saves the choice. A replay
    /// file that cannot be read is refused and changes nothing. Allowed as paper orders are:
    /// prices move the paper account's orders.
    pub async fn set_sandbox_prices(
        &self,
        prices: SandboxPrices,
    ) -> Result<SandboxControls, ServiceError> {
        self.may_control_sandbox()?;
        let sandbox = self.running_sandbox()?;
        let source = price_source(&prices).map_err(ServiceError::InvalidInput)?;
        sandbox
            .sandbox()
            .set_price_source(&source)
            .await
            .map_err(|e| ServiceError::InvalidInput(format!("prices not changed: {e}")))?;
        self.inner.sandbox_control.set_in_use(prices.clone());
        // In use from now on; saved so that the next start uses it too.
        self.update_settings(|s| s.sandbox_prices = prices)
            .map_err(|e| ServiceError::Internal(format!("in use now, but not saved: {e}")))?;
        self.publish(ServiceEvent::AccountsChanged);
        Ok(self.inner.sandbox_control.controls())
    }

    /// Resets the paper account: every order cancelled, positions and fills forgotten, the
    /// starting cash restored (the exchange journals it). The app's own journal starts its
    /// expectations for the account again from nothing (`sandbox_resets`, which follows every
    /// reset, this one included), so the reset is not a break; this returns once it has.
    /// `confirmed` is the user's answer to "are you sure": anything else changes nothing.
    pub async fn reset_sandbox(&self, confirmed: bool) -> Result<SandboxControls, ServiceError> {
        if !confirmed {
            return Err(ServiceError::InvalidInput(
                "a reset of the paper account must be confirmed; nothing was changed".into(),
            ));
        }
        self.may_control_sandbox()?;
        let sandbox = self.running_sandbox()?;
        let mut followed = self.inner.resets_followed.subscribe();
        let before = *followed.borrow_and_update();
        sandbox
            .sandbox()
            .reset_account(None)
            .await
            .map_err(|e| ServiceError::Internal(format!("the paper account was not reset: {e}")))?;
        let journal_followed =
            tokio::time::timeout(RESET_FOLLOWED_WITHIN, followed.wait_for(|n| *n > before)).await;
        if !matches!(journal_followed, Ok(Ok(_))) {
            return Err(ServiceError::Internal(
                "the paper account was reset, but the app's journal has not caught up yet: \
                 if a break shows, \"Accept broker\" resolves it"
                    .into(),
            ));
        }
        Ok(self.inner.sandbox_control.controls())
    }

    /// As for a paper order: the trader role, or no vault yet (the sandbox holds no key and no
    /// real money).
    fn may_control_sandbox(&self) -> Result<(), ServiceError> {
        let paper = ConnectionId::new(LOCAL_PAPER_CONNECTION);
        self.authorize_order(&paper, TradingMode::Paper)?;
        let _ = self.inner.vault.touch();
        Ok(())
    }

    fn running_sandbox(&self) -> Result<Arc<LocalSandbox>, ServiceError> {
        self.inner
            .sandbox_control
            .sandbox
            .clone()
            .map_err(|reason| ServiceError::Connector {
                connection: ConnectionId::new(LOCAL_PAPER_CONNECTION),
                source: ConnectorError::Unavailable(reason),
            })
    }

    pub(crate) async fn open_break_count(&self) -> Result<usize, ServiceError> {
        self.orders()
            .run(|journal| Ok(journal.open_breaks()?.len()))
            .await
    }
}
