//! The words of an order, shared by the paper exchange, the connectors and the UI. Their serde
//! names are Alpaca's (`buy`, `stop_limit`, `gtc`, …), which the other vendors map onto.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderSide {
    Buy,
    Sell,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderType {
    Market,
    Limit,
    Stop,
    StopLimit,
    TrailingStop,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimeInForce {
    Day,
    Gtc,
    Ioc,
    Fok,
    /// At the opening auction.
    Opg,
    /// At the closing auction.
    Cls,
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
}
