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

// Fast paths for the checks every order and tick passes. `Decimal`'s own comparison aligns
// the scales of its operands first (a multiply loop when they differ, as a price with cents
// and a whole cap do); these settle the usual cases from the parts and fall back to it.

/// `v <= max`. With `max` whole and not negative, a mantissa no larger than it settles the
/// question: `v` is its mantissa over a power of ten.
#[inline]
pub fn at_most(v: Decimal, max: Decimal) -> bool {
    let settled = max.scale() == 0
        && !max.is_sign_negative()
        && v.mantissa().unsigned_abs() <= max.mantissa().unsigned_abs();
    settled || v <= max
}

/// `v >= 0` (a negative zero is zero).
#[inline]
pub fn not_negative(v: Decimal) -> bool {
    !v.is_sign_negative() || v.is_zero()
}

/// Whether `v` has no fractional part.
#[inline]
pub fn is_whole(v: Decimal) -> bool {
    v.scale() == 0 || v.fract().is_zero()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..=28, any::<bool>()).prop_map(|(m, scale, wide)| {
            // Wide values reach past every cap; narrow ones sit around them.
            let m = if wide {
                i128::from(m) << 30
            } else {
                i128::from(m % 10_000_000_000)
            };
            Decimal::from_i128_with_scale(m, scale)
        })
    }

    proptest! {
        #[test]
        fn fast_checks_agree_with_the_exact_comparisons(v in decimal(), max in decimal()) {
            prop_assert_eq!(at_most(v, max), v <= max);
            prop_assert_eq!(at_most(v, MAX_QTY), v <= MAX_QTY);
            prop_assert_eq!(at_most(v, MAX_MARKET_SIZE), v <= MAX_MARKET_SIZE);
            prop_assert_eq!(not_negative(v), v >= Decimal::ZERO);
            prop_assert_eq!(is_whole(v), v.fract().is_zero());
        }
    }

    #[test]
    fn edges_of_the_fast_checks() {
        let neg_zero = Decimal::from_parts(0, 0, 0, true, 2);
        assert!(not_negative(neg_zero));
        assert!(!not_negative(Decimal::new(-1, 9)));
        assert!(at_most(MAX_PRICE, MAX_PRICE));
        assert!(!at_most(MAX_PRICE + Decimal::new(1, 2), MAX_PRICE));
        // A mantissa over the cap can still be a value under it.
        assert!(at_most(Decimal::new(1_000_001, 1), MAX_PRICE));
        assert!(at_most(Decimal::new(-5, 0), Decimal::new(-1, 0)));
        assert!(!at_most(Decimal::new(-1, 0), Decimal::new(-5, 0)));
        assert!(is_whole(Decimal::new(300, 2)));
        assert!(!is_whole(Decimal::new(301, 2)));
    }
}
