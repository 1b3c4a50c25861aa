//! Alpaca Trading API v2 JSON shapes. Decimals go out as strings, as Alpaca sends them.

use chrono::SecondsFormat;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use std::fmt;
use uuid::Uuid;

pub(super) use crate::engine::time::Rfc3339Days;
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

/// `time(t)` as its 30 ASCII bytes, or `None` where chrono's own rules apply (`time::Rfc3339Days`).
pub(super) fn rfc3339_bytes(t: Timestamp) -> Option<[u8; 30]> {
    Rfc3339Days::default().bytes(t)
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

    #[test]
    fn timestamps_are_written_as_chrono_writes_them() {
        for t in crate::engine::time::sample_times() {
            assert_eq!(Rfc3339(t).to_string(), time(t), "{t:?}");
            assert_eq!(
                serde_json::to_string(&TimeStr(t)).unwrap(),
                format!("\"{}\"", time(t))
            );
        }
    }
}
