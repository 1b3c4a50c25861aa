//! An order in Alpaca's shape written straight into bytes: the body of every order placed,
//! read or listed. Byte for byte what serde writes for `wire::OrderWire` (the proptest below
//! compares them); serde's map machinery, escaping and `collect_str` were ~6 % of an order's
//! CPU over HTTP, several times what writing the fields directly costs.

use rust_decimal::Decimal;
use std::io::{self, Write};
use uuid::Uuid;

use super::wire::{Rfc3339, Rfc3339Days, intent};
use crate::engine::{Order, Timestamp, stable_uuid};

/// Appends `o` (with `legs`, or `"legs":null`) as JSON to `out`.
pub fn write(out: &mut Vec<u8>, o: &Order, legs: Option<&[Order]>) -> io::Result<()> {
    let mut times = Times::default();
    let mut time = |out: &mut Vec<u8>, t| times.write(out, t);
    out.extend_from_slice(b"{\"id\":");
    uuid(out, o.id)?;
    out.extend_from_slice(b",\"client_order_id\":");
    string(out, &o.client_order_id)?;
    out.extend_from_slice(b",\"created_at\":");
    time(out, o.created_at)?;
    out.extend_from_slice(b",\"updated_at\":");
    time(out, o.updated_at)?;
    out.extend_from_slice(b",\"submitted_at\":");
    time(out, o.submitted_at)?;
    out.extend_from_slice(b",\"filled_at\":");
    or_null(out, o.filled_at, &mut time)?;
    out.extend_from_slice(b",\"expired_at\":");
    or_null(out, o.expired_at, &mut time)?;
    out.extend_from_slice(b",\"canceled_at\":");
    or_null(out, o.canceled_at, &mut time)?;
    out.extend_from_slice(b",\"failed_at\":null,\"replaced_at\":");
    or_null(out, o.replaced_at, &mut time)?;
    out.extend_from_slice(b",\"replaced_by\":");
    or_null(out, o.replaced_by, uuid)?;
    out.extend_from_slice(b",\"replaces\":");
    or_null(out, o.replaces, uuid)?;
    out.extend_from_slice(b",\"asset_id\":");
    uuid(out, stable_uuid(o.symbol.as_str()))?;
    out.extend_from_slice(b",\"symbol\":");
    string(out, o.symbol.as_str())?;
    out.extend_from_slice(b",\"asset_class\":\"us_equity\",\"notional\":");
    or_null(out, o.notional, decimal)?;
    out.extend_from_slice(b",\"qty\":");
    or_null(out, o.qty, decimal)?;
    out.extend_from_slice(b",\"filled_qty\":");
    decimal(out, o.filled_qty)?;
    out.extend_from_slice(b",\"filled_avg_price\":");
    or_null(out, o.filled_avg_price, decimal)?;
    out.extend_from_slice(b",\"order_class\":");
    name(out, o.order_class.as_str());
    out.extend_from_slice(b",\"order_type\":");
    name(out, o.order_type.as_str());
    out.extend_from_slice(b",\"type\":");
    name(out, o.order_type.as_str());
    out.extend_from_slice(b",\"side\":");
    name(out, o.side.as_str());
    out.extend_from_slice(b",\"position_intent\":\"");
    out.extend_from_slice(intent(o).as_bytes());
    out.extend_from_slice(b"\",\"time_in_force\":");
    name(out, o.time_in_force.as_str());
    out.extend_from_slice(b",\"limit_price\":");
    or_null(out, o.limit_price, decimal)?;
    out.extend_from_slice(b",\"stop_price\":");
    or_null(out, o.stop_price, decimal)?;
    out.extend_from_slice(b",\"status\":");
    name(out, o.status.as_str());
    out.extend_from_slice(if o.extended_hours {
        b",\"extended_hours\":true,\"legs\":"
    } else {
        b",\"extended_hours\":false,\"legs\":"
    });
    match legs {
        Some(legs) => {
            out.push(b'[');
            for (i, leg) in legs.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(out, leg, None)?;
            }
            out.push(b']');
        }
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"trail_percent\":");
    or_null(out, o.trail_percent, decimal)?;
    out.extend_from_slice(b",\"trail_price\":");
    or_null(out, o.trail_price, decimal)?;
    out.extend_from_slice(b",\"hwm\":");
    or_null(out, o.hwm, decimal)?;
    out.extend_from_slice(b",\"subtag\":null,\"source\":null,\"expires_at\":");
    or_null(out, o.expires_at, &mut time)?;
    out.push(b'}');
    Ok(())
}

fn uuid(out: &mut Vec<u8>, id: Uuid) -> io::Result<()> {
    out.push(b'"');
    out.extend_from_slice(
        id.hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .as_bytes(),
    );
    out.push(b'"');
    Ok(())
}

/// `v` written by `write`, or `null`.
fn or_null<T>(
    out: &mut Vec<u8>,
    v: Option<T>,
    mut write: impl FnMut(&mut Vec<u8>, T) -> io::Result<()>,
) -> io::Result<()> {
    match v {
        Some(v) => write(out, v),
        None => {
            out.extend_from_slice(b"null");
            Ok(())
        }
    }
}

/// A JSON string: copied as is when nothing in it needs escaping (the usual client order id
/// or symbol), else escaped by serde_json, so both paths give serde's bytes.
fn string(out: &mut Vec<u8>, s: &str) -> io::Result<()> {
    // Folded without an early exit, so the compiler checks many bytes per instruction (the
    // byte-at-a-time `all` cost ~250 instructions for a 36-byte client order id).
    let plain = !s.bytes().fold(false, |bad, b| {
        bad | (b < 0x20) | (b == b'"') | (b == b'\\')
    });
    if plain {
        out.push(b'"');
        out.extend_from_slice(s.as_bytes());
        out.push(b'"');
        Ok(())
    } else {
        serde_json::to_writer(out, s).map_err(io::Error::other)
    }
}

/// An order's timestamps as JSON strings, copied in as bytes (`write!` through `Display` cost
/// an order answer a tenth of its CPU). Most of an order's times are one instant (one filled
/// on arrival was created, submitted, updated and filled at once), so the last one written is
/// kept and copied again when the next is the same: each written anew cost ~300 instructions.
#[derive(Default)]
struct Times {
    last: Option<(Timestamp, [u8; 32])>,
    /// A different time of the same day (a day order's expiry) reuses the date.
    days: Rfc3339Days,
}

impl Times {
    fn write(&mut self, out: &mut Vec<u8>, t: Timestamp) -> io::Result<()> {
        if let Some((last, quoted)) = &self.last
            && *last == t
        {
            out.extend_from_slice(quoted);
            return Ok(());
        }
        match self.days.bytes(t) {
            Some(b) => {
                let mut quoted = [b'"'; 32];
                quoted[1..31].copy_from_slice(&b);
                out.extend_from_slice(&quoted);
                self.last = Some((t, quoted));
                Ok(())
            }
            None => write!(out, "\"{}\"", Rfc3339(t)),
        }
    }
}

/// Normalised, as a string (`"10"`, not `"10.00"`), as Alpaca sends numbers: the digits of the
/// mantissa with the point `scale` places from the right, what `Decimal`'s `Display` writes.
fn decimal(out: &mut Vec<u8>, d: Decimal) -> io::Result<()> {
    let d = d.normalize();
    let scale = d.scale() as usize;
    let mantissa = d.mantissa();
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(mantissa.unsigned_abs()).as_bytes();
    out.push(b'"');
    if mantissa < 0 {
        out.push(b'-');
    }
    match digits.len().checked_sub(scale) {
        Some(0) | None => {
            out.extend_from_slice(b"0.");
            out.resize(out.len() + scale - digits.len(), b'0');
            out.extend_from_slice(digits);
        }
        Some(whole) => {
            out.extend_from_slice(&digits[..whole]);
            if scale > 0 {
                out.push(b'.');
                out.extend_from_slice(&digits[whole..]);
            }
        }
    }
    out.push(b'"');
    Ok(())
}

/// An enum's wire name (`as_str`, its serde name: plain ASCII, nothing to escape).
fn name(out: &mut Vec<u8>, wire: &str) {
    out.push(b'"');
    out.extend_from_slice(wire.as_bytes());
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

    use super::*;
    use crate::engine::tests::{Harness, margin};
    use crate::engine::{CalendarKind, OrderClass, OrderStatus, OrderType, Side, TimeInForce};
    use crate::server::wire::OrderWire;
    use brokerdesk_model::Symbol;
    use chrono::{TimeZone, Utc};
    use proptest::prelude::*;

    /// A resting limit order as the engine makes it; the proptest varies every field.
    fn template() -> Order {
        let mut h = Harness::new(CalendarKind::Always);
        let mut req = h.req(margin(), "AAPL", Side::Buy, OrderType::Limit, Decimal::ONE);
        req.limit_price = Some(Decimal::ONE);
        h.submit(req);
        h.order(1).clone()
    }

    fn when() -> impl Strategy<Value = Timestamp> {
        // Years 1 to 9999 and beyond (chrono's own rules there), any nanosecond.
        (-62_000_000_000i64..300_000_000_000, 0u32..1_000_000_000)
            .prop_map(|(s, n)| Utc.timestamp_opt(s, n).unwrap())
    }

    fn number() -> impl Strategy<Value = Decimal> {
        prop_oneof![
            (any::<i64>(), 0u32..=28).prop_map(|(m, scale)| Decimal::new(m, scale)),
            // The whole 96-bit mantissa, and zeros of every scale and sign.
            (any::<[u32; 3]>(), any::<bool>(), 0u32..=28).prop_map(
                |([lo, mid, hi], neg, scale)| Decimal::from_parts(lo, mid, hi, neg, scale)
            ),
            (any::<bool>(), 0u32..=28)
                .prop_map(|(neg, scale)| Decimal::from_parts(0, 0, 0, neg, scale)),
        ]
    }

    prop_compose! {
        fn order(base: Order)(
            id in any::<u128>(),
            client in ".{0,40}",
            symbol in "[A-Z.\"\\\\]{1,8}",
            // Times from a pool of three: an order's times are often equal (`Times` reuses
            // the last written), sometimes one instant again after another.
            pool in proptest::collection::vec(when(), 3),
            picks in proptest::collection::vec(proptest::option::of(0usize..3), 8),
            numbers in proptest::collection::vec(proptest::option::of(number()), 9),
            ids in proptest::collection::vec(proptest::option::of(any::<u128>()), 2),
            (side, class, kind, tif, status) in (0usize..2, 0usize..4, 0usize..5, 0usize..6, 0usize..8),
            extended in any::<bool>(),
        ) -> Order {
            let times: Vec<Option<Timestamp>> = picks.iter().map(|p| p.map(|i| pool[i])).collect();
            let mut o = base.clone();
            o.id = Uuid::from_u128(id);
            o.keys = std::sync::Arc::new(crate::engine::OrderKeys {
                client_order_id: client,
                symbol: Symbol::new(symbol),
                account: o.account.clone(),
            });
            o.created_at = times[0].unwrap_or(o.created_at);
            o.updated_at = times[1].unwrap_or(o.updated_at);
            o.submitted_at = times[2].unwrap_or(o.submitted_at);
            o.filled_at = times[3];
            o.expired_at = times[4];
            o.canceled_at = times[5];
            o.replaced_at = times[6];
            o.expires_at = times[7];
            o.replaced_by = ids[0].map(Uuid::from_u128);
            o.replaces = ids[1].map(Uuid::from_u128);
            o.notional = numbers[0];
            o.qty = numbers[1];
            o.filled_qty = numbers[2].unwrap_or_default();
            o.filled_avg_price = numbers[3];
            o.limit_price = numbers[4];
            o.stop_price = numbers[5];
            o.trail_percent = numbers[6];
            o.trail_price = numbers[7];
            o.hwm = numbers[8];
            o.side = [Side::Buy, Side::Sell][side];
            o.order_class =
                [OrderClass::Simple, OrderClass::Bracket, OrderClass::Oco, OrderClass::Oto][class];
            o.order_type = [
                OrderType::Market,
                OrderType::Limit,
                OrderType::Stop,
                OrderType::StopLimit,
                OrderType::TrailingStop,
            ][kind];
            o.time_in_force = [
                TimeInForce::Day,
                TimeInForce::Gtc,
                TimeInForce::Opg,
                TimeInForce::Cls,
                TimeInForce::Ioc,
                TimeInForce::Fok,
            ][tif];
            o.status = [
                OrderStatus::Accepted,
                OrderStatus::Held,
                OrderStatus::New,
                OrderStatus::PartiallyFilled,
                OrderStatus::Filled,
                OrderStatus::Canceled,
                OrderStatus::Expired,
                OrderStatus::Replaced,
            ][status];
            o.extended_hours = extended;
            o
        }
    }

    proptest! {
        #[test]
        fn decimals_are_written_as_display_writes_them(d in number()) {
            let mut mine = Vec::new();
            decimal(&mut mine, d).unwrap();
            prop_assert_eq!(String::from_utf8(mine).unwrap(), format!("\"{}\"", d.normalize()));
        }

        #[test]
        fn the_bytes_are_serdes(
            parent in order(template()),
            legs in proptest::option::of(proptest::collection::vec(order(template()), 0..3)),
        ) {
            let mut mine = Vec::new();
            write(&mut mine, &parent, legs.as_deref()).unwrap();
            let serde = serde_json::to_vec(&OrderWire(&parent, legs.as_deref())).unwrap();
            prop_assert_eq!(String::from_utf8(mine).unwrap(), String::from_utf8(serde).unwrap());
        }
    }
}
