//! Historical bars, trades and quotes as Alpaca serves them: the generated past joined to the
//! live tape, aggregated to a timeframe, filtered to `[start, end]`, sorted either way and cut
//! into pages (`limit`, `next_page_token`; symbols in alphabetical order, then time).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use brokerdesk_model::Symbol;
use chrono::{Datelike, Duration, DurationRound, NaiveDate, TimeDelta};
use rust_decimal::Decimal;
use std::sync::Arc;

use super::history::{SymbolHistory, TRADES_PER_MINUTE, trades_of};
use super::market_data::Bar;
use super::session_cache::BarItem;
use crate::engine::Timestamp;
use crate::engine::calendar::{new_york_local, new_york_midnight};

/// How much time one bar covers (Alpaca's `timeframe`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    /// 1 to 59 minutes or 1 to 23 hours, aligned on the Unix epoch.
    Minutes(u32),
    /// A New York calendar day.
    Day,
    /// Monday to Sunday, New York time.
    Week,
    /// 1, 2, 3, 4, 6 or 12 calendar months, aligned on January.
    Months(u32),
}

impl Width {
    /// Alpaca's timeframes: `[1-59]Min` (or `T`), `[1-23]Hour` (or `H`), `1Day` (`D`), `1Week`
    /// (`W`), `[1,2,3,4,6,12]Month` (`M`). A missing number means 1.
    pub fn parse(tf: &str) -> Option<Self> {
        // ASCII digits are one byte each, so the split falls on a character boundary.
        let split = tf.find(|c: char| !c.is_ascii_digit())?;
        let (n, unit) = tf.split_at(split);
        let n: u32 = if n.is_empty() { 1 } else { n.parse().ok()? };
        Some(match unit {
            "Min" | "T" if (1..=59).contains(&n) => Self::Minutes(n),
            "Hour" | "H" if (1..=23).contains(&n) => Self::Minutes(n * 60),
            "Day" | "D" if n == 1 => Self::Day,
            "Week" | "W" if n == 1 => Self::Week,
            "Month" | "M" if matches!(n, 1 | 2 | 3 | 4 | 6 | 12) => Self::Months(n),
            _ => return None,
        })
    }

    pub fn intraday(self) -> bool {
        matches!(self, Self::Minutes(_))
    }

    /// The start of the bar holding `t`.
    pub fn bucket(self, t: Timestamp) -> Timestamp {
        let date = || new_york_local(t).date();
        match self {
            Self::Minutes(n) => {
                let minutes = i64::from(n.clamp(1, 1380));
                // Most bars asked for already start their bucket (minute bars at 1Min), and
                // `duration_trunc` was a tenth of a 10,000-bar page.
                if t.timestamp_subsec_nanos() == 0 && t.timestamp().rem_euclid(minutes * 60) == 0 {
                    return t;
                }
                t.duration_trunc(TimeDelta::minutes(minutes)).unwrap_or(t)
            }
            Self::Day => new_york_midnight(date()),
            Self::Week => {
                let d = date();
                new_york_midnight(d - Duration::days(i64::from(d.weekday().num_days_from_monday())))
            }
            Self::Months(n) => {
                let d = date();
                let n = n.clamp(1, 12);
                let month0 = (d.month0() / n) * n;
                NaiveDate::from_ymd_opt(d.year(), month0 + 1, 1).map_or(t, new_york_midnight)
            }
        }
    }

    /// At least as long as any bar of this width: source bars up to this long after a
    /// bucket's start may belong to it.
    pub fn span(self) -> Duration {
        match self {
            Self::Minutes(n) => Duration::minutes(i64::from(n)),
            Self::Day => Duration::hours(25),
            Self::Week => Duration::days(8),
            Self::Months(n) => Duration::days(31 * i64::from(n) + 1),
        }
    }
}

/// Something with a time, for paging.
pub trait Timed {
    fn t(&self) -> Timestamp;
}

impl Timed for Bar {
    fn t(&self) -> Timestamp {
        self.t
    }
}

impl Timed for BarItem {
    fn t(&self) -> Timestamp {
        self.bar.t
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct TapeTrade {
    pub t: Timestamp,
    pub price: Decimal,
    pub size: Decimal,
    pub id: u64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct TapeQuote {
    pub t: Timestamp,
    pub bid: Decimal,
    pub bid_size: Decimal,
    pub ask: Decimal,
    pub ask_size: Decimal,
}

impl Timed for TapeTrade {
    fn t(&self) -> Timestamp {
        self.t
    }
}

impl Timed for TapeQuote {
    fn t(&self) -> Timestamp {
        self.t
    }
}

/// What one symbol has to offer a query: its generated past (if its tape has started) and the
/// live data read from the exchange for the query's range.
#[derive(Default)]
pub struct Sources {
    pub history: Option<Arc<SymbolHistory>>,
    /// Live minute bars, oldest first.
    pub minutes: Vec<Bar>,
    /// Live daily bars, oldest first.
    pub days: Vec<Bar>,
    pub trades: Vec<TapeTrade>,
    pub quotes: Vec<TapeQuote>,
}

type Stream<'a, T> = Box<dyn Iterator<Item = T> + Send + 'a>;
/// Bars on their way to a page.
type Bars<'a> = Stream<'a, BarItem>;

fn ordered<'a, T: Send + 'a>(v: Vec<T>, desc: bool) -> Stream<'a, T> {
    if desc {
        Box::new(v.into_iter().rev())
    } else {
        Box::new(v.into_iter())
    }
}

impl Sources {
    /// Generated days then live days; a live day that began on a generated session's date
    /// (the sandbox started after that session closed) is merged into it.
    pub fn all_days(&self) -> Vec<Bar> {
        let mut out: Vec<Bar> = self
            .history
            .as_ref()
            .map(|h| h.daily().cloned().collect())
            .unwrap_or_default();
        for d in &self.days {
            match out.last_mut() {
                Some(last) if last.t == d.t => last.merge(d),
                _ => out.push(d.clone()),
            }
        }
        out
    }

    /// Minute bars (intraday widths) or daily bars (longer ones) with `lo <= t < hi`.
    fn base_bars(&self, width: Width, lo: Timestamp, hi: Timestamp, desc: bool) -> Bars<'_> {
        if width.intraday() {
            let live: Vec<BarItem> = self
                .minutes
                .iter()
                .filter(|b| lo <= b.t && b.t < hi)
                .map(|b| BarItem::from(b.clone()))
                .collect();
            let n = match width {
                Width::Minutes(n) => n,
                _ => 1,
            };
            let past: Bars<'_> = match &self.history {
                Some(h) => h.intraday(n, lo, hi, desc),
                None => Box::new(std::iter::empty()),
            };
            if desc {
                Box::new(ordered(live, true).chain(past))
            } else {
                Box::new(past.chain(ordered(live, false)))
            }
        } else {
            let mut days = self.all_days();
            days.retain(|b| lo <= b.t && b.t < hi);
            Box::new(ordered(days, desc).map(BarItem::from))
        }
    }

    /// Bars of `width` whose start lies in `[lo, hi]`, in time order or reversed.
    pub fn bars(&self, width: Width, lo: Timestamp, hi: Timestamp, desc: bool) -> Bars<'_> {
        let upto = hi.checked_add_signed(width.span()).unwrap_or(hi);
        let base = self.base_bars(width, lo, upto, desc).peekable();
        Box::new(
            Aggregate {
                inner: base,
                width,
                desc,
            }
            .filter(move |b| lo <= b.bar.t && b.bar.t <= hi),
        )
    }

    /// Trades with `lo <= t <= hi`: the generated minutes' trades, then the live tape.
    pub fn trades(&self, lo: Timestamp, hi: Timestamp, desc: bool) -> Stream<'_, TapeTrade> {
        let live: Vec<TapeTrade> = self
            .trades
            .iter()
            .filter(|x| lo <= x.t && x.t <= hi)
            .cloned()
            .collect();
        let past = self
            .generated(lo, hi, desc)
            .map(|(t, price, size, id)| TapeTrade { t, price, size, id });
        if desc {
            Box::new(ordered(live, true).chain(past))
        } else {
            Box::new(past.chain(ordered(live, false)))
        }
    }

    /// Quotes with `lo <= t <= hi`: one around each generated trade (a cent either side), then
    /// the live tape.
    pub fn quotes(&self, lo: Timestamp, hi: Timestamp, desc: bool) -> Stream<'_, TapeQuote> {
        let live: Vec<TapeQuote> = self
            .quotes
            .iter()
            .filter(|x| lo <= x.t && x.t <= hi)
            .cloned()
            .collect();
        let cent = Decimal::new(1, 2);
        let past = self
            .generated(lo, hi, desc)
            .map(move |(t, price, _, id)| TapeQuote {
                t,
                bid: (price - cent).max(cent),
                bid_size: Decimal::from((id % 20 + 1) * 100),
                ask: price + cent,
                ask_size: Decimal::from(((id / 20) % 20 + 1) * 100),
            });
        if desc {
            Box::new(ordered(live, true).chain(past))
        } else {
            Box::new(past.chain(ordered(live, false)))
        }
    }

    /// The generated trades with `lo <= t <= hi`: (time, price, size, id).
    fn generated(
        &self,
        lo: Timestamp,
        hi: Timestamp,
        desc: bool,
    ) -> Stream<'_, (Timestamp, Decimal, Decimal, u64)> {
        let Some(h) = &self.history else {
            return Box::new(std::iter::empty());
        };
        let from = lo - Duration::minutes(1);
        let upto = hi.checked_add_signed(Duration::seconds(1)).unwrap_or(hi);
        Box::new(h.minutes(from, upto, desc).flat_map(move |b| {
            let v = b.v.try_into().unwrap_or(0_u64);
            let base = u64::try_from(b.t.timestamp() / 60).unwrap_or(0) * TRADES_PER_MINUTE as u64;
            let mut ts: Vec<_> = trades_of(b.t, b.o, b.h, b.l, b.c, v)
                .into_iter()
                .zip(0..)
                .map(|((t, p, s), k)| (t, p, s, base + k))
                .filter(|(t, ..)| lo <= *t && *t <= hi)
                .collect();
            if desc {
                ts.reverse();
            }
            ts.into_iter()
        }))
    }
}

/// Merges consecutive base bars falling in the same bucket. A bar that is its bucket's only
/// one and starts it is passed on as it came (with its drawn session's JSON); any other is a
/// new bar.
struct Aggregate<'a> {
    inner: std::iter::Peekable<Bars<'a>>,
    width: Width,
    desc: bool,
}

impl Iterator for Aggregate<'_> {
    type Item = BarItem;

    fn next(&mut self) -> Option<BarItem> {
        let BarItem { bar: first, drawn } = self.inner.next()?;
        let bucket = self.width.bucket(first.t);
        // An epoch-aligned bucket of minutes is `[bucket, bucket + width)`: a comparison, not
        // a truncation per peeked bar.
        let minutes_end = match self.width {
            Width::Minutes(n) => {
                bucket.checked_add_signed(Duration::minutes(i64::from(n.clamp(1, 1380))))
            }
            _ => None,
        };
        let width = self.width;
        let same = |b: &Bar| match minutes_end {
            Some(end) => bucket <= b.t && b.t < end,
            None => width.bucket(b.t) == bucket,
        };
        let mut drawn = drawn.filter(|_| first.t == bucket);
        let mut acc = first;
        acc.t = bucket;
        while let Some(BarItem { bar: next, .. }) = self.inner.next_if(|b| same(&b.bar)) {
            drawn = None;
            if self.desc {
                // `next` is earlier: it opens the bar; the close stays.
                let close = acc.c;
                acc.o = next.o;
                acc.merge(&next);
                acc.c = close;
            } else {
                acc.merge(&next);
            }
        }
        Some(BarItem { bar: acc, drawn })
    }
}

/// Where the next page starts: a symbol, a time, and how many items at that very time the
/// previous pages already returned (trades can share a timestamp).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageToken {
    pub symbol: Symbol,
    pub t: Timestamp,
    pub skip: usize,
}

impl PageToken {
    pub fn encode(&self) -> String {
        let nanos = self.t.timestamp_nanos_opt().unwrap_or(0);
        BASE64.encode(format!("{}|{}|{}", self.symbol, nanos, self.skip))
    }

    pub fn decode(s: &str) -> Option<Self> {
        let raw = String::from_utf8(BASE64.decode(s).ok()?).ok()?;
        let mut parts = raw.split('|');
        let symbol = parts.next().filter(|s| !s.is_empty())?;
        let nanos: i64 = parts.next()?.parse().ok()?;
        let skip: usize = parts.next()?.parse().ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self {
            symbol: Symbol::new(symbol),
            t: chrono::DateTime::from_timestamp_nanos(nanos),
            skip,
        })
    }
}

/// One page: up to `limit` items over `symbols` (sorted), resuming at `token`. `items(symbol,
/// resume)` lists a symbol's items from `resume` on (inclusive, in the query's direction).
pub fn page<'a, T: Timed>(
    symbols: &'a [Symbol],
    token: Option<&PageToken>,
    limit: usize,
    mut items: impl FnMut(&'a Symbol, Option<Timestamp>) -> Stream<'a, T>,
) -> (Vec<(&'a Symbol, Vec<T>)>, Option<PageToken>) {
    let first = token.map_or(0, |tok| symbols.partition_point(|s| s < &tok.symbol));
    let mut out = Vec::new();
    let mut remaining = limit;
    for (i, sym) in symbols.iter().enumerate().skip(first) {
        let resume = token.filter(|tok| &tok.symbol == sym);
        let mut it = items(sym, resume.map(|tok| tok.t)).peekable();
        // Items at the resume time that earlier pages returned.
        let (mut run_t, mut run) = (resume.map(|tok| tok.t), 0);
        if let Some(tok) = resume {
            while run < tok.skip && it.next_if(|x| x.t() == tok.t).is_some() {
                run += 1;
            }
        }
        let mut got = Vec::new();
        while remaining > 0 {
            let Some(x) = it.next() else { break };
            if got.capacity() == 0 {
                // Room for the rest of the page at once, once the symbol has an item: grown by
                // doubling, a 10,000-bar page copied itself over a dozen times. Trimmed below
                // when the symbol had fewer.
                got.reserve(remaining);
            }
            if Some(x.t()) == run_t {
                run += 1;
            } else {
                run_t = Some(x.t());
                run = 1;
            }
            got.push(x);
            remaining -= 1;
        }
        let more_here = if remaining == 0 {
            it.peek().map(Timed::t)
        } else {
            None
        };
        if !got.is_empty() {
            if got.len() < got.capacity() / 2 {
                got.shrink_to_fit();
            }
            out.push((sym, got));
        }
        if let Some(t) = more_here {
            let skip = if Some(t) == run_t { run } else { 0 };
            return (
                out,
                Some(PageToken {
                    symbol: sym.clone(),
                    t,
                    skip,
                }),
            );
        }
        if remaining == 0 {
            // The page is full at a symbol's end: point at the next symbol that has anything.
            for next in symbols.iter().skip(i + 1) {
                if let Some(x) = items(next, None).next() {
                    let token = PageToken {
                        symbol: next.clone(),
                        t: x.t(),
                        skip: 0,
                    };
                    return (out, Some(token));
                }
            }
            return (out, None);
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeframes() {
        use Width::{Day, Minutes, Months, Week};
        assert_eq!(Width::parse("1Min"), Some(Minutes(1)));
        assert_eq!(Width::parse("15Min"), Some(Minutes(15)));
        assert_eq!(Width::parse("59T"), Some(Minutes(59)));
        assert_eq!(Width::parse("T"), Some(Minutes(1)));
        assert_eq!(Width::parse("1Hour"), Some(Minutes(60)));
        assert_eq!(Width::parse("23H"), Some(Minutes(1380)));
        assert_eq!(Width::parse("1Day"), Some(Day));
        assert_eq!(Width::parse("D"), Some(Day));
        assert_eq!(Width::parse("1Week"), Some(Week));
        assert_eq!(Width::parse("W"), Some(Week));
        assert_eq!(Width::parse("6Month"), Some(Months(6)));
        assert_eq!(Width::parse("12M"), Some(Months(12)));
        assert_eq!(Width::parse("M"), Some(Months(1)));
        for bad in [
            "1Fortnight",
            "0Min",
            "60Min",
            "24Hour",
            "2Day",
            "2Week",
            "5Month",
            "999999999999999Min",
            "99999999999999999999999999Min",
            "-1Min",
            "1é",
            "é",
            "",
            "15",
        ] {
            assert_eq!(Width::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn buckets_follow_new_york_days_weeks_and_months() {
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        // Wednesday 2026-12-02, 15:00 EST.
        let at = t("2026-12-02T20:00:00Z");
        assert_eq!(Width::Day.bucket(at), t("2026-12-02T05:00:00Z"));
        assert_eq!(Width::Week.bucket(at), t("2026-11-30T05:00:00Z"));
        assert_eq!(Width::Months(1).bucket(at), t("2026-12-01T05:00:00Z"));
        assert_eq!(Width::Months(3).bucket(at), t("2026-10-01T04:00:00Z"));
        assert_eq!(
            Width::Minutes(15).bucket(t("2026-12-02T20:14:59Z")),
            t("2026-12-02T20:00:00Z")
        );
    }

    #[test]
    fn tokens_round_trip_and_garbage_is_refused() {
        let tok = PageToken {
            symbol: Symbol::new("BRK.B"),
            t: chrono::DateTime::from_timestamp_nanos(1_700_000_000_123_456_789),
            skip: 3,
        };
        assert_eq!(PageToken::decode(&tok.encode()), Some(tok));
        for bad in ["", "!!!", "QUFQTA==", "QUFQTHwxfDJ8Mw=="] {
            assert_eq!(PageToken::decode(bad), None, "{bad}");
        }
    }
    /// Bars from cached sessions (whole ones merged per bucket, cut ones as minutes; a second
    /// pass hitting the cache; a cache too small to keep much) are the bars aggregated straight
    /// from freshly drawn minutes, to the decimal scale (`Debug` shows it; the JSON follows it).
    #[test]
    fn cached_sessions_give_the_bars_drawn_minutes_give() {
        use super::super::session_cache::SessionCache;
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let anchor = super::super::history::Anchor {
            at: t("2026-12-03T19:00:00Z"),
            price: rust_decimal::Decimal::new(23017, 2),
        };
        let sym = Symbol::new("AAPL");
        let plain = SymbolHistory::build(42, &sym, anchor);
        let big = Arc::new(SessionCache::new(super::super::session_cache::BUDGET_BARS));
        let tiny = Arc::new(SessionCache::new(500));
        let sources = |cache: &Arc<SessionCache>| Sources {
            history: Some(Arc::new(
                SymbolHistory::build(42, &sym, anchor).cached(Arc::clone(cache)),
            )),
            ..Sources::default()
        };
        let (cached, small) = (sources(&big), sources(&tiny));
        let ranges = [
            (t("2025-12-01T00:00:00Z"), t("2026-12-03T19:00:00Z")),
            // Cut inside sessions at both ends (14:47 and 16:35 UTC are mid-session).
            (t("2026-09-15T14:47:00Z"), t("2026-10-20T16:35:00Z")),
            (t("2026-11-02T14:30:00Z"), t("2026-11-02T20:59:00Z")),
        ];
        let widths = [
            Width::Minutes(1),
            Width::Minutes(5),
            Width::Minutes(7),
            Width::Minutes(60),
            Width::Minutes(240),
            Width::Minutes(1380),
        ];
        let mut compared = 0;
        for (lo, hi) in ranges {
            for width in widths {
                for desc in [false, true] {
                    let upto = hi.checked_add_signed(width.span()).unwrap();
                    let minutes: Bars<'_> =
                        Box::new(plain.minutes(lo, upto, desc).map(BarItem::from));
                    let want: Vec<String> = Aggregate {
                        inner: minutes.peekable(),
                        width,
                        desc,
                    }
                    .filter(|b| lo <= b.bar.t && b.bar.t <= hi)
                    .map(|b| format!("{:?}", b.bar))
                    .collect();
                    compared += want.len();
                    let got = |s: &Sources| -> Vec<String> {
                        s.bars(width, lo, hi, desc)
                            .map(|b| format!("{:?}", b.bar))
                            .collect()
                    };
                    for pass in 0..2 {
                        assert_eq!(got(&cached), want, "{width:?} {lo} {hi} {desc} {pass}");
                        assert_eq!(got(&small), want, "small {width:?} {lo} {hi} {desc}");
                    }
                }
            }
        }
        assert!(compared > 100_000, "{compared}");
        assert!(big.bars() > 0 && big.bars() <= super::super::session_cache::BUDGET_BARS);
        assert!(tiny.bars() <= 500);
    }

    /// A drawn bar keeps its session's JSON only while it is its bucket's bar unchanged: alone
    /// and at the bucket's start. Moved to its bucket's start, or merged, it is a new bar.
    #[test]
    fn only_a_drawn_bar_passed_on_unchanged_keeps_its_json() {
        use super::super::session_cache::DrawnAt;
        let at = |m: i64| chrono::DateTime::from_timestamp(1_764_686_280 + m * 60, 0).unwrap();
        // 1_764_686_280 is a multiple of 7 minutes: minute 0 starts a 7-minute bucket.
        let bars: Vec<Bar> = [0, 7, 8, 15]
            .into_iter()
            .map(|m| Bar::open(at(m), Decimal::ONE, Decimal::ONE))
            .collect();
        let items: Vec<BarItem> = (0..4)
            .map(|k| BarItem {
                bar: bars[k as usize].clone(),
                drawn: Some(DrawnAt { key: (1, 0, 1), k }),
            })
            .collect();
        let out: Vec<(Timestamp, Option<u32>)> = Aggregate {
            inner: (Box::new(items.into_iter()) as Bars<'_>).peekable(),
            width: Width::Minutes(7),
            desc: false,
        }
        .map(|i| (i.bar.t, i.drawn.map(|at| at.k)))
        .collect();
        // Minute 0: alone at its bucket's start. 7 and 8: merged. 15: alone but moved to 14.
        assert_eq!(out, vec![(at(0), Some(0)), (at(7), None), (at(14), None)]);
    }

    /// Reference for `Aggregate`: group consecutive bars by `Width::bucket`, one bar per group
    /// (opened by the earliest bar, closed by the latest).
    fn grouped(bars: &[Bar], width: Width) -> Vec<Bar> {
        let mut out: Vec<Bar> = Vec::new();
        for b in bars {
            match out.last_mut() {
                Some(last) if last.t == width.bucket(b.t) => last.merge(b),
                _ => {
                    let mut first = b.clone();
                    first.t = width.bucket(b.t);
                    out.push(first);
                }
            }
        }
        out
    }

    use proptest::prelude::Strategy as _;

    proptest::proptest! {
        /// Minute buckets are tested by range; the result is the grouping by truncation, in
        /// both directions, for every minute and hour width.
        #[test]
        fn minute_aggregation_groups_as_the_bucket_rule_does(
            gaps in proptest::collection::vec(0_i64..200, 1..300),
            start in 1_600_000_000_i64..1_800_000_000,
            n in proptest::prop_oneof![1_u32..=59, (1_u32..=23).prop_map(|h| h * 60)],
        ) {
            let width = Width::Minutes(n);
            let mut at = start;
            let bars: Vec<Bar> = gaps
                .iter()
                .enumerate()
                .map(|(i, gap)| {
                    // Seconds, so bars land inside, at the start and at the end of buckets.
                    at += gap * 7;
                    let t = chrono::DateTime::from_timestamp(at, 0).unwrap();
                    let price = Decimal::new(10_000 + i64::try_from(i).unwrap(), 2);
                    Bar::open(t, price, Decimal::from(gap + 1))
                })
                .collect();
            let items = |desc| -> Bars<'_> {
                Box::new(ordered(bars.clone(), desc).map(BarItem::from))
            };
            let up: Vec<Bar> = Aggregate {
                inner: items(false).peekable(),
                width,
                desc: false,
            }
            .map(|b| b.bar)
            .collect();
            proptest::prop_assert_eq!(&up, &grouped(&bars, width));
            let mut down: Vec<Bar> = Aggregate {
                inner: items(true).peekable(),
                width,
                desc: true,
            }
            .map(|b| b.bar)
            .collect();
            down.reverse();
            proptest::prop_assert_eq!(down, up);
        }
    }
}
