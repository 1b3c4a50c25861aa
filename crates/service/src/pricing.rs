//! Each account is priced by its own connection: the quotes its own market data gave (stream
//! or REST), else the price in its own positions payload, with the time of either. Never
//! another connection's price.

use brokerdesk_model::{Position, PositionSide, PriceSource, Quote, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A quote older than this (as received) no longer prices a position: the next read's own
/// payload is as good.
const QUOTE_FRESH_FOR: Duration = Duration::from_secs(60);
/// How long interest in a symbol lasts after someone last asked for its quote.
pub const WATCH_FOR: Duration = Duration::from_secs(30);

/// One connection's latest quotes and the symbols someone looks at.
#[derive(Default)]
pub struct QuoteBook {
    latest: Mutex<HashMap<Symbol, (Quote, Instant)>>,
    watched: Mutex<HashMap<Symbol, Instant>>,
}

impl QuoteBook {
    pub fn store(&self, quotes: &[Quote]) {
        let now = Instant::now();
        let mut latest = self.latest.lock().unwrap_or_else(|p| p.into_inner());
        for q in quotes {
            latest.insert(q.symbol.clone(), (q.clone(), now));
        }
    }

    /// Quotes received recently enough to price with.
    pub fn fresh(&self) -> HashMap<Symbol, Quote> {
        let now = Instant::now();
        self.latest
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, (_, at))| now.duration_since(*at) < QUOTE_FRESH_FOR)
            .map(|(s, (q, _))| (s.clone(), q.clone()))
            .collect()
    }

    /// Keeps `symbols` watched for [`WATCH_FOR`] from now.
    pub fn watch(&self, symbols: &[Symbol]) {
        let until = Instant::now() + WATCH_FOR;
        let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        for s in symbols {
            watched.insert(s.clone(), until);
        }
    }

    /// The symbols still watched (expired ones are forgotten).
    pub fn watched(&self) -> BTreeSet<Symbol> {
        let now = Instant::now();
        let mut watched = self.watched.lock().unwrap_or_else(|p| p.into_inner());
        watched.retain(|_, until| *until > now);
        watched.keys().cloned().collect()
    }
}

/// The price a quote marks a position at: the last trade, else the middle of the spread.
pub fn mark(q: &Quote) -> Option<Decimal> {
    q.last
        .filter(|l| *l > Decimal::ZERO)
        .or(match (q.bid, q.ask) {
            (Some(b), Some(a)) if b > Decimal::ZERO && a > Decimal::ZERO => {
                b.checked_add(a).map(|sum| sum / Decimal::TWO)
            }
            _ => None,
        })
}

/// The position re-marked at `price`; `None` when the figures overflow (the payload's stand).
fn marked(p: &Position, price: Decimal) -> Option<Position> {
    let sign = match p.side {
        PositionSide::Long => Decimal::ONE,
        PositionSide::Short => Decimal::NEGATIVE_ONE,
    };
    let signed_qty = sign.checked_mul(p.qty)?;
    Some(Position {
        current_price: price,
        market_value: signed_qty.checked_mul(price)?,
        unrealized_pl: signed_qty.checked_mul(price.checked_sub(p.avg_entry_price)?)?,
        ..p.clone()
    })
}

/// `positions` priced from `quotes` (this connection's own) where there is one, else left as
/// the payload has them; with where each price came from.
pub fn price(
    positions: Vec<Position>,
    quotes: &HashMap<Symbol, Quote>,
    as_of: DateTime<Utc>,
) -> (Vec<Position>, BTreeMap<Symbol, PriceSource>) {
    let mut sources = BTreeMap::new();
    let positions = positions
        .into_iter()
        .map(|p| {
            let quoted = quotes
                .get(&p.symbol)
                .and_then(|q| Some((q, mark(q)?)))
                .and_then(|(q, price)| Some((q, marked(&p, price)?)));
            match quoted {
                Some((q, repriced)) => {
                    sources.insert(p.symbol.clone(), PriceSource::Quote { at: q.timestamp });
                    repriced
                }
                None => {
                    sources.insert(p.symbol.clone(), PriceSource::Positions { as_of });
                    p
                }
            }
        })
        .collect();
    (positions, sources)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn position(side: PositionSide) -> Position {
        Position {
            symbol: Symbol::new("AAPL"),
            side,
            qty: dec!(2),
            avg_entry_price: dec!(100),
            cost_basis: dec!(200),
            current_price: dec!(100),
            market_value: dec!(200),
            unrealized_pl: dec!(0),
            asset_class: Default::default(),
        }
    }

    fn quote(last: Option<Decimal>, bid: Decimal, ask: Decimal) -> Quote {
        Quote {
            symbol: Symbol::new("AAPL"),
            bid: Some(bid),
            bid_size: None,
            ask: Some(ask),
            ask_size: None,
            last,
            timestamp: None,
        }
    }

    #[test]
    fn a_quote_reprices_and_says_so_and_no_quote_keeps_the_payload_with_its_time() {
        let now = Utc::now();
        let quotes = HashMap::from([(Symbol::new("AAPL"), quote(None, dec!(109), dec!(111)))]);
        let (priced, sources) = price(vec![position(PositionSide::Long)], &quotes, now);
        assert_eq!(priced[0].current_price, dec!(110));
        assert_eq!(priced[0].market_value, dec!(220));
        assert_eq!(priced[0].unrealized_pl, dec!(20));
        assert_eq!(
            sources[&Symbol::new("AAPL")],
            PriceSource::Quote { at: None }
        );

        let (short, _) = price(vec![position(PositionSide::Short)], &quotes, now);
        assert_eq!(short[0].unrealized_pl, dec!(-20));

        let (kept, sources) = price(vec![position(PositionSide::Long)], &HashMap::new(), now);
        assert_eq!(kept[0], position(PositionSide::Long));
        assert_eq!(
            sources[&Symbol::new("AAPL")],
            PriceSource::Positions { as_of: now }
        );
    }

    #[test]
    fn an_overflowing_quote_leaves_the_payload_price() {
        let huge = HashMap::from([(
            Symbol::new("AAPL"),
            quote(Some(Decimal::MAX), dec!(1), dec!(1)),
        )]);
        let (kept, sources) = price(vec![position(PositionSide::Long)], &huge, Utc::now());
        assert_eq!(kept[0].current_price, dec!(100));
        assert!(matches!(
            sources[&Symbol::new("AAPL")],
            PriceSource::Positions { .. }
        ));
    }
}
