//! Quotes, each from the connection they are for: the order ticket quotes from the account it
//! trades in, an account's positions from their own connection. Never another's prices.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::{ConnectionId, Quote, ServiceEvent, Symbol};
use brokerdesk_vault::Action;

impl BrokerageService {
    /// Latest quotes for `symbols` from `connection`'s own market data. The symbols stay
    /// watched for a while: their quotes then arrive as events (streamed, or polled where the
    /// connection has no quote stream).
    pub async fn quotes(
        &self,
        connection: &ConnectionId,
        symbols: &[Symbol],
    ) -> Result<Vec<Quote>, ServiceError> {
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
        let c = self.connection(connection).await?;
        let market = c.market.clone().ok_or_else(|| {
            ServiceError::InvalidInput(format!(
                "{} has no market data: its positions show the broker's own price, with its time",
                c.display_name
            ))
        })?;
        c.quotes.watch(&symbols);
        c.follow_quotes();
        if !c.quotes_polled() {
            // Streamed quotes already here answer without a request.
            let held = c.quotes.fresh();
            let known: Option<Vec<Quote>> = symbols.iter().map(|s| held.get(s).cloned()).collect();
            if let Some(known) = known {
                return Ok(known);
            }
        }
        let quotes =
            market
                .latest_quotes(&symbols)
                .await
                .map_err(|source| ServiceError::Connector {
                    connection: c.id.clone(),
                    source,
                })?;
        c.store_quotes(&quotes);
        Ok(quotes)
    }

    /// The supervisor's quote round for connections without a quote stream: their watched
    /// symbols, one request each, published as their own connection's quotes.
    pub(crate) async fn poll_quotes(&self) {
        let connections = self.connections().await;
        let polls = connections.iter().filter_map(|c| {
            if !c.quotes_polled() {
                return None;
            }
            let market = c.market.clone()?;
            let symbols: Vec<Symbol> = c.quotes.watched().into_iter().collect();
            (!symbols.is_empty())
                .then_some(async move { (c, market.latest_quotes(&symbols).await) })
        });
        for (c, read) in futures::future::join_all(polls).await {
            match read {
                Ok(quotes) if !quotes.is_empty() => {
                    c.store_quotes(&quotes);
                    self.publish(ServiceEvent::Quotes {
                        connection: c.id.clone(),
                        quotes,
                    });
                }
                Ok(_) => {}
                Err(err) => {
                    if c.record(Err(&err)) {
                        self.publish(ServiceEvent::Connection(c.summary()));
                    }
                }
            }
        }
    }
}
