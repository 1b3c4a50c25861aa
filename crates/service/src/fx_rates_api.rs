//! `BrokerageService`'s methods over `fx_rates` (the state lives in `fx_rates.rs`).

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::fx::FxRatesReply;
use brokerdesk_vault::Action;
use chrono::Utc;

impl BrokerageService {
    /// The reference rates for totals in the base currency (see the module).
    pub async fn fx_rates(&self) -> Result<FxRatesReply, ServiceError> {
        self.vault().authorize(Action::Read)?;
        Ok(self.inner.fx.get(Utc::now()).await)
    }
}
