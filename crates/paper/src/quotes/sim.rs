//! A seeded random-walk market: the default source, needing nothing outside the process.
//! Same seed and same number of polls give the same ticks, whatever the wall clock says.

use brokerdesk_model::Symbol;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rust_decimal::Decimal;

use super::QuoteSource;
use super::universe::{LISTINGS, starting_price};
use crate::engine::validate::{price_dp, price_tick};
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
                inst.mid = on_tick(p);
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
        // ±8 basis points per step, in whole ticks so quotes respect the tick size.
        let bp: i64 = rng.random_range(-8..=8);
        let step = (inst.mid * Decimal::new(bp, 4)).round_dp(price_dp(inst.mid));
        inst.mid = on_tick(inst.mid + step);
        let half_spread = price_tick(inst.mid) * Decimal::from(rng.random_range(1..=3));
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

/// `price` on its tick, kept where a bid three ticks under it is still positive: a price set
/// below $1 goes on from there rather than jumping to $1.
fn on_tick(price: Decimal) -> Decimal {
    price.round_dp(price_dp(price)).max(Decimal::new(4, 4))
}

impl QuoteSource for SimulatedMarket {
    fn set_price(&mut self, symbol: &Symbol, price: Decimal) {
        if let Some(inst) = self.instruments.iter_mut().find(|i| &i.symbol == symbol) {
            inst.mid = on_tick(price);
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
    use rust_decimal_macros::dec;

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

    /// A price moved by hand below $1 (a user testing a stop) stays there: the tape goes on in
    /// hundredths of a cent around it. It used to jump to $1 on the next tick, and a buy limit
    /// at $1 that had filled in part never filled the rest.
    #[test]
    fn a_price_set_below_a_dollar_goes_on_from_there() {
        for set in [dec!(0.90), dec!(0.0123), dec!(0.0001)] {
            let mut m = SimulatedMarket::new(3);
            let msft = Symbol::new("MSFT");
            m.set_price(&msft, set);
            let quotes: Vec<Quote> = (0..400)
                .flat_map(|_| m.poll(chrono::Utc::now()))
                .filter_map(|u| match u {
                    MarketUpdate::Quote(q) if q.symbol == msft => Some(q),
                    _ => None,
                })
                .collect();
            assert!(quotes.len() > 100, "MSFT ticks about every other poll");
            for q in &quotes {
                assert!(
                    q.bid_price > Decimal::ZERO && q.bid_price < q.ask_price,
                    "{set}: {q:?}"
                );
                assert!(q.ask_price.normalize().scale() <= 4, "{set}: {q:?}");
                // 400 steps of at most 8 bp each: within a third of where it was set.
                let bound = (set * dec!(1.35)).max(dec!(0.0008));
                assert!(q.ask_price < bound, "{set}: {q:?}");
            }
        }
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
