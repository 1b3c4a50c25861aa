//! The words of an order, shared by the paper exchange, the connectors and the UI. Their serde
//! names are Alpaca's (`buy`, `stop_limit`, `gtc`, …), which the other vendors map onto.

use crate::ids::{ClientOrderId, OrderId, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSide {
    #[default]
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    #[default]
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    #[default]
    Day,
    Gtc,
    Ioc,
    Fok,
    /// At the opening auction.
    Opg,
    /// At the closing auction.
    Cls,
}

/// The wire names (`buy`, `stop_limit`, `gtc`, …) as text, both ways: what the UI's selects
/// hold and what `FromStr` reads back. An unknown name is an error, never a default.
macro_rules! wire_names {
    ($ty:ident, $what:literal, { $($variant:ident => $name:literal),+ $(,)? }) => {
        impl $ty {
            pub const ALL: &'static [$ty] = &[$($ty::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($ty::$variant => $name),+
                }
            }
        }

        impl std::str::FromStr for $ty {
            type Err = String;

            fn from_str(text: &str) -> Result<Self, String> {
                match text {
                    $($name => Ok($ty::$variant),)+
                    other => Err(format!(
                        concat!("unknown ", $what, " `{}` (one of: {})"),
                        other,
                        [$($name),+].join(", ")
                    )),
                }
            }
        }

        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

wire_names!(OrderSide, "side", { Buy => "buy", Sell => "sell" });
wire_names!(OrderType, "order type", {
    Market => "market",
    Limit => "limit",
    Stop => "stop",
    StopLimit => "stop_limit",
    TrailingStop => "trailing_stop",
});
wire_names!(TimeInForce, "time in force", {
    Day => "day",
    Gtc => "gtc",
    Ioc => "ioc",
    Fok => "fok",
    Opg => "opg",
    Cls => "cls",
});

/// Alpaca's order states (the richest set we meet); other vendors map onto them.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    New,
    PartiallyFilled,
    Filled,
    DoneForDay,
    Canceled,
    Expired,
    Replaced,
    PendingCancel,
    PendingReplace,
    PendingNew,
    Accepted,
    AcceptedForBidding,
    Stopped,
    Rejected,
    Suspended,
    Calculated,
    Held,
    /// A state this version does not know; kept verbatim rather than guessed.
    Other(String),
}

impl OrderStatus {
    /// Whether the order can still trade (or be canceled).
    pub fn is_open(&self) -> bool {
        !matches!(
            self,
            OrderStatus::Filled
                | OrderStatus::Canceled
                | OrderStatus::Expired
                | OrderStatus::Replaced
                | OrderStatus::Rejected
                | OrderStatus::DoneForDay
        )
    }
}

/// Shares (possibly fractional) or a cash amount.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderQuantity {
    Qty(Decimal),
    Notional(Decimal),
}

/// What the user asks for. The client order id is minted (and persisted) by the caller before
/// the first send; retries reuse it, which is what makes submission exactly-once.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub client_order_id: ClientOrderId,
    pub symbol: Symbol,
    pub side: OrderSide,
    pub quantity: OrderQuantity,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub extended_hours: bool,
}

impl OrderRequest {
    pub fn market(
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: OrderSide,
        qty: Decimal,
    ) -> Self {
        Self {
            client_order_id,
            symbol,
            side,
            quantity: OrderQuantity::Qty(qty),
            order_type: OrderType::Market,
            time_in_force: TimeInForce::Day,
            limit_price: None,
            stop_price: None,
            extended_hours: false,
        }
    }

    pub fn limit(
        client_order_id: ClientOrderId,
        symbol: Symbol,
        side: OrderSide,
        qty: Decimal,
        limit_price: Decimal,
    ) -> Self {
        Self {
            order_type: OrderType::Limit,
            limit_price: Some(limit_price),
            ..Self::market(client_order_id, symbol, side, qty)
        }
    }
}

/// Changes to a working order (Alpaca's replace); absent fields stay as they are.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplaceRequest {
    pub qty: Option<Decimal>,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub time_in_force: Option<TimeInForce>,
    /// The replacement's own client order id (a new order replaces the old one).
    pub client_order_id: Option<ClientOrderId>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: OrderId,
    pub client_order_id: Option<ClientOrderId>,
    pub symbol: Symbol,
    pub side: OrderSide,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub quantity: Option<OrderQuantity>,
    pub filled_qty: Decimal,
    pub filled_avg_price: Option<Decimal>,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub status: OrderStatus,
    pub created_at: Option<DateTime<Utc>>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatusFilter {
    #[default]
    Open,
    Closed,
    All,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderFilter {
    pub status: OrderStatusFilter,
    /// At most this many (the vendor's own cap applies too).
    pub limit: Option<u32>,
    pub symbols: Vec<Symbol>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_names_are_alpacas() {
        assert_eq!(
            serde_json::to_string(&OrderType::StopLimit).unwrap(),
            "\"stop_limit\""
        );
        assert_eq!(
            serde_json::to_string(&OrderType::TrailingStop).unwrap(),
            "\"trailing_stop\""
        );
        assert_eq!(
            serde_json::from_str::<TimeInForce>("\"opg\"").unwrap(),
            TimeInForce::Opg
        );
        assert_eq!(
            serde_json::from_str::<OrderSide>("\"sell\"").unwrap(),
            OrderSide::Sell
        );
        assert!(serde_json::from_str::<TimeInForce>("\"gtd\"").is_err());
    }

    #[test]
    fn text_names_are_the_wire_names_and_strays_are_errors() {
        fn check<T>(all: &[T])
        where
            T: Copy + std::fmt::Debug + PartialEq + Serialize + std::str::FromStr<Err = String>,
            T: std::fmt::Display,
        {
            for v in all {
                let wire = serde_json::to_string(v).unwrap();
                assert_eq!(format!("\"{v}\""), wire);
                assert_eq!(wire.trim_matches('"').parse::<T>().unwrap(), *v);
            }
        }
        check(OrderSide::ALL);
        check(OrderType::ALL);
        check(TimeInForce::ALL);
        assert!(
            "bu y"
                .parse::<OrderSide>()
                .unwrap_err()
                .contains("unknown side `bu y`")
        );
        assert!("Buy".parse::<OrderSide>().is_err(), "names are exact");
        assert!("".parse::<OrderType>().is_err());
        assert!("markte".parse::<OrderType>().is_err());
        assert!("gtd".parse::<TimeInForce>().is_err());
    }
}
