//! Alpaca Trading API v2 JSON shapes. Decimals go out as strings, as Alpaca sends them.

use chrono::SecondsFormat;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use uuid::Uuid;

use crate::engine::{
    AccountKind, AccountSummary, Asset, FillActivity, Order, PositionView, Side, Timestamp,
    stable_uuid,
};

pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

/// `time(t)` written in place: an order answer has three to six timestamps, and chrono's
/// formatter allocates a `String` for each.
pub(super) struct Rfc3339(pub(super) Timestamp);

impl fmt::Display for Rfc3339 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match rfc3339_bytes(self.0) {
            Some(b) => f.write_str(std::str::from_utf8(&b).map_err(|_| fmt::Error)?),
            None => f.write_str(&time(self.0)),
        }
    }
}

/// `time(t)` as its 30 ASCII bytes, for years 0 to 9999 and no leap second (`None` otherwise:
/// chrono's own rules apply there). The date comes from the day number in one step (Howard
/// Hinnant's `civil_from_days`): asking chrono for year, month and day one by one cost each
/// answer a few hundred instructions per timestamp.
pub(super) fn rfc3339_bytes(t: Timestamp) -> Option<[u8; 30]> {
    Rfc3339Days::default().bytes(t)
}

/// `rfc3339_bytes` for a run of timestamps, keeping the last day's date: a page of minute
/// bars has 390 to a day, and working the date out once per day instead of per bar was a
/// tenth of a 10,000-bar page's time.
#[derive(Default)]
pub(super) struct Rfc3339Days {
    /// The day number and its `YYYY-MM-DD`.
    last: Option<(i64, [u8; 10])>,
}

impl Rfc3339Days {
    pub(super) fn bytes(&mut self, t: Timestamp) -> Option<[u8; 30]> {
        let nanos = t.timestamp_subsec_nanos();
        if nanos > 999_999_999 {
            return None; // a leap second
        }
        let secs = t.timestamp();
        let (days, of_day) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
        let mut b = *b"0000-00-00T00:00:00.000000000Z";
        match self.last {
            Some((last, date)) if last == days => b[..10].copy_from_slice(&date),
            _ => {
                let (year, month, day) = civil_from_days(days);
                let year = u32::try_from(year).ok().filter(|y| *y <= 9999)?;
                digits(&mut b[0..4], year);
                digits(&mut b[5..7], month);
                digits(&mut b[8..10], day);
                let mut date = [0; 10];
                date.copy_from_slice(&b[..10]);
                self.last = Some((days, date));
            }
        }
        // `of_day` is in 0..86_400.
        let of_day = of_day as u32;
        digits(&mut b[11..13], of_day / 3600);
        digits(&mut b[14..16], of_day / 60 % 60);
        digits(&mut b[17..19], of_day % 60);
        digits(&mut b[20..29], nanos);
        Some(b)
    }
}

/// (year, month, day) of the proleptic Gregorian calendar for days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of the 400-year era, 0..146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `v` in decimal, zero-padded to fill `out` (its high digits dropped if it does not fit).
/// Two digits per division, from a table (timestamps are most of an answer's digits).
pub(super) fn digits(out: &mut [u8], mut v: u32) {
    const PAIRS: &[u8; 200] = b"0001020304050607080910111213141516171819\
                                2021222324252627282930313233343536373839\
                                4041424344454647484950515253545556575859\
                                6061626364656667686970717273747576777879\
                                8081828384858687888990919293949596979899";
    let mut rest = out;
    while let [head @ .., a, b] = rest {
        let pair = (v % 100) as usize * 2;
        (*a, *b) = (PAIRS[pair], PAIRS[pair + 1]);
        v /= 100;
        rest = head;
    }
    if let [d] = rest {
        *d = b'0' + (v % 10) as u8;
    }
}

fn dec(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}

fn name<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Alpaca's `position_intent` for an order, from which way it moves the position.
pub(super) fn intent(o: &Order) -> &'static str {
    match o.side {
        Side::Buy => "buy_to_open",
        Side::Sell => "sell_to_close",
    }
}

/// An order in Alpaca's shape, serialised straight to the output (no intermediate `Value`):
/// it is the body of the hottest responses. With legs (`nested=true`, a new bracket), they
/// go in its `legs` array; without, `legs` is null.
pub struct OrderWire<'a>(pub &'a Order, pub Option<&'a [Order]>);

/// A decimal as a normalised string (`"10"`, not `"10.00"`).
struct DecStr(Decimal);

impl Serialize for DecStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0.normalize())
    }
}

struct TimeStr(Timestamp);

impl Serialize for TimeStr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&Rfc3339(self.0))
    }
}

impl Serialize for OrderWire<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let o = self.0;
        let dec = |d: Option<Decimal>| d.map(DecStr);
        let t = |t: Option<Timestamp>| t.map(TimeStr);
        let mut m = s.serialize_map(Some(36))?;
        m.serialize_entry("id", &o.id)?;
        m.serialize_entry("client_order_id", &o.client_order_id)?;
        m.serialize_entry("created_at", &TimeStr(o.created_at))?;
        m.serialize_entry("updated_at", &TimeStr(o.updated_at))?;
        m.serialize_entry("submitted_at", &TimeStr(o.submitted_at))?;
        m.serialize_entry("filled_at", &t(o.filled_at))?;
        m.serialize_entry("expired_at", &t(o.expired_at))?;
        m.serialize_entry("canceled_at", &t(o.canceled_at))?;
        m.serialize_entry("failed_at", &None::<()>)?;
        m.serialize_entry("replaced_at", &t(o.replaced_at))?;
        m.serialize_entry("replaced_by", &o.replaced_by)?;
        m.serialize_entry("replaces", &o.replaces)?;
        m.serialize_entry("asset_id", &stable_uuid(o.symbol.as_str()))?;
        m.serialize_entry("symbol", o.symbol.as_str())?;
        m.serialize_entry("asset_class", "us_equity")?;
        m.serialize_entry("notional", &dec(o.notional))?;
        m.serialize_entry("qty", &dec(o.qty))?;
        m.serialize_entry("filled_qty", &DecStr(o.filled_qty))?;
        m.serialize_entry("filled_avg_price", &dec(o.filled_avg_price))?;
        m.serialize_entry("order_class", &o.order_class)?;
        m.serialize_entry("order_type", &o.order_type)?;
        m.serialize_entry("type", &o.order_type)?;
        m.serialize_entry("side", &o.side)?;
        m.serialize_entry("position_intent", intent(o))?;
        m.serialize_entry("time_in_force", &o.time_in_force)?;
        m.serialize_entry("limit_price", &dec(o.limit_price))?;
        m.serialize_entry("stop_price", &dec(o.stop_price))?;
        m.serialize_entry("status", &o.status)?;
        m.serialize_entry("extended_hours", &o.extended_hours)?;
        match self.1 {
            Some(legs) => m.serialize_entry(
                "legs",
                &legs.iter().map(|l| OrderWire(l, None)).collect::<Vec<_>>(),
            )?,
            None => m.serialize_entry("legs", &None::<()>)?,
        }
        m.serialize_entry("trail_percent", &dec(o.trail_percent))?;
        m.serialize_entry("trail_price", &dec(o.trail_price))?;
        m.serialize_entry("hwm", &dec(o.hwm))?;
        m.serialize_entry("subtag", &None::<()>)?;
        m.serialize_entry("source", &None::<()>)?;
        m.serialize_entry("expires_at", &t(o.expires_at))?;
        m.end()
    }
}

/// An order as a JSON value, for bodies that wrap it (streams, multi-status lists).
pub fn order(o: &Order) -> Value {
    serde_json::to_value(OrderWire(o, None)).unwrap_or(Value::Null)
}

pub fn account(s: &AccountSummary, account_uuid: Uuid) -> Value {
    json!({
        "id": account_uuid,
        "account_number": s.id.as_str(),
        "status": "ACTIVE",
        "crypto_status": "INACTIVE",
        "currency": "USD",
        "cash": dec(s.cash),
        "portfolio_value": dec(s.equity),
        "equity": dec(s.equity),
        "last_equity": dec(s.last_equity),
        "long_market_value": dec(s.long_market_value),
        "short_market_value": dec(s.short_market_value),
        "buying_power": dec(s.buying_power),
        "regt_buying_power": dec(s.regt_buying_power),
        "daytrading_buying_power": dec(s.daytrading_buying_power),
        "non_marginable_buying_power": dec(s.non_marginable_buying_power),
        "effective_buying_power": dec(s.buying_power),
        "options_buying_power": dec(s.non_marginable_buying_power),
        "options_approved_level": 0,
        "options_trading_level": 0,
        "multiplier": dec(s.multiplier),
        "initial_margin": dec(s.initial_margin),
        "maintenance_margin": dec(s.maintenance_margin),
        "last_maintenance_margin": dec(s.maintenance_margin),
        "sma": "0",
        "daytrade_count": s.daytrade_count,
        "pattern_day_trader": s.pattern_day_trader,
        "shorting_enabled": s.kind == AccountKind::Margin && !s.config.no_shorting,
        "trading_blocked": false,
        "transfers_blocked": false,
        "account_blocked": false,
        "trade_suspended_by_user": s.config.suspend_trade,
        "accrued_fees": "0",
        "pending_transfer_in": "0",
        "pending_transfer_out": "0",
        "pending_reg_taf_fees": "0",
        "intraday_adjustments": "0",
        "created_at": time(s.created_at),
        "balance_asof": s.created_at.date_naive().to_string(),
    })
}

pub fn position(p: &PositionView) -> Value {
    json!({
        "asset_id": p.asset_id,
        "symbol": p.symbol.as_str(),
        "exchange": p.exchange,
        "asset_class": "us_equity",
        "asset_marginable": true,
        "avg_entry_price": dec(p.avg_entry_price),
        "qty": dec(p.qty),
        "qty_available": dec(p.qty_available),
        "side": if p.qty < Decimal::ZERO { "short" } else { "long" },
        "market_value": dec(p.market_value),
        "cost_basis": dec(p.cost_basis),
        "unrealized_pl": dec(p.unrealized_pl),
        "unrealized_plpc": dec(p.unrealized_plpc),
        "unrealized_intraday_pl": dec(p.unrealized_intraday_pl),
        "unrealized_intraday_plpc": dec(p.unrealized_intraday_plpc),
        "current_price": dec(p.current_price),
        "lastday_price": dec(p.lastday_price),
        "change_today": dec(p.change_today),
    })
}

pub fn asset(a: &Asset) -> Value {
    json!({
        "id": a.id,
        "class": "us_equity",
        "exchange": a.exchange,
        "symbol": a.symbol.as_str(),
        "name": a.name,
        "status": "active",
        "tradable": a.tradable,
        "marginable": a.marginable,
        "shortable": a.shortable,
        "easy_to_borrow": a.easy_to_borrow,
        "fractionable": a.fractionable,
        "maintenance_margin_requirement": 30,
        "margin_requirement_long": "50",
        "margin_requirement_short": "50",
        "attributes": [],
    })
}

pub fn fill_activity(a: &FillActivity) -> Value {
    json!({
        "id": a.id(),
        "activity_type": "FILL",
        "transaction_time": time(a.at),
        "type": if a.leaves_qty.is_zero() { "fill" } else { "partial_fill" },
        "price": dec(a.price),
        "qty": dec(a.qty),
        "side": name(a.side),
        "symbol": a.symbol.as_str(),
        "leaves_qty": dec(a.leaves_qty),
        "order_id": a.order_id,
        "cum_qty": dec(a.cum_qty),
        "order_status": name(a.order_status),
    })
}

/// `{"code": 40410000, "message": "..."}`
pub fn error(code: u32, message: impl Into<String>) -> Value {
    json!({ "code": code, "message": message.into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, TimeZone, Utc};

    #[test]
    fn digits_fill_their_width_zero_padded_and_keep_the_low_ones() {
        for width in 1..=10 {
            for v in [
                0,
                7,
                42,
                100,
                999,
                1_000,
                123_456_789,
                999_999_999,
                u32::MAX,
            ] {
                let mut out = vec![b'x'; width];
                digits(&mut out, v);
                let full = format!("{v:0>10}");
                assert_eq!(
                    String::from_utf8(out).unwrap(),
                    full[10 - width..],
                    "{v} in {width}"
                );
            }
        }
    }

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        let mut cases: Vec<DateTime<Utc>> = vec![
            Utc.with_ymd_and_hms(2026, 12, 5, 3, 4, 5).unwrap(),
            Utc.with_ymd_and_hms(0, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59).unwrap(),
            Utc.with_ymd_and_hms(10000, 1, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(-1, 6, 15, 12, 0, 0).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 1).unwrap(),
            Utc.timestamp_opt(1_700_000_000, 999_999_999).unwrap(),
            // A leap second: chrono writes it as second 60.
            Utc.timestamp_opt(1_483_228_799, 1_500_000_000).unwrap(),
        ];
        // Spread over the years the sandbox sees, odd nanoseconds included.
        let mut x: i64 = 1;
        for _ in 0..2_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let secs = x.rem_euclid(4_102_444_800); // 1970 to 2100
            let nanos = u32::try_from(x.rem_euclid(1_000_000_000)).unwrap();
            cases.push(Utc.timestamp_opt(secs, nanos).unwrap());
        }
        // Every year from -100 to 10099 (the byte path covers 0 to 9999), leap days and
        // the ends of days, months and centuries.
        const YEAR_0: i64 = -62_167_219_200;
        const YEAR_10100: i64 = 256_557_974_400;
        for _ in 0..20_000 {
            x = x
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let secs = (YEAR_0 - 3_155_760_000) + x.rem_euclid(YEAR_10100 - YEAR_0 + 3_155_760_000);
            cases.push(Utc.timestamp_opt(secs, 0).unwrap());
        }
        for (y, m, d) in [
            (0, 2, 29),
            (1900, 2, 28),
            (1900, 3, 1),
            (2000, 2, 29),
            (2100, 3, 1),
            (1969, 12, 31),
            (9999, 12, 31),
        ] {
            let day = Utc.with_ymd_and_hms(y, m, d, 0, 0, 0).unwrap();
            cases.push(day);
            cases.push(day - chrono::Duration::nanoseconds(1));
            cases.push(day + chrono::Duration::nanoseconds(86_400_000_000_000 - 1));
        }
        for t in cases {
            assert_eq!(Rfc3339(t).to_string(), time(t), "{t:?}");
            assert_eq!(
                serde_json::to_string(&TimeStr(t)).unwrap(),
                format!("\"{}\"", time(t))
            );
        }
    }
}
