//! SnapTrade JSON to our types, and our orders to SnapTrade's form.

use super::models as m;
use crate::ConnectorError;
use crate::types::{
    Order, OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderType, TimeInForce,
};
use brokerdesk_model::{Balances, OrderId, Position, PositionSide, Symbol};
use chrono::{DateTime, Utc};
use rust_decimal::Decimal;

/// Balances of an account: the balance entry in the account's currency (SnapTrade lists one per
/// currency), equity from the account's total value. Missing figures are zero, and buying power
/// falls back to cash, as the spec says it does for non-margin accounts.
pub fn balances(account: &m::Account, list: &[m::Balance]) -> Balances {
    let total = account.balance.total.as_ref();
    let account_currency = total.and_then(|t| t.currency.clone());
    let code = |b: &m::Balance| b.currency.as_ref().and_then(|c| c.code.clone());
    let entry = list
        .iter()
        .find(|b| account_currency.is_some() && code(b) == account_currency)
        .or_else(|| list.first());
    let cash = entry.and_then(|b| b.cash).unwrap_or(Decimal::ZERO);
    let buying_power = entry.and_then(|b| b.buying_power).unwrap_or(cash);
    let equity = total.and_then(|t| t.amount).unwrap_or(cash);
    let currency = account_currency
        .or_else(|| entry.and_then(code))
        .unwrap_or_else(|| "USD".to_owned());
    Balances {
        currency,
        cash,
        buying_power,
        equity,
    }
}

/// A position from `/positions/all`. `None` for rows that hold nothing we can name or count.
pub fn position(p: &m::AccountPosition) -> Option<Position> {
    let symbol = p
        .instrument
        .symbol
        .as_deref()
        .or(p.instrument.raw_symbol.as_deref())
        .filter(|s| !s.is_empty())?;
    let units = p.units?;
    let qty = units.abs();
    let side = if units.is_sign_negative() && !units.is_zero() {
        PositionSide::Short
    } else {
        PositionSide::Long
    };
    // SnapTrade's `cost_basis` is per unit ("book price"); a missing price or cost reads as
    // zero because the model has no "unknown" (the UI shows the market value it does have).
    let avg = p.cost_basis.unwrap_or(Decimal::ZERO);
    let price = p.price.unwrap_or(Decimal::ZERO);
    let cost_basis = avg * qty;
    let market_value = price * qty;
    let unrealized_pl = match (p.price, p.cost_basis, side) {
        (Some(_), Some(_), PositionSide::Long) => market_value - cost_basis,
        (Some(_), Some(_), PositionSide::Short) => cost_basis - market_value,
        _ => Decimal::ZERO,
    };
    Some(Position {
        symbol: Symbol::new(symbol),
        side,
        qty,
        avg_entry_price: avg,
        cost_basis,
        current_price: price,
        market_value,
        unrealized_pl,
        // SnapTrade's position payload read here carries no class.
        asset_class: Default::default(),
    })
}

/// SnapTrade writes times as `2024-07-30 22:51:49.746270+00:00` (a space, not `T`).
pub fn time(raw: &str) -> Result<DateTime<Utc>, ConnectorError> {
    DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_str(raw, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| ConnectorError::BadResponse(format!("time {raw:?}: {e}")))
}

fn opt_time(raw: Option<&str>) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    raw.filter(|s| !s.is_empty()).map(time).transpose()
}

pub fn status(raw: &str) -> OrderStatus {
    match raw {
        "PENDING" | "QUEUED" | "PENDING_RISK_REVIEW" => OrderStatus::PendingNew,
        "ACCEPTED" => OrderStatus::Accepted,
        "TRIGGERED" | "ACTIVATED" | "CONTINGENT_ORDER" => OrderStatus::New,
        "PARTIAL" => OrderStatus::PartiallyFilled,
        "EXECUTED" => OrderStatus::Filled,
        "FAILED" | "REJECTED" => OrderStatus::Rejected,
        // A partly filled order whose rest was cancelled is over, like a cancelled one.
        "CANCELED" | "PARTIAL_CANCELED" => OrderStatus::Canceled,
        "CANCEL_PENDING" => OrderStatus::PendingCancel,
        "REPLACE_PENDING" => OrderStatus::PendingReplace,
        "REPLACED" => OrderStatus::Replaced,
        "EXPIRED" => OrderStatus::Expired,
        "STOPPED" => OrderStatus::Stopped,
        "SUSPENDED" => OrderStatus::Suspended,
        other => OrderStatus::Other(other.to_owned()),
    }
}

fn side(raw: &str) -> Result<OrderSide, ConnectorError> {
    // Options add BUY_TO_OPEN, SELL_TO_CLOSE, …: the first word is the side.
    if raw.starts_with("BUY") {
        Ok(OrderSide::Buy)
    } else if raw.starts_with("SELL") {
        Ok(OrderSide::Sell)
    } else {
        Err(ConnectorError::BadResponse(format!("order action {raw:?}")))
    }
}

/// SnapTrade passes the brokerage's own word through when it cannot map it; those read as the
/// nearest of ours (`Market` when there is nothing to go on).
fn order_type(raw: Option<&str>) -> OrderType {
    match raw.map(|s| s.to_ascii_lowercase().replace(['_', ' '], "")) {
        Some(s) if s == "limit" => OrderType::Limit,
        Some(s) if s == "stop" => OrderType::Stop,
        Some(s) if s == "stoplimit" => OrderType::StopLimit,
        Some(s) if s.contains("trailing") => OrderType::TrailingStop,
        _ => OrderType::Market,
    }
}

/// Unmapped values (GTD, EHP, a brokerage's own word) read as `Day`, the most restrictive.
fn time_in_force(raw: Option<&str>) -> TimeInForce {
    match raw.map(str::to_ascii_uppercase).as_deref() {
        Some("GTC") => TimeInForce::Gtc,
        Some("FOK") => TimeInForce::Fok,
        Some("IOC") => TimeInForce::Ioc,
        Some("MOO") => TimeInForce::Opg,
        _ => TimeInForce::Day,
    }
}

pub fn order(o: &m::OrderRecord) -> Result<Order, ConnectorError> {
    let symbol = o
        .universal_symbol
        .as_ref()
        .and_then(|u| u.symbol.clone())
        .or_else(|| o.option_symbol.as_ref().and_then(|s| s.ticker.clone()))
        .unwrap_or_default();
    Ok(Order {
        id: OrderId::new(&o.brokerage_order_id),
        // SnapTrade's order records do not carry the client order id back.
        client_order_id: None,
        symbol: Symbol::new(symbol),
        side: side(o.action.as_deref().unwrap_or_default())?,
        order_type: order_type(o.order_type.as_deref()),
        time_in_force: time_in_force(o.time_in_force.as_deref()),
        quantity: o.total_quantity.map(OrderQuantity::Qty),
        filled_qty: o.filled_quantity.unwrap_or(Decimal::ZERO),
        filled_avg_price: o.execution_price,
        limit_price: o.limit_price,
        stop_price: o.stop_price,
        status: status(o.status.as_deref().unwrap_or("NONE")),
        created_at: opt_time(o.time_placed.as_deref())?,
        updated_at: opt_time(o.time_updated.as_deref())?,
    })
}

/// A decimal as a JSON number, exactly: the spec types prices and units as `number`, and
/// serde_json keeps a number's text only through `f64`. Python (SnapTrade's side, and the
/// signature's canonical form) and serde_json print a float the same way between 1e-4 and 1e16,
/// and within 15 significant digits the text survives the trip. Anything else is refused rather
/// than sent rounded.
pub fn json_number(d: Decimal) -> Result<serde_json::Number, ConnectorError> {
    let d = d.normalize();
    let refuse = || {
        ConnectorError::Rejected(format!(
            "{d} cannot be sent to SnapTrade exactly (it takes numbers, not decimal strings)"
        ))
    };
    let abs = d.abs();
    if !d.is_zero()
        && (abs < Decimal::new(1, 4) || abs >= Decimal::from(10_000_000_000_000_000_i64))
    {
        return Err(refuse());
    }
    let n: serde_json::Number = d.to_string().parse().map_err(|_| refuse())?;
    match crate::decimal::parse_text(&n.to_string()) {
        Ok(Some(back)) if back == d => Ok(n),
        _ => Err(refuse()),
    }
}

/// Our order in SnapTrade's words. Refuses what SnapTrade cannot express before anything is sent.
pub fn place_order(account_id: &str, r: &OrderRequest) -> Result<m::PlaceOrder, ConnectorError> {
    let order_type = match r.order_type {
        OrderType::Market => "Market",
        OrderType::Limit => "Limit",
        OrderType::Stop => "Stop",
        OrderType::StopLimit => "StopLimit",
        OrderType::TrailingStop => {
            return Err(ConnectorError::Rejected(
                "SnapTrade's order form has no trailing stop".into(),
            ));
        }
    };
    let time_in_force = match r.time_in_force {
        TimeInForce::Day => "Day",
        TimeInForce::Gtc => "GTC",
        TimeInForce::Fok => "FOK",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Opg | TimeInForce::Cls => {
            return Err(ConnectorError::Rejected(
                "SnapTrade's order form has no opening or closing auction orders".into(),
            ));
        }
    };
    let (units, notional_value) = match r.quantity {
        OrderQuantity::Qty(q) => (Some(json_number(q)?), None),
        OrderQuantity::Notional(n) => (None, Some(json_number(n)?)),
    };
    let price = r.limit_price.map(json_number).transpose()?;
    let stop = r.stop_price.map(json_number).transpose()?;
    // SnapTrade passes a client order id to the brokerage only in canonical UUID form.
    let client_order_id = uuid::Uuid::parse_str(r.client_order_id.as_str())
        .ok()
        .map(|u| u.hyphenated().to_string());
    Ok(m::PlaceOrder {
        account_id: account_id.to_owned(),
        action: match r.side {
            OrderSide::Buy => "BUY",
            OrderSide::Sell => "SELL",
        },
        symbol: r.symbol.as_str().to_owned(),
        order_type,
        time_in_force,
        price,
        stop,
        units,
        notional_value,
        client_order_id,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn decimals_become_json_numbers_exactly_or_not_at_all() {
        assert_eq!(json_number(dec!(10.50)).expect("n").to_string(), "10.5");
        assert_eq!(json_number(dec!(10)).expect("n").to_string(), "10");
        assert_eq!(json_number(dec!(0.0001)).expect("n").to_string(), "0.0001");
        assert_eq!(json_number(dec!(0)).expect("n").to_string(), "0");
        assert_eq!(
            json_number(dec!(123456.789012345)).expect("n").to_string(),
            "123456.789012345"
        );
        assert!(json_number(dec!(0.00001)).is_err());
        assert!(json_number(dec!(1.00000000000000000001)).is_err());
        assert!(json_number(dec!(12345678901234567)).is_err());
    }

    #[test]
    fn snaptrade_times_with_a_space_parse() {
        let t = time("2024-07-30 22:51:49.746270+00:00").expect("t");
        assert_eq!(t.to_rfc3339(), "2024-07-30T22:51:49.746270+00:00");
        assert!(time("2024-07-30T22:51:49Z").is_ok());
        assert!(time("yesterday").is_err());
    }

    #[test]
    fn statuses_and_words_map() {
        assert_eq!(status("EXECUTED"), OrderStatus::Filled);
        assert_eq!(status("PARTIAL"), OrderStatus::PartiallyFilled);
        assert_eq!(status("WEIRD"), OrderStatus::Other("WEIRD".into()));
        assert_eq!(order_type(Some("StopLimit")), OrderType::StopLimit);
        assert_eq!(time_in_force(Some("GTD")), TimeInForce::Day);
        assert!(side("HOLD").is_err());
    }
}
