//! The one authorization guard every request passes, instead of a preamble repeated in each.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_vault::Action;

impl BrokerageService {
    /// The vault allows `action` now, and the request counts as activity (auto-lock waits).
    pub(crate) fn guard(&self, action: Action) -> Result<(), ServiceError> {
        self.vault().authorize(action)?;
        self.vault().touch()
    }

    /// Adding, changing or removing a connection: as [`Self::guard`] for reading, and a vault
    /// must exist (a connection's key lives only there).
    pub(crate) fn guard_connecting(&self) -> Result<(), ServiceError> {
        self.vault().authorize(Action::Read)?;
        self.require_vault()?;
        self.vault().touch()
    }
}
