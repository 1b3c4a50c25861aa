//! Drawn sessions kept for the next query: a session's minute bars, or its bars aggregated to
//! an intraday width (one partial bar per bucket the session touches), least recently used
//! first out once the cache holds more than its budget of bars.
//!
//! Redrawing is what a history query spent its time on: an hourly query over a year drew
//! ~98,000 minute bars to make ~1,800 hourly ones. The entries are exactly what drawing gives
//! (`SymbolHistory` builds them with the same code), so a cached answer equals an uncached one.
//!
//! Once drawn, writing a page's bars (their numbers and times as JSON) was most of what a
//! query cost, so a session also keeps its bars' JSON, written on first use by the page writer
//! itself (`Drawn::json`): a bar served again as drawn is copied, not written again.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use super::market_data::Bar;

/// Bars kept across all symbols and widths: at ~120 bytes a bar and ~110 of JSON once a page
/// used it, at most ~46 MB. A year of a symbol's minutes is ~98,000 bars; of its hourly
/// chunks ~2,000; a session of minutes is 390.
pub const BUDGET_BARS: usize = 200_000;

/// One drawn session: its bars, and their JSON once a page has written them.
pub struct Drawn {
    bars: Box<[Bar]>,
    json: OnceLock<Json>,
}

/// Every bar's JSON object, back to back; `ends[k]` is where bar `k`'s ends.
pub struct Json {
    pub bytes: Vec<u8>,
    pub ends: Vec<u32>,
}

impl Drawn {
    pub fn new(bars: Vec<Bar>) -> Self {
        Self {
            bars: bars.into_boxed_slice(),
            json: OnceLock::new(),
        }
    }

    pub fn bars(&self) -> &[Bar] {
        &self.bars
    }

    /// Bar `k`'s JSON object. The first call writes the whole session's with `write` (the page
    /// writer's own code, its only caller); `None` if that did not give one object per bar.
    pub fn json(&self, k: usize, write: impl FnOnce(&[Bar]) -> Json) -> Option<&[u8]> {
        let json = self.json.get_or_init(|| write(&self.bars));
        if json.ends.len() != self.bars.len() {
            return None;
        }
        let start = match k.checked_sub(1) {
            Some(before) => *json.ends.get(before)? as usize,
            None => 0,
        };
        let end = *json.ends.get(k)? as usize;
        json.bytes.get(start..end)
    }
}

/// A bar on its way to a page: where it was drawn, when it is that session's bar `k`
/// unchanged (not merged into a wider one, not a live bar), so its JSON can be copied.
/// Plain data (no reference count to move along with each bar through the query's iterators,
/// which cost more than writing the JSON): the page writer finds the session in the cache.
#[derive(Clone)]
pub struct BarItem {
    pub bar: Bar,
    pub drawn: Option<DrawnAt>,
}

/// Bar `k` of the entry `key` of the session cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrawnAt {
    pub key: Key,
    pub k: u32,
}

impl From<Bar> for BarItem {
    fn from(bar: Bar) -> Self {
        Self { bar, drawn: None }
    }
}

/// (history, session index, width in minutes; 1 = the minute bars themselves). A key names
/// one drawing: a history's id is never reused and drawing is deterministic.
pub type Key = (u64, u32, u32);

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (Arc<Drawn>, u64)>,
    /// Last use → key, oldest first.
    order: BTreeMap<u64, Key>,
    bars: usize,
    clock: u64,
}

pub struct SessionCache {
    budget: usize,
    inner: Mutex<Inner>,
    next_id: AtomicU64,
}

impl SessionCache {
    pub fn new(budget: usize) -> Self {
        Self {
            budget,
            inner: Mutex::default(),
            next_id: AtomicU64::new(1),
        }
    }

    /// A fresh id for one generated history (its entries never mix with another's).
    pub fn history_id(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::Relaxed)
    }

    /// The cached bars for `key`, or `draw()`n and kept (drawn outside the lock).
    pub fn get_or_draw(
        &self,
        history: u64,
        session: u32,
        width: u32,
        draw: impl FnOnce() -> Vec<Bar>,
    ) -> Arc<Drawn> {
        let key = (history, session, width);
        {
            let mut inner = self.lock();
            let inner = &mut *inner;
            inner.clock += 1;
            let now = inner.clock;
            if let Some((bars, used)) = inner.entries.get_mut(&key) {
                inner.order.remove(used);
                *used = now;
                inner.order.insert(now, key);
                return Arc::clone(bars);
            }
        }
        let drawn = Arc::new(Drawn::new(draw()));
        let len = drawn.bars.len();
        if len > self.budget {
            return drawn;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        if let Some((_, used)) = inner.entries.insert(key, (Arc::clone(&drawn), now)) {
            // Drawn twice at once: keep the newer copy, count it once.
            inner.order.remove(&used);
            inner.bars -= len;
        }
        inner.order.insert(now, key);
        inner.bars += len;
        while inner.bars > self.budget {
            let Some((_, old)) = inner.order.pop_first() else {
                break;
            };
            if let Some((gone, _)) = inner.entries.remove(&old) {
                inner.bars -= gone.bars.len();
            }
        }
        drawn
    }

    /// The session drawn under `key`, if it is still kept.
    pub fn get(&self, key: Key) -> Option<Arc<Drawn>> {
        self.lock()
            .entries
            .get(&key)
            .map(|(drawn, _)| Arc::clone(drawn))
    }

    /// Bars held now.
    pub fn bars(&self) -> usize {
        self.lock().bars
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // The map stays consistent at every await-free step, so a poisoned lock is still usable.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn bars(n: usize) -> Vec<Bar> {
        let t = chrono::DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        vec![Bar::open(t, Decimal::ONE, Decimal::ONE); n]
    }

    #[test]
    fn keeps_within_its_budget_dropping_the_least_recently_used() {
        let cache = SessionCache::new(10);
        let draws = std::cell::Cell::new(0);
        let draw = |n| {
            draws.set(draws.get() + 1);
            bars(n)
        };
        cache.get_or_draw(1, 0, 1, || draw(4));
        cache.get_or_draw(1, 1, 1, || draw(4));
        cache.get_or_draw(1, 0, 1, || draw(4)); // a hit: session 0 is now the newer
        assert_eq!(draws.get(), 2);
        cache.get_or_draw(1, 2, 1, || draw(4)); // 12 > 10: session 1 goes
        assert_eq!(cache.bars(), 8);
        cache.get_or_draw(1, 0, 1, || draw(4));
        assert_eq!(draws.get(), 3, "session 0 stayed");
        cache.get_or_draw(1, 1, 1, || draw(4));
        assert_eq!(draws.get(), 4, "session 1 was dropped");
        assert!(cache.bars() <= 10);
        // Too large for the budget: answered, not kept.
        assert_eq!(cache.get_or_draw(2, 0, 1, || bars(11)).bars().len(), 11);
        assert!(cache.bars() <= 10);
    }

    /// A bar's JSON is its own slice of the session's; a writer that did not give one object
    /// per bar gives none, so the page writes the bars itself.
    #[test]
    fn a_bar_json_is_its_slice_of_the_session_and_a_bad_one_is_none() {
        let drawn = Drawn::new(bars(3));
        let write = |b: &[Bar]| Json {
            bytes: b"{a}{bb}{c}".to_vec(),
            ends: (0..b.len()).map(|k| [3, 7, 10][k]).collect(),
        };
        assert_eq!(drawn.json(0, write), Some(&b"{a}"[..]));
        assert_eq!(
            drawn.json(1, |_| unreachable!("written once")),
            Some(&b"{bb}"[..])
        );
        assert_eq!(
            drawn.json(2, |_| unreachable!("written once")),
            Some(&b"{c}"[..])
        );
        assert_eq!(drawn.json(3, |_| unreachable!("written once")), None);
        let short = Drawn::new(bars(3));
        let two = |_: &[Bar]| Json {
            bytes: b"{a}{b}".to_vec(),
            ends: vec![3, 6],
        };
        assert_eq!(short.json(0, two), None);
        let past = Drawn::new(bars(1));
        let beyond = |_: &[Bar]| Json {
            bytes: b"{a}".to_vec(),
            ends: vec![9],
        };
        assert_eq!(past.json(0, beyond), None);
    }
}
