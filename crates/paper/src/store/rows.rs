//! The journal's binary rows: a command as MessagePack, its events as a compact digest.
//!
//! Commands are the source of truth, so they are kept whole: a simple order in a fixed binary
//! layout (`order_codec`, the hot path), anything else as MessagePack with field names
//! (self-describing, so every serde shape of the command types round-trips). Events follow from
//! the commands (the engine is deterministic); the journal keeps only what shows a divergence:
//! per event a tag, the order's id, status, filled quantity and update time, and a fill's
//! quantity, price and resulting position. A full order image (~900 bytes of JSON per event)
//! becomes ~30–60 bytes. Replay re-derives the digest from the replayed events and compares
//! bytes.
//!
//! Journals written before this format hold JSON text in the same columns; SQLite keeps each
//! value's type, so a row's type says how to read it (`store::Journal::replay`).

use rust_decimal::Decimal;
use uuid::Uuid;

use super::order_codec;
use crate::engine::{Command, Event, Fill, Order, OrderStatus, Timestamp};

/// First byte of every events digest: lets a later format change be told apart.
const DIGEST_V1: u8 = 1;

/// A simple order in the fixed layout (`order_codec`), anything else as MessagePack.
pub fn encode_command(cmd: &Command) -> Result<Vec<u8>, rmp_serde::encode::Error> {
    match order_codec::encode(cmd) {
        Some(bytes) => Ok(bytes),
        None => rmp_serde::to_vec_named(cmd),
    }
}

pub fn decode_command(bytes: &[u8]) -> Result<Command, rmp_serde::decode::Error> {
    match bytes.first() {
        Some(&order_codec::TAG) => {
            order_codec::decode(bytes).map_err(rmp_serde::decode::Error::Uncategorized)
        }
        _ => rmp_serde::from_slice(bytes),
    }
}

/// The digest of a command's events (see the module doc).
pub fn encode_events(events: &[Event]) -> Vec<u8> {
    let mut out = Vec::with_capacity(2 + events.len() * 48);
    out.push(DIGEST_V1);
    put_len(&mut out, events.len());
    for e in events {
        put_event(&mut out, e);
    }
    out
}

fn put_event(out: &mut Vec<u8>, e: &Event) {
    match e {
        Event::AccountOpened { account } => {
            out.push(1);
            put_str(out, account.as_str());
        }
        Event::Configured { account } => {
            out.push(2);
            put_str(out, account.as_str());
        }
        Event::AccountReset { account } => {
            out.push(3);
            put_str(out, account.as_str());
        }
        Event::Accepted { order } => {
            out.push(4);
            put_order(out, order);
        }
        Event::PartiallyFilled { order, fill } => {
            out.push(5);
            put_order(out, order);
            put_fill(out, fill);
        }
        Event::Filled { order, fill } => {
            out.push(6);
            put_order(out, order);
            put_fill(out, fill);
        }
        Event::Canceled { order } => {
            out.push(7);
            put_order(out, order);
        }
        Event::Expired { order } => {
            out.push(8);
            put_order(out, order);
        }
        Event::Replaced { old, new } => {
            out.push(9);
            put_order(out, old);
            put_order(out, new);
        }
        Event::Rejected {
            rejection,
            order_id,
            client_order_id,
        } => {
            out.push(10);
            match order_id {
                Some(id) => {
                    out.push(1);
                    out.extend_from_slice(id.as_bytes());
                }
                None => out.push(0),
            }
            put_str(out, client_order_id.as_deref().unwrap_or(""));
            put_str(out, &rejection.to_string());
        }
    }
}

fn put_order(out: &mut Vec<u8>, o: &Order) {
    out.extend_from_slice(o.id.as_bytes());
    out.push(status_code(o.status));
    put_decimal(out, o.filled_qty);
    put_time(out, o.updated_at);
}

fn put_fill(out: &mut Vec<u8>, f: &Fill) {
    put_decimal(out, f.qty);
    put_decimal(out, f.price);
    put_decimal(out, f.position_qty);
}

fn status_code(s: OrderStatus) -> u8 {
    match s {
        OrderStatus::Accepted => 0,
        OrderStatus::Held => 1,
        OrderStatus::New => 2,
        OrderStatus::PartiallyFilled => 3,
        OrderStatus::Filled => 4,
        OrderStatus::Canceled => 5,
        OrderStatus::Expired => 6,
        OrderStatus::Replaced => 7,
    }
}

/// Unsigned LEB128.
fn put_varint(out: &mut Vec<u8>, mut v: u128) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

fn put_len(out: &mut Vec<u8>, n: usize) {
    put_varint(out, n as u128);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// Scale and sign in one byte, then the mantissa's magnitude: `1` is 2 bytes, `187.42` 4.
fn put_decimal(out: &mut Vec<u8>, d: Decimal) {
    let sign = if d.is_sign_negative() { 0x80 } else { 0 };
    out.push(sign | d.scale() as u8);
    put_varint(out, d.mantissa().unsigned_abs());
}

/// Nanoseconds since the epoch, zig-zag encoded (times before 1970 stay small too).
fn put_time(out: &mut Vec<u8>, t: Timestamp) {
    let nanos = i128::from(t.timestamp()) * 1_000_000_000 + i128::from(t.timestamp_subsec_nanos());
    put_varint(out, ((nanos << 1) ^ (nanos >> 127)) as u128);
}

/// The id of an order event's order, read back from a digest (for tests and audits that want
/// to list what a row touched without replaying it).
pub fn order_ids(digest: &[u8]) -> Option<Vec<Uuid>> {
    let mut r = Reader { bytes: digest };
    if r.byte()? != DIGEST_V1 {
        return None;
    }
    let n = r.varint()?;
    let mut ids = Vec::new();
    for _ in 0..n {
        match r.byte()? {
            1..=3 => r.skip_str()?,
            4 | 7 | 8 => ids.push(r.order()?),
            5 | 6 => {
                ids.push(r.order()?);
                for _ in 0..3 {
                    r.decimal()?;
                }
            }
            9 => {
                ids.push(r.order()?);
                ids.push(r.order()?);
            }
            10 => {
                if r.byte()? == 1 {
                    r.take(16)?;
                }
                r.skip_str()?;
                r.skip_str()?;
            }
            _ => return None,
        }
    }
    r.bytes.is_empty().then_some(ids)
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn varint(&mut self) -> Option<u128> {
        let mut v = 0u128;
        for shift in (0..128).step_by(7) {
            let b = self.byte()?;
            v |= u128::from(b & 0x7f).checked_shl(shift)?;
            if b & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    fn skip_str(&mut self) -> Option<()> {
        let n = usize::try_from(self.varint()?).ok()?;
        self.take(n).map(|_| ())
    }

    fn decimal(&mut self) -> Option<()> {
        self.byte()?;
        self.varint().map(|_| ())
    }

    fn order(&mut self) -> Option<Uuid> {
        let id = Uuid::from_slice(self.take(16)?).ok()?;
        self.byte()?;
        self.decimal()?;
        self.varint()?;
        Some(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::configuration::AccountConfig;
    use crate::engine::watchlists::WatchlistCommand;
    use crate::engine::{CommandKind, MarketUpdate, Quote, Trade};
    use brokerdesk_model::{AccountId, Symbol};

    fn at() -> Timestamp {
        chrono::DateTime::parse_from_rfc3339("2026-12-04T15:30:00.123456789Z")
            .unwrap()
            .to_utc()
    }

    /// The kinds the engine proptest does not generate (it covers orders and market data).
    #[test]
    fn commands_of_every_shape_round_trip() {
        let account = AccountId::new("A");
        let kinds = vec![
            CommandKind::Watchlist(WatchlistCommand::Create {
                account: account.clone(),
                id: Uuid::from_u128(7),
                name: "tech".into(),
                symbols: vec![Symbol::new("AAPL")],
            }),
            CommandKind::Watchlist(WatchlistCommand::Delete {
                account: account.clone(),
                id: Uuid::from_u128(7),
            }),
            CommandKind::Configure {
                account: account.clone(),
                config: AccountConfig::default(),
            },
            CommandKind::ResetAccount {
                account: account.clone(),
                cash: Decimal::new(5_000_050, 2),
            },
            CommandKind::Market(vec![
                MarketUpdate::Quote(Quote {
                    symbol: Symbol::new("SPY"),
                    bid_price: Decimal::new(60_012, 2),
                    bid_size: Decimal::ONE,
                    ask_price: Decimal::new(60_013, 2),
                    ask_size: Decimal::TWO,
                }),
                MarketUpdate::Trade(Trade {
                    symbol: Symbol::new("SPY"),
                    price: Decimal::new(60_012, 2),
                    size: Decimal::new(5, 1),
                }),
            ]),
            CommandKind::Clock,
        ];
        for kind in kinds {
            let cmd = Command::new(at(), kind);
            let bytes = encode_command(&cmd).unwrap();
            assert_eq!(decode_command(&bytes).unwrap(), cmd);
        }
        assert!(decode_command(b"\xc1 not msgpack").is_err());
    }

    #[test]
    fn a_fill_is_a_few_dozen_bytes_and_its_ids_read_back() {
        let mut e = crate::engine::Engine::new(crate::engine::EngineConfig::default());
        let account = AccountId::new("A");
        e.apply(Command::new(
            at(),
            CommandKind::OpenAccount {
                account: account.clone(),
                kind: crate::engine::AccountKind::Margin,
                cash: Decimal::from(100_000),
            },
        ));
        e.apply(Command::new(
            at(),
            CommandKind::Quote(Quote {
                symbol: Symbol::new("AAPL"),
                bid_price: Decimal::new(18_742, 2),
                bid_size: Decimal::ONE_HUNDRED,
                ask_price: Decimal::new(18_743, 2),
                ask_size: Decimal::ONE_HUNDRED,
            }),
        ));
        let id = Uuid::from_u128(42);
        let events = e.apply(Command::new(
            at(),
            CommandKind::Submit(crate::engine::OrderRequest {
                account,
                id,
                client_order_id: "c".into(),
                symbol: Symbol::new("AAPL"),
                side: crate::engine::Side::Buy,
                order_type: crate::engine::OrderType::Market,
                time_in_force: crate::engine::TimeInForce::Day,
                qty: Some(Decimal::ONE),
                notional: None,
                limit_price: None,
                stop_price: None,
                trail_price: None,
                trail_percent: None,
                extended_hours: false,
                class: Default::default(),
            }),
        ));
        assert_eq!(events.len(), 2, "{events:?}");
        let digest = encode_events(&events);
        let json = serde_json::to_string(&events).unwrap();
        assert!(digest.len() < 100, "{} bytes", digest.len());
        assert!(
            digest.len() * 10 < json.len(),
            "{} vs {}",
            digest.len(),
            json.len()
        );
        assert_eq!(order_ids(&digest), Some(vec![id, id]));
        // A different fill price is a different digest: replay would report a divergence.
        let mut other = events.clone();
        if let Event::Filled { fill, .. } = &mut other[1] {
            fill.price += Decimal::new(1, 2);
        }
        assert_ne!(encode_events(&other), digest);
        assert_eq!(order_ids(&digest[..digest.len() - 1]), None);
    }
}
