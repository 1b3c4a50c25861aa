//! Why the venue refused a command, with the HTTP status and error code Alpaca answers with.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

/// Alpaca's error codes: the HTTP status followed by a sub-code.
pub mod code {
    pub const BAD_REQUEST: u32 = 40010000;
    pub const UNAUTHORIZED: u32 = 40110000;
    pub const FORBIDDEN: u32 = 40310000;
    pub const NOT_FOUND: u32 = 40410000;
    pub const UNPROCESSABLE: u32 = 42210000;
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum Rejection {
    #[error("insufficient buying power")]
    InsufficientBuyingPower {
        required: Decimal,
        available: Decimal,
    },
    #[error(
        "insufficient qty available for order (requested: {requested}, available: {available})"
    )]
    InsufficientQty {
        requested: Decimal,
        available: Decimal,
    },
    #[error("asset \"{0}\" not found")]
    UnknownSymbol(Symbol),
    #[error("asset {0} is not tradable")]
    NotTradable(Symbol),
    #[error("asset {0} cannot be sold short")]
    NotShortable(Symbol),
    #[error("account is not allowed to short")]
    ShortingNotAllowed,
    #[error("fractional orders cannot be sold short")]
    FractionalShort,
    #[error(
        "invalid {field} {price}. sub-penny increment does not fulfill minimum pricing criteria"
    )]
    SubPenny { field: String, price: Decimal },
    #[error("market is closed")]
    MarketClosed,
    #[error("{0}")]
    Invalid(String),
    #[error("client_order_id must be unique")]
    DuplicateClientOrderId,
    #[error("order not found")]
    OrderNotFound,
    #[error("order is not cancelable")]
    NotCancelable,
    #[error("order is not replaceable")]
    NotReplaceable,
    #[error("account {0} not found")]
    UnknownAccount(AccountId),
    #[error("account {0} already exists")]
    AccountExists(AccountId),
    #[error("trade denied due to pattern day trading protection")]
    PatternDayTrading,
    #[error("trading is suspended for this account (suspend_trade)")]
    TradeSuspended,
    #[error("fractional trading is disabled for this account (fractional_trading)")]
    FractionalDisabled,
}

impl Rejection {
    pub fn http_status(&self) -> u16 {
        match self {
            Self::InsufficientBuyingPower { .. }
            | Self::InsufficientQty { .. }
            | Self::ShortingNotAllowed
            | Self::FractionalShort
            | Self::PatternDayTrading
            | Self::TradeSuspended => 403,
            Self::OrderNotFound | Self::UnknownAccount(_) => 404,
            _ => 422,
        }
    }

    pub fn code(&self) -> u32 {
        match self.http_status() {
            403 => code::FORBIDDEN,
            404 => code::NOT_FOUND,
            _ => code::UNPROCESSABLE,
        }
    }
}
