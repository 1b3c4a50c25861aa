//! Listed instruments and the stable ids derived from their names. Below the engine's root so
//! that the quote universe can build assets without importing the engine.

use brokerdesk_model::Symbol;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An instrument the venue lists.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: Uuid,
    pub symbol: Symbol,
    pub name: String,
    pub exchange: String,
    pub tradable: bool,
    pub shortable: bool,
    pub marginable: bool,
    pub fractionable: bool,
    pub easy_to_borrow: bool,
}

impl Asset {
    /// A listed, fully tradable US equity; the id is derived from the symbol so that it is
    /// stable across restarts.
    pub fn equity(symbol: &str, name: &str, exchange: &str) -> Self {
        let symbol = Symbol::new(symbol);
        Self {
            id: stable_uuid(symbol.as_str()),
            symbol,
            name: name.to_owned(),
            exchange: exchange.to_owned(),
            tradable: true,
            shortable: true,
            marginable: true,
            fractionable: true,
            easy_to_borrow: true,
        }
    }
}

/// FNV-1a over the text, spread into a version-4-shaped UUID: stable and dependency-free.
pub fn stable_uuid(text: &str) -> Uuid {
    let mut h: u128 = 0x6c62272e07bb014262b821756295c58d;
    for b in text.bytes() {
        h ^= u128::from(b);
        h = h.wrapping_mul(0x0000000001000000000000000000013B);
    }
    uuid::Builder::from_u128(h)
        .with_version(uuid::Version::Random)
        .into_uuid()
}
