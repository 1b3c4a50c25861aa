//! Price history from before the sandbox's first tick, generated on demand from the seed, so a
//! fresh sandbox already has bars to chart and to warm a strategy up on.
//!
//! Each listed symbol gets `SESSIONS` NYSE sessions of regular-hours minute bars ending at its
//! anchor: the first price the live tape showed and when. The walk runs backwards from that
//! price, so the last generated bar closes exactly where the live tape starts (no jump). Only
//! the daily skeleton (one open and close per session) is kept; a session's minute bars are
//! redrawn from their own seed whenever a query needs them, so a year of minutes costs nothing
//! to store and a page of them costs one pass over the sessions it covers.
//!
//! The path is shaped in `f64` (logarithms of a synthetic walk) and every price is rounded to
//! whole cents once, as `Decimal`; no account money is ever computed here.

use brokerdesk_model::Symbol;
use chrono::{Datelike, Duration, DurationRound, NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

pub use super::market_data::Anchor;
use super::market_data::Bar;
use super::session_cache::{BarItem, Drawn, DrawnAt, SessionCache};
use crate::engine::calendar::{new_york_midnight, new_york_session};
use crate::engine::{Session, Timestamp};

/// Sessions of history before the anchor: more than a year and a half (a year has ~252).
pub const SESSIONS: usize = 400;
/// Trades (and quotes) each generated minute bar is made of: open, both extremes, close.
pub const TRADES_PER_MINUTE: usize = 4;
const DAILY_VOL: f64 = 0.015;
const DAILY_DRIFT: f64 = 0.0003;
const OVERNIGHT_VOL: f64 = 0.004;

#[derive(Clone, Debug)]
struct Day {
    session: Session,
    open: Decimal,
    close: Decimal,
    volume: u64,
    seed: u64,
    /// The session's minute bars aggregated (drawn once, when the history is built).
    bar: Bar,
}

/// The generated past of one symbol.
pub struct SymbolHistory {
    anchor: Anchor,
    days: Vec<Day>,
    /// Where drawn sessions are kept (and this history's id there); `None`: drawn every time.
    cache: Option<(Arc<SessionCache>, u64)>,
}

impl std::fmt::Debug for SymbolHistory {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SymbolHistory")
            .field("anchor", &self.anchor)
            .field("days", &self.days.len())
            .finish()
    }
}

/// The start of the epoch-aligned `n`-minute bucket holding `t` (as `series::Width::bucket`).
fn bucket(n: u32, t: Timestamp) -> Timestamp {
    t.duration_trunc(TimeDelta::minutes(i64::from(n.clamp(1, 1380))))
        .unwrap_or(t)
}

/// A session's minute bars merged per `n`-minute bucket, oldest first, exactly as the series
/// aggregation merges them (first bar, then `merge` of each later one), so feeding these
/// partial bars to it gives the same bars, to the decimal scale, as feeding it the minutes.
fn chunks(n: u32, minutes: &[Bar]) -> Vec<Bar> {
    let mut out: Vec<Bar> = Vec::with_capacity(minutes.len() / n.max(1) as usize + 2);
    let mut current: Option<(Timestamp, Bar)> = None;
    for m in minutes {
        let b = bucket(n, m.t);
        match &mut current {
            Some((at, acc)) if *at == b => acc.merge(m),
            _ => {
                if let Some((_, done)) = current.take() {
                    out.push(done);
                }
                let mut acc = m.clone();
                acc.t = b;
                current = Some((b, acc));
            }
        }
    }
    out.extend(current.map(|(_, b)| b));
    out
}

/// A SplitMix64 step: spreads a key over all bits, so nearby days get unrelated streams.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn key(seed: u64, symbol: &str, n: u64) -> u64 {
    let mut h = mix(seed);
    for b in symbol.bytes() {
        h = mix(h ^ u64::from(b));
    }
    mix(h ^ n)
}

/// SplitMix64 as a stream: tiny and fast even unoptimised (a history draws ~10^6 numbers),
/// and fixed forever, so a seed names the same past in every version.
struct Rng(u64);

impl Rng {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }

    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1_u64 << 53) as f64
    }

    /// A standard normal draw (Box–Muller).
    fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::EPSILON);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }
}

/// Most a generated price may be, in cents ($10^9, the tick cap).
const MAX_CENTS: f64 = 1e11;

/// A price in whole cents, never below one cent.
fn cents(x: f64) -> Decimal {
    let c = (x * 100.0).round();
    let c = if c.is_finite() {
        c.clamp(1.0, MAX_CENTS)
    } else {
        1.0
    };
    // In range by the clamp, so the cast is exact.
    Decimal::new(c as i64, 2)
}

fn float(d: Decimal) -> f64 {
    d.to_f64().unwrap_or(1.0)
}

/// The `n` NYSE sessions that closed at or before `at`, oldest first.
fn sessions_before(at: Timestamp, n: usize) -> Vec<Session> {
    let mut out = Vec::with_capacity(n);
    let mut date = at.date_naive() + Duration::days(1);
    // Two years of calendar days hold far more than `n` sessions; the bound ends the loop.
    for _ in 0..(n * 2 + 30) {
        if out.len() == n {
            break;
        }
        if let Some(s) = new_york_session(date)
            && s.close <= at
        {
            out.push(s);
        }
        match date.pred_opt() {
            Some(d) => date = d,
            None => break,
        }
    }
    out.reverse();
    out
}

fn day_number(date: NaiveDate) -> u64 {
    u64::try_from(date.num_days_from_ce()).unwrap_or(0)
}

/// One generated trade: when, at what price, how many shares.
pub type GenTrade = (Timestamp, Decimal, Decimal);

/// The trades a generated minute bar is made of (its `n`, `v` and `vw` come from them): the
/// open at :00, the extreme met first at :15, the other at :30, the close at :45.
pub fn trades_of(
    t: Timestamp,
    o: Decimal,
    h: Decimal,
    l: Decimal,
    c: Decimal,
    v: u64,
) -> [GenTrade; TRADES_PER_MINUTE] {
    let (first, second) = if c >= o { (l, h) } else { (h, l) };
    let each = v / TRADES_PER_MINUTE as u64;
    let last = v - each * (TRADES_PER_MINUTE as u64 - 1);
    let at = |s: i64| t + Duration::seconds(s);
    [
        (at(0), o, Decimal::from(each)),
        (at(15), first, Decimal::from(each)),
        (at(30), second, Decimal::from(each)),
        (at(45), c, Decimal::from(last)),
    ]
}

fn minute_bar(t: Timestamp, o: Decimal, h: Decimal, l: Decimal, c: Decimal, v: u64) -> Bar {
    let trades = trades_of(t, o, h, l, c, v);
    let pv = trades.iter().fold(Decimal::ZERO, |acc, (_, p, s)| {
        acc.saturating_add(p.saturating_mul(*s))
    });
    Bar {
        t,
        o,
        h,
        l,
        c,
        v: Decimal::from(v),
        n: TRADES_PER_MINUTE as u64,
        pv,
    }
}

/// The minute bars of one session: a Brownian bridge (in log price) from its open to its close.
fn minutes_of(day: &Day) -> Vec<Bar> {
    let n = usize::try_from((day.session.close - day.session.open).num_minutes())
        .unwrap_or(0)
        .max(1);
    let mut rng = Rng(day.seed);
    let sigma = DAILY_VOL / (n as f64).sqrt();
    let mut walk = Vec::with_capacity(n + 1);
    walk.push(0.0_f64);
    for k in 1..=n {
        walk.push(walk[k - 1] + sigma * rng.normal());
    }
    let (x0, x1) = (float(day.open).ln(), float(day.close).ln());
    let end = walk[n];
    let mut points: Vec<Decimal> = (0..=n)
        .map(|k| {
            let f = k as f64 / n as f64;
            cents((x0 + (x1 - x0) * f + walk[k] - f * end).exp())
        })
        .collect();
    points[0] = day.open;
    points[n] = day.close;
    // A U-shaped volume profile: busy at the open and the close.
    let weights: Vec<f64> = (0..n)
        .map(|k| {
            let x = 2.0 * (k as f64 + 0.5) / n as f64 - 1.0;
            (1.0 + 2.0 * x * x) * (0.5 + rng.unit())
        })
        .collect();
    let total: f64 = weights.iter().sum();
    (0..n)
        .map(|k| {
            let (o, c) = (points[k], points[k + 1]);
            let wick = 1.0 + rng.unit() * sigma * 0.5;
            let h = cents(float(o.max(c)) * wick).max(o.max(c));
            let l = cents(float(o.min(c)) / wick).min(o.min(c));
            let v = (day.volume as f64 * weights[k] / total).round().max(4.0) as u64;
            let t = day.session.open + Duration::minutes(k as i64);
            minute_bar(t, o, h, l, c, v)
        })
        .collect()
}

fn aggregate(t: Timestamp, bars: &[Bar]) -> Bar {
    let mut out = Bar {
        t,
        o: bars.first().map_or(Decimal::ZERO, |b| b.o),
        h: Decimal::MIN,
        l: Decimal::MAX,
        c: Decimal::ZERO,
        v: Decimal::ZERO,
        n: 0,
        pv: Decimal::ZERO,
    };
    for b in bars {
        out.h = out.h.max(b.h);
        out.l = out.l.min(b.l);
        out.c = b.c;
        out.v = out.v.saturating_add(b.v);
        out.n = out.n.saturating_add(b.n);
        out.pv = out.pv.saturating_add(b.pv);
    }
    out
}

impl SymbolHistory {
    pub fn build(seed: u64, symbol: &Symbol, anchor: Anchor) -> Self {
        let sessions = sessions_before(anchor.at, SESSIONS);
        let sym = symbol.as_str();
        let base_volume = 2_000_000.0 * (1.0 + 19.0 * Rng(key(seed, sym, 0)).unit());
        let mut close_f = float(anchor.price);
        let mut close = anchor.price.max(Decimal::new(1, 2));
        let mut days: Vec<Day> = Vec::with_capacity(sessions.len());
        for session in sessions.into_iter().rev() {
            let mut rng = Rng(key(seed, sym, day_number(session.date)));
            let intraday = DAILY_DRIFT + DAILY_VOL * rng.normal();
            let overnight = OVERNIGHT_VOL * rng.normal();
            let open_f = close_f / intraday.exp();
            let volume = (base_volume * (0.3 * rng.normal()).exp()).round() as u64;
            let open = cents(open_f);
            let mut day = Day {
                bar: Bar::open(session.open, open, Decimal::ZERO),
                session,
                open,
                close,
                volume,
                seed: rng.next_u64(),
            };
            day.bar = aggregate(new_york_midnight(day.session.date), &minutes_of(&day));
            days.push(day);
            // The previous session closed where this one opened, less the overnight gap.
            close_f = (open_f / overnight.exp()).max(0.01);
            close = cents(close_f);
        }
        days.reverse();
        Self {
            anchor,
            days,
            cache: None,
        }
    }

    /// Keeps drawn sessions in `cache` from now on.
    pub fn cached(mut self, cache: Arc<SessionCache>) -> Self {
        let id = cache.history_id();
        self.cache = Some((cache, id));
        self
    }

    /// Bar `k` of session `i` drawn at `width` (`drawn`), with where it was drawn when the
    /// cache keeps that.
    fn item(&self, i: usize, width: u32, drawn: &Drawn, k: usize) -> Option<BarItem> {
        let bar = drawn.bars().get(k)?.clone();
        let at = match &self.cache {
            Some((_, id)) => u32::try_from(k).ok().map(|k| DrawnAt {
                key: (*id, i as u32, width),
                k,
            }),
            None => None,
        };
        Some(BarItem { bar, drawn: at })
    }

    /// Session `i`'s minute bars (from the cache when it has them).
    fn session_minutes(&self, i: usize) -> Arc<Drawn> {
        let day = &self.days[i];
        match &self.cache {
            Some((cache, id)) => cache.get_or_draw(*id, i as u32, 1, || minutes_of(day)),
            None => Arc::new(Drawn::new(minutes_of(day))),
        }
    }

    /// Session `i`'s minutes merged per `n`-minute bucket (`chunks`).
    fn session_chunks(&self, i: usize, n: u32) -> Arc<Drawn> {
        let day = &self.days[i];
        // Drawn without keeping the minutes: a long query would push everything else out.
        let draw = || chunks(n, &minutes_of(day));
        match &self.cache {
            Some((cache, id)) => cache.get_or_draw(*id, i as u32, n, draw),
            None => Arc::new(Drawn::new(draw())),
        }
    }

    /// The indices of the sessions overlapping `[lo, hi)`.
    fn sessions_in(&self, lo: Timestamp, hi: Timestamp) -> std::ops::Range<usize> {
        let first = self.days.partition_point(|d| d.session.close <= lo);
        let last = self.days.partition_point(|d| d.session.open < hi);
        first..last.max(first)
    }

    pub fn anchor(&self) -> Anchor {
        self.anchor
    }

    /// Daily bars (timestamped at New York midnight, as Alpaca's are), oldest first.
    pub fn daily(&self) -> impl DoubleEndedIterator<Item = &Bar> {
        self.days.iter().map(|d| &d.bar)
    }

    /// Minute bars with `lo <= t < hi`, oldest first or newest first: only the sessions
    /// overlapping the range are drawn (or taken from the cache), one at a time as the
    /// iterator reaches them.
    pub fn minutes(
        &self,
        lo: Timestamp,
        hi: Timestamp,
        desc: bool,
    ) -> Box<dyn Iterator<Item = Bar> + Send + '_> {
        Box::new(self.minute_items(lo, hi, desc).map(|item| item.bar))
    }

    /// `minutes`, each with the session it was drawn in.
    fn minute_items(
        &self,
        lo: Timestamp,
        hi: Timestamp,
        desc: bool,
    ) -> Box<dyn Iterator<Item = BarItem> + Send + '_> {
        let session = move |i: usize| {
            let drawn = self.session_minutes(i);
            let bars = drawn.bars();
            // Minutes are in time order: the range is a slice of them.
            let (from, to) = (
                bars.partition_point(|b| b.t < lo),
                bars.partition_point(|b| b.t < hi),
            );
            let (from, len) = (from, to.saturating_sub(from));
            (0..len).filter_map(move |j| {
                let k = if desc { from + len - 1 - j } else { from + j };
                self.item(i, 1, &drawn, k)
            })
        };
        let range = self.sessions_in(lo, hi);
        if desc {
            Box::new(range.rev().flat_map(session))
        } else {
            Box::new(range.flat_map(session))
        }
    }

    /// Bars to aggregate to `n`-minute buckets over `lo <= t < hi`: for a session wholly in
    /// the range, its minutes already merged per bucket (`chunks`, cached); for one the range
    /// cuts, its minutes in the range. The series aggregation merges them into the same bars
    /// as from the minutes alone.
    pub fn intraday(
        &self,
        n: u32,
        lo: Timestamp,
        hi: Timestamp,
        desc: bool,
    ) -> Box<dyn Iterator<Item = BarItem> + Send + '_> {
        if n <= 1 {
            return self.minute_items(lo, hi, desc);
        }
        let session = move |i: usize| -> Box<dyn Iterator<Item = BarItem> + Send + '_> {
            let s = &self.days[i].session;
            if lo <= s.open && s.close <= hi {
                let drawn = self.session_chunks(i, n);
                let len = drawn.bars().len();
                Box::new((0..len).filter_map(move |j| {
                    let k = if desc { len - 1 - j } else { j };
                    self.item(i, n, &drawn, k)
                }))
            } else {
                self.minute_items(lo.max(s.open), hi.min(s.close), desc)
            }
        };
        let range = self.sessions_in(lo, hi);
        if desc {
            Box::new(range.rev().flat_map(session))
        } else {
            Box::new(range.flat_map(session))
        }
    }
}

/// Generated histories by symbol, built on first use. Keyed by the anchor too: a sandbox whose
/// tape starts again (a new journal) gets a new past.
pub struct HistoryBook {
    seed: u64,
    built: Mutex<HashMap<Symbol, Arc<SymbolHistory>>>,
    /// Drawn sessions of every symbol, within one budget.
    cache: Arc<SessionCache>,
}

impl HistoryBook {
    pub fn new(seed: u64) -> Self {
        Self {
            seed,
            built: Mutex::new(HashMap::new()),
            cache: Arc::new(SessionCache::new(super::session_cache::BUDGET_BARS)),
        }
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// Where every history of this book keeps its drawn sessions.
    pub fn sessions(&self) -> &SessionCache {
        &self.cache
    }

    pub fn get(&self, symbol: &Symbol, anchor: Anchor) -> Arc<SymbolHistory> {
        let mut built = self.built.lock().unwrap_or_else(|e| e.into_inner());
        match built.get(symbol) {
            Some(h) if h.anchor == anchor => h.clone(),
            _ => {
                let h = Arc::new(
                    SymbolHistory::build(self.seed, symbol, anchor).cached(Arc::clone(&self.cache)),
                );
                built.insert(symbol.clone(), h.clone());
                h
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn anchor() -> Anchor {
        Anchor {
            at: chrono::DateTime::parse_from_rfc3339("2026-12-03T19:00:00Z")
                .unwrap()
                .to_utc(),
            price: dec!(230.17),
        }
    }

    #[test]
    fn over_a_year_of_sessions_ending_at_the_anchor_price() {
        let h = SymbolHistory::build(42, &Symbol::new("AAPL"), anchor());
        assert_eq!(h.days.len(), SESSIONS);
        let last = h.days.last().unwrap();
        assert_eq!(last.bar.c, dec!(230.17));
        assert!(last.session.close <= anchor().at);
        let span = last.session.date - h.days[0].session.date;
        assert!(span.num_days() > 366, "{span}");
        for d in &h.days {
            assert!(d.bar.l <= d.bar.o.min(d.bar.c) && d.bar.h >= d.bar.o.max(d.bar.c));
            assert!(d.bar.l > Decimal::ZERO);
        }
    }

    #[test]
    fn same_seed_same_past_other_seed_other_past() {
        let a = SymbolHistory::build(42, &Symbol::new("AAPL"), anchor());
        let b = SymbolHistory::build(42, &Symbol::new("AAPL"), anchor());
        let c = SymbolHistory::build(43, &Symbol::new("AAPL"), anchor());
        let daily = |h: &SymbolHistory| h.daily().cloned().collect::<Vec<_>>();
        assert_eq!(daily(&a), daily(&b));
        assert_ne!(daily(&a), daily(&c));
    }

    #[test]
    fn minute_bars_make_up_their_day_and_run_both_ways() {
        let h = SymbolHistory::build(7, &Symbol::new("MSFT"), anchor());
        let d = &h.days[SESSIONS - 3];
        let mins: Vec<Bar> = h.minutes(d.session.open, d.session.close, false).collect();
        assert_eq!(mins.len(), 390);
        assert_eq!(aggregate(d.bar.t, &mins), d.bar);
        for w in mins.windows(2) {
            assert_eq!(w[0].c, w[1].o, "minute bars chain");
        }
        let mut back: Vec<Bar> = h.minutes(d.session.open, d.session.close, true).collect();
        back.reverse();
        assert_eq!(back, mins);
    }
}
