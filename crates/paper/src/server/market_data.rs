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
