//! What the market-data API and stream serve: latest quote and trade per symbol and minute
//! bars built from the trades the venue saw. Fed by the same commands as the engine, so a
//! replay rebuilds it too.

use brokerdesk_model::Symbol;
use chrono::{DurationRound, TimeDelta};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, VecDeque};

use crate::engine::{MarketUpdate, Quote, Timestamp, Trade};

/// Minute bars kept per symbol (about a week of a busy tape).
const MAX_BARS: usize = 10_080;

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
    fn open(t: Timestamp, price: Decimal, size: Decimal) -> Self {
        Self {
            t,
            o: price,
            h: price,
            l: price,
            c: price,
            v: size,
            n: 1,
            pv: price * size,
        }
    }

    fn add(&mut self, price: Decimal, size: Decimal, n: u64) {
        self.h = self.h.max(price);
        self.l = self.l.min(price);
        self.c = price;
        self.v += size;
        self.n += n;
        self.pv += price * size;
    }

    fn merge(&mut self, other: &Bar) {
        self.h = self.h.max(other.h);
        self.l = self.l.min(other.l);
        self.c = other.c;
        self.v += other.v;
        self.n += other.n;
        self.pv += other.pv;
    }

    pub fn vw(&self) -> Decimal {
        if self.v.is_zero() {
            self.c
        } else {
            (self.pv / self.v).round_dp(6)
        }
    }
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
}

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
        match update {
            MarketUpdate::Quote(q) => {
                let d = self.symbols.entry(q.symbol.clone()).or_default();
                d.quote = Some((at, q.clone()));
                out.push(MarketTick::Quote(at, q.clone()));
            }
            MarketUpdate::Trade(t) => {
                self.trade_ids += 1;
                let id = self.trade_ids;
                let d = self.symbols.entry(t.symbol.clone()).or_default();
                d.trade = Some((at, t.clone(), id));
                out.push(MarketTick::Trade(at, t.clone(), id));
                let m = minute(at);
                match &mut d.current {
                    Some(bar) if bar.t == m => bar.add(t.price, t.size, 1),
                    current => {
                        if let Some(done) = current.take() {
                            out.push(MarketTick::Bar(t.symbol.clone(), done.clone()));
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

    /// Bars of `step` (minutes; 1440 = a UTC day) between `start` and `end`, oldest first.
    pub fn bars(
        &self,
        s: &Symbol,
        step: i64,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Vec<Bar> {
        let Some(d) = self.symbols.get(s) else {
            return Vec::new();
        };
        let width = TimeDelta::minutes(step.max(1));
        let mut out: Vec<Bar> = Vec::new();
        for b in d.bars.iter().chain(d.current.iter()) {
            if start.is_some_and(|st| b.t < st) || end.is_some_and(|e| b.t > e) {
                continue;
            }
            let bucket = b.t.duration_trunc(width).unwrap_or(b.t);
            match out.last_mut() {
                Some(last) if last.t == bucket => last.merge(b),
                _ => {
                    let mut first = b.clone();
                    first.t = bucket;
                    out.push(first);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
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
        assert_eq!(m.bars(&s, 1, None, None).len(), 2);
        let hour = m.bars(&s, 60, None, None);
        assert_eq!(hour.len(), 1);
        assert_eq!(hour[0].c, dec!(11));
        assert_eq!(hour[0].v, dec!(4));
    }
}
