//! Alpaca Trading API v2 JSON shapes. Decimals go out as strings, as Alpaca sends them.

use chrono::SecondsFormat;
use rust_decimal::Decimal;
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::engine::{
    AccountKind, AccountSummary, Asset, FillActivity, Order, PositionView, Side, Timestamp,
};

pub fn time(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Nanos, true)
}

fn opt_time(t: Option<Timestamp>) -> Value {
    t.map_or(Value::Null, |t| Value::String(time(t)))
}

fn dec(d: Decimal) -> Value {
    Value::String(d.normalize().to_string())
}

fn opt_dec(d: Option<Decimal>) -> Value {
    d.map_or(Value::Null, dec)
}

fn name<T: Serialize>(v: T) -> Value {
    serde_json::to_value(v).unwrap_or(Value::Null)
}

/// Alpaca's `position_intent` for an order, from which way it moves the position.
fn intent(o: &Order) -> &'static str {
    match o.side {
        Side::Buy => "buy_to_open",
        Side::Sell => "sell_to_close",
    }
}

pub fn order(o: &Order, asset_id: Uuid) -> Value {
    json!({
        "id": o.id,
        "client_order_id": o.client_order_id,
        "created_at": time(o.created_at),
        "updated_at": time(o.updated_at),
        "submitted_at": time(o.submitted_at),
        "filled_at": opt_time(o.filled_at),
        "expired_at": opt_time(o.expired_at),
        "canceled_at": opt_time(o.canceled_at),
        "failed_at": Value::Null,
        "replaced_at": opt_time(o.replaced_at),
        "replaced_by": o.replaced_by,
        "replaces": o.replaces,
        "asset_id": asset_id,
        "symbol": o.symbol.as_str(),
        "asset_class": "us_equity",
        "notional": opt_dec(o.notional),
        "qty": opt_dec(o.qty),
        "filled_qty": dec(o.filled_qty),
        "filled_avg_price": opt_dec(o.filled_avg_price),
        "order_class": "simple",
        "order_type": name(o.order_type),
        "type": name(o.order_type),
        "side": name(o.side),
        "position_intent": intent(o),
        "time_in_force": name(o.time_in_force),
        "limit_price": opt_dec(o.limit_price),
        "stop_price": opt_dec(o.stop_price),
        "status": name(o.status),
        "extended_hours": o.extended_hours,
        "legs": Value::Null,
        "trail_percent": opt_dec(o.trail_percent),
        "trail_price": opt_dec(o.trail_price),
        "hwm": opt_dec(o.hwm),
        "subtag": Value::Null,
        "source": Value::Null,
        "expires_at": opt_time(o.expires_at),
    })
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
        "shorting_enabled": s.kind == AccountKind::Margin,
        "trading_blocked": false,
        "transfers_blocked": false,
        "account_blocked": false,
        "trade_suspended_by_user": false,
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
