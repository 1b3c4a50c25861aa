//! What the market-data API and stream serve: latest quote and trade per symbol and minute
//! bars built from the trades the venue saw. Fed by the same commands as the engine, so a
//! replay rebuilds it too.

use brokerdesk_model::Symbol;
use chrono::{DurationRound, TimeDelta};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

use crate::engine::calendar::{new_york_local, new_york_midnight};
use crate::engine::{MarketUpdate, Quote, Timestamp, Trade};

/// Minute bars kept per symbol (about a week of a busy tape).
const MAX_BARS: usize = 10_080;

/// Where the generated past meets the live tape: the first live price and its time. Kept
/// here, with the tape, so that history reads this module and not the other way round.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Anchor {
    pub at: Timestamp,
    pub price: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bar {
    pub t: Timestamp,
    pub o: Decimal,
    pub h: Decimal,
    pub l: Decimal,
    pub c: Decimal,
    pub v: Decimal,
    pub n: u64,
    /// Sum of price × size, for the volume-weighted average.
    pub pv: Decimal,
}

impl Bar {
    pub(crate) fn open(t: Timestamp, price: Decimal, size: Decimal) -> Self {
        Self {
            t,
            o: price,
            h: price,
            l: price,
            c: price,
            v: size,
            n: 1,
            pv: price.saturating_mul(size),
        }
    }

    // Ticks are bounded (`MarketUpdate::is_sane`), so a week of them stays far inside a
    // `Decimal`; saturating keeps a display figure from ever panicking the exchange.
    fn add(&mut self, price: Decimal, size: Decimal, n: u64) {
        self.h = self.h.max(price);
        self.l = self.l.min(price);
        self.c = price;
        self.v = self.v.saturating_add(size);
        self.n = self.n.saturating_add(n);
        self.pv = self.pv.saturating_add(price.saturating_mul(size));
    }

    pub(crate) fn merge(&mut self, other: &Bar) {
        self.h = self.h.max(other.h);
        self.l = self.l.min(other.l);
        self.c = other.c;
        self.v = self.v.saturating_add(other.v);
        self.n = self.n.saturating_add(other.n);
        self.pv = self.pv.saturating_add(other.pv);
    }

    /// The volume-weighted average price to 6 places (half to even), or the close without
    /// volume. A page of 10,000 bars writes one each: integer arithmetic gives the same value
    /// several times faster than `Decimal` division, except near a rounding midpoint, which is
    /// left to `Decimal`.
    pub fn vw(&self) -> Decimal {
        vw_by_integers(self.pv, self.v).unwrap_or_else(|| self.vw_by_decimals())
    }

    fn vw_by_decimals(&self) -> Decimal {
        self.pv
            .checked_div(self.v)
            .map_or(self.c, |vw| vw.round_dp(6))
    }
}

/// `(pv / v).round_dp(6)` for non-negative `pv`, positive `v` and a quotient below 10^12, when
/// the quotient is not within 10^-15 of a midpoint between millionths. `Decimal` divides to 28
/// significant digits (within 10^-16 of the true quotient below 10^12) and then rounds; far
/// from a midpoint both roundings agree, and at an exact midpoint the quotient is exact.
fn vw_by_integers(pv: Decimal, v: Decimal) -> Option<Decimal> {
    use std::cmp::Ordering;
    if pv.is_sign_negative() || v.is_sign_negative() || v.is_zero() {
        return None;
    }
    // pv / v in millionths = (pv_m · 10^(v_scale + 6)) / (v_m · 10^pv_scale).
    let num = pv
        .mantissa()
        .unsigned_abs()
        .checked_mul(10u128.checked_pow(v.scale() + 6)?)?;
    let den = v
        .mantissa()
        .unsigned_abs()
        .checked_mul(10u128.checked_pow(pv.scale())?)?;
    if den > u128::from(u64::MAX) {
        return None;
    }
    let (q, r) = (num / den, num % den);
    if q >= 10u128.pow(18) {
        return None;
    }
    // r < den < 2^64: neither doubling nor the margin overflows.
    let twice = 2 * r;
    let gap = twice.abs_diff(den);
    if gap != 0 && gap * 1_000_000_000 <= 2 * den {
        return None;
    }
    let up = match twice.cmp(&den) {
        Ordering::Greater => 1,
        Ordering::Less => 0,
        Ordering::Equal => q % 2,
    };
    Decimal::try_from_i128_with_scale(i128::try_from(q + up).ok()?, 6).ok()
}

#[derive(Clone, Debug)]
pub enum MarketTick {
    Quote(Timestamp, Quote),
    Trade(Timestamp, Trade, u64),
    /// A minute bar that just completed.
    Bar(Symbol, Bar),
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct SymbolData {
    pub quote: Option<(Timestamp, Quote)>,
    pub trade: Option<(Timestamp, Trade, u64)>,
    pub bars: VecDeque<Bar>,
    pub current: Option<Bar>,
    /// The first price the tape showed and when: generated history ends there.
    #[serde(default)]
    pub genesis: Option<Anchor>,
    /// Daily bars of the live tape (New York days), from the completed minute bars; kept
    /// whole (one a day), unlike the minute bars.
    #[serde(default)]
    pub days: Vec<Bar>,
    /// Recent trades and quotes for the historical endpoints; not in snapshots (the journal
    /// tail after a snapshot refills them).
    #[serde(skip)]
    pub trades: VecDeque<(Timestamp, Trade, u64)>,
    #[serde(skip)]
    pub quotes: VecDeque<(Timestamp, Quote)>,
}

impl SymbolData {
    /// Live daily bars including the minute in progress.
    pub fn live_days(&self) -> Vec<Bar> {
        let mut days = self.days.clone();
        if let Some(cur) = &self.current {
            add_to_days(&mut days, cur);
        }
        days
    }

    /// Live minute bars with `lo <= t < hi`, including the minute in progress.
    pub fn live_minutes(&self, lo: Timestamp, hi: Timestamp) -> Vec<Bar> {
        let first = self.bars.partition_point(|b| b.t < lo);
        self.bars
            .range(first..)
            .chain(self.current.iter())
            .take_while(|b| b.t < hi)
            .filter(|b| b.t >= lo)
            .cloned()
            .collect()
    }
}

fn add_to_days(days: &mut Vec<Bar>, minute: &Bar) {
    let day = new_york_midnight(new_york_local(minute.t).date());
    match days.last_mut() {
        Some(last) if last.t == day => last.merge(minute),
        _ => {
            let mut b = minute.clone();
            b.t = day;
            days.push(b);
        }
    }
}

/// Live trades and quotes kept per symbol for `/v2/stocks/trades` and `/quotes`.
const MAX_TAPE: usize = 5_000;

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct MarketData {
    symbols: HashMap<Symbol, SymbolData>,
    trade_ids: u64,
}

fn minute(t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::minutes(1)).unwrap_or(t)
}

impl MarketData {
    pub fn record(&mut self, at: Timestamp, update: &MarketUpdate, out: &mut Vec<MarketTick>) {
        // The engine ignores the same ticks, so the tape and the books agree.
        if !update.is_sane() {
            return;
        }
        match update {
            MarketUpdate::Quote(q) => {
                let d = self.symbols.entry(q.symbol.clone()).or_default();
                if d.genesis.is_none() {
                    let mid = q
                        .bid_price
                        .checked_add(q.ask_price)
                        .and_then(|s| s.checked_div(Decimal::TWO))
                        .unwrap_or(q.ask_price);
                    d.genesis = Some(Anchor {
                        at,
                        price: mid.round_dp(2),
                    });
                }
                d.quote = Some((at, q.clone()));
                d.quotes.push_back((at, q.clone()));
                if d.quotes.len() > MAX_TAPE {
                    d.quotes.pop_front();
                }
                out.push(MarketTick::Quote(at, q.clone()));
            }
            MarketUpdate::Trade(t) => {
                self.trade_ids = self.trade_ids.wrapping_add(1);
                let id = self.trade_ids;
                let d = self.symbols.entry(t.symbol.clone()).or_default();
                if d.genesis.is_none() {
                    d.genesis = Some(Anchor { at, price: t.price });
                }
                d.trade = Some((at, t.clone(), id));
                d.trades.push_back((at, t.clone(), id));
                if d.trades.len() > MAX_TAPE {
                    d.trades.pop_front();
                }
                out.push(MarketTick::Trade(at, t.clone(), id));
                let m = minute(at);
                match &mut d.current {
                    Some(bar) if bar.t == m => bar.add(t.price, t.size, 1),
                    current => {
                        if let Some(done) = current.take() {
                            out.push(MarketTick::Bar(t.symbol.clone(), done.clone()));
                            add_to_days(&mut d.days, &done);
                            d.bars.push_back(done);
                            if d.bars.len() > MAX_BARS {
                                d.bars.pop_front();
                            }
                        }
                        *current = Some(Bar::open(m, t.price, t.size));
                    }
                }
            }
        }
    }

    /// A copy keeping only the last `keep` minute bars per symbol (for snapshots).
    pub fn trimmed(&self, keep: usize) -> Self {
        let mut m = self.clone();
        for d in m.symbols.values_mut() {
            let excess = d.bars.len().saturating_sub(keep);
            d.bars.drain(..excess);
        }
        m
    }

    pub fn symbol(&self, s: &Symbol) -> Option<&SymbolData> {
        self.symbols.get(s)
    }
}

#[cfg(test)]
mod tests {

    mod vw {
        use super::super::*;
        use proptest::prelude::*;

        fn bar(pv: Decimal, v: Decimal) -> Bar {
            Bar {
                pv,
                v,
                ..Bar::open(Timestamp::default(), Decimal::new(19050, 2), Decimal::ONE)
            }
        }

        fn check(pv: Decimal, v: Decimal) -> Result<(), TestCaseError> {
            let b = bar(pv, v);
            prop_assert_eq!(b.vw(), b.vw_by_decimals(), "pv {} v {}", pv, v);
            Ok(())
        }

        proptest! {
            #[test]
            fn the_integer_path_gives_the_decimal_value(
                price in (1i64..100_000_000_000, 0u32..9),
                v in (1i64..10_000_000_000, 0u32..3),
                nudge in prop_oneof![Just(0i64), -1000i64..1000],
                nudge_scale in 7u32..26,
            ) {
                let (price, v) = (Decimal::new(price.0, price.1), Decimal::new(v.0, v.1));
                // pv as the bars sum it, then moved a hair: midpoints and their neighbours.
                let pv = (price * v).checked_add(Decimal::new(nudge, nudge_scale)).unwrap_or(price * v);
                check(pv.max(Decimal::ZERO), v)?;
                // Exactly half a millionth above a millionth.
                let half = (price.round_dp(6) + Decimal::new(5, 7)) * v;
                check(half, v)?;
            }

            #[test]
            fn any_parts_give_the_decimal_value(
                pv in (any::<u32>(), any::<u32>(), any::<u32>(), any::<bool>(), 0u32..29),
                v in (any::<u32>(), any::<u32>(), 0u32..29),
            ) {
                let pv = Decimal::from_parts(pv.0, pv.1, pv.2, pv.3, pv.4);
                check(pv, Decimal::from_parts(v.0, v.1, 0, false, v.2))?;
            }
        }

        #[test]
        fn midpoints_round_half_to_even_and_no_volume_is_the_close() {
            assert_eq!(
                bar(Decimal::new(10_0000005, 7), Decimal::ONE).vw(),
                Decimal::new(10_000000, 6)
            );
            assert_eq!(
                bar(Decimal::new(10_0000015, 7), Decimal::ONE).vw(),
                Decimal::new(10_000002, 6)
            );
            assert_eq!(
                bar(Decimal::new(1, 0), Decimal::new(3, 0)).vw(),
                Decimal::new(333333, 6)
            );
            assert_eq!(
                bar(Decimal::new(2, 0), Decimal::new(3, 0)).vw(),
                Decimal::new(666667, 6)
            );
            assert_eq!(
                bar(Decimal::ONE, Decimal::ZERO).vw(),
                Decimal::new(19050, 2)
            );
        }
    }
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn trades_build_minute_bars() {
        let mut m = MarketData::default();
        let t0 = chrono::DateTime::parse_from_rfc3339("2026-11-30T15:00:10Z")
            .unwrap()
            .to_utc();
        let s = Symbol::new("AAPL");
        let mut out = Vec::new();
        for (secs, p) in [(0, dec!(10)), (20, dec!(12)), (30, dec!(9)), (70, dec!(11))] {
            let tr = MarketUpdate::Trade(Trade {
                symbol: s.clone(),
                price: p,
                size: dec!(1),
            });
            m.record(t0 + TimeDelta::seconds(secs), &tr, &mut out);
        }
        let done: Vec<_> = out
            .iter()
            .filter_map(|t| match t {
                MarketTick::Bar(_, b) => Some(b),
                _ => None,
            })
            .collect();
        assert_eq!(done.len(), 1);
        assert_eq!(
            (done[0].o, done[0].h, done[0].l, done[0].c, done[0].n),
            (dec!(10), dec!(12), dec!(9), dec!(9), 3)
        );
        let d = m.symbol(&s).unwrap();
        assert_eq!(
            d.live_minutes(t0 - TimeDelta::hours(1), t0 + TimeDelta::hours(1))
                .len(),
            2
        );
        let days = d.live_days();
        assert_eq!(days.len(), 1);
        assert_eq!(days[0].c, dec!(11));
        assert_eq!(days[0].v, dec!(4));
        // New York midnight (EST) of 2026-11-30.
        assert_eq!(days[0].t.to_rfc3339(), "2026-11-30T05:00:00+00:00");
        assert_eq!(d.genesis.unwrap().price, dec!(10));
        assert_eq!(d.trades.len(), 4);
    }

    #[test]
    fn ticks_out_of_range_are_not_a_market() {
        let mut m = MarketData::default();
        let s = Symbol::new("AAPL");
        let mut out = Vec::new();
        for (price, size) in [
            (Decimal::MAX, dec!(1)),
            (dec!(10), Decimal::MAX),
            (dec!(-1), dec!(1)),
        ] {
            let tr = MarketUpdate::Trade(Trade {
                symbol: s.clone(),
                price,
                size,
            });
            m.record(chrono::Utc::now(), &tr, &mut out);
        }
        assert!(out.is_empty());
        assert!(m.symbol(&s).is_none());
    }
}
