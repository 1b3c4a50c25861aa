//! Orders as the app places and shows them: the ticket the user fills in and the blotter line.

use crate::connection::TradingMode;
use crate::ids::{AccountId, ConnectionId, Symbol};
use crate::order::{Order, OrderQuantity, OrderSide, OrderType, TimeInForce};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// What the order ticket sends. The backend mints the client order id, so a retried command can
/// never place a second order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderTicket {
    pub connection: ConnectionId,
    pub account: AccountId,
    pub symbol: Symbol,
    pub side: OrderSide,
    pub quantity: OrderQuantity,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    /// The user's second confirmation of an order larger than their limit (a share of the
    /// account's equity, `Settings::max_order_pct`). Absent means not confirmed.
    #[serde(default)]
    pub confirm_large: bool,
}

impl OrderTicket {
    /// The checks any broker would make, made before anything is sent, in words for the user.
    pub fn validate(&self) -> Result<(), String> {
        let positive = |what: &str, v: Decimal| {
            if v > Decimal::ZERO {
                Ok(())
            } else {
                Err(format!("{what} must be greater than zero"))
            }
        };
        if self.symbol.as_str().trim().is_empty() {
            return Err("enter a symbol".into());
        }
        match self.quantity {
            OrderQuantity::Qty(q) => positive("quantity", q)?,
            OrderQuantity::Notional(n) => {
                positive("amount", n)?;
                if self.order_type != OrderType::Market {
                    return Err("an amount (notional) order must be a market order".into());
                }
            }
        }
        let needs_limit = matches!(self.order_type, OrderType::Limit | OrderType::StopLimit);
        let needs_stop = matches!(self.order_type, OrderType::Stop | OrderType::StopLimit);
        match (needs_limit, self.limit_price) {
            (true, None) => return Err("enter a limit price".into()),
            (true, Some(p)) => positive("limit price", p)?,
            (false, Some(_)) => {
                return Err("only limit and stop-limit orders take a limit price".into());
            }
            (false, None) => {}
        }
        match (needs_stop, self.stop_price) {
            (true, None) => return Err("enter a stop price".into()),
            (true, Some(p)) => positive("stop price", p)?,
            (false, Some(_)) => {
                return Err("only stop and stop-limit orders take a stop price".into());
            }
            (false, None) => {}
        }
        if self.order_type == OrderType::TrailingStop {
            return Err("trailing stops are not on the ticket yet; use the broker's app".into());
        }
        Ok(())
    }
}

/// One line of the blotter: an order the app placed, as the broker last reported it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BlotterEntry {
    pub connection: ConnectionId,
    pub connection_name: String,
    pub mode: TradingMode,
    pub account: AccountId,
    pub order: Order,
    pub submitted_at: DateTime<Utc>,
    /// The account's currency (prices and amounts are in it), where the connection's last read
    /// said; absent, the figures are shown without a currency sign rather than with a wrong one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

/// An order the broker holds back with warnings until the user answers: yes places it (and may
/// bring further warnings), no withdraws it. The texts are the broker's, shown and not obeyed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderWarnings {
    /// What the answer names (`ipc::AnswerOrderWarnings`); good until `expires_at`.
    pub confirmation: String,
    pub connection: ConnectionId,
    pub connection_name: String,
    pub account: AccountId,
    pub client_order_id: crate::ids::ClientOrderId,
    pub symbol: Symbol,
    pub messages: Vec<String>,
    pub expires_at: DateTime<Utc>,
}

/// What placing an order (or answering its warnings) came to.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "outcome", content = "detail", rename_all = "snake_case")]
pub enum OrderPlacement {
    Placed(Box<BlotterEntry>),
    /// Not sent yet: the broker's warnings wait for the user's answer.
    NeedsConfirmation(OrderWarnings),
    /// The user said no: the order was not sent.
    Declined,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ticket() -> OrderTicket {
        OrderTicket {
            connection: ConnectionId::new("paper-local"),
            account: AccountId::new("PA-1"),
            symbol: Symbol::new("AAPL"),
            side: OrderSide::Buy,
            quantity: OrderQuantity::Qty(dec!(1.5)),
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Day,
            limit_price: None,
            stop_price: None,
            confirm_large: false,
        }
    }

    #[test]
    fn a_plain_market_order_is_valid() {
        assert_eq!(ticket().validate(), Ok(()));
    }

    #[test]
    fn each_price_rule_has_its_message() {
        let limit = OrderTicket {
            order_type: OrderType::Limit,
            ..ticket()
        };
        assert_eq!(limit.validate().unwrap_err(), "enter a limit price");
        let stop_limit = OrderTicket {
            order_type: OrderType::StopLimit,
            limit_price: Some(dec!(10)),
            ..ticket()
        };
        assert_eq!(stop_limit.validate().unwrap_err(), "enter a stop price");
        let market_with_limit = OrderTicket {
            limit_price: Some(dec!(10)),
            ..ticket()
        };
        assert!(market_with_limit.validate().is_err());
        let zero = OrderTicket {
            quantity: OrderQuantity::Qty(Decimal::ZERO),
            ..ticket()
        };
        assert_eq!(
            zero.validate().unwrap_err(),
            "quantity must be greater than zero"
        );
        let notional_limit = OrderTicket {
            quantity: OrderQuantity::Notional(dec!(100)),
            order_type: OrderType::Limit,
            limit_price: Some(dec!(1)),
            ..ticket()
        };
        assert!(notional_limit.validate().unwrap_err().contains("market"));
        let blank = OrderTicket {
            symbol: Symbol::new(" "),
            ..ticket()
        };
        assert_eq!(blank.validate().unwrap_err(), "enter a symbol");
    }
}
