//! One position looked at closely: its price history from the account's own market data, the
//! user's fills on it, cost basis and P&L, and the orders on that symbol.

use crate::connection::TradingMode;
use crate::ids::{AccountId, ConnectionId, Symbol};
use crate::order::OrderSide;
use crate::position::{Position, PositionSide};
use crate::trading::BlotterEntry;
use chrono::{DateTime, Duration, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// How wide a bar is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BarTimeframe {
    Minute,
    FiveMinutes,
    Hour,
    Day,
}

/// The span a price chart shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartRange {
    #[serde(rename = "1d")]
    Day,
    #[serde(rename = "1w")]
    Week,
    #[default]
    #[serde(rename = "1m")]
    Month,
    #[serde(rename = "1y")]
    Year,
}

impl ChartRange {
    pub const ALL: [ChartRange; 4] = [Self::Day, Self::Week, Self::Month, Self::Year];

    pub fn label(self) -> &'static str {
        match self {
            Self::Day => "1D",
            Self::Week => "1W",
            Self::Month => "1M",
            Self::Year => "1Y",
        }
    }

    /// How far back from now the chart starts. A day reaches back over a weekend (the last
    /// session is shown, not an empty Sunday).
    pub fn span(self) -> Duration {
        match self {
            Self::Day => Duration::days(4),
            Self::Week => Duration::days(7),
            Self::Month => Duration::days(31),
            Self::Year => Duration::days(366),
        }
    }

    /// The bar width that gives a few hundred points over the span.
    pub fn timeframe(self) -> BarTimeframe {
        match self {
            Self::Day => BarTimeframe::FiveMinutes,
            Self::Week => BarTimeframe::Hour,
            Self::Month | Self::Year => BarTimeframe::Day,
        }
    }

    /// At most this many bars are asked for (the newest are kept).
    pub fn limit(self) -> u32 {
        match self {
            Self::Day => 1_200,
            Self::Week => 400,
            Self::Month => 100,
            Self::Year => 400,
        }
    }
}

/// One bar of price history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PriceBar {
    pub time: DateTime<Utc>,
    pub open: Decimal,
    pub high: Decimal,
    pub low: Decimal,
    pub close: Decimal,
    pub volume: Decimal,
}

/// The price chart's data, or why there is none.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum PriceHistory {
    /// Bars from the account's own connection, oldest first.
    Bars {
        timeframe: BarTimeframe,
        bars: Vec<PriceBar>,
    },
    /// The institution offers no price history: the page says so, naming it.
    NotOffered { institution: String },
    /// It offers some, but reading it failed this time (the message is for the disclosure).
    Failed { message: String },
}

/// One of the user's fills on the symbol, as the order journal derived it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FillMark {
    pub time: DateTime<Utc>,
    pub side: OrderSide,
    pub qty: Decimal,
    pub price: Decimal,
}

/// A figure the page shows, or the plain fact that it is not known.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "value")]
pub enum Figure {
    Known(Decimal),
    Unknown,
}

impl Figure {
    pub fn known(self) -> Option<Decimal> {
        match self {
            Self::Known(v) => Some(v),
            Self::Unknown => None,
        }
    }
}

impl From<Option<Decimal>> for Figure {
    fn from(v: Option<Decimal>) -> Self {
        v.map_or(Self::Unknown, Self::Known)
    }
}

/// Everything the position page shows.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionDetail {
    pub connection: ConnectionId,
    pub connection_name: String,
    pub account: AccountId,
    pub mode: TradingMode,
    pub symbol: Symbol,
    /// The account's currency: every amount below is in it.
    pub currency: String,
    /// The position as the broker reports it now; `None` when the account holds none (closed,
    /// or only orders so far).
    pub position: Option<Position>,
    pub cost_basis: Figure,
    /// Change in value since the previous session's close: known only where a previous close
    /// is known (the day's first bar's open is not a previous close, so it is not used).
    pub day_pl: Figure,
    /// Unrealized P&L: market value minus cost basis, as the broker reports them.
    pub total_pl: Figure,
    pub range: ChartRange,
    pub history: PriceHistory,
    pub fills: Vec<FillMark>,
    /// Orders the app placed on this symbol in this account, newest first.
    pub orders: Vec<BlotterEntry>,
}

/// Day P&L from the position and the previous session's close: `qty × (price − previous
/// close)`, signed by the side; checked arithmetic, `Unknown` without a previous close.
pub fn day_pl(position: &Position, previous_close: Option<Decimal>) -> Figure {
    let Some(prev) = previous_close else {
        return Figure::Unknown;
    };
    let sign = match position.side {
        PositionSide::Long => Decimal::ONE,
        PositionSide::Short => Decimal::NEGATIVE_ONE,
    };
    position
        .current_price
        .checked_sub(prev)
        .and_then(|d| d.checked_mul(position.qty))
        .and_then(|d| d.checked_mul(sign))
        .into()
}

/// Arguments of `position_detail`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PositionDetailArgs {
    pub connection: ConnectionId,
    pub account: AccountId,
    pub symbol: Symbol,
    #[serde(default)]
    pub range: ChartRange,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn position(side: PositionSide) -> Position {
        Position {
            symbol: Symbol::new("AAPL"),
            side,
            qty: dec!(2),
            avg_entry_price: dec!(100),
            cost_basis: dec!(200),
            current_price: dec!(105),
            market_value: dec!(210),
            unrealized_pl: dec!(10),
            asset_class: crate::AssetClass::Equity,
        }
    }

    #[test]
    fn day_pl_needs_a_previous_close() {
        assert_eq!(day_pl(&position(PositionSide::Long), None), Figure::Unknown);
        assert_eq!(
            day_pl(&position(PositionSide::Long), Some(dec!(104))),
            Figure::Known(dec!(2))
        );
        assert_eq!(
            day_pl(&position(PositionSide::Short), Some(dec!(104))),
            Figure::Known(dec!(-2))
        );
    }

    #[test]
    fn ranges_travel_as_their_labels() {
        assert_eq!(serde_json::to_string(&ChartRange::Year).unwrap(), "\"1y\"");
        let args: PositionDetailArgs =
            serde_json::from_str(r#"{"connection":"paper-local","account":"A","symbol":"AAPL"}"#)
                .unwrap();
        assert_eq!(args.range, ChartRange::Month);
        assert!(serde_json::from_str::<ChartRange>("\"2y\"").is_err());
        assert_eq!(
            serde_json::to_string(&Figure::Known(dec!(1.5))).unwrap(),
            r#"{"kind":"known","value":"1.5"}"#
        );
    }
}
