//! One position looked at closely: price history from the account's *own* connection's market
//! data (never another's), the user's fills from the order journal, cost basis and P&L from the
//! broker's position, and the orders the app placed on the symbol.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_connectors::MarketData;
use brokerdesk_model::position_detail::{
    BarTimeframe, ChartRange, Figure, FillMark, PositionDetail, PriceHistory, day_pl,
};
use brokerdesk_model::{AccountId, ConnectionId, Symbol};
use brokerdesk_vault::Action;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;

impl BrokerageService {
    /// The position page for `symbol` in `account` of `connection`. A connection without price
    /// history says so (`PriceHistory::NotOffered`, naming the institution); a failed history
    /// read does not hide the rest (`PriceHistory::Failed`).
    pub async fn position_detail(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
        symbol: &Symbol,
        range: ChartRange,
    ) -> Result<PositionDetail, ServiceError> {
        self.guard(Action::Read)?;
        let symbol = Symbol::new(symbol.as_str().trim().to_uppercase());
        if symbol.as_str().is_empty() {
            return Err(ServiceError::InvalidInput("name a symbol".into()));
        }
        let c = self.connection(connection).await?;
        // Fills and statuses of this account's open orders first, so a fill just made shows.
        let (conn_id, acct) = (c.id.clone(), account.clone());
        self.refresh_orders_where(move |o| o.connection == conn_id && o.account == acct)
            .await?;
        let snapshot = c
            .read()
            .await?
            .into_iter()
            .find(|s| &s.account_id == account)
            .ok_or_else(|| ServiceError::Connector {
                connection: c.id.clone(),
                source: brokerdesk_connectors::ConnectorError::UnknownAccount(account.clone()),
            })?;
        let position = snapshot
            .positions
            .iter()
            .find(|p| p.symbol == symbol)
            .cloned();
        let institution = brokerdesk_connectors::registry::descriptor(c.vendor.as_str())
            .map(|d| d.name.to_owned())
            .unwrap_or_else(|| c.display_name.clone());
        let now = Utc::now();
        let (history, previous_close) = match &c.market {
            None => (PriceHistory::NotOffered { institution }, None),
            Some(market) => {
                let history = match market
                    .bars(
                        &symbol,
                        range.timeframe(),
                        now - range.span(),
                        now,
                        range.limit(),
                    )
                    .await
                {
                    Ok(Some(bars)) => PriceHistory::Bars {
                        timeframe: range.timeframe(),
                        bars,
                    },
                    Ok(None) => PriceHistory::NotOffered { institution },
                    Err(err) => {
                        tracing::warn!(connection = %c.id, %symbol, error = %err, "price history");
                        PriceHistory::Failed {
                            message: err.to_string(),
                        }
                    }
                };
                let previous = match (&history, &position) {
                    (PriceHistory::Bars { .. }, Some(_)) => {
                        previous_close(market.as_ref(), &symbol, now).await
                    }
                    _ => None,
                };
                (history, previous)
            }
        };
        let (conn_id, acct, sym) = (c.id.clone(), account.clone(), symbol.clone());
        let fills = self
            .orders()
            .run(move |j| j.symbol_fills(&conn_id, &acct, &sym))
            .await?
            .into_iter()
            .map(|(time, f)| FillMark {
                time,
                side: f.side,
                qty: f.qty,
                price: f.price,
            })
            .collect();
        let orders = self
            .blotter_entries()
            .await?
            .into_iter()
            .filter(|e| &e.connection == connection && &e.account == account)
            .filter(|e| e.order.symbol == symbol)
            .collect();
        Ok(PositionDetail {
            connection: c.id.clone(),
            connection_name: c.display_name.clone(),
            account: account.clone(),
            mode: snapshot.mode,
            symbol,
            currency: snapshot.balances.currency.clone(),
            cost_basis: position.as_ref().map(|p| p.cost_basis).into(),
            day_pl: position
                .as_ref()
                .map_or(Figure::Unknown, |p| day_pl(p, previous_close)),
            total_pl: position.as_ref().map(|p| p.unrealized_pl).into(),
            position,
            range,
            history,
            fills,
            orders,
        })
    }
}

/// The previous session's close from the connection's own daily bars: the last daily bar's
/// close, or the one before it when the last is today's session (US sessions: the bar's date is
/// its New York date, taken as UTC−5; an hour off in summer, only near midnight). `None` when
/// there are no daily bars or reading them fails: day P&L is then "unknown", not invented.
async fn previous_close(
    market: &dyn MarketData,
    symbol: &Symbol,
    now: DateTime<Utc>,
) -> Option<Decimal> {
    let bars = market
        .bars(symbol, BarTimeframe::Day, now - Duration::days(10), now, 10)
        .await
        .ok()
        .flatten()?;
    let today = (now - Duration::hours(5)).date_naive();
    let mut closes = bars.iter().rev();
    let last = closes.next()?;
    if last.time.date_naive() == today {
        closes.next().map(|b| b.close)
    } else {
        Some(last.close)
    }
}
