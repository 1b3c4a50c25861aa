//! Net worth over time: each account's stored equity snapshots as series, and totals kept
//! apart by mode (paper never in the live total) and by currency (never summed across).

use crate::connection::TradingMode;
use crate::ids::{AccountId, ConnectionId};
use chrono::{DateTime, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The chart's time ranges.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum HistoryRange {
    #[serde(rename = "1D")]
    Day,
    #[serde(rename = "1W")]
    Week,
    #[default]
    #[serde(rename = "1M")]
    Month,
    #[serde(rename = "1Y")]
    Year,
    #[serde(rename = "All")]
    All,
}

impl HistoryRange {
    pub const EVERY: [HistoryRange; 5] = [
        HistoryRange::Day,
        HistoryRange::Week,
        HistoryRange::Month,
        HistoryRange::Year,
        HistoryRange::All,
    ];

    /// The button's label (also the wire name).
    pub fn label(self) -> &'static str {
        match self {
            HistoryRange::Day => "1D",
            HistoryRange::Week => "1W",
            HistoryRange::Month => "1M",
            HistoryRange::Year => "1Y",
            HistoryRange::All => "All",
        }
    }

    /// How far back the range reaches; `None` for everything stored.
    pub fn span(self) -> Option<TimeDelta> {
        match self {
            HistoryRange::Day => Some(TimeDelta::days(1)),
            HistoryRange::Week => Some(TimeDelta::weeks(1)),
            HistoryRange::Month => Some(TimeDelta::days(30)),
            HistoryRange::Year => Some(TimeDelta::days(365)),
            HistoryRange::All => None,
        }
    }

    /// The earliest time the range shows, seen from `now`.
    pub fn since(self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.span().and_then(|s| now.checked_sub_signed(s))
    }
}

/// One account, as the history knows it (a connection may hold several).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct AccountKey {
    pub connection: ConnectionId,
    pub account: AccountId,
}

/// `net_worth_history`'s question.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct NetWorthQuery {
    #[serde(default)]
    pub range: HistoryRange,
    /// One account only; `None` for every account.
    #[serde(default)]
    pub account: Option<AccountKey>,
    /// Also answer the paper accounts (always in their own totals, never in the live ones).
    #[serde(default)]
    pub include_paper: bool,
}

/// One equity figure at one time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EquityPoint {
    pub time: DateTime<Utc>,
    pub equity: Decimal,
}

/// One account's equity over the range, oldest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountSeries {
    pub key: AccountKey,
    pub connection_name: String,
    pub mode: TradingMode,
    /// ISO 4217 code of every point.
    pub currency: String,
    pub points: Vec<EquityPoint>,
    /// The first snapshot ever stored for the account (own or back-filled): where its history
    /// starts.
    pub first_seen: Option<DateTime<Utc>>,
    /// Whether the vendor's own history was read into the store (else the history starts
    /// when Brokerdesk first read the account).
    pub backfilled: bool,
}

/// Totals of one mode: currency code → series (a currency's accounts summed; different
/// currencies never are). A base-currency total can be added beside it later.
pub type TotalsByCurrency = BTreeMap<String, Vec<EquityPoint>>;

/// `net_worth_history`'s answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct NetWorthHistory {
    pub range: HistoryRange,
    /// The range's left edge (`None` for All) and its right edge, the time of the answer.
    pub since: Option<DateTime<Utc>>,
    pub until: DateTime<Utc>,
    pub accounts: Vec<AccountSeries>,
    /// Live accounts only.
    pub live_totals: TotalsByCurrency,
    /// Paper accounts only; empty unless asked for.
    pub paper_totals: TotalsByCurrency,
}

/// Sums series of one currency over time: at every time any of them has a point, each adds
/// its latest figure at or before that time (an account adds nothing before its first point).
/// Answers `None` if a sum overflows.
pub fn sum_series<'a>(
    series: impl IntoIterator<Item = &'a [EquityPoint]>,
) -> Option<Vec<EquityPoint>> {
    let series: Vec<&[EquityPoint]> = series.into_iter().collect();
    let mut times: Vec<DateTime<Utc>> = series
        .iter()
        .flat_map(|s| s.iter().map(|p| p.time))
        .collect();
    times.sort_unstable();
    times.dedup();
    let mut next = vec![0usize; series.len()];
    let mut latest: Vec<Option<Decimal>> = vec![None; series.len()];
    let mut out = Vec::with_capacity(times.len());
    for t in times {
        let mut total = Decimal::ZERO;
        for (i, s) in series.iter().enumerate() {
            while next[i] < s.len() && s[next[i]].time <= t {
                latest[i] = Some(s[next[i]].equity);
                next[i] += 1;
            }
            if let Some(v) = latest[i] {
                total = total.checked_add(v)?;
            }
        }
        out.push(EquityPoint {
            time: t,
            equity: total,
        });
    }
    Some(out)
}

/// The totals of the accounts of `mode`, per currency.
pub fn totals(accounts: &[AccountSeries], mode: TradingMode) -> Option<TotalsByCurrency> {
    let mut by_currency: BTreeMap<&str, Vec<&[EquityPoint]>> = BTreeMap::new();
    for a in accounts.iter().filter(|a| a.mode == mode) {
        by_currency
            .entry(a.currency.as_str())
            .or_default()
            .push(&a.points);
    }
    by_currency
        .into_iter()
        .map(|(c, s)| sum_series(s).map(|sum| (c.to_owned(), sum)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(s, 0).unwrap()
    }

    fn series(
        mode: TradingMode,
        currency: &str,
        id: &str,
        pts: &[(i64, Decimal)],
    ) -> AccountSeries {
        AccountSeries {
            key: AccountKey {
                connection: ConnectionId::new("c"),
                account: AccountId::new(id),
            },
            connection_name: "C".into(),
            mode,
            currency: currency.into(),
            points: pts
                .iter()
                .map(|&(t, e)| EquityPoint {
                    time: at(t),
                    equity: e,
                })
                .collect(),
            first_seen: None,
            backfilled: false,
        }
    }

    #[test]
    fn ranges_cross_the_wire_as_their_labels() {
        for r in HistoryRange::EVERY {
            let json = serde_json::to_string(&r).unwrap();
            assert_eq!(json, format!("\"{}\"", r.label()));
            assert_eq!(serde_json::from_str::<HistoryRange>(&json).unwrap(), r);
        }
        assert!(serde_json::from_str::<HistoryRange>("\"2D\"").is_err());
    }

    #[test]
    fn a_sum_carries_each_account_forward_from_its_own_first_point() {
        let a = series(
            TradingMode::Live,
            "USD",
            "a",
            &[(10, dec!(100)), (30, dec!(110))],
        );
        let b = series(
            TradingMode::Live,
            "USD",
            "b",
            &[(20, dec!(5)), (40, dec!(7))],
        );
        let sum = sum_series([a.points.as_slice(), b.points.as_slice()]).unwrap();
        let got: Vec<(i64, Decimal)> = sum.iter().map(|p| (p.time.timestamp(), p.equity)).collect();
        assert_eq!(
            got,
            vec![
                (10, dec!(100)),
                (20, dec!(105)),
                (30, dec!(115)),
                (40, dec!(117))
            ]
        );
    }

    #[test]
    fn paper_never_enters_the_live_total_and_currencies_are_never_summed() {
        let accounts = vec![
            series(TradingMode::Live, "USD", "live-usd", &[(10, dec!(100))]),
            series(TradingMode::Live, "EUR", "live-eur", &[(10, dec!(50))]),
            series(TradingMode::Paper, "USD", "paper", &[(10, dec!(100000))]),
        ];
        let live = totals(&accounts, TradingMode::Live).unwrap();
        assert_eq!(live.len(), 2, "one total per currency: {live:?}");
        assert_eq!(live["USD"][0].equity, dec!(100));
        assert_eq!(live["EUR"][0].equity, dec!(50));
        let paper = totals(&accounts, TradingMode::Paper).unwrap();
        assert_eq!(paper.keys().collect::<Vec<_>>(), vec!["USD"]);
        assert_eq!(paper["USD"][0].equity, dec!(100000));
    }

    #[test]
    fn an_overflowing_sum_is_refused() {
        let a = series(TradingMode::Live, "USD", "a", &[(10, Decimal::MAX)]);
        let b = series(TradingMode::Live, "USD", "b", &[(10, Decimal::MAX)]);
        assert!(totals(&[a, b], TradingMode::Live).is_none());
    }
}
