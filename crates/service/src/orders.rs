//! Placing, cancelling and following orders, with the journal written before anything is sent.

use crate::connection::Connection;
use crate::error::ServiceError;
use crate::journal::{JournaledOrder, placeholder_order};
use crate::service::{BrokerageService, LOCAL_PAPER_CONNECTION};
use brokerdesk_connectors::ConnectorError;
use brokerdesk_model::order::{OrderRequest, OrderStatus};
use brokerdesk_model::{
    AccountId, BlotterEntry, ClientOrderId, ConnectionId, OrderId, OrderTicket, ServiceEvent,
    TradingMode,
};
use brokerdesk_vault::Action;
use chrono::Utc;
use std::collections::HashMap;
use std::sync::Arc;

/// How long an order the broker has no trace of may stay "pending" before we call it not sent
/// (a lost request, not a slow one).
const UNSENT_AFTER: chrono::TimeDelta = chrono::TimeDelta::seconds(30);

/// Orders younger than this are followed every second by the supervisor.
const YOUNG_ORDER: chrono::TimeDelta = chrono::TimeDelta::minutes(2);

impl BrokerageService {
    /// Whether the user may place an order on a connection of `mode` now. The local sandbox
    /// trades before any vault exists: it holds no key and no real money.
    pub(crate) fn authorize_order(
        &self,
        connection: &ConnectionId,
        mode: TradingMode,
    ) -> Result<(), ServiceError> {
        let vault = self.vault();
        if connection.as_str() == LOCAL_PAPER_CONNECTION && !vault.state()?.initialized {
            return Ok(());
        }
        vault.authorize(match mode {
            TradingMode::Paper => Action::PlacePaperOrder,
            TradingMode::Live => Action::PlaceLiveOrder,
        })
    }

    /// Whether an order on `account` of `connection` would be paper or live: the same fact
    /// [`Self::place_order`] gates on (a front that only ever trades paper checks it first).
    pub async fn account_mode(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
    ) -> Result<TradingMode, ServiceError> {
        self.vault().authorize(Action::Read)?;
        Ok(self
            .connection(connection)
            .await?
            .account_mode(account)
            .await)
    }

    /// Places an order from the ticket. The order is journaled (with its new client order id)
    /// before it is sent, and sent exactly once: a lost reply is settled by asking the broker
    /// for that client order id, never by sending again.
    pub async fn place_order(&self, ticket: OrderTicket) -> Result<BlotterEntry, ServiceError> {
        ticket.validate().map_err(ServiceError::InvalidInput)?;
        let connection = self.connection(&ticket.connection).await?;
        // The account's own mode: one gateway can hold paper and live accounts.
        let mode = connection.account_mode(&ticket.account).await;
        self.authorize_order(&connection.id, mode)?;
        let _ = self.vault().touch();
        let trading = connection.trading.clone().ok_or_else(|| {
            ServiceError::InvalidInput(format!("{} does not take orders", connection.display_name))
        })?;
        let symbol = brokerdesk_model::Symbol::new(ticket.symbol.as_str().trim().to_uppercase());
        self.check_order_size(&connection, &ticket, &symbol).await?;
        let request = OrderRequest {
            client_order_id: ClientOrderId::new(format!("bd-{}", uuid::Uuid::new_v4().simple())),
            symbol,
            side: ticket.side,
            quantity: ticket.quantity,
            order_type: ticket.order_type,
            time_in_force: ticket.time_in_force,
            limit_price: ticket.limit_price,
            stop_price: ticket.stop_price,
            extended_hours: false,
        };
        let submitted_at = Utc::now();
        {
            let (id, account, request) = (
                connection.id.clone(),
                ticket.account.clone(),
                request.clone(),
            );
            self.orders()
                .run(move |j| j.record_submission(&id, &account, &request, submitted_at))
                .await?;
        }
        let sent = trading.submit_order(&ticket.account, &request).await;
        let order = match sent {
            Ok(order) => order,
            Err(ConnectorError::NeedsConfirmation(warnings)) => {
                // Not sent yet: the order waits, journaled as pending, for the user's answer.
                return Err(self.hold_for_answer(
                    &connection,
                    &ticket.account,
                    &request,
                    submitted_at,
                    warnings,
                ));
            }
            Err(source) => {
                if matches!(source, ConnectorError::Rejected(_)) {
                    // The broker said no: it has no such order, and never will.
                    let cid = request.client_order_id.clone();
                    self.orders()
                        .run(move |j| j.mark_not_sent(&cid, Utc::now()))
                        .await?;
                }
                // Otherwise the outcome is unknown: the order stays pending, and the next
                // order refresh asks the broker for its client order id.
                self.publish(ServiceEvent::AccountsChanged);
                return Err(ServiceError::Connector {
                    connection: connection.id.clone(),
                    source,
                });
            }
        };
        {
            let (cid, order) = (request.client_order_id.clone(), order.clone());
            self.orders()
                .run(move |j| j.record_broker_order(&cid, &order, Utc::now()))
                .await?;
        }
        let entry = BlotterEntry {
            connection: connection.id.clone(),
            connection_name: connection.display_name.clone(),
            mode,
            currency: connection.account_currency(&ticket.account),
            account: ticket.account,
            order,
            submitted_at,
        };
        self.publish(ServiceEvent::Order(Box::new(entry.clone())));
        self.publish(ServiceEvent::AccountsChanged);
        Ok(entry)
    }

    pub async fn cancel_order(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ServiceError> {
        let c = self.connection(connection).await?;
        // Cancelling takes risk off; it needs the trader role but never the live arm.
        self.authorize_order(&c.id, TradingMode::Paper)?;
        let _ = self.vault().touch();
        let trading = c.trading.clone().ok_or_else(|| {
            ServiceError::InvalidInput(format!("{} does not take orders", c.display_name))
        })?;
        trading
            .cancel_order(account, order)
            .await
            .map_err(|source| ServiceError::Connector {
                connection: c.id.clone(),
                source,
            })?;
        self.refresh_orders().await?;
        Ok(())
    }

    /// The orders the app placed, newest first, after asking the brokers about open ones.
    pub async fn blotter(&self) -> Result<Vec<BlotterEntry>, ServiceError> {
        self.vault().authorize(Action::Read)?;
        self.refresh_orders().await?;
        self.blotter_entries().await
    }

    pub(crate) async fn blotter_entries(&self) -> Result<Vec<BlotterEntry>, ServiceError> {
        let connections: HashMap<ConnectionId, Arc<Connection>> = self
            .connections()
            .await
            .into_iter()
            .map(|c| (c.id.clone(), c))
            .collect();
        Ok(self
            .orders()
            .run(|j| j.orders())
            .await?
            .into_iter()
            .map(|o| entry(o, &connections))
            .collect())
    }

    /// Asks the brokers about every order the journal still has open; records fills and
    /// state changes. Returns how many orders changed.
    pub async fn refresh_orders(&self) -> Result<usize, ServiceError> {
        self.refresh_orders_where(|_| true).await
    }

    /// The supervisor's follow-up: young orders every call (they fill or fail now), resting
    /// ones only when `include_resting` — each lookup is a request against the broker's quota
    /// (Alpaca: 200 a minute), and ten resting GTC orders polled every second would spend it.
    /// Orders of connections with an order stream are left to it (and to its resync).
    pub(crate) async fn follow_orders(&self, include_resting: bool) -> Result<usize, ServiceError> {
        let young = Utc::now() - YOUNG_ORDER;
        let streamed: std::collections::HashSet<ConnectionId> = self
            .connections()
            .await
            .into_iter()
            .filter(|c| !c.polled())
            .map(|c| c.id.clone())
            .collect();
        self.refresh_orders_where(|o| {
            !streamed.contains(&o.connection) && (include_resting || o.submitted_at > young)
        })
        .await
    }

    /// Asks `connection`'s broker about each of its orders the journal has open (a stream's
    /// resync after it (re)connects: what happened while it was down).
    pub(crate) async fn resync_orders(
        &self,
        connection: &ConnectionId,
    ) -> Result<usize, ServiceError> {
        self.refresh_orders_where(|o| &o.connection == connection)
            .await
    }

    pub(crate) async fn refresh_orders_where(
        &self,
        wanted: impl Fn(&JournaledOrder) -> bool,
    ) -> Result<usize, ServiceError> {
        self.expire_warnings().await?;
        // An order waiting for the user's answer to its warnings is not the broker's yet.
        let awaiting = self.inner.warnings.awaiting();
        let open: Vec<JournaledOrder> = self
            .orders()
            .run(|j| j.orders())
            .await?
            .into_iter()
            .filter(|o| o.is_open() && wanted(o) && !awaiting.contains(&o.request.client_order_id))
            .collect();
        if open.is_empty() {
            return Ok(0);
        }
        let connections = self.connections().await;
        let lookups = futures::future::join_all(open.into_iter().filter_map(|o| {
            let c = connections.iter().find(|c| c.id == o.connection)?.clone();
            let trading = c.trading.clone()?;
            Some(async move {
                // By the broker's own id too, once known: not every broker reports ours.
                let found = trading
                    .find_order(
                        &o.account,
                        &o.request.client_order_id,
                        o.broker_order.as_ref().map(|b| &b.id),
                    )
                    .await;
                (c, o, found)
            })
        }))
        .await;
        let mut changed = 0;
        let now = Utc::now();
        for (connection, order, found) in lookups {
            match found {
                Ok(Some(report)) => {
                    if order.broker_order.as_ref() == Some(&report) {
                        continue;
                    }
                    let (cid, journaled) = (order.request.client_order_id.clone(), report.clone());
                    self.orders()
                        .run(move |j| j.record_broker_order(&cid, &journaled, now))
                        .await?;
                    changed += 1;
                    self.publish(ServiceEvent::Order(Box::new(BlotterEntry {
                        connection: connection.id.clone(),
                        connection_name: connection.display_name.clone(),
                        mode: connection.known_account_mode(&order.account),
                        account: order.account.clone(),
                        order: report,
                        submitted_at: order.submitted_at,
                        currency: connection.account_currency(&order.account),
                    })));
                }
                Ok(None)
                    if order.broker_order.is_none() && now - order.submitted_at > UNSENT_AFTER =>
                {
                    let cid = order.request.client_order_id.clone();
                    self.orders()
                        .run(move |j| j.mark_not_sent(&cid, now))
                        .await?;
                    changed += 1;
                }
                Ok(None) => {}
                Err(err) => {
                    tracing::debug!(connection = %connection.id, error = %err, "order lookup failed");
                }
            }
        }
        if changed > 0 {
            self.publish(ServiceEvent::AccountsChanged);
        }
        Ok(changed)
    }
}

pub(crate) fn entry(
    o: JournaledOrder,
    connections: &HashMap<ConnectionId, Arc<Connection>>,
) -> BlotterEntry {
    let (name, mode, currency) = connections
        .get(&o.connection)
        .map(|c| {
            (
                c.display_name.clone(),
                c.known_account_mode(&o.account),
                c.account_currency(&o.account),
            )
        })
        .unwrap_or_else(|| (o.connection.to_string(), TradingMode::Live, None));
    let order = o
        .broker_order
        .clone()
        .unwrap_or_else(|| placeholder_order(&o.request, OrderStatus::PendingNew));
    BlotterEntry {
        connection: o.connection,
        connection_name: name,
        mode,
        account: o.account,
        order,
        submitted_at: o.submitted_at,
        currency,
    }
}
