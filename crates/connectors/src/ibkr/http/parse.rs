//! Gateway JSON to our types, and our order to the gateway's.

use super::models as m;
use crate::ConnectorError;
use crate::types::{
    Order, OrderQuantity, OrderRequest, OrderSide, OrderStatus, OrderType, Quote, TimeInForce,
};
use brokerdesk_model::{
    AssetClass, Balances, ClientOrderId, OrderId, Position, PositionSide, Symbol,
};
use chrono::DateTime;
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use std::str::FromStr;

fn bad(what: &str, value: &str) -> ConnectorError {
    ConnectorError::BadResponse(format!("IBKR sent an unknown {what} {value:?}"))
}

/// Snapshot field ids (spec `mdFields`).
pub mod field {
    pub const LAST: &str = "31";
    pub const SYMBOL: &str = "55";
    pub const BID: &str = "84";
    pub const ASK_SIZE: &str = "85";
    pub const ASK: &str = "86";
    pub const BID_SIZE: &str = "88";
    pub const UPDATED: &str = "_updated";
    /// What we ask the snapshot for.
    pub const QUOTE_FIELDS: &str = "31,55,84,85,86,88";
}

pub fn symbol_of(p: &m::Position) -> Symbol {
    Symbol::new(
        p.ticker
            .as_deref()
            .or(p.contract_desc.as_deref())
            .unwrap_or_default(),
    )
}

pub fn position(p: &m::Position) -> Position {
    let qty = p.position.abs();
    Position {
        symbol: symbol_of(p),
        side: if p.position.is_sign_negative() {
            PositionSide::Short
        } else {
            PositionSide::Long
        },
        qty,
        avg_entry_price: p.avg_price.unwrap_or(Decimal::ZERO),
        // avgCost is per unit including the multiplier (an option's is 100× its avgPrice).
        cost_basis: p.avg_cost.unwrap_or(Decimal::ZERO) * qty,
        current_price: p.mkt_price.unwrap_or(Decimal::ZERO),
        market_value: p.mkt_value.unwrap_or(Decimal::ZERO),
        unrealized_pl: p.unrealized_pnl.unwrap_or(Decimal::ZERO),
        asset_class: match p.asset_class.as_deref() {
            Some("STK") => AssetClass::Equity,
            Some("OPT") => AssetClass::Option,
            Some("CRYPTO") => AssetClass::Crypto,
            _ => AssetClass::Other,
        },
    }
}

pub fn balances(s: &m::Summary) -> Result<Balances, ConnectorError> {
    let amount = |key: &str| {
        s.get(key)
            .and_then(|v| v.amount)
            .ok_or_else(|| ConnectorError::BadResponse(format!("IBKR summary has no {key}")))
    };
    Ok(Balances {
        currency: s
            .get("netliquidation")
            .and_then(|v| v.currency.clone())
            .unwrap_or_else(|| "USD".into()),
        cash: amount("totalcashvalue")?,
        buying_power: amount("buyingpower")?,
        equity: amount("netliquidation")?,
    })
}

fn side(s: &str) -> Result<OrderSide, ConnectorError> {
    match s.to_ascii_uppercase().as_str() {
        "BUY" | "B" => Ok(OrderSide::Buy),
        "SELL" | "S" => Ok(OrderSide::Sell),
        _ => Err(bad("order side", s)),
    }
}

fn order_type(s: &str) -> Result<OrderType, ConnectorError> {
    match s.to_ascii_uppercase().replace(' ', "_").as_str() {
        "MKT" | "MARKET" => Ok(OrderType::Market),
        "LMT" | "LIMIT" => Ok(OrderType::Limit),
        "STP" | "STOP" => Ok(OrderType::Stop),
        "STP_LMT" | "STOP_LIMIT" => Ok(OrderType::StopLimit),
        "TRAIL" | "TRAILING_STOP" => Ok(OrderType::TrailingStop),
        _ => Err(bad("order type", s)),
    }
}

fn time_in_force(s: &str) -> Result<TimeInForce, ConnectorError> {
    match s.to_ascii_uppercase().as_str() {
        "DAY" => Ok(TimeInForce::Day),
        "GTC" => Ok(TimeInForce::Gtc),
        "IOC" => Ok(TimeInForce::Ioc),
        "FOK" => Ok(TimeInForce::Fok),
        "OPG" => Ok(TimeInForce::Opg),
        "CLOSE" | "CLS" => Ok(TimeInForce::Cls),
        _ => Err(bad("time in force", s)),
    }
}

fn status(s: &str) -> OrderStatus {
    match s {
        "PendingSubmit" => OrderStatus::PendingNew,
        "PreSubmitted" | "Submitted" => OrderStatus::New,
        "Filled" => OrderStatus::Filled,
        "PendingCancel" => OrderStatus::PendingCancel,
        "Cancelled" => OrderStatus::Canceled,
        "Inactive" => OrderStatus::Rejected,
        other => OrderStatus::Other(other.to_owned()),
    }
}

pub fn live_order(o: &m::LiveOrder) -> Result<Order, ConnectorError> {
    let filled = o.filled_quantity.unwrap_or(Decimal::ZERO);
    let mut st = status(&o.status);
    if st == OrderStatus::New && filled > Decimal::ZERO {
        st = OrderStatus::PartiallyFilled;
    }
    let ot = order_type(&o.order_type)?;
    Ok(Order {
        id: OrderId::new(o.order_id.to_string()),
        client_order_id: o
            .order_ref
            .as_deref()
            .filter(|r| !r.is_empty())
            .map(ClientOrderId::new),
        symbol: Symbol::new(o.ticker.as_deref().unwrap_or_default()),
        side: side(&o.side)?,
        order_type: ot,
        time_in_force: time_in_force(o.time_in_force.as_deref().unwrap_or("DAY"))?,
        quantity: o.total_size.map(OrderQuantity::Qty),
        filled_qty: filled,
        filled_avg_price: o.avg_price,
        limit_price: if matches!(ot, OrderType::Limit | OrderType::StopLimit) {
            o.price
        } else {
            None
        },
        stop_price: match ot {
            OrderType::Stop => o.price.or(o.aux_price),
            OrderType::StopLimit => o.aux_price,
            _ => None,
        },
        status: st,
        created_at: None,
        updated_at: o
            .last_execution_time_r
            .and_then(DateTime::from_timestamp_millis),
    })
}

/// A decimal as a JSON number, refused if the number would not say exactly the same value
/// (serde_json numbers are f64 here).
fn number(d: Decimal, what: &str) -> Result<serde_json::Value, ConnectorError> {
    let f = d
        .to_f64()
        .ok_or_else(|| ConnectorError::Rejected(format!("{what} {d} is out of range")))?;
    let back = Decimal::from_str(&f.to_string()).ok();
    if back != Some(d.normalize()) {
        return Err(ConnectorError::Rejected(format!(
            "{what} {d} has more precision than IBKR takes"
        )));
    }
    Ok(serde_json::json!(f))
}

pub fn order_body(
    account: &str,
    conid: i64,
    r: &OrderRequest,
) -> Result<serde_json::Value, ConnectorError> {
    let qty = match r.quantity {
        OrderQuantity::Qty(q) => q,
        OrderQuantity::Notional(_) => {
            return Err(ConnectorError::Rejected(
                "IBKR orders take a quantity, not a cash amount".into(),
            ));
        }
    };
    let order_type = match r.order_type {
        OrderType::Market => "MKT",
        OrderType::Limit => "LMT",
        OrderType::Stop => "STP",
        OrderType::StopLimit => "STOP_LIMIT",
        OrderType::TrailingStop => {
            return Err(ConnectorError::Rejected(
                "trailing stops are not supported for IBKR yet".into(),
            ));
        }
    };
    let tif = match r.time_in_force {
        TimeInForce::Day => "DAY",
        TimeInForce::Gtc => "GTC",
        TimeInForce::Ioc => "IOC",
        TimeInForce::Fok => "FOK",
        TimeInForce::Opg => "OPG",
        TimeInForce::Cls => "CLOSE",
    };
    let mut o = serde_json::json!({
        "acctId": account,
        "conid": conid,
        "cOID": r.client_order_id.as_str(),
        "orderType": order_type,
        "side": match r.side { OrderSide::Buy => "BUY", OrderSide::Sell => "SELL" },
        "quantity": number(qty, "quantity")?,
        "tif": tif,
        "outsideRTH": r.extended_hours,
    });
    // IBKR: `price` is the limit (or the stop for STP); `auxPrice` the stop of a stop-limit.
    let (price, aux) = match r.order_type {
        OrderType::Stop => (r.stop_price, None),
        OrderType::StopLimit => (r.limit_price, r.stop_price),
        _ => (r.limit_price, None),
    };
    if let Some(p) = price {
        o["price"] = number(p, "price")?;
    }
    if let Some(a) = aux {
        o["auxPrice"] = number(a, "stop price")?;
    }
    Ok(serde_json::json!({ "orders": [o] }))
}

/// What the gateway said to an order (or to a confirmation).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceReply {
    Placed {
        order_id: String,
        status: String,
    },
    /// A warning to confirm through /iserver/reply/{reply_id}.
    Confirm {
        reply_id: String,
        messages: Vec<String>,
    },
    Refused(String),
}

pub fn place_reply(v: &serde_json::Value) -> Result<PlaceReply, ConnectorError> {
    let first = match v {
        serde_json::Value::Array(items) => items.first(),
        other => Some(other),
    };
    let Some(item) = first else {
        return Err(ConnectorError::BadResponse(
            "IBKR answered the order with an empty list".into(),
        ));
    };
    let text = |key: &str| item.get(key).and_then(|x| x.as_str()).map(str::to_owned);
    if let Some(e) = text("error") {
        return Ok(PlaceReply::Refused(e.trim().to_owned()));
    }
    if let Some(id) = item.get("order_id") {
        let order_id = match id {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        return Ok(PlaceReply::Placed {
            order_id,
            status: text("order_status").unwrap_or_default(),
        });
    }
    if let (Some(reply_id), Some(messages)) =
        (text("id"), item.get("message").and_then(|m| m.as_array()))
    {
        let messages = messages
            .iter()
            .filter_map(|m| m.as_str())
            .map(str::to_owned)
            .collect();
        return Ok(PlaceReply::Confirm { reply_id, messages });
    }
    if item.get("prompt").and_then(|p| p.as_bool()) == Some(true) {
        // Prompts with options (price management algo) need a choice we cannot make for the user.
        return Ok(PlaceReply::Refused(
            text("text").unwrap_or_else(|| "IBKR asks a question".into()),
        ));
    }
    Err(ConnectorError::BadResponse(
        "IBKR answered the order in an unknown shape".into(),
    ))
}

/// A snapshot value: `"172.60"`, `172.6`, `"C172.60"` (C = previous close, H = halted),
/// sizes like `"1,200"` or `"12.5K"`.
pub fn snapshot_value(raw: &str) -> Option<Decimal> {
    let raw = raw.trim();
    let text = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    let text = text.trim_start_matches(['C', 'H']).replace(',', "");
    let (digits, scale) = match text.chars().last() {
        Some('K') => (&text[..text.len() - 1], Decimal::from(1_000)),
        Some('M') => (&text[..text.len() - 1], Decimal::from(1_000_000)),
        _ => (text.as_str(), Decimal::ONE),
    };
    Decimal::from_str(digits)
        .ok()
        .map(|d| (d * scale).normalize())
}

pub fn snapshot_quote(e: &m::SnapshotEntry, symbol: &Symbol) -> Quote {
    let get = |k: &str| e.get(k).and_then(|v| snapshot_value(v.get()));
    Quote {
        symbol: symbol.clone(),
        bid: get(field::BID),
        bid_size: get(field::BID_SIZE),
        ask: get(field::ASK),
        ask_size: get(field::ASK_SIZE),
        last: get(field::LAST),
        timestamp: e
            .get(field::UPDATED)
            .and_then(|v| v.get().parse::<i64>().ok())
            .and_then(DateTime::from_timestamp_millis),
    }
}

pub fn has_prices(q: &Quote) -> bool {
    q.bid.is_some() || q.ask.is_some() || q.last.is_some()
}

pub fn conid_of(e: &m::SnapshotEntry) -> Option<i64> {
    e.get("conid")
        .and_then(|v| v.get().trim_matches('"').parse().ok())
}

/// Whether an account trades real money, from what the gateway says: live unless proven
/// paper. Proof is IBKR's own marks of a paper account — an id starting `DU` (IBKR's prefix for
/// paper accounts), `type: "DEMO"` in the portfolio listing, or `isPaper: true` for the whole
/// session. A session the gateway calls not paper (`isPaper: false`) is live whatever the id.
pub fn account_mode(
    account: &m::PortfolioAccount,
    session_is_paper: Option<bool>,
) -> brokerdesk_model::TradingMode {
    use brokerdesk_model::TradingMode;
    if session_is_paper == Some(false) {
        return TradingMode::Live;
    }
    let paper = account.id.starts_with("DU")
        || account.account_type.as_deref() == Some("DEMO")
        || session_is_paper == Some(true);
    if paper {
        TradingMode::Paper
    } else {
        TradingMode::Live
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    #[test]
    fn an_account_is_live_unless_the_gateway_proves_it_paper() {
        use brokerdesk_model::TradingMode::{Live, Paper};
        let acct = |id: &str, t: Option<&str>| m::PortfolioAccount {
            id: id.into(),
            currency: None,
            account_type: t.map(str::to_owned),
        };
        assert_eq!(account_mode(&acct("DU123456", None), None), Paper);
        assert_eq!(account_mode(&acct("U1234567", Some("DEMO")), None), Paper);
        assert_eq!(account_mode(&acct("U1234567", None), Some(true)), Paper);
        assert_eq!(account_mode(&acct("U1234567", None), None), Live);
        assert_eq!(
            account_mode(&acct("U1234567", Some("INDIVIDUAL")), None),
            Live
        );
        assert_eq!(
            account_mode(&acct("du123456", None), None),
            Live,
            "exact prefix"
        );
        assert_eq!(account_mode(&acct("XDU12345", None), None), Live);
        assert_eq!(
            account_mode(&acct("DU123456", Some("DEMO")), Some(false)),
            Live
        );
    }

    #[test]
    fn snapshot_values_with_prefixes_commas_and_suffixes() {
        assert_eq!(snapshot_value("\"172.60\""), Some(dec!(172.6)));
        assert_eq!(snapshot_value("172.6"), Some(dec!(172.6)));
        assert_eq!(snapshot_value("\"C172.60\""), Some(dec!(172.6)));
        assert_eq!(snapshot_value("\"H10\""), Some(dec!(10)));
        assert_eq!(snapshot_value("\"1,200\""), Some(dec!(1200)));
        assert_eq!(snapshot_value("\"12.5K\""), Some(dec!(12500)));
        assert_eq!(snapshot_value("\"\""), None);
        assert_eq!(snapshot_value("\"n/a\""), None);
    }

    #[test]
    fn order_numbers_are_exact_or_refused() {
        let r = OrderRequest::limit(
            ClientOrderId::new("c1"),
            Symbol::new("AAPL"),
            OrderSide::Buy,
            dec!(0.5),
            dec!(172.61),
        );
        let b = order_body("DU1", 265598, &r).expect("body");
        assert_eq!(b["orders"][0]["quantity"].to_string(), "0.5");
        assert_eq!(b["orders"][0]["price"].to_string(), "172.61");
        let too_fine = OrderRequest {
            limit_price: Some(dec!(1.0000000000000000001)),
            ..r
        };
        assert!(matches!(
            order_body("DU1", 1, &too_fine),
            Err(ConnectorError::Rejected(_))
        ));
    }
}
