//! Reconciliation: what the journal says an account should hold, against what the broker says
//! it holds. Pure: the service feeds it the journal's rows and the broker's positions.

use crate::journal::{Baseline, Fill};
use brokerdesk_model::order::OrderSide;
use brokerdesk_model::{AccountId, BreakKind, ConnectionId, ReconciliationBreak, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::BTreeMap;

/// Brokers round average cost for display; a difference below one cent is not a break.
const AVG_COST_TOLERANCE: Decimal = Decimal::from_parts(1, 0, 0, false, 2);

/// A signed quantity and its average cost.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Holding {
    pub qty: Decimal,
    pub avg_cost: Option<Decimal>,
}

impl Holding {
    /// Average-cost accounting: adding in the same direction re-averages, reducing keeps the
    /// average, crossing through zero starts again at the fill's price.
    fn apply(&mut self, side: OrderSide, qty: Decimal, price: Decimal) {
        let signed = match side {
            OrderSide::Buy => qty,
            OrderSide::Sell => -qty,
        };
        let new_qty = self.qty + signed;
        let same_direction =
            self.qty.is_zero() || (self.qty.is_sign_positive() == signed.is_sign_positive());
        if same_direction {
            let old_cost = self.avg_cost.unwrap_or(price) * self.qty.abs();
            self.avg_cost = Some(
                ((old_cost + price * qty) / new_qty.abs())
                    .round_dp(9)
                    .normalize(),
            );
        } else if new_qty.is_zero() {
            self.avg_cost = None;
        } else if new_qty.is_sign_positive() != self.qty.is_sign_positive() {
            self.avg_cost = Some(price);
        }
        self.qty = new_qty;
    }
}

/// What the journal expects: each symbol's baseline, moved on by the fills recorded after it.
pub fn expected_holdings(
    account_after_seq: i64,
    baselines: &[Baseline],
    fills: &[Fill],
) -> BTreeMap<Symbol, Holding> {
    let mut out: BTreeMap<Symbol, (i64, Holding)> = baselines
        .iter()
        .map(|b| {
            (
                b.symbol.clone(),
                (
                    b.after_seq,
                    Holding {
                        qty: b.qty,
                        avg_cost: b.avg_cost,
                    },
                ),
            )
        })
        .collect();
    for fill in fills {
        let entry = out
            .entry(fill.symbol.clone())
            .or_insert((account_after_seq, Holding::default()));
        if fill.seq > entry.0 {
            entry.1.apply(fill.side, fill.qty, fill.price);
        }
    }
    out.into_iter()
        .map(|(symbol, (_, holding))| (symbol, holding))
        .filter(|(_, h)| !h.qty.is_zero())
        .collect()
}

/// The differences between `expected` and the broker's `actual` holdings.
pub fn find_breaks(
    connection: &ConnectionId,
    account: &AccountId,
    expected: &BTreeMap<Symbol, Holding>,
    actual: &BTreeMap<Symbol, Holding>,
    now: DateTime<Utc>,
) -> Vec<ReconciliationBreak> {
    let mut symbols: Vec<&Symbol> = expected.keys().chain(actual.keys()).collect();
    symbols.sort();
    symbols.dedup();
    let mut out = Vec::new();
    for symbol in symbols {
        let e = expected.get(symbol).copied().unwrap_or_default();
        let a = actual.get(symbol).copied().unwrap_or_default();
        let kind = if e.qty.is_zero() && !a.qty.is_zero() {
            Some(BreakKind::OpenedOutsideApp)
        } else if !e.qty.is_zero() && a.qty.is_zero() {
            Some(BreakKind::ClosedOutsideApp)
        } else if e.qty != a.qty {
            Some(BreakKind::Quantity)
        } else {
            match (e.avg_cost, a.avg_cost) {
                (Some(x), Some(y)) if (x - y).abs() >= AVG_COST_TOLERANCE => {
                    Some(BreakKind::AverageCost)
                }
                _ => None,
            }
        };
        if let Some(kind) = kind {
            out.push(ReconciliationBreak {
                id: 0,
                connection: connection.clone(),
                account: account.clone(),
                symbol: symbol.clone(),
                kind,
                expected_qty: e.qty,
                broker_qty: a.qty,
                expected_avg_cost: e.avg_cost,
                broker_avg_cost: a.avg_cost,
                cause: kind.cause().to_owned(),
                detected_at: now,
                still_present: true,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn fill(seq: i64, symbol: &str, side: OrderSide, qty: Decimal, price: Decimal) -> Fill {
        Fill {
            seq,
            symbol: Symbol::new(symbol),
            side,
            qty,
            price,
        }
    }

    fn holding(qty: Decimal, avg: Decimal) -> Holding {
        Holding {
            qty,
            avg_cost: Some(avg),
        }
    }

    #[test]
    fn fills_move_the_baseline_with_average_cost() {
        let baselines = [Baseline {
            symbol: Symbol::new("AAPL"),
            qty: dec!(10),
            avg_cost: Some(dec!(100)),
            after_seq: 0,
        }];
        let fills = [
            fill(1, "AAPL", OrderSide::Buy, dec!(10), dec!(110)),
            fill(2, "AAPL", OrderSide::Sell, dec!(5), dec!(120)),
            fill(3, "MSFT", OrderSide::Sell, dec!(2), dec!(300)),
        ];
        let expected = expected_holdings(0, &baselines, &fills);
        assert_eq!(expected[&Symbol::new("AAPL")], holding(dec!(15), dec!(105)));
        assert_eq!(expected[&Symbol::new("MSFT")], holding(dec!(-2), dec!(300)));
    }

    #[test]
    fn fills_before_a_baseline_are_already_in_it() {
        let baselines = [Baseline {
            symbol: Symbol::new("AAPL"),
            qty: dec!(3),
            avg_cost: Some(dec!(50)),
            after_seq: 7,
        }];
        let fills = [
            fill(5, "AAPL", OrderSide::Buy, dec!(3), dec!(50)),
            fill(8, "AAPL", OrderSide::Buy, dec!(1), dec!(54)),
            // Before the account was first seen: already part of what the broker reported.
            fill(2, "TSLA", OrderSide::Buy, dec!(1), dec!(200)),
        ];
        let expected = expected_holdings(4, &baselines, &fills);
        assert_eq!(expected[&Symbol::new("AAPL")], holding(dec!(4), dec!(51)));
        assert!(!expected.contains_key(&Symbol::new("TSLA")));
    }

    #[test]
    fn crossing_zero_restarts_the_average_and_closing_removes_it() {
        let mut h = holding(dec!(2), dec!(10));
        h.apply(OrderSide::Sell, dec!(5), dec!(12));
        assert_eq!(h, holding(dec!(-3), dec!(12)));
        h.apply(OrderSide::Buy, dec!(3), dec!(11));
        assert_eq!(
            h,
            Holding {
                qty: Decimal::ZERO,
                avg_cost: None
            }
        );
    }

    #[test]
    fn each_kind_of_break_is_found_and_matching_books_have_none() {
        let c = ConnectionId::new("c");
        let a = AccountId::new("a");
        let s = |x: &str| Symbol::new(x);
        let expected = BTreeMap::from([
            (s("AAPL"), holding(dec!(10), dec!(100))),
            (s("MSFT"), holding(dec!(5), dec!(300))),
            (s("NVDA"), holding(dec!(1), dec!(900))),
            (s("SPY"), holding(dec!(2), dec!(500))),
        ]);
        let actual = BTreeMap::from([
            (s("AAPL"), holding(dec!(10), dec!(100.004))),
            (s("MSFT"), holding(dec!(7), dec!(300))),
            (s("SPY"), holding(dec!(2), dec!(501))),
            (s("TSLA"), holding(dec!(4), dec!(250))),
        ]);
        let breaks = find_breaks(&c, &a, &expected, &actual, Utc::now());
        let kinds: Vec<(String, BreakKind)> = breaks
            .iter()
            .map(|b| (b.symbol.to_string(), b.kind))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("MSFT".into(), BreakKind::Quantity),
                ("NVDA".into(), BreakKind::ClosedOutsideApp),
                ("SPY".into(), BreakKind::AverageCost),
                ("TSLA".into(), BreakKind::OpenedOutsideApp),
            ]
        );
        assert!(find_breaks(&c, &a, &expected, &expected, Utc::now()).is_empty());
    }
}
