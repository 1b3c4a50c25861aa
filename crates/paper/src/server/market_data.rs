//! What the market-data API and stream serve: latest quote and trade per symbol and minute
//! bars built from the trades the venue saw. Fed by the same commands as the engine, so a
//! replay rebuilds it too.

use brokerdesk_model::Symbol;
use chrono::{Datelike, DurationRound, NaiveDate, TimeDelta, TimeZone, Utc};
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

    fn merge(&mut self, other: &Bar) {
        self.h = self.h.max(other.h);
        self.l = self.l.min(other.l);
        self.c = other.c;
        self.v = self.v.saturating_add(other.v);
        self.n = self.n.saturating_add(other.n);
        self.pv = self.pv.saturating_add(other.pv);
    }

    pub fn vw(&self) -> Decimal {
        self.pv
            .checked_div(self.v)
            .map_or(self.c, |vw| vw.round_dp(6))
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

/// How much time one aggregated bar covers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BarWidth {
    /// 1 to 10,080 minutes (a week), aligned on the Unix epoch.
    Minutes(u32),
    /// 1 to 12 calendar months, aligned on January.
    Months(u32),
}

impl BarWidth {
    pub const DAY: Self = Self::Minutes(1440);

    /// The start of the bar holding `t`.
    fn bucket(self, t: Timestamp) -> Timestamp {
        match self {
            Self::Minutes(n) => t
                .duration_trunc(TimeDelta::minutes(i64::from(n.clamp(1, 10_080))))
                .unwrap_or(t),
            Self::Months(n) => {
                let n = n.clamp(1, 12);
                let month0 = (t.month0() / n) * n;
                NaiveDate::from_ymd_opt(t.year(), month0 + 1, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map_or(t, |d| Utc.from_utc_datetime(&d))
            }
        }
    }
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
                d.quote = Some((at, q.clone()));
                out.push(MarketTick::Quote(at, q.clone()));
            }
            MarketUpdate::Trade(t) => {
                self.trade_ids = self.trade_ids.wrapping_add(1);
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

    /// Bars of `width` between `start` and `end`, oldest first.
    pub fn bars(
        &self,
        s: &Symbol,
        width: BarWidth,
        start: Option<Timestamp>,
        end: Option<Timestamp>,
    ) -> Vec<Bar> {
        let Some(d) = self.symbols.get(s) else {
            return Vec::new();
        };
        let mut out: Vec<Bar> = Vec::new();
        for b in d.bars.iter().chain(d.current.iter()) {
            if start.is_some_and(|st| b.t < st) || end.is_some_and(|e| b.t > e) {
                continue;
            }
            let bucket = width.bucket(b.t);
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
        assert_eq!(m.bars(&s, BarWidth::Minutes(1), None, None).len(), 2);
        let hour = m.bars(&s, BarWidth::Minutes(60), None, None);
        assert_eq!(hour.len(), 1);
        assert_eq!(hour[0].c, dec!(11));
        assert_eq!(hour[0].v, dec!(4));
        let quarter = m.bars(&s, BarWidth::Months(3), None, None);
        assert_eq!(quarter.len(), 1);
        assert_eq!(quarter[0].t.to_rfc3339(), "2026-10-01T00:00:00+00:00");
        assert_eq!(quarter[0].v, dec!(4));
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
