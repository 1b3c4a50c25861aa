//! Streams are the primary data path. Trade updates drive order status and fills into the
//! journal (and out as `ServiceEvent::Order`); a fill triggers one REST read of its account;
//! quotes go out as `ServiceEvent::Quotes` of their own connection. On connect and after every
//! reconnect, one REST resync (the connection's open journal orders by client id, and its
//! accounts) fills whatever happened while the stream was down.

use crate::connection::{AbortOnDrop, Connection, StreamState};
use crate::error::ServiceError;
use crate::orders::entry;
use crate::service::{BrokerageService, Inner};
use brokerdesk_connectors::{StreamKind, StreamUpdate};
use brokerdesk_model::{Order, ServiceEvent};
use chrono::Utc;
use std::collections::HashMap;
use std::sync::{Arc, Weak};
use tokio::sync::mpsc;

impl BrokerageService {
    /// Opens the streams of each connection that has some and is not listening yet.
    pub(crate) fn listen(&self, connections: &[Arc<Connection>]) {
        for c in connections {
            let Some(streams) = c.streams.clone() else {
                continue;
            };
            if c.is_listening() {
                continue;
            }
            let handle = streams.open();
            // Weak both ways: the task must not keep a dropped service or connection alive.
            let consumer = tokio::spawn(consume(
                Arc::downgrade(&self.inner),
                Arc::downgrade(c),
                handle.updates,
            ));
            c.listen(handle.control, AbortOnDrop(consumer));
            c.follow_quotes();
        }
    }

    async fn on_stream(&self, c: &Arc<Connection>, update: StreamUpdate) {
        match update {
            StreamUpdate::Connected(kind) => {
                c.set_stream_state(kind, StreamState::Up);
                tracing::info!(connection = %c.id, ?kind, "stream up");
                if kind == StreamKind::Orders {
                    self.resync(c).await;
                }
            }
            StreamUpdate::Disconnected { kind, reason } => {
                c.set_stream_state(kind, StreamState::Down);
                tracing::info!(connection = %c.id, ?kind, %reason, "stream down; reconnecting");
                if kind == StreamKind::Orders {
                    // Nothing polls a streaming connection: one read now tells whether the
                    // broker itself is down (the status then says so) or only its stream.
                    self.reread(c).await;
                }
            }
            StreamUpdate::Stopped { kind, reason } => {
                c.set_stream_state(kind, StreamState::Stopped);
                tracing::warn!(connection = %c.id, ?kind, %reason, "stream stopped; polling instead");
            }
            StreamUpdate::Order { order, fill } => {
                let filled = fill.is_some();
                if let Err(err) = self.apply_order(c, order).await {
                    tracing::warn!(connection = %c.id, error = %err, "order update not journaled");
                }
                if filled {
                    // Balances and positions moved: read them once, now.
                    self.reread(c).await;
                    // And the fill is a new line of activity.
                    self.request_activity_sync();
                }
            }
            StreamUpdate::Quote(quote) => {
                c.store_quotes(std::slice::from_ref(&quote));
                self.publish(ServiceEvent::Quotes {
                    connection: c.id.clone(),
                    quotes: vec![quote],
                });
            }
        }
    }

    /// What may have happened while the order stream was down, read once over REST.
    async fn resync(&self, c: &Arc<Connection>) {
        if let Err(err) = self.resync_orders(&c.id).await {
            tracing::warn!(connection = %c.id, error = %err, "order resync failed");
        }
        self.reread(c).await;
    }

    /// One REST read of the connection's accounts, published.
    pub(crate) async fn reread(&self, c: &Arc<Connection>) {
        let before = c.summary().status;
        let read = c.read().await;
        let summary = c.summary();
        if summary.status != before {
            self.publish(ServiceEvent::Connection(summary));
        }
        match read {
            Ok(_) => {
                c.follow_quotes();
                self.publish(ServiceEvent::AccountsChanged);
            }
            Err(err) => tracing::warn!(connection = %c.id, error = %err, "read failed"),
        }
    }

    /// Journals a streamed order report (only the app's own orders are in the journal; the
    /// journal ignores a report older than what it holds) and publishes the order as it stands.
    async fn apply_order(&self, c: &Arc<Connection>, order: Order) -> Result<(), ServiceError> {
        let Some(cid) = order.client_order_id.clone() else {
            return Ok(());
        };
        let stored = self
            .orders()
            .run(move |j| {
                let Some(known) = j.order(&cid)? else {
                    return Ok(None);
                };
                if known.broker_order.as_ref() == Some(&order) {
                    return Ok(None);
                }
                j.record_broker_order(&cid, &order, Utc::now())?;
                j.order(&cid)
            })
            .await?;
        if let Some(stored) = stored {
            let connections = HashMap::from([(c.id.clone(), Arc::clone(c))]);
            self.publish(ServiceEvent::Order(Box::new(entry(stored, &connections))));
        }
        Ok(())
    }
}

async fn consume(
    service: Weak<Inner>,
    connection: Weak<Connection>,
    mut updates: mpsc::Receiver<StreamUpdate>,
) {
    while let Some(update) = updates.recv().await {
        let (Some(inner), Some(connection)) = (service.upgrade(), connection.upgrade()) else {
            return;
        };
        BrokerageService { inner }
            .on_stream(&connection, update)
            .await;
    }
}
