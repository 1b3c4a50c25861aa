//! A fixed binary layout for the journal's most frequent command: a simple order submitted.
//!
//! MessagePack with field names (`rows::encode_command`) spent ~1 µs per order — a twentieth
//! of what the exchange spends on one — mostly writing field names and formatting the
//! timestamp as text. This layout writes each field's bytes in a fixed order.
//!
//! A row in this layout starts with 0xc1, a byte MessagePack never uses (its spec reserves
//! it), so `rows::decode_command` tells the two apart by the first byte; rows written before
//! this layout still read. Other commands (and orders with legs) keep MessagePack.
//!
//! `0xc1 | version: u8 | seconds: i64 | nanos: u32 | account | id: 16 | client_order_id |
//! symbol | side: u8 | type: u8 | time_in_force: u8 | extended_hours: u8 | 6 × decimal?`,
//! a string being `len: u32 | UTF-8`, a `decimal?` `0`, or `1 | Decimal::serialize()`;
//! integers little-endian.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::bytes::{ByteReader, put_part, put_time};
use crate::engine::{
    ClassRequest, Command, CommandKind, OrderRequest, OrderType, Side, TimeInForce,
};

pub(super) const TAG: u8 = 0xc1;
const V1: u8 = 1;

/// The order in the fixed layout, or `None` when it needs MessagePack (an order with legs, a
/// string too long for the layout's length field, a value the code tables do not have).
pub(super) fn encode(cmd: &Command) -> Option<Vec<u8>> {
    let CommandKind::Submit(r) = &cmd.kind else {
        return None;
    };
    if r.class != ClassRequest::Simple {
        return None;
    }
    let mut out = Vec::with_capacity(
        80 + r.account.as_str().len() + r.client_order_id.len() + r.symbol.as_str().len(),
    );
    out.push(TAG);
    out.push(V1);
    put_time(&mut out, &cmd.at);
    put_str(&mut out, r.account.as_str())?;
    out.extend_from_slice(r.id.as_bytes());
    put_str(&mut out, &r.client_order_id)?;
    put_str(&mut out, r.symbol.as_str())?;
    out.push(code(&SIDES, &r.side)?);
    out.push(code(&TYPES, &r.order_type)?);
    out.push(code(&TIFS, &r.time_in_force)?);
    out.push(u8::from(r.extended_hours));
    for d in amounts(r) {
        match d {
            None => out.push(0),
            Some(d) => {
                out.push(1);
                out.extend_from_slice(&d.serialize());
            }
        }
    }
    Some(out)
}

/// Reads a row written by `encode`; `Err` says what is wrong with it.
pub(super) fn decode(bytes: &[u8]) -> Result<Command, String> {
    let mut r = ByteReader::new(bytes);
    if r.byte().ok_or(CUT)? != TAG {
        return Err("not a fixed-layout order".into());
    }
    let version = r.byte().ok_or(CUT)?;
    if version != V1 {
        return Err(format!("order layout version {version} is unknown"));
    }
    let at = r.time().ok_or(CUT)?.ok_or("timestamp out of range")?;
    let account = AccountId::new(string(&mut r)?);
    let id = Uuid::from_bytes(r.array().ok_or(CUT)?);
    let client_order_id = string(&mut r)?.to_owned();
    let symbol = Symbol::new(string(&mut r)?);
    let side = from_code(&SIDES, r.byte().ok_or(CUT)?, "side")?;
    let order_type = from_code(&TYPES, r.byte().ok_or(CUT)?, "order type")?;
    let time_in_force = from_code(&TIFS, r.byte().ok_or(CUT)?, "time in force")?;
    let extended_hours = match r.byte().ok_or(CUT)? {
        0 => false,
        1 => true,
        b => return Err(format!("extended_hours byte {b}")),
    };
    let mut d = || decimal(&mut r);
    let (qty, notional, limit_price, stop_price, trail_price, trail_percent) =
        (d()?, d()?, d()?, d()?, d()?, d()?);
    if r.remaining() != 0 {
        return Err("bytes after the order".into());
    }
    Ok(Command::new(
        at,
        CommandKind::Submit(OrderRequest {
            account,
            id,
            client_order_id,
            symbol,
            side,
            order_type,
            time_in_force,
            qty,
            notional,
            limit_price,
            stop_price,
            trail_price,
            trail_percent,
            extended_hours,
            class: ClassRequest::Simple,
        }),
    ))
}

/// The order's optional amounts, in the layout's order.
fn amounts(r: &OrderRequest) -> [Option<Decimal>; 6] {
    [
        r.qty,
        r.notional,
        r.limit_price,
        r.stop_price,
        r.trail_price,
        r.trail_percent,
    ]
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Option<()> {
    put_part(out, s.as_bytes())
}

// A code is an index into its table; the tables are part of the file format: only append.
// A value missing from its table (a variant added later) makes `encode` fall back to
// MessagePack rather than write a wrong code.
const SIDES: [Side; 2] = [Side::Buy, Side::Sell];
const TYPES: [OrderType; 5] = [
    OrderType::Market,
    OrderType::Limit,
    OrderType::Stop,
    OrderType::StopLimit,
    OrderType::TrailingStop,
];
const TIFS: [TimeInForce; 6] = [
    TimeInForce::Day,
    TimeInForce::Gtc,
    TimeInForce::Ioc,
    TimeInForce::Fok,
    TimeInForce::Opg,
    TimeInForce::Cls,
];

fn code<T: PartialEq>(table: &[T], value: &T) -> Option<u8> {
    table
        .iter()
        .position(|t| t == value)
        .and_then(|i| u8::try_from(i).ok())
}

fn from_code<T: Copy>(table: &[T], b: u8, what: &str) -> Result<T, String> {
    table
        .get(usize::from(b))
        .copied()
        .ok_or_else(|| format!("{what} code {b}"))
}

const CUT: &str = "order row cut short";

fn string<'a>(r: &mut ByteReader<'a>) -> Result<&'a str, String> {
    r.str().ok_or(CUT)?.map_err(|e| e.to_string())
}

/// `Decimal::deserialize` trusts its flags; a scale above 28 or stray flag bits (a damaged
/// row) would build a value its arithmetic is not made for.
fn decimal(r: &mut ByteReader<'_>) -> Result<Option<Decimal>, String> {
    match r.byte().ok_or(CUT)? {
        0 => Ok(None),
        1 => {
            let b: [u8; 16] = r.array().ok_or(CUT)?;
            if b[0] != 0 || b[1] != 0 || b[2] > 28 || b[3] & 0x7f != 0 {
                return Err("malformed decimal".into());
            }
            Ok(Some(Decimal::deserialize(b)))
        }
        b => Err(format!("decimal presence byte {b}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use proptest::prelude::*;

    fn decimal() -> impl Strategy<Value = Option<Decimal>> {
        proptest::option::of((any::<i64>(), 0u32..=28).prop_map(|(m, s)| Decimal::new(m, s)))
    }

    fn order() -> impl Strategy<Value = Command> {
        (
            (
                "\\PC{0,12}",
                any::<u128>(),
                "\\PC{0,40}",
                "[A-Za-z./ ]{0,8}",
                any::<bool>(),
                0u8..5,
                0u8..6,
                any::<bool>(),
                -5_000_000_000i64..5_000_000_000i64,
                0u32..1_000_000_000,
            ),
            (
                decimal(),
                decimal(),
                decimal(),
                decimal(),
                decimal(),
                decimal(),
            ),
        )
            .prop_map(|((acct, id, cid, sym, sell, ty, tif, ext, secs, ns), d)| {
                Command::new(
                    DateTime::from_timestamp(secs, ns).unwrap(),
                    CommandKind::Submit(OrderRequest {
                        account: AccountId::new(acct),
                        id: Uuid::from_u128(id),
                        client_order_id: cid,
                        symbol: Symbol::new(sym),
                        side: if sell { Side::Sell } else { Side::Buy },
                        order_type: TYPES[usize::from(ty)],
                        time_in_force: TIFS[usize::from(tif)],
                        qty: d.0,
                        notional: d.1,
                        limit_price: d.2,
                        stop_price: d.3,
                        trail_price: d.4,
                        trail_percent: d.5,
                        extended_hours: ext,
                        class: ClassRequest::Simple,
                    }),
                )
            })
    }

    /// Decimal's `==` ignores scale (1.0 == 1.00); the journal must keep it (answers show it).
    fn same_text(a: &Command, b: &Command) -> bool {
        let (CommandKind::Submit(x), CommandKind::Submit(y)) = (&a.kind, &b.kind) else {
            return false;
        };
        let t = |r: &OrderRequest| amounts(r).map(|d| d.map(|d| d.to_string()));
        t(x) == t(y)
    }

    proptest! {
        #[test]
        fn orders_round_trip_exactly(cmd in order()) {
            let bytes = encode(&cmd).unwrap();
            prop_assert_eq!(bytes[0], TAG);
            let back = decode(&bytes).unwrap();
            prop_assert_eq!(&back, &cmd);
            prop_assert!(same_text(&back, &cmd));
            // Through the journal's entry points too: they pick this layout and read it back.
            let row = crate::store::rows::encode_command(&cmd).unwrap();
            prop_assert_eq!(&row, &bytes);
            prop_assert_eq!(crate::store::rows::decode_command(&row).unwrap(), cmd);
        }

        /// Any cut or any changed byte is an error or another valid order, never a panic.
        #[test]
        fn damaged_rows_never_panic(cmd in order(), at in any::<prop::sample::Index>(), flip in 1u8..) {
            let bytes = encode(&cmd).unwrap();
            let i = at.index(bytes.len());
            prop_assert!(decode(&bytes[..i]).is_err());
            let mut bad = bytes.clone();
            bad[i] ^= flip;
            let _ = decode(&bad);
        }
    }

    fn market_buy() -> OrderRequest {
        use crate::engine::tests::{Harness, margin};
        Harness::new(crate::engine::CalendarKind::Always).req(
            margin(),
            "AAPL",
            Side::Buy,
            OrderType::Market,
            Decimal::ONE,
        )
    }

    #[test]
    fn orders_with_legs_and_other_commands_keep_messagepack() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert!(encode(&Command::new(at, CommandKind::Clock)).is_none());
        let mut bracket = market_buy();
        bracket.class = ClassRequest::Oto {
            exit: crate::engine::Exit::TakeProfit(crate::engine::TakeProfit {
                limit_price: Decimal::ONE_HUNDRED,
            }),
        };
        let cmd = Command::new(at, CommandKind::Submit(bracket));
        assert!(encode(&cmd).is_none());
        let row = crate::store::rows::encode_command(&cmd).unwrap();
        assert_ne!(row[0], TAG);
        assert_eq!(crate::store::rows::decode_command(&row).unwrap(), cmd);
    }

    #[test]
    fn a_decimal_with_an_impossible_scale_is_refused() {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let req = market_buy();
        let mut bytes = encode(&Command::new(at, CommandKind::Submit(req))).unwrap();
        // The qty's flags start right after its presence byte, 6 decimals from the end.
        let qty_flags = bytes.len() - 5 - 17 + 1;
        bytes[qty_flags + 2] = 29;
        assert_eq!(decode(&bytes).unwrap_err(), "malformed decimal");
    }
}
