//! The venue's numeric limits, with no dependencies, so that the types and the checks can
//! both read them without importing each other.

use rust_decimal::Decimal;

/// Alpaca accepts fractional quantities to nine decimals.
pub const MAX_QTY_DP: u32 = 9;

// Caps on what one order may ask for. Far beyond any real order, and small enough that every
// product the venue forms from them (qty × price, reservations, cash, cost basis) stays many
// orders of magnitude inside a `Decimal` (about 7.9 × 10^28), so no arithmetic can overflow.

/// Most shares in one order: 10^9.
pub const MAX_QTY: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Highest limit, stop or trail price: $1,000,000 a share.
pub const MAX_PRICE: Decimal = Decimal::from_parts(1_000_000, 0, 0, false, 0);
/// Largest notional order: $10^9.
pub const MAX_NOTIONAL: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Most cash an account can be opened with: $10^12.
pub const MAX_CASH: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
/// Market prices above this (or below zero) are not a market: such ticks are ignored.
pub const MAX_MARKET_PRICE: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);
/// Quote and trade sizes above this are ignored, like a negative size.
pub const MAX_MARKET_SIZE: Decimal = Decimal::from_parts(3_567_587_328, 232, 0, false, 0);
