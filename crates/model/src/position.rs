//! Holdings in an account.

use crate::ids::Symbol;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PositionSide {
    Long,
    Short,
}

/// What kind of instrument a position is (the Allocation page's classes; cash is the
/// balances'). `Other` where the institution does not say.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "snake_case")]
pub enum AssetClass {
    Equity,
    Option,
    Crypto,
    #[default]
    Other,
}

impl AssetClass {
    pub fn label(self) -> &'static str {
        match self {
            AssetClass::Equity => "Equity",
            AssetClass::Option => "Option",
            AssetClass::Crypto => "Crypto",
            AssetClass::Other => "Other",
        }
    }
}

/// One instrument held in an account. `qty` is always positive; `side` says which way.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Position {
    pub symbol: Symbol,
    pub side: PositionSide,
    pub qty: Decimal,
    pub avg_entry_price: Decimal,
    pub cost_basis: Decimal,
    pub current_price: Decimal,
    pub market_value: Decimal,
    pub unrealized_pl: Decimal,
    /// Absent on the wire (an older reply) reads as `Other`.
    #[serde(default)]
    pub asset_class: AssetClass,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn round_trips_and_accepts_numbers_or_strings() {
        let p = Position {
            symbol: Symbol::new("AAPL"),
            side: PositionSide::Long,
            qty: dec!(1.5),
            avg_entry_price: dec!(190.10),
            cost_basis: dec!(285.15),
            current_price: dec!(191.00),
            market_value: dec!(286.50),
            unrealized_pl: dec!(1.35),
            asset_class: AssetClass::Equity,
        };
        let json = serde_json::to_string(&p).unwrap();
        assert!(json.contains(r#""qty":"1.5""#), "{json}");
        assert_eq!(serde_json::from_str::<Position>(&json).unwrap(), p);

        let from_numbers = r#"{"symbol":"aapl","side":"long","qty":1.5,"avg_entry_price":190.10,
            "cost_basis":285.15,"current_price":191,"market_value":286.50,"unrealized_pl":1.35,
            "asset_class":"equity"}"#;
        assert_eq!(serde_json::from_str::<Position>(from_numbers).unwrap(), p);
    }

    #[test]
    fn unknown_side_is_refused() {
        let bad = r#"{"symbol":"AAPL","side":"sideways","qty":"1","avg_entry_price":"1",
            "cost_basis":"1","current_price":"1","market_value":"1","unrealized_pl":"0"}"#;
        assert!(serde_json::from_str::<Position>(bad).is_err());
    }
}
