//! Orders and fills in a snapshot image, in a fixed binary layout.
//!
//! As JSON an order took ~450 bytes, and most of an image's encoding went to writing its
//! decimals, ids and timestamps as text, on a thread that takes its CPU from an exchange under
//! load. Here a field is its bytes: an id 16, a timestamp its seconds and nanoseconds, a
//! decimal its sign, scale and the significant bytes of its mantissa (bit for bit, `-0` and
//! `0.00` included), a string its length and UTF-8.
//!
//! Every field is written, in the struct's order. The structs are destructured, so a field
//! added to `Order` or `FillRecord` does not compile until it is written here too; the codes of
//! the enums are matches for the same reason. Changing the layout means a new image version
//! (`server::image`), which reads the older ones.
//!
//! Integers are little-endian. `time: i64 seconds | u32 nanoseconds`, `str: u32 len | UTF-8`,
//! `decimal: head | scale | mantissa[n]` where `head` is `n` (0–12) with bit 4 for the sign
//! and `0xff` for none, `option<T>: 0 | 1 T`, `bool: 0 | 1`.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use std::sync::Arc;
use uuid::Uuid;

use super::fills::FillRecord;
use super::types::{
    Order, OrderClass, OrderKeys, OrderStatus, OrderType, Side, TimeInForce, Timestamp,
};
use crate::bytes::{ByteReader, put_part, put_time};

/// What is wrong with the bytes (they ran out, or hold a value no encoder writes).
pub(super) type Decoded<T> = Result<T, String>;

const CUT: &str = "cut short";
const NONE: u8 = 0xff;
const NEGATIVE: u8 = 0x10;

pub(super) fn put_order(out: &mut Vec<u8>, o: &Order) -> Decoded<()> {
    let Order {
        id,
        keys,
        created_at,
        updated_at,
        submitted_at,
        filled_at,
        expired_at,
        canceled_at,
        replaced_at,
        replaced_by,
        replaces,
        side,
        order_type,
        time_in_force,
        qty,
        notional,
        filled_qty,
        filled_avg_price,
        limit_price,
        stop_price,
        trail_price,
        trail_percent,
        hwm,
        status,
        extended_hours,
        seq,
        triggered,
        filled_notional,
        reserved,
        reserve_price,
        held_qty,
        expires_at,
        activate_at,
        order_class,
        legs,
        parent,
    } = o;
    out.extend_from_slice(id.as_bytes());
    put_str(out, &keys.client_order_id)?;
    put_str(out, keys.account.as_str())?;
    put_str(out, keys.symbol.as_str())?;
    for t in [created_at, updated_at, submitted_at] {
        put_time(out, t);
    }
    for t in [filled_at, expired_at, canceled_at, replaced_at] {
        put_option(out, t.as_ref(), put_time);
    }
    for u in [replaced_by, replaces] {
        put_option(out, u.as_ref(), put_uuid);
    }
    out.extend_from_slice(&[
        side_code(*side),
        type_code(*order_type),
        tif_code(*time_in_force),
    ]);
    put_optional_decimal(out, *qty);
    put_optional_decimal(out, *notional);
    put_decimal(out, filled_qty);
    for d in [filled_avg_price, limit_price, stop_price, trail_price] {
        put_optional_decimal(out, *d);
    }
    put_optional_decimal(out, *trail_percent);
    put_optional_decimal(out, *hwm);
    out.push(status_code(*status));
    out.push(u8::from(*extended_hours));
    out.extend_from_slice(&seq.to_le_bytes());
    out.push(u8::from(*triggered));
    for d in [filled_notional, reserved, reserve_price, held_qty] {
        put_decimal(out, d);
    }
    for t in [expires_at, activate_at] {
        put_option(out, t.as_ref(), put_time);
    }
    out.push(class_code(*order_class));
    let n = u32::try_from(legs.len()).map_err(|_| "too many legs")?;
    out.extend_from_slice(&n.to_le_bytes());
    for leg in legs {
        put_uuid(out, leg);
    }
    put_option(out, parent.as_ref(), put_uuid);
    Ok(())
}

pub(super) fn order(r: &mut ByteReader<'_>) -> Decoded<Order> {
    let id = uuid(r)?;
    let client_order_id = string(r)?.to_owned();
    let account = AccountId::new(string(r)?);
    let symbol = Symbol::new(string(r)?);
    let (created_at, updated_at, submitted_at) = (time(r)?, time(r)?, time(r)?);
    let (filled_at, expired_at) = (option(r, time)?, option(r, time)?);
    let (canceled_at, replaced_at) = (option(r, time)?, option(r, time)?);
    let (replaced_by, replaces) = (option(r, uuid)?, option(r, uuid)?);
    let side = side(byte(r)?)?;
    let order_type = order_type(byte(r)?)?;
    let time_in_force = tif(byte(r)?)?;
    let (qty, notional) = (optional_decimal(r)?, optional_decimal(r)?);
    let filled_qty = decimal(r)?;
    let filled_avg_price = optional_decimal(r)?;
    let (limit_price, stop_price) = (optional_decimal(r)?, optional_decimal(r)?);
    let (trail_price, trail_percent) = (optional_decimal(r)?, optional_decimal(r)?);
    let hwm = optional_decimal(r)?;
    let status = status(byte(r)?)?;
    let extended_hours = flag(r)?;
    let seq = u64::from_le_bytes(r.array().ok_or(CUT)?);
    let triggered = flag(r)?;
    let (filled_notional, reserved) = (decimal(r)?, decimal(r)?);
    let (reserve_price, held_qty) = (decimal(r)?, decimal(r)?);
    let (expires_at, activate_at) = (option(r, time)?, option(r, time)?);
    let order_class = class(byte(r)?)?;
    let n = u32::from_le_bytes(r.array().ok_or(CUT)?);
    // Never more room than the bytes left could fill (a damaged count).
    let mut legs = Vec::with_capacity((n as usize).min(r.remaining() / 16));
    for _ in 0..n {
        legs.push(uuid(r)?);
    }
    let parent = option(r, uuid)?;
    Ok(Order {
        id,
        keys: Arc::new(OrderKeys {
            client_order_id,
            account,
            symbol,
        }),
        created_at,
        updated_at,
        submitted_at,
        filled_at,
        expired_at,
        canceled_at,
        replaced_at,
        replaced_by,
        replaces,
        side,
        order_type,
        time_in_force,
        qty,
        notional,
        filled_qty,
        filled_avg_price,
        limit_price,
        stop_price,
        trail_price,
        trail_percent,
        hwm,
        status,
        extended_hours,
        seq,
        triggered,
        filled_notional,
        reserved,
        reserve_price,
        held_qty,
        expires_at,
        activate_at,
        order_class,
        legs,
        parent,
    })
}

pub(super) fn put_fill(out: &mut Vec<u8>, f: &FillRecord) {
    let FillRecord {
        at,
        order_id,
        order_seq,
        qty,
        price,
        cum_qty,
        leaves_qty,
        order_status,
    } = f;
    put_time(out, at);
    put_uuid(out, order_id);
    out.extend_from_slice(&order_seq.to_le_bytes());
    for d in [qty, price, cum_qty, leaves_qty] {
        put_decimal(out, d);
    }
    out.push(status_code(*order_status));
}

pub(super) fn fill(r: &mut ByteReader<'_>) -> Decoded<FillRecord> {
    Ok(FillRecord {
        at: time(r)?,
        order_id: uuid(r)?,
        order_seq: u64::from_le_bytes(r.array().ok_or(CUT)?),
        qty: decimal(r)?,
        price: decimal(r)?,
        cum_qty: decimal(r)?,
        leaves_qty: decimal(r)?,
        order_status: status(byte(r)?)?,
    })
}

fn put_str(out: &mut Vec<u8>, s: &str) -> Decoded<()> {
    put_part(out, s.as_bytes()).ok_or_else(|| "a string too long for an image".into())
}

fn string<'a>(r: &mut ByteReader<'a>) -> Decoded<&'a str> {
    r.str().ok_or(CUT)?.map_err(|e| e.to_string())
}

fn put_uuid(out: &mut Vec<u8>, u: &Uuid) {
    out.extend_from_slice(u.as_bytes());
}

fn uuid(r: &mut ByteReader<'_>) -> Decoded<Uuid> {
    Ok(Uuid::from_bytes(r.array().ok_or(CUT)?))
}

fn time(r: &mut ByteReader<'_>) -> Decoded<Timestamp> {
    r.time()
        .ok_or(CUT)?
        .ok_or_else(|| "a timestamp out of range".into())
}

fn put_option<T>(out: &mut Vec<u8>, v: Option<&T>, put: fn(&mut Vec<u8>, &T)) {
    match v {
        None => out.push(0),
        Some(v) => {
            out.push(1);
            put(out, v);
        }
    }
}

fn option<T>(
    r: &mut ByteReader<'_>,
    read: fn(&mut ByteReader<'_>) -> Decoded<T>,
) -> Decoded<Option<T>> {
    match byte(r)? {
        0 => Ok(None),
        1 => read(r).map(Some),
        b => Err(format!("presence byte {b}")),
    }
}

fn byte(r: &mut ByteReader<'_>) -> Decoded<u8> {
    r.byte().ok_or_else(|| CUT.into())
}

fn flag(r: &mut ByteReader<'_>) -> Decoded<bool> {
    match byte(r)? {
        0 => Ok(false),
        1 => Ok(true),
        b => Err(format!("flag byte {b}")),
    }
}

/// `Decimal::serialize` is `flags: 4 | mantissa: 12` (flags: scale in byte 2, sign in the top
/// bit of byte 3); most amounts need one to three of the mantissa's bytes.
fn put_decimal(out: &mut Vec<u8>, d: &Decimal) {
    let b = d.serialize();
    let mantissa = &b[4..];
    let n = mantissa.iter().rposition(|&x| x != 0).map_or(0, |i| i + 1);
    let sign = if b[3] & 0x80 != 0 { NEGATIVE } else { 0 };
    // n ≤ 12, so the head never reads as `NONE`.
    out.push(n as u8 | sign);
    out.push(b[2]);
    out.extend_from_slice(&mantissa[..n]);
}

fn put_optional_decimal(out: &mut Vec<u8>, d: Option<Decimal>) {
    match d {
        None => out.push(NONE),
        Some(d) => put_decimal(out, &d),
    }
}

fn optional_decimal(r: &mut ByteReader<'_>) -> Decoded<Option<Decimal>> {
    let head = byte(r)?;
    if head == NONE {
        return Ok(None);
    }
    decimal_after(r, head).map(Some)
}

fn decimal(r: &mut ByteReader<'_>) -> Decoded<Decimal> {
    let head = byte(r)?;
    decimal_after(r, head)
}

/// `Decimal::deserialize` trusts its flags: a scale above 28 or stray bits (damaged bytes)
/// would build a value its arithmetic is not made for, so both are refused here.
fn decimal_after(r: &mut ByteReader<'_>, head: u8) -> Decoded<Decimal> {
    let n = usize::from(head & 0x0f);
    if head & !(0x0f | NEGATIVE) != 0 || n > 12 {
        return Err(format!("decimal head {head:#x}"));
    }
    let scale = byte(r)?;
    if scale > 28 {
        return Err(format!("decimal scale {scale}"));
    }
    let mut b = [0u8; 16];
    b[2] = scale;
    if head & NEGATIVE != 0 {
        b[3] = 0x80;
    }
    b[4..4 + n].copy_from_slice(r.take(n).ok_or(CUT)?);
    Ok(Decimal::deserialize(b))
}

/// An enum's one-byte codes, both ways. The codes are part of the image format: a variant
/// gets a new number, never one already used.
macro_rules! codes {
    ($put:ident, $read:ident, $ty:ty, $what:literal, { $($variant:path = $n:literal,)+ }) => {
        fn $put(v: $ty) -> u8 {
            match v {
                $($variant => $n,)+
            }
        }

        fn $read(b: u8) -> Decoded<$ty> {
            match b {
                $($n => Ok($variant),)+
                _ => Err(format!(concat!($what, " code {}"), b)),
            }
        }
    };
}

codes!(side_code, side, Side, "side", {
    Side::Buy = 0,
    Side::Sell = 1,
});
codes!(type_code, order_type, OrderType, "order type", {
    OrderType::Market = 0,
    OrderType::Limit = 1,
    OrderType::Stop = 2,
    OrderType::StopLimit = 3,
    OrderType::TrailingStop = 4,
});
codes!(tif_code, tif, TimeInForce, "time in force", {
    TimeInForce::Day = 0,
    TimeInForce::Gtc = 1,
    TimeInForce::Ioc = 2,
    TimeInForce::Fok = 3,
    TimeInForce::Opg = 4,
    TimeInForce::Cls = 5,
});
codes!(status_code, status, OrderStatus, "order status", {
    OrderStatus::Accepted = 0,
    OrderStatus::Held = 1,
    OrderStatus::New = 2,
    OrderStatus::PartiallyFilled = 3,
    OrderStatus::Filled = 4,
    OrderStatus::Canceled = 5,
    OrderStatus::Expired = 6,
    OrderStatus::Replaced = 7,
});
codes!(class_code, class, OrderClass, "order class", {
    OrderClass::Simple = 0,
    OrderClass::Bracket = 1,
    OrderClass::Oco = 2,
    OrderClass::Oto = 3,
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::tests::{Harness, margin};
    use crate::engine::{CalendarKind, Engine, EngineLists};
    use chrono::DateTime;
    use rust_decimal_macros::dec;

    /// A resting limit order as the engine makes it.
    fn plain_order() -> Order {
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(dec!(187.25));
        h.submit(req);
        h.order(1).clone()
    }

    /// Every optional field set, and the decimals no amount in the engine usually is: the
    /// largest and smallest, the finest scale, `-0` and `0.00`.
    fn every_field_set() -> Order {
        let mut o = plain_order();
        let t = |s: i64, n: u32| DateTime::from_timestamp(s, n).unwrap();
        o.filled_at = Some(t(1_800_000_000, 999_999_999));
        o.expired_at = Some(t(-1, 1));
        o.canceled_at = Some(t(0, 0));
        o.replaced_at = Some(t(253_402_300_799, 0));
        o.replaced_by = Some(Uuid::from_u128(u128::MAX));
        o.replaces = Some(Uuid::from_u128(1));
        o.qty = Some(Decimal::MAX);
        o.notional = Some(Decimal::MIN);
        o.filled_qty = Decimal::from_i128_with_scale(1, 28);
        o.filled_avg_price = Some(Decimal::new(-1, 0) * Decimal::ZERO);
        o.stop_price = Some(dec!(0.00));
        o.trail_price = Some(dec!(-12.5));
        o.trail_percent = Some(dec!(3.125));
        o.hwm = Some(dec!(1e-28));
        o.extended_hours = true;
        o.triggered = true;
        o.seq = u64::MAX;
        o.filled_notional = dec!(79228162514264337593543950335);
        o.reserved = -Decimal::ZERO;
        o.reserve_price = dec!(0.0000);
        o.held_qty = dec!(-0.5);
        o.expires_at = Some(t(1_900_000_000, 5));
        o.activate_at = Some(t(1_700_000_000, 123_000_000));
        o.order_class = OrderClass::Bracket;
        o.legs = vec![Uuid::from_u128(2), Uuid::from_u128(3)];
        o.parent = Some(Uuid::from_u128(4));
        o.keys = Arc::new(OrderKeys {
            client_order_id: "ünïcode-client-id".into(),
            account: AccountId::new(""),
            symbol: Symbol::new("BRK.B"),
        });
        o
    }

    fn encoded(o: &Order) -> Vec<u8> {
        let mut out = Vec::new();
        put_order(&mut out, o).unwrap();
        out
    }

    fn decoded(bytes: &[u8]) -> Decoded<Order> {
        let mut r = ByteReader::new(bytes);
        let o = order(&mut r)?;
        if r.remaining() != 0 {
            return Err(format!("{} bytes left", r.remaining()));
        }
        Ok(o)
    }

    /// Each decimal's bits: `==` on `Decimal` takes `0.00` for `0` and `-0` for `0`.
    fn decimal_bits(o: &Order) -> Vec<[u8; 16]> {
        let mut all = vec![
            o.filled_qty,
            o.filled_notional,
            o.reserved,
            o.reserve_price,
            o.held_qty,
        ];
        all.extend(
            [
                o.qty,
                o.notional,
                o.filled_avg_price,
                o.limit_price,
                o.stop_price,
            ]
            .into_iter()
            .chain([o.trail_price, o.trail_percent, o.hwm])
            .flatten(),
        );
        all.iter().map(Decimal::serialize).collect()
    }

    #[test]
    fn orders_read_back_field_for_field_and_bit_for_bit() {
        let full = every_field_set();
        assert!(full.reserved.is_sign_negative() && full.reserved.is_zero());
        for o in [plain_order(), full] {
            let bytes = encoded(&o);
            let back = decoded(&bytes).unwrap();
            assert_eq!(back, o);
            assert_eq!(back.keys, o.keys);
            assert_eq!(decimal_bits(&back), decimal_bits(&o));
        }
        // A plain order is a third of its ~450 bytes of JSON.
        assert!(
            encoded(&plain_order()).len() < 200,
            "{}",
            encoded(&plain_order()).len()
        );
    }

    /// Each enum's codes and variants map one to one: every byte a reader takes comes back
    /// from its variant as that byte, and there are as many as the enum has variants (the
    /// writer's match is exhaustive, so each variant has one).
    #[test]
    fn every_code_reads_back_as_its_variant() {
        fn taken<T>(read: fn(u8) -> Decoded<T>, put: fn(T) -> u8) -> usize {
            (0..=u8::MAX)
                .filter(|&b| read(b).map(|v| assert_eq!(put(v), b, "code {b}")).is_ok())
                .count()
        }
        assert_eq!(taken(side, side_code), 2);
        assert_eq!(taken(order_type, type_code), 5);
        assert_eq!(taken(tif, tif_code), 6);
        assert_eq!(taken(status, status_code), 8);
        assert_eq!(taken(class, class_code), 4);
        // And through a whole order.
        let mut o = plain_order();
        (o.status, o.order_class, o.side) = (OrderStatus::Replaced, OrderClass::Oto, Side::Sell);
        (o.order_type, o.time_in_force) = (OrderType::TrailingStop, TimeInForce::Cls);
        assert_eq!(decoded(&encoded(&o)).unwrap(), o);
    }

    #[test]
    fn fills_read_back_bit_for_bit() {
        let f = FillRecord {
            at: DateTime::from_timestamp(1_765_000_000, 42).unwrap(),
            order_id: Uuid::from_u128(77),
            order_seq: 1 << 40,
            qty: dec!(0.001),
            price: dec!(187.2500),
            cum_qty: dec!(-0),
            leaves_qty: Decimal::MAX,
            order_status: OrderStatus::PartiallyFilled,
        };
        let mut bytes = Vec::new();
        put_fill(&mut bytes, &f);
        let mut r = ByteReader::new(&bytes);
        let back = fill(&mut r).unwrap();
        assert_eq!((back.clone(), r.remaining()), (f.clone(), 0));
        assert_eq!(back.price.serialize(), f.price.serialize());
        // Every shorter prefix is refused.
        for n in 0..bytes.len() {
            assert!(
                fill(&mut ByteReader::new(&bytes[..n])).is_err(),
                "prefix of {n}"
            );
        }
    }

    /// Damaged bytes are refused with a reason, never a panic and never a decimal the
    /// arithmetic is not made for.
    #[test]
    fn damaged_orders_are_refused_and_never_panic() {
        let bytes = encoded(&every_field_set());
        for n in 0..bytes.len() {
            assert!(decoded(&bytes[..n]).is_err(), "a prefix of {n} bytes read");
        }
        for at in 0..bytes.len() {
            for b in [0x00, 0x01, 0x1d, 0x7f, 0x80, 0xee, 0xff] {
                let mut bent = bytes.clone();
                bent[at] = b;
                // Whatever reads must hold decimals within their scale and write back as read.
                if let Ok(o) = decoded(&bent) {
                    assert!(
                        decimal_bits(&o)
                            .iter()
                            .all(|d| d[2] <= 28 && d[3] & 0x7f == 0)
                    );
                    assert_eq!(decoded(&encoded(&o)).unwrap(), o);
                }
            }
        }
        // Named refusals: a scale past 28, stray head bits, a presence byte, a code, UTF-8.
        let plain = encoded(&plain_order());
        let mut r = ByteReader::new(&[0x01, 29, 1]);
        assert_eq!(decimal(&mut r).unwrap_err(), "decimal scale 29");
        let mut r = ByteReader::new(&[0x21, 0, 1]);
        assert_eq!(decimal(&mut r).unwrap_err(), "decimal head 0x21");
        let mut r = ByteReader::new(&[0x0d, 0]);
        assert_eq!(decimal(&mut r).unwrap_err(), "decimal head 0xd");
        let mut r = ByteReader::new(&[2]);
        assert_eq!(option(&mut r, uuid).unwrap_err(), "presence byte 2");
        assert_eq!(status(8).unwrap_err(), "order status code 8");
        let mut r = ByteReader::new(&[2, 0, 0, 0, 0xc3, 0x28]);
        assert!(string(&mut r).is_err());
        // A leg count of four billion with no bytes behind it: refused, not allocated.
        let legs_at = plain.len() - 1 - 4;
        let mut many = plain.clone();
        many[legs_at..legs_at + 4].copy_from_slice(&u32::MAX.to_le_bytes());
        assert_eq!(decoded(&many).unwrap_err(), CUT);
    }

    #[test]
    fn lists_name_the_item_that_does_not_read() {
        let mut h = Harness::new(CalendarKind::Always);
        for _ in 0..3 {
            let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
            req.limit_price = Some(Decimal::ONE);
            h.submit(req);
        }
        let image = h.e.image();
        let mut lists = Vec::new();
        image.write_lists(&mut lists).unwrap();
        assert!(EngineLists::read(&lists).is_ok());
        let mut longer = lists.clone();
        longer.push(0);
        assert_eq!(
            EngineLists::read(&longer).err().unwrap(),
            "1 bytes after the fills"
        );
        let cut = &lists[..lists.len() - 9];
        let err = EngineLists::read(cut).err().unwrap();
        assert!(err.starts_with("order 2 of 3: "), "{err}");
        let restored = Engine::restore_image(
            serde_json::from_str(&serde_json::to_string(image.head()).unwrap()).unwrap(),
            EngineLists::read(&lists).unwrap(),
        );
        assert!(restored == h.e);
    }
}
