//! Historical bars, trades and quotes written straight into the answer's bytes.
//!
//! A page holds up to 10,000 items; through serde each cost a `String` for its timestamp, a
//! `Decimal` → `f64` conversion per number (u128 divisions) and the float's formatting, which
//! together took most of a 10,000-bar answer's time. Here a timestamp is written as the order
//! answers write it (`wire::Rfc3339Days`, which keeps a day's date for the items after it), and
//! a number with at most 15 significant digits is written from its decimal digits. The bytes
//! are exactly those serde wrote (checked by the tests below): such a decimal converts to its
//! nearest `f64`, whose shortest form is those same digits. Anything else (more digits,
//! exponent notation, a leap second, a year outside 0000–9999) takes the old path.

use brokerdesk_model::Symbol;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

use super::market_data::Bar;
use super::series::{PageToken, TapeQuote, TapeTrade};
use super::session_cache::{BarItem, Drawn, DrawnAt, Json, Key, SessionCache};
use super::wire;
use crate::engine::Timestamp;
use std::sync::Arc;

/// Largest mantissa written from its digits: below 10^15 a decimal converts to its nearest
/// `f64` (`Decimal::to_f64` divides two exactly representable values) and that `f64`'s
/// shortest round-trip form has the decimal's own digits.
const EXACT_DIGITS_BELOW: u64 = 1_000_000_000_000_000;

/// Writes the items of a page.
#[derive(Default)]
pub struct HistoryWriter<'a> {
    out: Vec<u8>,
    /// Timestamps, with the date of the day before kept (a page's items run in time order).
    times: wire::Rfc3339Days,
    /// Where drawn bars' sessions are kept, and the last one a bar came from (a page's bars
    /// come a session at a time).
    sessions: Option<&'a SessionCache>,
    last: Option<(Key, Arc<Drawn>)>,
}

/// One item of a historical answer.
pub trait HistoryItem {
    fn write(&self, w: &mut HistoryWriter<'_>);
}

/// How the answer is shaped: keyed by symbol (`/v2/stocks/bars`) or one symbol's list
/// (`/v2/stocks/{symbol}/bars`).
#[derive(Clone, Copy)]
pub enum Shape<'a> {
    Many,
    One(&'a Symbol),
}

/// `{"<key>": ..., ["symbol": ...,] "next_page_token": ...}`, as Alpaca shapes a page.
/// `page` is sorted by symbol (as `series::page` returns it); drawn bars' JSON is copied from
/// `sessions` where it keeps them.
pub fn write_page<T: HistoryItem>(
    key: &str,
    shape: Shape<'_>,
    page: &[(&Symbol, Vec<T>)],
    token: Option<PageToken>,
    sessions: Option<&SessionCache>,
) -> Vec<u8> {
    let items: usize = page.iter().map(|(_, v)| v.len()).sum();
    let mut w = HistoryWriter {
        out: Vec::with_capacity(128 + items * 120),
        sessions,
        ..HistoryWriter::default()
    };
    w.out.push(b'{');
    w.string(key);
    w.out.push(b':');
    match shape {
        Shape::Many => {
            w.out.push(b'{');
            for (i, (symbol, list)) in page.iter().enumerate() {
                if i > 0 {
                    w.out.push(b',');
                }
                w.string(symbol.as_str());
                w.out.push(b':');
                w.list(list);
            }
            w.out.push(b'}');
        }
        Shape::One(symbol) => {
            match page.first() {
                Some((_, list)) => w.list(list),
                None => w.out.extend_from_slice(b"[]"),
            }
            w.out.extend_from_slice(b",\"symbol\":");
            w.string(symbol.as_str());
        }
    }
    w.out.extend_from_slice(b",\"next_page_token\":");
    match token {
        Some(t) => w.string(&t.encode()),
        None => w.out.extend_from_slice(b"null"),
    }
    w.out.push(b'}');
    w.out
}

impl HistoryWriter<'_> {
    /// Copies the JSON of bar `at.k` of the session drawn under `at.key`; `false` (nothing
    /// written) if the cache no longer keeps that session.
    fn copy_drawn(&mut self, at: DrawnAt) -> bool {
        if self.last.as_ref().is_none_or(|(key, _)| *key != at.key) {
            self.last = self
                .sessions
                .and_then(|s| s.get(at.key))
                .map(|drawn| (at.key, drawn));
        }
        let Some((_, drawn)) = &self.last else {
            return false;
        };
        match drawn.json(at.k as usize, session_json) {
            Some(json) => {
                self.out.extend_from_slice(json);
                true
            }
            None => false,
        }
    }

    fn list<T: HistoryItem>(&mut self, items: &[T]) {
        self.out.push(b'[');
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                self.out.push(b',');
            }
            item.write(self);
        }
        self.out.push(b']');
    }

    /// A JSON string, escaped by serde_json (symbols and tokens come from outside).
    fn string(&mut self, s: &str) {
        // Writing into a Vec cannot fail and a &str always serialises.
        let _ = serde_json::to_writer(&mut self.out, s);
    }

    /// `key` is a field's whole `,"<name>":`, one of this file's literals (written in one
    /// copy: four pushes per field were a twentieth of a 10,000-bar page).
    fn field(&mut self, key: &[u8]) {
        self.out.extend_from_slice(key);
    }

    fn text(&mut self, key: &[u8], value: &str) {
        self.field(key);
        self.out.push(b'"');
        self.out.extend_from_slice(value.as_bytes());
        self.out.push(b'"');
    }

    fn int(&mut self, key: &[u8], value: u64) {
        self.field(key);
        self.out
            .extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
    }

    fn num(&mut self, key: &[u8], value: Decimal) {
        self.field(key);
        write_number(&mut self.out, value);
    }

    /// `{"t":"<RFC 3339 with nanoseconds>"` — every item starts with its time.
    fn open_with_time(&mut self, t: Timestamp) {
        self.out.extend_from_slice(b"{\"t\":\"");
        match self.times.bytes(t) {
            Some(bytes) => self.out.extend_from_slice(&bytes),
            None => self.out.extend_from_slice(wire::time(t).as_bytes()),
        }
        self.out.push(b'"');
    }
}

/// A number exactly as serde_json writes the `f64` nearest to `d` (`190.5`, `1000.0`).
fn write_number(out: &mut Vec<u8>, d: Decimal) {
    if !write_exact(out, d) {
        // Writing into a Vec cannot fail; a non-finite float is written as `null`.
        let _ = serde_json::to_writer(&mut *out, &d.to_f64().unwrap_or(0.0));
    }
}

/// Writes `d` from its digits when that gives the same bytes as the float path: a non-zero
/// mantissa below 10^15, and a magnitude serde_json writes without an exponent (≥ 1e-5).
fn write_exact(out: &mut Vec<u8>, d: Decimal) -> bool {
    let Ok(mut m) = u64::try_from(d.mantissa().unsigned_abs()) else {
        return false;
    };
    if m == 0 || m >= EXACT_DIGITS_BELOW {
        return false;
    }
    let mut scale = d.scale();
    while scale > 0 && m % 10 == 0 {
        m /= 10;
        scale -= 1;
    }
    let mut buf = itoa::Buffer::new();
    let text = buf.format(m).as_bytes();
    let len = text.len() as u32;
    // The first digit's exponent is len - scale - 1; below -5 serde_json writes `1e-6`.
    if len + 4 < scale {
        return false;
    }
    if d.is_sign_negative() {
        out.push(b'-');
    }
    if scale == 0 {
        out.extend_from_slice(text);
        out.extend_from_slice(b".0");
    } else if len > scale {
        let (int, frac) = text.split_at((len - scale) as usize);
        out.extend_from_slice(int);
        out.push(b'.');
        out.extend_from_slice(frac);
    } else {
        out.extend_from_slice(b"0.");
        out.extend(std::iter::repeat_n(b'0', (scale - len) as usize));
        out.extend_from_slice(text);
    }
    true
}

impl HistoryItem for Bar {
    fn write(&self, w: &mut HistoryWriter<'_>) {
        w.open_with_time(self.t);
        w.num(b",\"o\":", self.o);
        w.num(b",\"h\":", self.h);
        w.num(b",\"l\":", self.l);
        w.num(b",\"c\":", self.c);
        w.num(b",\"v\":", self.v);
        w.int(b",\"n\":", self.n);
        w.num(b",\"vw\":", self.vw());
        w.out.push(b'}');
    }
}

/// A drawn bar's JSON is its session's, written by `Bar::write` on first use; any other bar is
/// written here.
impl HistoryItem for BarItem {
    fn write(&self, w: &mut HistoryWriter<'_>) {
        if !self.drawn.is_some_and(|at| w.copy_drawn(at)) {
            self.bar.write(w);
        }
    }
}

/// A drawn session's bars as a page writes them, one object after another.
fn session_json(bars: &[Bar]) -> Json {
    let mut w = HistoryWriter {
        out: Vec::with_capacity(bars.len() * 120),
        ..HistoryWriter::default()
    };
    let mut ends = Vec::with_capacity(bars.len());
    for bar in bars {
        bar.write(&mut w);
        // A session's JSON is a few tens of kilobytes; a length past u32 would be no session.
        let Ok(end) = u32::try_from(w.out.len()) else {
            break;
        };
        ends.push(end);
    }
    Json { bytes: w.out, ends }
}

impl HistoryItem for TapeTrade {
    fn write(&self, w: &mut HistoryWriter<'_>) {
        w.open_with_time(self.t);
        w.text(b",\"x\":", "V");
        w.num(b",\"p\":", self.price);
        w.num(b",\"s\":", self.size);
        w.field(b",\"c\":");
        w.out.extend_from_slice(b"[\"@\"]");
        w.int(b",\"i\":", self.id);
        w.text(b",\"z\":", "C");
        w.out.push(b'}');
    }
}

impl HistoryItem for TapeQuote {
    fn write(&self, w: &mut HistoryWriter<'_>) {
        w.open_with_time(self.t);
        w.text(b",\"ax\":", "V");
        w.num(b",\"ap\":", self.ask);
        w.num(b",\"as\":", self.ask_size);
        w.text(b",\"bx\":", "V");
        w.num(b",\"bp\":", self.bid);
        w.num(b",\"bs\":", self.bid_size);
        w.field(b",\"c\":");
        w.out.extend_from_slice(b"[\"R\"]");
        w.text(b",\"z\":", "C");
        w.out.push(b'}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde::Serialize;

    /// The serde shapes these answers were written with before; the writer must match them
    /// byte for byte.
    #[derive(Serialize)]
    struct BarOut {
        t: String,
        o: f64,
        h: f64,
        l: f64,
        c: f64,
        v: f64,
        n: u64,
        vw: f64,
    }

    #[derive(Serialize)]
    struct TradeOut {
        t: String,
        x: &'static str,
        p: f64,
        s: f64,
        c: [&'static str; 1],
        i: u64,
        z: &'static str,
    }

    #[derive(Serialize)]
    struct QuoteOut {
        t: String,
        ax: &'static str,
        ap: f64,
        #[serde(rename = "as")]
        as_: f64,
        bx: &'static str,
        bp: f64,
        bs: f64,
        c: [&'static str; 1],
        z: &'static str,
    }

    fn f(d: Decimal) -> f64 {
        d.to_f64().unwrap_or(0.0)
    }

    fn serde_bar(b: &Bar) -> String {
        serde_json::to_string(&BarOut {
            t: wire::time(b.t),
            o: f(b.o),
            h: f(b.h),
            l: f(b.l),
            c: f(b.c),
            v: f(b.v),
            n: b.n,
            vw: f(b.vw()),
        })
        .unwrap()
    }

    fn written<T: HistoryItem>(item: &T) -> String {
        let mut w = HistoryWriter::default();
        item.write(&mut w);
        String::from_utf8(w.out).unwrap()
    }

    fn number(d: Decimal) -> String {
        let mut out = Vec::new();
        write_number(&mut out, d);
        String::from_utf8(out).unwrap()
    }

    fn float_path(d: Decimal) -> String {
        serde_json::to_string(&f(d)).unwrap()
    }

    fn decimal() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            // Prices, sizes and averages as the sandbox makes them.
            (0i64..100_000_000, 0u32..7).prop_map(|(m, s)| Decimal::new(m, s)),
            (any::<i64>(), 0u32..29).prop_map(|(m, s)| Decimal::new(m, s)),
            (
                any::<u32>(),
                any::<u32>(),
                any::<u32>(),
                any::<bool>(),
                0u32..29
            )
                .prop_map(|(lo, mid, hi, neg, s)| Decimal::from_parts(lo, mid, hi, neg, s)),
        ]
    }

    fn timestamp() -> impl Strategy<Value = Timestamp> {
        prop_oneof![
            // Around now, at whole minutes (bars) and at any nanosecond (trades, quotes).
            (1_600_000_000i64..1_900_000_000).prop_map(|s| chrono::DateTime::from_timestamp(
                s / 60 * 60,
                0
            )
            .unwrap()),
            (1_600_000_000i64..1_900_000_000, 0u32..1_000_000_000)
                .prop_map(|(s, n)| chrono::DateTime::from_timestamp(s, n).unwrap()),
            // Far past and future, including years chrono writes with a sign.
            (-70_000_000_000i64..300_000_000_000, 0u32..2_000_000_000)
                .prop_map(|(s, n)| chrono::DateTime::from_timestamp(s, n).unwrap_or_default()),
        ]
    }

    proptest! {
        #[test]
        fn numbers_are_written_as_serde_wrote_their_floats(d in decimal()) {
            prop_assert_eq!(number(d), float_path(d), "{:?}", d);
        }

        #[test]
        fn times_are_written_as_chrono_writes_them(times in prop::collection::vec(timestamp(), 1..20)) {
            // One writer for all, as in a page.
            let mut w = HistoryWriter::default();
            for t in times {
                w.out.clear();
                w.open_with_time(t);
                prop_assert_eq!(String::from_utf8(w.out.clone()).unwrap(), format!("{{\"t\":\"{}\"", wire::time(t)));
            }
        }

        #[test]
        fn runs_of_times_across_days_are_written_as_chrono_writes_them(
            start in timestamp(),
            steps in prop::collection::vec(0i64..40_000, 1..60),
        ) {
            // A page's items: in time order, many to a day, the date kept between them.
            let mut w = HistoryWriter::default();
            let mut t = start;
            for step in steps {
                t += chrono::Duration::seconds(step);
                w.out.clear();
                w.open_with_time(t);
                let expected = format!("{{\"t\":\"{}\"", wire::time(t));
                prop_assert_eq!(String::from_utf8(w.out.clone()).unwrap(), expected);
            }
        }

        #[test]
        fn bars_trades_and_quotes_are_written_as_serde_wrote_them(
            t in timestamp(), o in decimal(), h in decimal(), l in decimal(), c in decimal(),
            v in decimal(), n in any::<u64>(), pv in decimal(), id in any::<u64>(),
        ) {
            let bar = Bar { t, o, h, l, c, v, n, pv };
            prop_assert_eq!(written(&bar), serde_bar(&bar));
            let trade = TapeTrade { t, price: o, size: v, id };
            let expected = serde_json::to_string(&TradeOut {
                t: wire::time(t), x: "V", p: f(o), s: f(v), c: ["@"], i: id, z: "C",
            }).unwrap();
            prop_assert_eq!(written(&trade), expected);
            let quote = TapeQuote { t, bid: l, bid_size: v, ask: h, ask_size: pv };
            let expected = serde_json::to_string(&QuoteOut {
                t: wire::time(t), ax: "V", ap: f(h), as_: f(pv), bx: "V", bp: f(l), bs: f(v),
                c: ["R"], z: "C",
            }).unwrap();
            prop_assert_eq!(written(&quote), expected);
        }
    }

    #[test]
    fn edge_numbers_match_the_float_path() {
        for text in [
            "0",
            "0.00",
            "-0.00",
            "1",
            "190.50",
            "-190.50",
            "1000",
            "0.00001",
            "0.000001",
            "0.0000123",
            "999999999999999",
            "1000000000000000",
            "9999999999999999.9",
            "123456789012345.6",
            "0.1",
            "12345678901234.5",
            "79228162514264337593543950335",
        ] {
            let d: Decimal = text.parse().unwrap();
            assert_eq!(number(d), float_path(d), "{text}");
        }
        // The decimal digits are what is written, not a float's nearest rendering of them.
        assert_eq!(number("190.50".parse().unwrap()), "190.5");
        assert_eq!(number("1000".parse().unwrap()), "1000.0");
        assert_eq!(number("0.00001".parse().unwrap()), "0.00001");
    }

    #[test]
    fn a_page_is_shaped_as_alpaca_shapes_it() {
        let t = chrono::DateTime::from_timestamp(1_767_364_200, 0).unwrap();
        let bar = Bar::open(t, Decimal::new(19050, 2), Decimal::from(100));
        let (aapl, msft) = (Symbol::new("AAPL"), Symbol::new("MSFT"));
        let token = PageToken {
            symbol: msft.clone(),
            t,
            skip: 0,
        };
        let many = write_page(
            "bars",
            Shape::Many,
            &[
                (&aapl, vec![bar.clone()]),
                (&msft, vec![bar.clone(), bar.clone()]),
            ],
            Some(token.clone()),
            None,
        );
        let v: serde_json::Value = serde_json::from_slice(&many).unwrap();
        assert_eq!(v["bars"]["AAPL"].as_array().unwrap().len(), 1);
        assert_eq!(v["bars"]["MSFT"][1]["o"], 190.5);
        assert_eq!(v["bars"]["MSFT"][1]["t"], "2026-01-02T14:30:00.000000000Z");
        assert_eq!(v["next_page_token"], token.encode());
        let one = write_page("bars", Shape::One(&aapl), &[(&aapl, vec![bar])], None, None);
        let v: serde_json::Value = serde_json::from_slice(&one).unwrap();
        assert_eq!(v["symbol"], "AAPL");
        assert_eq!(v["bars"][0]["vw"], 190.5);
        assert!(v["next_page_token"].is_null());
        let empty = write_page::<Bar>("bars", Shape::One(&aapl), &[], None, None);
        assert_eq!(
            std::str::from_utf8(&empty).unwrap(),
            r#"{"bars":[],"symbol":"AAPL","next_page_token":null}"#
        );
        let none = write_page::<Bar>("bars", Shape::Many, &[], None, None);
        assert_eq!(
            std::str::from_utf8(&none).unwrap(),
            r#"{"bars":{},"next_page_token":null}"#
        );
    }

    /// Pages of drawn bars copied from their sessions' JSON are the pages written bar by bar:
    /// every width, both directions, ranges cutting sessions, a live minute merged into a
    /// drawn one, a first pass (writing the JSON) and a second (copying it), a cache too small
    /// to keep much.
    #[test]
    fn drawn_bars_copied_from_their_session_json_are_the_bars_written() {
        use super::super::history::{Anchor, SymbolHistory};
        use super::super::series::{Sources, Width};
        use super::super::session_cache::{BUDGET_BARS, SessionCache};
        use std::sync::Arc;
        let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().to_utc();
        let anchor = Anchor {
            at: t("2026-12-03T19:00:00Z"),
            price: Decimal::new(23017, 2),
        };
        let sym = Symbol::new("AAPL");
        // A live minute at the last drawn minute of the third range: the two are merged.
        let live = Bar::open(
            t("2026-11-02T20:59:00Z"),
            Decimal::new(19051, 2),
            Decimal::TEN,
        );
        let sources = |cache: &Arc<SessionCache>| Sources {
            history: Some(Arc::new(
                SymbolHistory::build(7, &sym, anchor).cached(Arc::clone(cache)),
            )),
            minutes: vec![live.clone()],
            ..Sources::default()
        };
        let ranges = [
            (t("2025-12-01T00:00:00Z"), t("2026-01-20T00:00:00Z")),
            (t("2026-09-15T14:47:00Z"), t("2026-10-20T16:35:00Z")),
            (t("2026-11-02T14:30:00Z"), t("2026-11-02T20:59:00Z")),
        ];
        let widths = [
            Width::Minutes(1),
            Width::Minutes(7),
            Width::Minutes(60),
            Width::Minutes(1380),
            Width::Day,
        ];
        let (mut copied, mut merged_live) = (0, false);
        for budget in [BUDGET_BARS, 500] {
            let cache = Arc::new(SessionCache::new(budget));
            let src = sources(&cache);
            for (lo, hi) in ranges {
                for width in widths {
                    for desc in [false, true] {
                        for pass in 0..2 {
                            let items: Vec<BarItem> = src.bars(width, lo, hi, desc).collect();
                            copied += items.iter().filter(|i| i.drawn.is_some()).count();
                            merged_live |=
                                items.iter().any(|i| i.bar.t == live.t && i.bar.v > live.v);
                            let bare: Vec<BarItem> =
                                items.iter().map(|i| BarItem::from(i.bar.clone())).collect();
                            let page = |items, sessions| {
                                let list = [(&sym, items)];
                                write_page("bars", Shape::One(&sym), &list, None, sessions)
                            };
                            assert_eq!(
                                String::from_utf8(page(items, Some(&cache))).unwrap(),
                                String::from_utf8(page(bare, None)).unwrap(),
                                "{width:?} {lo} {hi} {desc} {pass} {budget}"
                            );
                        }
                    }
                }
            }
        }
        assert!(copied > 100_000, "{copied} bars copied");
        assert!(
            merged_live,
            "the live minute was not merged into a drawn one"
        );
    }
}
