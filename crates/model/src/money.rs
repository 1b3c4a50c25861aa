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

/// How an ISO 4217 currency is written: its symbol (where it has one that cannot be mistaken
/// for another currency's) and its number of minor-unit digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CurrencyStyle {
    /// The upper-case code as given (`USD`, `JPY`, `XYZ`).
    pub code: String,
    /// `$`, `€`, `¥`, `CA$`; `None` for a code ISO 4217 does not know or a currency without a
    /// symbol of its own: the amount is then followed by the code.
    pub symbol: Option<String>,
    /// Digits after the decimal point (USD 2, JPY 0, KWD 3); 2 where ISO 4217 gives none.
    pub exponent: u32,
    /// Whether ISO 4217 knows the code at all.
    pub known: bool,
}

/// The style of currency `code` (case-insensitive), from the ISO 4217 table of the
/// `iso_currency` crate.
pub fn currency_style(code: &str) -> CurrencyStyle {
    let code = code.trim().to_ascii_uppercase();
    let Some(currency) = iso_currency::Currency::from_code(&code) else {
        return CurrencyStyle {
            code,
            symbol: None,
            exponent: 2,
            known: false,
        };
    };
    let exponent = currency.exponent().map_or(2, u32::from);
    let raw = currency.symbol().symbol;
    // `¤` is ISO's "no symbol"; a bare `$` belongs to the US dollar alone (CAD is `CA$`, as
    // CLDR writes it outside Canada), so two dollars never look alike on one page.
    let symbol = match raw.as_str() {
        "" | "¤" => None,
        "$" if code != "USD" => Some(format!("{}$", &code[..2])),
        _ => Some(raw),
    };
    CurrencyStyle {
        code,
        symbol,
        exponent,
        known: true,
    }
}

/// An amount in its own currency: `$1,234.56`, `€1,234.56`, `¥1,235`, `-£3.10`, and for a code
/// without a symbol (or unknown) `1,234.56 XYZ`. Rounded to the currency's exponent.
pub fn format_money(amount: Decimal, currency: &str) -> String {
    let style = currency_style(currency);
    let grouped = format_grouped(amount, style.exponent);
    match style.symbol {
        Some(symbol) => match grouped.strip_prefix('-') {
            Some(rest) => format!("-{symbol}{rest}"),
            None => format!("{symbol}{grouped}"),
        },
        None => format!("{grouped} {}", style.code),
    }
}

/// A price in its own currency, keeping the digits it was quoted with beyond the currency's
/// exponent (a $0.0005 sub-penny price is not shown as $0.00), at most 6.
pub fn format_price(price: Decimal, currency: &str) -> String {
    let style = currency_style(currency);
    let scale = price.normalize().scale().clamp(style.exponent, 6);
    let grouped = format_grouped(price, scale);
    match style.symbol {
        Some(symbol) => match grouped.strip_prefix('-') {
            Some(rest) => format!("-{symbol}{rest}"),
            None => format!("{symbol}{grouped}"),
        },
        None => format!("{grouped} {}", style.code),
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

    #[test]
    fn each_currency_has_its_symbol_and_exponent() {
        assert_eq!(format_money(dec!(1234.56), "USD"), "$1,234.56");
        assert_eq!(format_money(dec!(1234.56), "usd"), "$1,234.56");
        assert_eq!(format_money(dec!(1234.56), "EUR"), "€1,234.56");
        assert_eq!(format_money(dec!(-1234.5), "EUR"), "-€1,234.50");
        assert_eq!(format_money(dec!(1234.56), "GBP"), "£1,234.56");
        // The yen has no minor unit: rounded to whole yen.
        assert_eq!(format_money(dec!(1234.56), "JPY"), "¥1,235");
        assert_eq!(format_money(dec!(-0.4), "JPY"), "¥0");
        // Three decimals.
        assert_eq!(currency_style("KWD").exponent, 3);
        assert!(format_money(dec!(1.2345), "KWD").ends_with("1.235"));
        // Another dollar is never a bare `$`.
        assert_eq!(format_money(dec!(10), "CAD"), "CA$10.00");
        assert_eq!(format_money(dec!(10), "AUD"), "AU$10.00");
    }

    #[test]
    fn unknown_codes_and_symbol_less_currencies_are_followed_by_their_code() {
        assert_eq!(format_money(dec!(1234.56), "XYZ"), "1,234.56 XYZ");
        assert_eq!(format_money(dec!(-1234.56), "XYZ"), "-1,234.56 XYZ");
        assert!(!currency_style("XYZ").known);
        assert!(currency_style("EUR").known);
        // Gold has no symbol and no exponent in ISO 4217.
        assert_eq!(format_money(dec!(2), "XAU"), "2.00 XAU");
    }

    #[test]
    fn prices_keep_their_quoted_digits() {
        assert_eq!(format_price(dec!(0.0005), "USD"), "$0.0005");
        assert_eq!(format_price(dec!(190.1), "USD"), "$190.10");
        assert_eq!(format_price(dec!(1500), "JPY"), "¥1,500");
        assert_eq!(format_price(dec!(1500.5), "JPY"), "¥1,500.5");
    }
}
