//! Totals across currencies: converted into the user's base currency with a published rate,
//! or kept per currency. Never a silent sum of different currencies.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Reference rates published for one day: how many units of each currency one unit of
/// `anchor` buys (the ECB publishes per 1 EUR).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FxRates {
    /// The currency the rates are quoted against (`EUR` for the ECB).
    pub anchor: String,
    /// The day the rates are for, as published.
    pub date: NaiveDate,
    /// Who published them, for the user ("European Central Bank euro reference rates").
    pub source: String,
    /// Code → units per one `anchor`. The anchor itself is 1 and need not be listed.
    pub rates: BTreeMap<String, Decimal>,
}

impl FxRates {
    /// Units of `code` per one anchor unit.
    fn per_anchor(&self, code: &str) -> Option<Decimal> {
        if code.eq_ignore_ascii_case(&self.anchor) {
            return Some(Decimal::ONE);
        }
        self.rates
            .get(&code.to_ascii_uppercase())
            .copied()
            .filter(|r| *r > Decimal::ZERO)
    }

    /// Units of `to` that one unit of `from` buys (a cross rate through the anchor), with
    /// checked arithmetic; `None` when either rate is missing.
    pub fn rate(&self, from: &str, to: &str) -> Option<Decimal> {
        if from.eq_ignore_ascii_case(to) {
            return Some(Decimal::ONE);
        }
        let from = self.per_anchor(from)?;
        let to = self.per_anchor(to)?;
        to.checked_div(from)
    }
}

/// What `fx_rates` answers: the rates, if any are held, and why not (or why they are old).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct FxRatesReply {
    pub rates: Option<FxRates>,
    /// Set when the last fetch failed (the held rates, if any, are then older).
    pub problem: Option<String>,
}

/// One rate a converted total used.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct UsedRate {
    pub from: String,
    pub to: String,
    /// Units of `to` per one `from`.
    pub rate: Decimal,
}

/// A total of amounts in possibly different currencies.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Total {
    /// Everything in `base`: amounts already in it added as they are, others converted at
    /// `rates` (empty when nothing needed converting), published on `date` by `source`.
    Converted {
        base: String,
        amount: Decimal,
        rates: Vec<UsedRate>,
        source: Option<String>,
        date: Option<NaiveDate>,
    },
    /// Some currency had no rate to the base: one total per currency (code → amount).
    PerCurrency(BTreeMap<String, Decimal>),
}

/// Adds `amounts` (currency code, amount). In `base` when every currency is the base or has a
/// rate to it in `rates`; otherwise per currency. Arithmetic is checked: a conversion that
/// overflows falls back to per-currency totals, and a per-currency sum beyond `Decimal::MAX`
/// (about 7.9e28) stays at that ceiling.
pub fn total(amounts: &[(String, Decimal)], base: &str, rates: Option<&FxRates>) -> Total {
    let mut per: BTreeMap<String, Decimal> = BTreeMap::new();
    for (code, amount) in amounts {
        let code = code.trim().to_ascii_uppercase();
        let slot = per.entry(code).or_insert(Decimal::ZERO);
        *slot = slot.checked_add(*amount).unwrap_or(Decimal::MAX);
    }
    let base = base.trim().to_ascii_uppercase();
    let mut converted = Decimal::ZERO;
    let mut used = Vec::new();
    for (code, sum) in &per {
        let rate = if *code == base {
            Decimal::ONE
        } else {
            match rates.and_then(|r| r.rate(code, &base)) {
                Some(rate) => {
                    used.push(UsedRate {
                        from: code.clone(),
                        to: base.clone(),
                        rate,
                    });
                    rate
                }
                None => return Total::PerCurrency(per),
            }
        };
        let Some(next) = sum.checked_mul(rate).and_then(|v| converted.checked_add(v)) else {
            return Total::PerCurrency(per);
        };
        converted = next;
    }
    let (source, date) = match (used.is_empty(), rates) {
        (false, Some(r)) => (Some(r.source.clone()), Some(r.date)),
        _ => (None, None),
    };
    Total::Converted {
        base,
        amount: converted,
        rates: used,
        source,
        date,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn ecb() -> FxRates {
        FxRates {
            anchor: "EUR".into(),
            date: NaiveDate::from_ymd_opt(2026, 12, 3).unwrap(),
            source: "ECB".into(),
            rates: [("USD".into(), dec!(1.0500)), ("JPY".into(), dec!(157.50))]
                .into_iter()
                .collect(),
        }
    }

    fn amounts(list: &[(&str, Decimal)]) -> Vec<(String, Decimal)> {
        list.iter().map(|(c, a)| ((*c).to_owned(), *a)).collect()
    }

    #[test]
    fn one_currency_needs_no_rate() {
        let t = total(
            &amounts(&[("USD", dec!(100)), ("usd", dec!(50.5))]),
            "USD",
            None,
        );
        assert_eq!(
            t,
            Total::Converted {
                base: "USD".into(),
                amount: dec!(150.5),
                rates: vec![],
                source: None,
                date: None
            }
        );
    }

    #[test]
    fn other_currencies_convert_with_the_rate_and_its_source() {
        let t = total(
            &amounts(&[("USD", dec!(105)), ("EUR", dec!(100))]),
            "USD",
            Some(&ecb()),
        );
        let Total::Converted {
            amount,
            rates,
            source,
            date,
            ..
        } = t
        else {
            panic!("expected a converted total, got {t:?}");
        };
        // 100 EUR × 1.05 = 105 USD, plus 105 USD.
        assert_eq!(amount, dec!(210));
        assert_eq!(
            rates,
            vec![UsedRate {
                from: "EUR".into(),
                to: "USD".into(),
                rate: dec!(1.05)
            }]
        );
        assert_eq!(source.as_deref(), Some("ECB"));
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 12, 3));
        // A cross rate through the euro: 1 USD = 150 JPY.
        assert_eq!(ecb().rate("USD", "JPY"), Some(dec!(150)));
    }

    #[test]
    fn without_a_rate_the_totals_stay_per_currency() {
        let list = amounts(&[("USD", dec!(100)), ("EUR", dec!(100))]);
        let t = total(&list, "USD", None);
        assert_eq!(
            t,
            Total::PerCurrency(
                [("EUR".into(), dec!(100)), ("USD".into(), dec!(100))]
                    .into_iter()
                    .collect()
            )
        );
        // A currency the rates do not list is not guessed either.
        let t = total(
            &amounts(&[("USD", dec!(1)), ("XYZ", dec!(1))]),
            "USD",
            Some(&ecb()),
        );
        assert!(
            matches!(t, Total::PerCurrency(ref m) if m.len() == 2),
            "{t:?}"
        );
    }

    #[test]
    fn overflow_falls_back_to_per_currency() {
        let t = total(
            &amounts(&[("EUR", Decimal::MAX), ("USD", dec!(1))]),
            "USD",
            Some(&ecb()),
        );
        assert!(matches!(t, Total::PerCurrency(_)), "{t:?}");
    }
}
