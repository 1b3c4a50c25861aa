//! Exact decimals from vendor JSON. Alpaca sends strings, IBKR and market data send numbers;
//! a number is read as its own text (serde_json `RawValue`), never through `f64`.
//! Use with `#[serde(deserialize_with = "…")]` on structs parsed by `serde_json::from_slice`.

use rust_decimal::Decimal;
use serde::{Deserialize, Deserializer, de::Error};
use serde_json::value::RawValue;
use std::str::FromStr;

/// Parses a decimal from its JSON text: `"1.5"`, `1.5`, `1e-3`. Empty strings are `None`.
pub fn parse_text(raw: &str) -> Result<Option<Decimal>, String> {
    let raw = raw.trim();
    if raw == "null" {
        return Ok(None);
    }
    let text = match raw.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
        Some(inner) => inner.trim(),
        None => raw,
    };
    if text.is_empty() {
        return Ok(None);
    }
    let parsed = if text.contains(['e', 'E']) {
        Decimal::from_scientific(text)
    } else {
        Decimal::from_str(text)
    };
    parsed
        .map(|d| Some(d.normalize()))
        .map_err(|e| format!("not a decimal ({e})"))
}

pub fn exact<'de, D: Deserializer<'de>>(d: D) -> Result<Decimal, D::Error> {
    let raw = Box::<RawValue>::deserialize(d)?;
    parse_text(raw.get())
        .map_err(D::Error::custom)?
        .ok_or_else(|| D::Error::custom("a decimal is required here"))
}

pub fn exact_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw = Option::<Box<RawValue>>::deserialize(d)?;
    match raw {
        None => Ok(None),
        Some(raw) => parse_text(raw.get()).map_err(D::Error::custom),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[derive(Deserialize)]
    struct T {
        #[serde(deserialize_with = "exact")]
        a: Decimal,
        #[serde(default, deserialize_with = "exact_opt")]
        b: Option<Decimal>,
    }

    fn t(json: &str) -> Result<T, serde_json::Error> {
        serde_json::from_str(json)
    }

    #[test]
    fn strings_and_numbers_are_exact() {
        let v = t(r#"{"a": "122011.09751111286868", "b": 0.1}"#).expect("parse");
        assert_eq!(v.a, dec!(122011.09751111286868));
        assert_eq!(v.b, Some(dec!(0.1)));
        // 0.1 + 0.2 would betray any f64 on the way.
        let v = t(r#"{"a": 0.30000000000000004441}"#).expect("parse");
        assert_eq!(v.a.to_string(), "0.30000000000000004441");
        assert_eq!(t(r#"{"a": 1e-3}"#).expect("parse").a, dec!(0.001));
    }

    #[test]
    fn missing_null_and_empty_are_none_but_required_is_required() {
        assert_eq!(t(r#"{"a": "1"}"#).expect("parse").b, None);
        assert_eq!(t(r#"{"a": "1", "b": null}"#).expect("parse").b, None);
        assert_eq!(t(r#"{"a": "1", "b": ""}"#).expect("parse").b, None);
        assert!(t(r#"{"a": null}"#).is_err());
        assert!(t(r#"{"a": "abc"}"#).is_err());
        assert!(t(r#"{"a": true}"#).is_err());
    }
}
