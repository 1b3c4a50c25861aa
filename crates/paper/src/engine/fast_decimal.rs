//! `Decimal` comparisons (and a halving, and products by a whole factor) the engine makes on
//! every order, settled from the parts.
//!
//! `Decimal`'s own comparison is a call that aligns the operands' scales (a multiply loop when
//! they differ, as a price with cents and a whole threshold do): some 40 instructions, and a
//! market round trip made 40 of them. Against zero only the sign and the mantissa matter; two
//! values whose scales are at most nine apart compare as aligned `i128` mantissas. Anything
//! else falls back to `Decimal`'s comparison, so the answers are always the same (a proptest
//! holds them to it).

use rust_decimal::Decimal;
use std::cmp::Ordering;

use super::limits::not_negative;

/// Sign tests and a zero clamp with exactly the meaning of the comparisons they replace (a
/// negative zero is zero; `max0` keeps `Decimal::max`'s choice of operand).
pub trait Sign: Copy {
    /// `self > 0`
    fn gt0(self) -> bool;
    /// `self < 0`
    fn lt0(self) -> bool;
    /// `self.max(Decimal::ZERO)`
    fn max0(self) -> Self;
}

impl Sign for Decimal {
    #[inline]
    fn gt0(self) -> bool {
        !self.is_sign_negative() && !self.is_zero()
    }

    #[inline]
    fn lt0(self) -> bool {
        !not_negative(self)
    }

    #[inline]
    fn max0(self) -> Self {
        if self.lt0() { Decimal::ZERO } else { self }
    }
}

/// Powers of ten an aligned mantissa is multiplied by.
const POW10: [i128; 10] = {
    let mut p = [1i128; 10];
    let mut i = 1;
    while i < 10 {
        p[i] = p[i - 1] * 10;
        i += 1;
    }
    p
};

/// `a.cmp(&b)`.
#[inline]
pub fn cmp(a: Decimal, b: Decimal) -> Ordering {
    let (sa, sb) = (a.scale(), b.scale());
    let (ma, mb) = (a.mantissa(), b.mantissa());
    // A mantissa is under 2^96 and 10^9 under 2^30: up to nine places apart, aligning cannot
    // overflow an i128 (prices and quantities are never further apart than that).
    let gap = sa.abs_diff(sb) as usize;
    let (x, y) = if gap == 0 {
        (ma, mb)
    } else if gap <= 9 {
        if sa < sb {
            (ma * POW10[gap], mb)
        } else {
            (ma, mb * POW10[gap])
        }
    } else {
        return a.cmp(&b);
    };
    x.cmp(&y)
}

/// `a < b`
#[inline]
pub fn lt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b).is_lt()
}

/// `a > b`
#[inline]
pub fn gt(a: Decimal, b: Decimal) -> bool {
    cmp(a, b).is_gt()
}

/// `v / 2` (a quote's midpoint is worked out for every order's valuation; the division cost
/// ten times this). The same value as the division, not always the same scale: the division
/// writes 1 / 2 as 0.50, this as 0.5 (every figure the venue shows is normalised).
#[inline]
pub fn half(v: Decimal) -> Decimal {
    let (m, s) = (v.mantissa(), v.scale());
    let exact = if v.is_zero() {
        None
    } else if m % 2 == 0 {
        Some(Decimal::from_i128_with_scale(m / 2, s))
    } else if s < 28 {
        // Odd: 5 × the mantissa, one place further right.
        m.checked_mul(5)
            .and_then(|x| Decimal::try_from_i128_with_scale(x, s + 1).ok())
    } else {
        None
    };
    exact.unwrap_or_else(|| v / Decimal::TWO)
}

/// `v.checked_mul(Decimal::from(k))` from the mantissa: a mantissa (under 2^96) times a byte
/// cannot overflow an `i128`, so only a product past 96 bits needs the multiplication (which
/// then rounds). The same value, scale and sign as the multiplication, zero included.
#[inline]
pub fn times(v: Decimal, k: u8) -> Option<Decimal> {
    if v.is_zero() || k == 0 {
        // What the multiplication gives for any zero operand.
        return Some(Decimal::ZERO);
    }
    Decimal::try_from_i128_with_scale(v.mantissa() * i128::from(k), v.scale())
        .ok()
        .or_else(|| v.checked_mul(Decimal::from(k)))
}

/// `a.min(b)` (`Decimal::min`: `a` unless `b` is smaller).
#[inline]
pub fn min(a: Decimal, b: Decimal) -> Decimal {
    if gt(a, b) { b } else { a }
}

/// `whole - done`. Nothing done yet (an exact zero, as a new order holds) gives a non-zero
/// `whole` itself, which is what the subtraction gives (same value, scale and sign), without
/// it. (A zero `whole` is left to the subtraction, which picks the scale of a zero result.)
#[inline]
pub fn less(whole: Decimal, done: Decimal) -> Decimal {
    if done.is_zero() && done.scale() == 0 && !whole.is_zero() {
        whole
    } else {
        whole - done
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn decimal() -> impl Strategy<Value = Decimal> {
        (any::<i64>(), 0u32..=28, 0u8..3, any::<bool>()).prop_map(|(m, scale, width, neg)| {
            let m = match width {
                0 => i128::from(m % 100_000),
                1 => i128::from(m),
                // Past what one aligned multiply can hold: the fallback answers.
                _ => i128::from(m) << 32,
            };
            let mut d = Decimal::from_i128_with_scale(m, scale);
            d.set_sign_negative(neg ^ d.is_sign_negative());
            d
        })
    }

    fn same(a: Decimal, b: Decimal) -> bool {
        a == b && a.scale() == b.scale() && a.is_sign_negative() == b.is_sign_negative()
    }

    proptest! {
        #[test]
        fn fast_comparisons_agree_with_decimals_own(a in decimal(), b in decimal()) {
            prop_assert_eq!(cmp(a, b), a.cmp(&b));
            prop_assert_eq!(lt(a, b), a < b);
            prop_assert_eq!(gt(a, b), a > b);
            prop_assert!(same(min(a, b), a.min(b)));
            prop_assert_eq!(a.gt0(), a > Decimal::ZERO);
            prop_assert_eq!(a.lt0(), a < Decimal::ZERO);
            prop_assert!(same(a.max0(), a.max(Decimal::ZERO)));
            prop_assert_eq!(half(a), a / Decimal::TWO);
            for k in [0u8, 1, 2, 4, 255] {
                let product = a.checked_mul(Decimal::from(k));
                prop_assert_eq!(times(a, k).is_some(), product.is_some(), "{} × {}", a, k);
                if let (Some(fast), Some(product)) = (times(a, k), product) {
                    prop_assert!(same(fast, product), "{} × {}: {} / {}", a, k, fast, product);
                }
            }
            if let Some(diff) = a.checked_sub(b) {
                prop_assert!(same(less(a, b), diff));
            }
            prop_assert!(same(less(a, Decimal::ZERO), a - Decimal::ZERO), "{a} - 0");
        }
    }

    #[test]
    fn edges() {
        let neg_zero = Decimal::from_parts(0, 0, 0, true, 3);
        assert!(!neg_zero.gt0() && !neg_zero.lt0());
        assert!(same(neg_zero.max0(), neg_zero));
        assert_eq!(cmp(neg_zero, Decimal::ZERO), Ordering::Equal);
        // (`from_parts` makes this zero positive; its scale is what `less` must keep right.)
        assert!(same(
            less(neg_zero, Decimal::ZERO),
            neg_zero - Decimal::ZERO
        ));
        assert!(same(
            less(Decimal::new(5, 3), Decimal::ZERO),
            Decimal::new(5, 3) - Decimal::ZERO
        ));
        // A zero of any scale or sign times anything is the multiplication's plain zero.
        for zero in [neg_zero, Decimal::new(0, 3), Decimal::ZERO] {
            for k in [0, 2] {
                let product = zero.checked_mul(Decimal::from(k)).unwrap();
                assert!(same(times(zero, k).unwrap(), product), "{zero:?} × {k}");
            }
        }
        assert_eq!(cmp(Decimal::MAX, Decimal::new(1, 28)), Ordering::Greater);
        assert_eq!(cmp(Decimal::new(1, 28), Decimal::MAX), Ordering::Less);
        assert_eq!(cmp(Decimal::MIN, Decimal::new(-1, 28)), Ordering::Less);
        assert_eq!(
            cmp(Decimal::new(20_001, 2), Decimal::new(2_000_100, 4)),
            Ordering::Equal
        );
    }
}
