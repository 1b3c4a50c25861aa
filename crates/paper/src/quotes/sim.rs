//! A seeded random-walk market: the default source, needing nothing outside the process.
//! Same seed and same number of polls give the same ticks, whatever the wall clock says.

use brokerdesk_model::Symbol;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::QuoteSource;
use super::universe::{LISTINGS, starting_price};
use crate::engine::{MarketUpdate, Quote, Timestamp, Trade};

struct Instrument {
    symbol: Symbol,
    mid: Decimal,
}

pub struct SimulatedMarket {
    rng: ChaCha8Rng,
    instruments: Vec<Instrument>,
}

impl SimulatedMarket {
    pub fn new(seed: u64) -> Self {
        Self {
            rng: ChaCha8Rng::seed_from_u64(seed),
            instruments: LISTINGS
                .iter()
                .map(|(symbol, _, _, cents)| Instrument {
                    symbol: Symbol::new(symbol),
                    mid: starting_price(*cents),
                })
                .collect(),
        }
    }

    /// Resumes a tape from known prices (after a restart), so quotes do not jump back to the
    /// listing prices.
    pub fn resume(seed: u64, price: impl Fn(&Symbol) -> Option<Decimal>) -> Self {
        let mut m = Self::new(seed);
        for inst in &mut m.instruments {
            if let Some(p) = price(&inst.symbol) {
                inst.mid = p.round_dp(2).max(Decimal::ONE);
            }
        }
        m
    }

    /// One full snapshot, every symbol quoted (what a new server starts from).
    pub fn snapshot(&mut self) -> Vec<MarketUpdate> {
        let mut out = Vec::with_capacity(self.instruments.len() * 2);
        for i in 0..self.instruments.len() {
            self.tick(i, &mut out);
        }
        out
    }

    fn tick(&mut self, i: usize, out: &mut Vec<MarketUpdate>) {
        let rng = &mut self.rng;
        let inst = &mut self.instruments[i];
        // ±8 basis points per step, in whole cents so quotes respect the tick size.
        let bp: i64 = rng.random_range(-8..=8);
        let step = (inst.mid * Decimal::new(bp, 4)).round_dp(2);
        inst.mid = (inst.mid + step).max(Decimal::ONE);
        let half_spread = Decimal::new(rng.random_range(1..=3), 2);
        let bid = inst.mid - half_spread;
        let ask = inst.mid + half_spread;
        out.push(MarketUpdate::Quote(Quote {
            symbol: inst.symbol.clone(),
            bid_price: bid,
            bid_size: Decimal::from(rng.random_range(1..=20) * 100),
            ask_price: ask,
            ask_size: Decimal::from(rng.random_range(1..=20) * 100),
        }));
        if rng.random_bool(0.3) {
            let price = if rng.random_bool(0.5) { bid } else { ask };
            out.push(MarketUpdate::Trade(Trade {
                symbol: inst.symbol.clone(),
                price,
                size: Decimal::from(rng.random_range(1..=500)),
            }));
        }
    }
}

impl QuoteSource for SimulatedMarket {
    fn set_price(&mut self, symbol: &Symbol, price: Decimal) {
        if let Some(inst) = self.instruments.iter_mut().find(|i| &i.symbol == symbol) {
            inst.mid = price.round_dp(2).max(Decimal::ONE);
        }
    }

    /// About half the symbols move per poll, like a real tape where not everything ticks.
    fn poll(&mut self, _now: Timestamp) -> Vec<MarketUpdate> {
        let mut out = Vec::new();
        for i in 0..self.instruments.len() {
            if self.rng.random_bool(0.5) {
                self.tick(i, &mut out);
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(seed: u64, polls: usize) -> Vec<MarketUpdate> {
        let mut m = SimulatedMarket::new(seed);
        let mut all = m.snapshot();
        for _ in 0..polls {
            all.extend(m.poll(chrono::Utc::now()));
        }
        all
    }

    #[test]
    fn same_seed_same_tape_other_seed_other_tape() {
        assert_eq!(run(7, 50), run(7, 50));
        assert_ne!(run(7, 50), run(8, 50));
    }

    #[test]
    fn quotes_are_sane() {
        for u in run(1, 200) {
            if let MarketUpdate::Quote(q) = u {
                assert!(
                    q.bid_price > Decimal::ZERO && q.bid_price < q.ask_price,
                    "{q:?}"
                );
                assert!(q.bid_price.normalize().scale() <= 2);
                assert!(q.bid_size > Decimal::ZERO && q.ask_size > Decimal::ZERO);
            }
        }
    }
}
