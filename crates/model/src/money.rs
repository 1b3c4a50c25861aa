//! Money and quantities are `rust_decimal::Decimal`, never floats.
//!
//! On the wire we always *write* decimals as strings (what Alpaca sends, and what keeps every
//! digit). We *read* both strings and JSON numbers, because Plaid and IBKR send numbers.
//! `rust_decimal`'s own visitor parses a JSON number through its shortest round-trip decimal
//! text, so `0.1` arrives as exactly `0.1`; the tests below pin that behaviour.

use rust_decimal::{Decimal, RoundingStrategy};

/// Formats an amount for people: thousands separators and exactly `dp` decimals, rounded half
/// away from zero (what statements show). `-1234.5` with `dp = 2` is `-1,234.50`.
pub fn format_grouped(amount: Decimal, dp: u32) -> String {
    let rounded = amount.round_dp_with_strategy(dp, RoundingStrategy::MidpointAwayFromZero);
    let text = format!("{:.*}", dp as usize, rounded.abs());
    let (int_part, frac_part) = match text.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (text.as_str(), None),
    };
    let mut grouped = String::with_capacity(text.len() + int_part.len() / 3 + 1);
    for (i, ch) in int_part.chars().enumerate() {
        if i > 0 && (int_part.len() - i) % 3 == 0 {
            grouped.push(',');
        }
        grouped.push(ch);
    }
    if let Some(frac) = frac_part {
        grouped.push('.');
        grouped.push_str(frac);
    }
    if rounded.is_sign_negative() && !rounded.is_zero() {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// `$1,234.50` / `-$1,234.50`: US dollars with cents.
pub fn format_usd(amount: Decimal) -> String {
    let grouped = format_grouped(amount, 2);
    match grouped.strip_prefix('-') {
        Some(rest) => format!("-${rest}"),
        None => format!("${grouped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;
    use serde::{Deserialize, Serialize};

    #[derive(Serialize, Deserialize, PartialEq, Debug)]
    struct Amount {
        value: Decimal,
    }

    #[test]
    fn decimals_are_written_as_strings() {
        let json = serde_json::to_string(&Amount {
            value: dec!(100000.00),
        })
        .unwrap();
        assert_eq!(json, r#"{"value":"100000.00"}"#);
    }

    #[test]
    fn decimals_read_from_strings_keep_every_digit() {
        let a: Amount = serde_json::from_str(r#"{"value":"0.123456789012345678"}"#).unwrap();
        assert_eq!(a.value, dec!(0.123456789012345678));
    }

    #[test]
    fn decimals_read_from_json_numbers_are_exact() {
        // 0.1 and 0.2 are not representable as binary floats; they must still arrive exactly.
        let a: Amount = serde_json::from_str(r#"{"value":0.1}"#).unwrap();
        let b: Amount = serde_json::from_str(r#"{"value":0.2}"#).unwrap();
        assert_eq!(a.value + b.value, dec!(0.3));
        let c: Amount = serde_json::from_str(r#"{"value":1234.5678}"#).unwrap();
        assert_eq!(c.value, dec!(1234.5678));
        let d: Amount = serde_json::from_str(r#"{"value":-42}"#).unwrap();
        assert_eq!(d.value, dec!(-42));
    }

    #[test]
    fn garbage_is_a_clear_error_not_zero() {
        let err = serde_json::from_str::<Amount>(r#"{"value":"12,5"}"#).unwrap_err();
        assert!(err.to_string().contains("value") || err.is_data(), "{err}");
        assert!(serde_json::from_str::<Amount>(r#"{"value":null}"#).is_err());
    }

    #[test]
    fn usd_formatting() {
        assert_eq!(format_usd(dec!(100000)), "$100,000.00");
        assert_eq!(format_usd(dec!(-1234.5)), "-$1,234.50");
        assert_eq!(format_usd(dec!(0.005)), "$0.01");
        assert_eq!(format_usd(dec!(-0.001)), "$0.00");
        assert_eq!(format_usd(dec!(999.999)), "$1,000.00");
        assert_eq!(format_grouped(dec!(1234567.891), 3), "1,234,567.891");
        assert_eq!(format_grouped(dec!(12), 0), "12");
    }
}
