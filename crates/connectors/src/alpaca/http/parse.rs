//! Alpaca JSON to our types. Enum mapping is explicit; an unknown side or type is an error
//! (we would rather say so than trade on a guess), an unknown status is kept verbatim.

use super::models as m;
use crate::ConnectorError;
use crate::types::{
    Activity, Asset, Bar, HistoryPoint, MarketClock, Order, OrderQuantity, OrderRequest, OrderSide,
    OrderStatus, OrderType, PortfolioHistory, Quote, ReplaceRequest, Snapshot, TimeInForce, Trade,
};
use brokerdesk_model::{
    AssetClass, Balances, ClientOrderId, OrderId, Position, PositionSide, Symbol,
};
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

fn bad(what: &str, value: &str) -> ConnectorError {
    ConnectorError::BadResponse(format!("Alpaca sent an unknown {what} {value:?}"))
}

pub fn time(value: &str) -> Result<DateTime<Utc>, ConnectorError> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|_| bad("timestamp", value))
}

fn opt_time(value: Option<&str>) -> Result<Option<DateTime<Utc>>, ConnectorError> {
    value.filter(|v| !v.is_empty()).map(time).transpose()
}

pub fn balances(a: &m::Account) -> Balances {
    Balances {
        currency: a.currency.clone().unwrap_or_else(|| "USD".into()),
        cash: a.cash,
        buying_power: a.buying_power,
        equity: a.equity,
    }
}

pub fn position(p: &m::Position) -> Result<Position, ConnectorError> {
    let side = match p.side.as_str() {
        "long" => PositionSide::Long,
        "short" => PositionSide::Short,
        other => return Err(bad("position side", other)),
    };
    Ok(Position {
        symbol: Symbol::new(&p.symbol),
        side,
        // Alpaca reports a short's qty as negative; ours is positive with a side.
        qty: p.qty.abs(),
        avg_entry_price: p.avg_entry_price,
        cost_basis: p.cost_basis,
        current_price: p.current_price.unwrap_or(Decimal::ZERO),
        market_value: p.market_value.unwrap_or(Decimal::ZERO),
        unrealized_pl: p.unrealized_pl.unwrap_or(Decimal::ZERO),
        asset_class: match p.asset_class.as_deref() {
            Some("us_equity") => AssetClass::Equity,
            Some("us_option") => AssetClass::Option,
            Some("crypto") => AssetClass::Crypto,
            _ => AssetClass::Other,
        },
    })
}

pub fn side(s: &str) -> Result<OrderSide, ConnectorError> {
    match s {
        "buy" => Ok(OrderSide::Buy),
        "sell" => Ok(OrderSide::Sell),
        other => Err(bad("order side", other)),
    }
}

pub fn order_type(s: &str) -> Result<OrderType, ConnectorError> {
    match s {
        "market" => Ok(OrderType::Market),
        "limit" => Ok(OrderType::Limit),
        "stop" => Ok(OrderType::Stop),
        "stop_limit" => Ok(OrderType::StopLimit),
        "trailing_stop" => Ok(OrderType::TrailingStop),
        other => Err(bad("order type", other)),
    }
}

pub fn time_in_force(s: &str) -> Result<TimeInForce, ConnectorError> {
    match s {
        "day" => Ok(TimeInForce::Day),
        "gtc" => Ok(TimeInForce::Gtc),
        "ioc" => Ok(TimeInForce::Ioc),
        "fok" => Ok(TimeInForce::Fok),
        "opg" => Ok(TimeInForce::Opg),
        "cls" => Ok(TimeInForce::Cls),
        other => Err(bad("time in force", other)),
    }
}

pub fn status(s: &str) -> OrderStatus {
    match s {
        "new" => OrderStatus::New,
        "partially_filled" => OrderStatus::PartiallyFilled,
        "filled" => OrderStatus::Filled,
        "done_for_day" => OrderStatus::DoneForDay,
        "canceled" => OrderStatus::Canceled,
        "expired" => OrderStatus::Expired,
        "replaced" => OrderStatus::Replaced,
        "pending_cancel" => OrderStatus::PendingCancel,
        "pending_replace" => OrderStatus::PendingReplace,
        "pending_new" => OrderStatus::PendingNew,
        "accepted" => OrderStatus::Accepted,
        "accepted_for_bidding" => OrderStatus::AcceptedForBidding,
        "stopped" => OrderStatus::Stopped,
        "rejected" => OrderStatus::Rejected,
        "suspended" => OrderStatus::Suspended,
        "calculated" => OrderStatus::Calculated,
        "held" => OrderStatus::Held,
        other => OrderStatus::Other(other.to_owned()),
    }
}

pub fn order(o: &m::Order) -> Result<Order, ConnectorError> {
    let quantity = match (o.qty, o.notional) {
        (Some(q), _) => Some(OrderQuantity::Qty(q)),
        (None, Some(n)) => Some(OrderQuantity::Notional(n)),
        (None, None) => None,
    };
    Ok(Order {
        id: OrderId::new(&o.id),
        client_order_id: o
            .client_order_id
            .as_deref()
            .filter(|c| !c.is_empty())
            .map(ClientOrderId::new),
        symbol: Symbol::new(&o.symbol),
        side: side(&o.side)?,
        order_type: order_type(
            o.type_
                .as_deref()
                .or(o.order_type.as_deref())
                .unwrap_or_default(),
        )?,
        time_in_force: time_in_force(&o.time_in_force)?,
        quantity,
        filled_qty: o.filled_qty.unwrap_or(Decimal::ZERO),
        filled_avg_price: o.filled_avg_price,
        limit_price: o.limit_price,
        stop_price: o.stop_price,
        status: status(&o.status),
        created_at: opt_time(o.created_at.as_deref())?,
        updated_at: opt_time(o.updated_at.as_deref())?,
    })
}

fn side_str(s: OrderSide) -> &'static str {
    match s {
        OrderSide::Buy => "buy",
        OrderSide::Sell => "sell",
    }
}

fn type_str(t: OrderType) -> &'static str {
    match t {
        OrderType::Market => "market",
        OrderType::Limit => "limit",
        OrderType::Stop => "stop",
        OrderType::StopLimit => "stop_limit",
        OrderType::TrailingStop => "trailing_stop",
    }
}

fn tif_str(t: TimeInForce) -> &'static str {
    match t {
        TimeInForce::Day => "day",
        TimeInForce::Gtc => "gtc",
        TimeInForce::Ioc => "ioc",
        TimeInForce::Fok => "fok",
        TimeInForce::Opg => "opg",
        TimeInForce::Cls => "cls",
    }
}

pub fn new_order(r: &OrderRequest) -> m::NewOrder {
    let (qty, notional) = match r.quantity {
        OrderQuantity::Qty(q) => (Some(q.normalize().to_string()), None),
        OrderQuantity::Notional(n) => (None, Some(n.normalize().to_string())),
    };
    m::NewOrder {
        symbol: r.symbol.as_str().to_owned(),
        qty,
        notional,
        side: side_str(r.side),
        order_type: type_str(r.order_type),
        time_in_force: tif_str(r.time_in_force),
        limit_price: r.limit_price.map(|p| p.normalize().to_string()),
        stop_price: r.stop_price.map(|p| p.normalize().to_string()),
        extended_hours: r.extended_hours,
        client_order_id: r.client_order_id.as_str().to_owned(),
    }
}

pub fn replace_order(r: &ReplaceRequest) -> m::ReplaceOrder {
    m::ReplaceOrder {
        qty: r.qty.map(|q| q.normalize().to_string()),
        limit_price: r.limit_price.map(|p| p.normalize().to_string()),
        stop_price: r.stop_price.map(|p| p.normalize().to_string()),
        time_in_force: r.time_in_force.map(tif_str),
        client_order_id: r.client_order_id.as_ref().map(|c| c.as_str().to_owned()),
    }
}

pub fn asset(a: &m::Asset) -> Asset {
    Asset {
        id: a.id.clone(),
        symbol: Symbol::new(&a.symbol),
        name: a.name.clone(),
        exchange: a.exchange.clone(),
        asset_class: a.class.clone(),
        tradable: a.tradable,
        fractionable: a.fractionable,
        shortable: a.shortable,
    }
}

pub fn clock(c: &m::Clock) -> Result<MarketClock, ConnectorError> {
    Ok(MarketClock {
        timestamp: time(&c.timestamp)?,
        is_open: c.is_open,
        next_open: time(&c.next_open)?,
        next_close: time(&c.next_close)?,
    })
}

pub fn activity(a: &m::Activity) -> Result<Activity, ConnectorError> {
    let date = a
        .date
        .as_deref()
        .map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").map_err(|_| bad("date", d)))
        .transpose()?;
    Ok(Activity {
        id: a.id.clone(),
        activity_type: a.activity_type.clone(),
        symbol: a.symbol.as_deref().map(Symbol::new),
        qty: a.qty,
        price: a.price,
        net_amount: a.net_amount,
        date,
        time: opt_time(a.transaction_time.as_deref())?,
    })
}

pub fn portfolio_history(h: &m::PortfolioHistory) -> Result<PortfolioHistory, ConnectorError> {
    let number =
        |v: Option<&Box<serde_json::value::RawValue>>| -> Result<Option<Decimal>, ConnectorError> {
            match v {
                None => Ok(None),
                Some(raw) => crate::decimal::parse_text(raw.get())
                    .map_err(|e| ConnectorError::BadResponse(format!("portfolio history: {e}"))),
            }
        };
    let mut points = Vec::with_capacity(h.timestamp.len());
    for (i, ts) in h.timestamp.iter().enumerate() {
        let timestamp =
            DateTime::from_timestamp(*ts, 0).ok_or_else(|| bad("timestamp", &ts.to_string()))?;
        points.push(HistoryPoint {
            timestamp,
            equity: number(h.equity.get(i).and_then(Option::as_ref))?,
            profit_loss: number(h.profit_loss.get(i).and_then(Option::as_ref))?,
        });
    }
    Ok(PortfolioHistory {
        points,
        base_value: h.base_value,
    })
}

pub fn quote(symbol: &str, q: &m::Quote) -> Result<Quote, ConnectorError> {
    Ok(Quote {
        symbol: Symbol::new(symbol),
        bid: q.bp,
        bid_size: q.bs,
        ask: q.ap,
        ask_size: q.as_,
        last: None,
        timestamp: Some(time(&q.t)?),
    })
}

pub fn trade(symbol: &str, t: &m::Trade) -> Result<Trade, ConnectorError> {
    Ok(Trade {
        symbol: Symbol::new(symbol),
        price: t.p,
        size: t.s,
        timestamp: time(&t.t)?,
    })
}

pub fn bar(symbol: &str, b: &m::Bar) -> Result<Bar, ConnectorError> {
    Ok(Bar {
        symbol: Symbol::new(symbol),
        timestamp: time(&b.t)?,
        open: b.o,
        high: b.h,
        low: b.l,
        close: b.c,
        volume: b.v,
    })
}

pub fn snapshot(symbol: &str, s: &m::Snapshot) -> Result<Snapshot, ConnectorError> {
    let bar_opt = |b: &Option<m::Bar>| b.as_ref().map(|b| bar(symbol, b)).transpose();
    let mut quote_ = s
        .latest_quote
        .as_ref()
        .map(|q| quote(symbol, q))
        .transpose()?;
    let trade_ = s
        .latest_trade
        .as_ref()
        .map(|t| trade(symbol, t))
        .transpose()?;
    if let (Some(q), Some(t)) = (quote_.as_mut(), trade_.as_ref()) {
        q.last = Some(t.price);
    }
    Ok(Snapshot {
        symbol: Symbol::new(symbol),
        quote: quote_,
        trade: trade_,
        minute_bar: bar_opt(&s.minute_bar)?,
        daily_bar: bar_opt(&s.daily_bar)?,
        prev_daily_bar: bar_opt(&s.prev_daily_bar)?,
    })
}
