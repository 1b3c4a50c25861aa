//! Drawn sessions kept for the next query: a session's minute bars, or its bars aggregated to
//! an intraday width (one partial bar per bucket the session touches), least recently used
//! first out once the cache holds more than its budget of bars.
//!
//! Redrawing is what a history query spent its time on: an hourly query over a year drew
//! ~98,000 minute bars to make ~1,800 hourly ones. The entries are exactly what drawing gives
//! (`SymbolHistory` builds them with the same code), so a cached answer equals an uncached one.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use super::market_data::Bar;

/// Bars kept across all symbols and widths: at ~120 bytes a bar, about 36 MB. A year of
/// hourly chunks for one symbol is ~2,000 bars; a session of minutes is 390.
pub const BUDGET_BARS: usize = 300_000;

/// (history, session index, width in minutes; 1 = the minute bars themselves).
type Key = (u64, u32, u32);

#[derive(Default)]
struct Inner {
    entries: HashMap<Key, (Arc<[Bar]>, u64)>,
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
    ) -> Arc<[Bar]> {
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
        let bars: Arc<[Bar]> = draw().into();
        if bars.len() > self.budget {
            return bars;
        }
        let mut inner = self.lock();
        inner.clock += 1;
        let now = inner.clock;
        if let Some((_, used)) = inner.entries.insert(key, (Arc::clone(&bars), now)) {
            // Drawn twice at once: keep the newer copy, count it once.
            inner.order.remove(&used);
            inner.bars -= bars.len();
        }
        inner.order.insert(now, key);
        inner.bars += bars.len();
        while inner.bars > self.budget {
            let Some((_, old)) = inner.order.pop_first() else {
                break;
            };
            if let Some((gone, _)) = inner.entries.remove(&old) {
                inner.bars -= gone.len();
            }
        }
        bars
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
        assert_eq!(cache.get_or_draw(2, 0, 1, || bars(11)).len(), 11);
        assert!(cache.bars() <= 10);
    }
}
