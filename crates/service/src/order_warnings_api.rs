//! `BrokerageService`'s methods over `order_warnings` (the state lives in `order_warnings.rs`).

use crate::connection::Connection;
use crate::error::ServiceError;
use crate::order_warnings::*;
use crate::service::BrokerageService;
use brokerdesk_connectors::{ConnectorError, OrderWarnings as BrokerWarnings};
use brokerdesk_model::order::OrderRequest;
use brokerdesk_model::{AccountId, BlotterEntry, ClientOrderId, OrderWarnings, ServiceEvent};
use chrono::{DateTime, Utc};

impl BrokerageService {
    /// Holds an order the broker answered with warnings; the error carries them to the front.
    pub(crate) fn hold_for_answer(
        &self,
        connection: &Connection,
        account: &AccountId,
        request: &OrderRequest,
        submitted_at: DateTime<Utc>,
        warnings: BrokerWarnings,
    ) -> ServiceError {
        let confirmation = uuid::Uuid::new_v4().simple().to_string();
        let expires_at = Utc::now() + ANSWER_WITHIN;
        self.inner.warnings.lock().insert(
            confirmation.clone(),
            Pending {
                connection: connection.id.clone(),
                account: account.clone(),
                request: request.clone(),
                submitted_at,
                reply_id: warnings.reply_id,
                expires_at,
            },
        );
        ServiceError::OrderWarnings(Box::new(OrderWarnings {
            confirmation,
            connection: connection.id.clone(),
            connection_name: connection.display_name.clone(),
            account: account.clone(),
            client_order_id: request.client_order_id.clone(),
            symbol: request.symbol.clone(),
            messages: warnings.messages,
            expires_at,
        }))
    }

    /// Closes, as not sent, the orders whose question was never answered in time.
    pub(crate) async fn expire_warnings(&self) -> Result<(), ServiceError> {
        let now = Utc::now();
        for cid in self.inner.warnings.expire(now) {
            self.orders()
                .run(move |j| j.mark_not_sent(&cid, now))
                .await?;
        }
        Ok(())
    }

    /// The user's answer to an order's warnings. Yes: `Ok(Some(entry))` once the broker placed
    /// it, or `ServiceError::OrderWarnings` again if it has more to say. No: `Ok(None)`, the
    /// order withdrawn and journaled as not sent. Same guard as placing the order (trader role,
    /// the live arm for a live account); an unknown, answered or expired confirmation is
    /// `WarningsExpired`.
    pub async fn answer_order_warnings(
        &self,
        confirmation: &str,
        confirmed: bool,
    ) -> Result<Option<BlotterEntry>, ServiceError> {
        self.expire_warnings().await?;
        let pending = self
            .inner
            .warnings
            .lock()
            .get(confirmation)
            .cloned()
            .ok_or(ServiceError::WarningsExpired)?;
        let connection = self.connection(&pending.connection).await?;
        let mode = connection.account_mode(&pending.account).await;
        // Like cancelling, a no takes no risk: the trader role, never the live arm.
        self.authorize_order(
            &connection.id,
            if confirmed {
                mode
            } else {
                brokerdesk_model::TradingMode::Paper
            },
        )?;
        let _ = self.vault().touch();
        // Taken only now: a refused guard leaves the question for an answer after arming.
        if self.inner.warnings.lock().remove(confirmation).is_none() {
            return Err(ServiceError::WarningsExpired);
        }
        let cid = pending.request.client_order_id.clone();
        let Some(trading) = connection.trading.clone() else {
            self.close_unsent(&cid).await?;
            return Err(ServiceError::InvalidInput(format!(
                "{} does not take orders",
                connection.display_name
            )));
        };
        let answered = trading
            .confirm_order(
                &pending.account,
                &pending.request,
                &pending.reply_id,
                confirmed,
            )
            .await;
        match answered {
            Ok(order) => {
                let (c, o) = (cid.clone(), order.clone());
                self.orders()
                    .run(move |j| j.record_broker_order(&c, &o, Utc::now()))
                    .await?;
                let entry = BlotterEntry {
                    connection: connection.id.clone(),
                    connection_name: connection.display_name.clone(),
                    mode,
                    account: pending.account.clone(),
                    order,
                    submitted_at: pending.submitted_at,
                    currency: connection.account_currency(&pending.account),
                };
                self.publish(ServiceEvent::Order(Box::new(entry.clone())));
                self.publish(ServiceEvent::AccountsChanged);
                Ok(Some(entry))
            }
            Err(ConnectorError::NeedsConfirmation(more)) => Err(self.hold_for_answer(
                &connection,
                &pending.account,
                &pending.request,
                pending.submitted_at,
                more,
            )),
            // A no places nothing, whatever the broker answered.
            Err(_) if !confirmed => {
                self.close_unsent(&cid).await?;
                Ok(None)
            }
            Err(source) => {
                if matches!(source, ConnectorError::Rejected(_)) {
                    self.close_unsent(&cid).await?;
                }
                // Otherwise the outcome is unknown: the order refresh asks the broker for it.
                self.publish(ServiceEvent::AccountsChanged);
                Err(ServiceError::Connector {
                    connection: connection.id.clone(),
                    source,
                })
            }
        }
    }

    async fn close_unsent(&self, cid: &ClientOrderId) -> Result<(), ServiceError> {
        let cid = cid.clone();
        self.orders()
            .run(move |j| j.mark_not_sent(&cid, Utc::now()))
            .await?;
        self.publish(ServiceEvent::AccountsChanged);
        Ok(())
    }
}
