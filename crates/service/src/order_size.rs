//! The fat-finger guard: an order worth more than the user's limit (a share of the account's
//! equity, `Settings::max_order_pct`, 25 % unless changed) goes out only when confirmed a second
//! time (`OrderTicket::confirm_large`). Decided here, so every front gets the same rule.
//!
//! The order's value is the dollar amount of a notional order; for a quantity, the quantity
//! times the limit price of a limit order, else the highest of the bid, ask and last that the
//! order's own connection quotes (and the stop price): the highest, so that a wide spread errs
//! toward asking. An order whose value or whose account's equity cannot be known asks too.

use crate::BrokerageService;
use crate::connection::Connection;
use crate::error::{LargeOrder, ServiceError};
use brokerdesk_model::money::format_usd;
use brokerdesk_model::order::{OrderQuantity, OrderType};
use brokerdesk_model::{AccountId, OrderTicket, Symbol};
use rust_decimal::Decimal;
use std::time::Duration;

/// How long to wait for a quote or the account's equity before asking the user instead.
const LOOKUP_WAIT: Duration = Duration::from_secs(10);

/// The decision on figures already gathered: `Err` when the order must be confirmed again.
pub(crate) fn judge(
    symbol: &Symbol,
    notional: Option<Decimal>,
    equity: Option<Decimal>,
    limit_pct: Decimal,
) -> Result<(), LargeOrder> {
    let limit = limit_pct.normalize();
    let ask = |notional, pct_of_equity, summary| {
        Err(LargeOrder {
            notional,
            pct_of_equity,
            limit_pct,
            summary,
        })
    };
    let Some(notional) = notional else {
        return ask(
            None,
            None,
            format!(
                "No price is known for {symbol} on this connection, so this order's value cannot \
                 be checked against your limit of {limit} % of the account's equity."
            ),
        );
    };
    let value = format_usd(notional);
    let equity = match equity {
        Some(e) if e > Decimal::ZERO => e,
        _ => {
            return ask(
                Some(notional),
                None,
                format!(
                    "This order is {value}, and the account's equity is not known (or not \
                     positive), so it cannot be checked against your limit of {limit} %."
                ),
            );
        }
    };
    // notional / equity > limit / 100, without dividing; a product too large to compute is
    // far above any limit.
    let hundred = Decimal::ONE_HUNDRED;
    let above = match (notional.checked_mul(hundred), equity.checked_mul(limit_pct)) {
        (Some(left), Some(right)) => left > right,
        _ => true,
    };
    if !above {
        return Ok(());
    }
    let pct = notional
        .checked_mul(hundred)
        .and_then(|n| n.checked_div(equity))
        .map(|p| p.round_dp(1).normalize());
    let share = match pct {
        Some(p) => format!("{p} % of the account's equity"),
        None => "far more than the account's equity".to_owned(),
    };
    ask(
        Some(notional),
        pct,
        format!("This order is {value}, {share} — above your limit of {limit} %."),
    )
}

impl BrokerageService {
    /// Refuses with `NeedsConfirmation` an order above the user's limit that the ticket does not
    /// confirm.
    pub(crate) async fn check_order_size(
        &self,
        connection: &Connection,
        ticket: &OrderTicket,
        symbol: &Symbol,
    ) -> Result<(), ServiceError> {
        if ticket.confirm_large {
            return Ok(());
        }
        let limit_pct = self.inner.settings.load()?.max_order_pct;
        let (notional, equity) = futures::join!(
            notional(connection, ticket, symbol),
            equity(connection, &ticket.account)
        );
        judge(symbol, notional?, equity, limit_pct).map_err(ServiceError::NeedsConfirmation)
    }

    /// The order's value as the guard reckons it (shown on an assistant's live order ticket);
    /// `None` when no price is known.
    pub(crate) async fn estimate_order_value(
        &self,
        connection: &Connection,
        ticket: &OrderTicket,
    ) -> Option<Decimal> {
        let symbol = Symbol::new(ticket.symbol.as_str().trim().to_uppercase());
        notional(connection, ticket, &symbol).await.ok().flatten()
    }
}

/// The order's value; `None` when no price is known for a quantity.
async fn notional(
    connection: &Connection,
    ticket: &OrderTicket,
    symbol: &Symbol,
) -> Result<Option<Decimal>, ServiceError> {
    let qty = match ticket.quantity {
        OrderQuantity::Notional(amount) => return Ok(Some(amount)),
        OrderQuantity::Qty(qty) => qty,
    };
    let Some(price) = price(connection, ticket, symbol).await else {
        return Ok(None);
    };
    qty.checked_mul(price).map(Some).ok_or_else(|| {
        ServiceError::InvalidInput(format!("{qty} × {price} is too large a value for an order"))
    })
}

async fn price(connection: &Connection, ticket: &OrderTicket, symbol: &Symbol) -> Option<Decimal> {
    if let (OrderType::Limit | OrderType::StopLimit, Some(limit)) =
        (ticket.order_type, ticket.limit_price)
    {
        return Some(limit);
    }
    let mut known: Vec<Decimal> = ticket.stop_price.into_iter().collect();
    if let Some(market) = &connection.market {
        let quotes = tokio::time::timeout(
            LOOKUP_WAIT,
            market.latest_quotes(std::slice::from_ref(symbol)),
        )
        .await;
        match quotes {
            Ok(Ok(quotes)) => known.extend(
                quotes
                    .iter()
                    .filter(|q| q.symbol.as_str().eq_ignore_ascii_case(symbol.as_str()))
                    .flat_map(|q| [q.bid, q.ask, q.last])
                    .flatten(),
            ),
            Ok(Err(err)) => {
                tracing::debug!(connection = %connection.id, error = %err, "no quote for the order");
            }
            Err(_) => tracing::debug!(connection = %connection.id, "quote for the order timed out"),
        }
    }
    known.into_iter().filter(|p| *p > Decimal::ZERO).max()
}

async fn equity(connection: &Connection, account: &AccountId) -> Option<Decimal> {
    match tokio::time::timeout(LOOKUP_WAIT, connection.portfolio.balances(account)).await {
        Ok(Ok(balances)) => Some(balances.equity),
        Ok(Err(err)) => {
            tracing::debug!(connection = %connection.id, error = %err, "no equity for the order");
            None
        }
        Err(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn aapl() -> Symbol {
        Symbol::new("AAPL")
    }

    #[test]
    fn at_or_below_the_limit_passes_above_asks_with_the_figures() {
        assert!(judge(&aapl(), Some(dec!(25000)), Some(dec!(100000)), dec!(25)).is_ok());
        assert!(judge(&aapl(), Some(dec!(1)), Some(dec!(100000)), dec!(25)).is_ok());
        let big = judge(&aapl(), Some(dec!(49400)), Some(dec!(100000)), dec!(25)).unwrap_err();
        assert_eq!(big.notional, Some(dec!(49400)));
        assert_eq!(big.pct_of_equity, Some(dec!(49.4)));
        assert_eq!(
            big.summary,
            "This order is $49,400.00, 49.4 % of the account's equity — above your limit of 25 %."
        );
        let just = judge(&aapl(), Some(dec!(25000.01)), Some(dec!(100000)), dec!(25));
        assert_eq!(just.unwrap_err().pct_of_equity, Some(dec!(25)));
    }

    #[test]
    fn an_unknown_price_or_equity_asks_and_says_so() {
        let no_price = judge(&aapl(), None, Some(dec!(100000)), dec!(25)).unwrap_err();
        assert!(
            no_price.summary.contains("No price is known for AAPL"),
            "{no_price:?}"
        );
        let no_equity = judge(&aapl(), Some(dec!(10)), None, dec!(25)).unwrap_err();
        assert!(no_equity.summary.contains("equity is not known"));
        assert!(judge(&aapl(), Some(dec!(10)), Some(dec!(0)), dec!(25)).is_err());
        assert!(judge(&aapl(), Some(dec!(10)), Some(dec!(-5)), dec!(25)).is_err());
        let huge = judge(&aapl(), Some(Decimal::MAX), Some(dec!(1)), dec!(25)).unwrap_err();
        assert!(huge.summary.contains("far more"), "{}", huge.summary);
    }
}
