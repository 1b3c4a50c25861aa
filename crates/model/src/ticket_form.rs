//! The order ticket as the user fills it in. Selects hold the order's own enums (set from their
//! text with `FromStr`, so a value that is not an option is an error, never a market order), the
//! typed fields hold text until [`TicketForm::ticket`] reads them. The UI uses this type; it
//! lives here so that its rules are tested on the host.

use crate::ids::{AccountId, ConnectionId, Symbol};
use crate::order::{OrderQuantity, OrderSide, OrderType, TimeInForce};
use crate::trading::OrderTicket;
use rust_decimal::Decimal;
use std::str::FromStr;

/// Whether the quantity is a number of shares or an amount of dollars.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QuantityKind {
    #[default]
    Shares,
    Dollars,
}

impl QuantityKind {
    pub const ALL: &'static [QuantityKind] = &[QuantityKind::Shares, QuantityKind::Dollars];

    /// The names of `OrderQuantity`'s variants on the wire.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Shares => "qty",
            Self::Dollars => "notional",
        }
    }
}

impl FromStr for QuantityKind {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        match text {
            "qty" => Ok(Self::Shares),
            "notional" => Ok(Self::Dollars),
            other => Err(format!(
                "unknown quantity kind `{other}` (one of: qty, notional)"
            )),
        }
    }
}

/// One input or select of the ticket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TicketField {
    Symbol,
    Side,
    QuantityKind,
    Quantity,
    OrderType,
    LimitPrice,
    StopPrice,
    TimeInForce,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TicketForm {
    pub symbol: String,
    pub side: OrderSide,
    pub quantity_kind: QuantityKind,
    pub quantity: String,
    pub order_type: OrderType,
    pub limit_price: String,
    pub stop_price: String,
    pub time_in_force: TimeInForce,
}

impl TicketForm {
    /// Sets one field from the text of its input or select. A select's text that is none of its
    /// options is refused, and the form stays as it was.
    pub fn set(&mut self, field: TicketField, value: &str) -> Result<(), String> {
        match field {
            TicketField::Symbol => self.symbol = value.to_owned(),
            TicketField::Side => self.side = value.parse()?,
            TicketField::QuantityKind => self.quantity_kind = value.parse()?,
            TicketField::Quantity => self.quantity = value.to_owned(),
            TicketField::OrderType => self.order_type = value.parse()?,
            TicketField::LimitPrice => self.limit_price = value.to_owned(),
            TicketField::StopPrice => self.stop_price = value.to_owned(),
            TicketField::TimeInForce => self.time_in_force = value.parse()?,
        }
        Ok(())
    }

    pub fn needs_limit(&self) -> bool {
        matches!(self.order_type, OrderType::Limit | OrderType::StopLimit)
    }

    pub fn needs_stop(&self) -> bool {
        matches!(self.order_type, OrderType::Stop | OrderType::StopLimit)
    }

    /// The ticket for `account`, checked by the same rules the backend applies; a large order
    /// is not confirmed yet (`confirm_large` false).
    pub fn ticket(
        &self,
        connection: ConnectionId,
        account: AccountId,
    ) -> Result<OrderTicket, String> {
        let amount = decimal("quantity", &self.quantity)?.ok_or("enter a quantity")?;
        let ticket = OrderTicket {
            connection,
            account,
            symbol: Symbol::new(self.symbol.trim().to_uppercase()),
            side: self.side,
            quantity: match self.quantity_kind {
                QuantityKind::Shares => OrderQuantity::Qty(amount),
                QuantityKind::Dollars => OrderQuantity::Notional(amount),
            },
            order_type: self.order_type,
            time_in_force: self.time_in_force,
            limit_price: if self.needs_limit() {
                decimal("limit price", &self.limit_price)?
            } else {
                None
            },
            stop_price: if self.needs_stop() {
                decimal("stop price", &self.stop_price)?
            } else {
                None
            },
            confirm_large: false,
        };
        ticket.validate()?;
        Ok(ticket)
    }
}

/// A typed number: empty is `None`; thousands separators are allowed.
fn decimal(what: &str, text: &str) -> Result<Option<Decimal>, String> {
    let t = text.trim().replace(',', "");
    if t.is_empty() {
        return Ok(None);
    }
    Decimal::from_str(&t)
        .map(Some)
        .map_err(|_| format!("{what} `{text}` is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn form() -> TicketForm {
        TicketForm {
            symbol: " aapl ".into(),
            quantity: "1,000".into(),
            ..TicketForm::default()
        }
    }

    fn ticket(f: &TicketForm) -> Result<OrderTicket, String> {
        f.ticket(ConnectionId::new("paper-local"), AccountId::new("PA-1"))
    }

    #[test]
    fn defaults_are_a_day_market_buy_of_shares() {
        let t = ticket(&form()).unwrap();
        assert_eq!(t.symbol.as_str(), "AAPL");
        assert_eq!(t.side, OrderSide::Buy);
        assert_eq!(t.quantity, OrderQuantity::Qty(dec!(1000)));
        assert_eq!(t.order_type, OrderType::Market);
        assert_eq!(t.time_in_force, TimeInForce::Day);
        assert!(!t.confirm_large);
    }

    #[test]
    fn a_stray_select_value_is_an_error_and_changes_nothing() {
        let mut f = form();
        f.set(TicketField::Side, "sell").unwrap();
        f.set(TicketField::OrderType, "limit").unwrap();
        f.set(TicketField::TimeInForce, "gtc").unwrap();
        f.set(TicketField::LimitPrice, "10.5").unwrap();
        let before = f.clone();
        for (field, stray) in [
            (TicketField::Side, "bu y"),
            (TicketField::Side, "SELL"),
            (TicketField::OrderType, "markte"),
            (TicketField::OrderType, ""),
            (TicketField::TimeInForce, "gtd"),
            (TicketField::QuantityKind, "shares"),
        ] {
            let err = f.set(field, stray).unwrap_err();
            assert!(err.starts_with("unknown"), "{field:?} {stray}: {err}");
            assert_eq!(f, before, "{field:?} {stray} changed the form");
        }
        let t = ticket(&f).unwrap();
        assert_eq!(
            (t.side, t.order_type, t.time_in_force, t.limit_price),
            (
                OrderSide::Sell,
                OrderType::Limit,
                TimeInForce::Gtc,
                Some(dec!(10.5))
            )
        );
    }

    #[test]
    fn every_option_the_ui_offers_parses_back() {
        let mut f = form();
        for v in OrderSide::ALL {
            f.set(TicketField::Side, v.as_str()).unwrap();
            assert_eq!(f.side, *v);
        }
        for v in OrderType::ALL {
            f.set(TicketField::OrderType, v.as_str()).unwrap();
            assert_eq!(f.order_type, *v);
        }
        for v in TimeInForce::ALL {
            f.set(TicketField::TimeInForce, v.as_str()).unwrap();
            assert_eq!(f.time_in_force, *v);
        }
        for v in QuantityKind::ALL {
            f.set(TicketField::QuantityKind, v.as_str()).unwrap();
            assert_eq!(f.quantity_kind, *v);
        }
    }

    #[test]
    fn prices_are_read_only_for_the_types_that_take_them() {
        let mut f = form();
        f.set(TicketField::LimitPrice, "12").unwrap();
        f.set(TicketField::StopPrice, "11").unwrap();
        let market = ticket(&f).unwrap();
        assert_eq!((market.limit_price, market.stop_price), (None, None));
        f.set(TicketField::OrderType, "stop_limit").unwrap();
        let stop_limit = ticket(&f).unwrap();
        assert_eq!(
            (stop_limit.limit_price, stop_limit.stop_price),
            (Some(dec!(12)), Some(dec!(11)))
        );
        f.set(TicketField::LimitPrice, "twelve").unwrap();
        assert!(ticket(&f).unwrap_err().contains("not a number"));
        f.set(TicketField::Quantity, " ").unwrap();
        assert_eq!(ticket(&f).unwrap_err(), "enter a quantity");
        f.set(TicketField::QuantityKind, "notional").unwrap();
        f.set(TicketField::Quantity, "500").unwrap();
        f.set(TicketField::OrderType, "market").unwrap();
        assert_eq!(
            ticket(&f).unwrap().quantity,
            OrderQuantity::Notional(dec!(500))
        );
    }
}
