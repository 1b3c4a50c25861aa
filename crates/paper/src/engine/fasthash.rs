//! A fast, non-cryptographic hasher (the Fx algorithm) for the engine's maps. Keys are order
//! ids and ticker symbols on a loopback sandbox, so flooding resistance buys nothing, while
//! SipHash showed up as a large share of an order's cost.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

#[derive(Default, Clone, Copy)]
pub struct FxHasher {
    hash: u64,
}

const SEED: u64 = 0x51_7c_c1_b7_27_22_0a_95;

impl FxHasher {
    #[inline]
    fn add(&mut self, word: u64) {
        self.hash = (self.hash.rotate_left(5) ^ word).wrapping_mul(SEED);
    }
}

impl Hasher for FxHasher {
    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    /// Fx alone only pushes differences upward, and hash tables index by the low bits; keys
    /// that differ in their last bytes (sequential ids) would all collide. A final avalanche
    /// (MurmurHash3's fmix64) spreads every input bit over the whole word.
    #[inline]
    fn finish(&self) -> u64 {
        let mut h = self.hash;
        h ^= h >> 33;
        h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
        h ^= h >> 33;
        h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
        h ^ (h >> 33)
    }
}

pub type FxBuild = BuildHasherDefault<FxHasher>;
pub type FastMap<K, V> = HashMap<K, V, FxBuild>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::{BuildHasher, BuildHasherDefault};

    #[test]
    fn distinct_ids_spread() {
        let b = BuildHasherDefault::<FxHasher>::default();
        let hashes: std::collections::HashSet<u64> = (0..10_000u128)
            .map(|n| b.hash_one(uuid::Uuid::from_u128(n)))
            .collect();
        assert_eq!(hashes.len(), 10_000);
        assert_ne!(b.hash_one("AAPL"), b.hash_one("AAPM"));
    }
}
