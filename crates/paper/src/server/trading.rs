//! Trading API v2 routes: account, orders, positions, assets, clock, calendar, activities,
//! portfolio history.

use axum::extract::{Path, State as AxState};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use brokerdesk_model::{AccountId, Symbol};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::auth::Authed;
use super::extract::{AlpacaJson, AlpacaQuery};
use super::order_body::OrderBody;
use super::runtime::State;
use super::{ApiError, AppState, order_json, wire};
use crate::engine::calendar::new_york_local;
use crate::engine::{
    ClassRequest, CommandKind, Event, Order, OrderRequest, OrderType, ReplaceRequest, Side,
    TimeInForce, stable_uuid,
};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/v2/account", get(account))
        .route(
            "/v2/orders",
            get(list_orders).post(submit).delete(cancel_all),
        )
        .route("/v2/orders:by_client_order_id", get(by_client_order_id))
        .route(
            "/v2/orders/{id}",
            get(get_order).delete(cancel_order).patch(replace_order),
        )
        .route("/v2/positions", get(list_positions).delete(close_all))
        .route(
            "/v2/positions/{symbol}",
            get(get_position).delete(close_position),
        )
        .route("/v2/assets", get(list_assets))
        .route("/v2/assets/{symbol}", get(get_asset))
        .route("/v2/clock", get(clock))
        .route("/v2/calendar", get(calendar))
        .route("/v2/account/activities", get(activities))
        .route(
            "/v2/account/activities/{activity_type}",
            get(activities_of_type),
        )
        .route("/v2/account/portfolio/history", get(portfolio_history))
}

/// A random (version 4) id from the thread's generator: `Uuid::new_v4` asks the kernel for
/// entropy on every call, a system call per order.
fn random_id() -> Uuid {
    uuid::Builder::from_random_bytes(rand::random()).into_uuid()
}

fn order_json(o: &Order) -> Value {
    wire::order(o)
}

/// The first refusal among the events, as Alpaca's error response.
fn refused(events: &[Event]) -> Option<ApiError> {
    events.iter().find_map(|e| match e {
        Event::Rejected { rejection, .. } => Some(ApiError::from(rejection.clone())),
        _ => None,
    })
}

/// The latest state of order `id` among the events.
fn latest(events: &[Event], id: Uuid) -> Option<&Order> {
    events
        .iter()
        .rev()
        .find_map(|e| match e {
            Event::Accepted { order }
            | Event::PartiallyFilled { order, .. }
            | Event::Filled { order, .. }
            | Event::Canceled { order }
            | Event::Expired { order } => (order.id == id).then_some(order),
            Event::Replaced { new, .. } => (new.id == id).then_some(new),
            _ => None,
        })
        .map(|order| &**order)
}

async fn account(
    Authed(acct): Authed,
    AxState(app): AxState<AppState>,
) -> Result<Json<Value>, ApiError> {
    let id = acct.clone();
    let summary = app.handle.read(move |s| s.engine.summary(&id)).await?;
    let summary = summary.ok_or_else(|| ApiError::not_found("account not found"))?;
    Ok(Json(wire::account(
        &summary,
        stable_uuid(&format!("account:{acct}")),
    )))
}

async fn submit(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaJson(body): AlpacaJson<OrderBody>,
) -> Result<Response, ApiError> {
    submit_order(&app, account, body).await
}

/// `POST /v2/orders` read straight from hyper's request (the server's direct path, see
/// `listener`): the routed handler's checks in its order (credentials, then the body), and
/// the same answers.
pub(crate) async fn submit_request<B>(app: AppState, req: axum::http::Request<B>) -> Response
where
    B: axum::body::HttpBody<Data = axum::body::Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (parts, body) = req.into_parts();
    // The head is not needed past the credentials: not kept across the awaits.
    let account = match super::auth::account_of(&parts.headers, &app.credentials) {
        Ok(account) => account,
        Err(e) => return e.into_response(),
    };
    drop(parts);
    let body: OrderBody = match super::extract::read_json(body).await {
        Ok(body) => body,
        Err(e) => return e.into_response(),
    };
    submit_order(&app, account, body)
        .await
        .unwrap_or_else(IntoResponse::into_response)
}

async fn submit_order(
    app: &AppState,
    account: AccountId,
    body: OrderBody,
) -> Result<Response, ApiError> {
    let id = random_id();
    // Formatted straight into its buffer: `to_string` goes through `fmt` for a fixed 36 bytes.
    let random_client_id = || {
        random_id()
            .hyphenated()
            .encode_lower(&mut Uuid::encode_buffer())
            .to_owned()
    };
    let req = body.into_request(account, id, random_client_id)?;
    let events = app.handle.apply(CommandKind::Submit(req)).await?;
    if let Some(err) = refused(&events) {
        return Err(err);
    }
    // Alpaca answers a new bracket, OCO or OTO order with its legs.
    let order =
        latest(&events, id).ok_or_else(|| ApiError::unprocessable("order was not accepted"))?;
    let legs: Vec<Order> = order
        .legs
        .iter()
        .filter_map(|leg| latest(&events, *leg).cloned())
        .collect();
    let legs = (!order.legs.is_empty()).then_some(legs.as_slice());
    order_response(order, legs)
}

/// One order (and its legs) as the answer's JSON body.
fn order_response(order: &Order, legs: Option<&[Order]>) -> Result<Response, ApiError> {
    // Sized for an order (~900 bytes): axum's `Json` starts at 128 and regrows.
    let mut body = Vec::with_capacity(1024 * (1 + legs.map_or(0, <[Order]>::len)));
    order_json::write(&mut body, order, legs).map_err(unwritable)?;
    Ok(json_body(body))
}

fn json_body(body: Vec<u8>) -> Response {
    (
        [(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}

fn unwritable(e: std::io::Error) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, 50010000, e.to_string())
}

#[derive(Deserialize, Default)]
struct ListOrders {
    status: Option<String>,
    limit: Option<usize>,
    after: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    direction: Option<String>,
    symbols: Option<String>,
    side: Option<Side>,
    nested: Option<String>,
}

async fn list_orders(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ListOrders>,
) -> Result<Response, ApiError> {
    let status = q.status.unwrap_or_else(|| "open".into());
    if !matches!(status.as_str(), "open" | "closed" | "all") {
        return Err(ApiError::unprocessable(
            "status must be open, closed or all",
        ));
    }
    let limit = q.limit.unwrap_or(50).clamp(1, 500);
    let asc = q.direction.as_deref() == Some("asc");
    let symbols: Option<Vec<Symbol>> = q.symbols.map(|s| s.split(',').map(Symbol::new).collect());
    let nested = nested(q.nested.as_deref())?;
    let groups = app
        .handle
        .read(move |s| {
            let legs = |o: &Order| -> Vec<Order> {
                o.legs
                    .iter()
                    .filter_map(|id| s.engine.order(id).cloned())
                    .collect()
            };
            // Nested, a group (parent and legs) is open while any of its orders is.
            let is_open = |o: &Order| {
                o.status.is_open()
                    || (nested
                        && o.legs
                            .iter()
                            .any(|id| s.engine.order(id).is_some_and(|l| l.status.is_open())))
            };
            let matches = |o: &&Order| {
                let open = is_open(o);
                (!nested || o.parent.is_none())
                    && (status == "all" || (status == "open") == open)
                    && q.after.is_none_or(|t| o.submitted_at > t)
                    && q.until.is_none_or(|t| o.submitted_at < t)
                    && q.side.is_none_or(|side| o.side == side)
                    && symbols.as_ref().is_none_or(|list| list.contains(&o.symbol))
            };
            let all: Vec<&Order> = s.engine.orders(&account).filter(matches).collect();
            let group = |o: &&Order| {
                let legs = (nested && !o.legs.is_empty()).then(|| legs(o));
                ((*o).clone(), legs)
            };
            let pick: Vec<(Order, Option<Vec<Order>>)> = if asc {
                all.iter().take(limit).map(group).collect()
            } else {
                all.iter().rev().take(limit).map(group).collect()
            };
            pick
        })
        .await?;
    let mut body = Vec::with_capacity(1024 * groups.len() + 2);
    body.push(b'[');
    for (i, (o, legs)) in groups.iter().enumerate() {
        if i > 0 {
            body.push(b',');
        }
        order_json::write(&mut body, o, legs.as_deref()).map_err(unwritable)?;
    }
    body.push(b']');
    Ok(json_body(body))
}

fn parse_id(id: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(id).map_err(|_| ApiError::not_found(format!("order not found for {id}")))
}

#[derive(Deserialize, Default)]
struct GetOrder {
    nested: Option<String>,
}

/// `nested`: alpaca-py sends Python's `True`, so any case of true/false.
fn nested(value: Option<&str>) -> Result<bool, ApiError> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(_) => Err(ApiError::bad_request("nested must be true or false")),
    }
}

async fn get_order(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
    AlpacaQuery(q): AlpacaQuery<GetOrder>,
) -> Result<Response, ApiError> {
    let uuid = parse_id(&id)?;
    let nested = nested(q.nested.as_deref())?;
    // Clone out and serialise here: the exchange thread is the one shared resource.
    app.handle
        .read(move |s| {
            s.engine
                .order(&uuid)
                .filter(|o| o.account == account)
                .map(|o| {
                    let legs = (nested && !o.legs.is_empty()).then(|| {
                        o.legs
                            .iter()
                            .filter_map(|id| s.engine.order(id).cloned())
                            .collect::<Vec<_>>()
                    });
                    (o.clone(), legs)
                })
        })
        .await?
        .ok_or_else(|| ApiError::not_found(format!("order not found for {id}")))
        .and_then(|(o, legs)| order_response(&o, legs.as_deref()))
}

#[derive(Deserialize)]
struct ByClientId {
    client_order_id: String,
}

async fn by_client_order_id(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ByClientId>,
) -> Result<Response, ApiError> {
    let cid = q.client_order_id.clone();
    app.handle
        .read(move |s| s.engine.order_by_client_id(&account, &cid).cloned())
        .await?
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "order not found for client_order_id {}",
                q.client_order_id
            ))
        })
        .and_then(|o| order_response(&o, None))
}

async fn cancel_order(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let order_id = parse_id(&id)?;
    let events = app
        .handle
        .apply(CommandKind::Cancel { account, order_id })
        .await?;
    match refused(&events) {
        Some(err) => Err(err),
        None => Ok(StatusCode::NO_CONTENT),
    }
}

async fn cancel_all(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
) -> Result<Response, ApiError> {
    let acct = account.clone();
    let events = app
        .handle
        .plan(move |s| {
            s.engine
                .orders(&acct)
                .filter(|o| o.status.is_open())
                .map(|o| CommandKind::Cancel {
                    account: acct.clone(),
                    order_id: o.id,
                })
                .collect()
        })
        .await?;
    let body: Vec<Value> = events
        .iter()
        .filter_map(|e| match e {
            Event::Canceled { order } => {
                Some(json!({ "id": order.id, "status": 200, "body": order_json(order) }))
            }
            _ => None,
        })
        .collect();
    Ok((StatusCode::MULTI_STATUS, Json(Value::Array(body))).into_response())
}

#[derive(Deserialize)]
struct ReplaceBody {
    qty: Option<Decimal>,
    time_in_force: Option<TimeInForce>,
    limit_price: Option<Decimal>,
    stop_price: Option<Decimal>,
    trail: Option<Decimal>,
    client_order_id: Option<String>,
}

async fn replace_order(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(id): Path<String>,
    AlpacaJson(body): AlpacaJson<ReplaceBody>,
) -> Result<Json<Value>, ApiError> {
    let order_id = parse_id(&id)?;
    let new_id = random_id();
    let changes = ReplaceRequest {
        qty: body.qty,
        time_in_force: body.time_in_force,
        limit_price: body.limit_price,
        stop_price: body.stop_price,
        trail: body.trail,
        client_order_id: body.client_order_id,
    };
    let events = app
        .handle
        .apply(CommandKind::Replace {
            account,
            order_id,
            new_id,
            changes,
        })
        .await?;
    if let Some(err) = refused(&events) {
        return Err(err);
    }
    latest(&events, new_id)
        .map(|o| Json(order_json(o)))
        .ok_or_else(|| ApiError::unprocessable("order was not replaced"))
}

/// A symbol, or an asset id that names one.
fn resolve_symbol(s: &State, key: &str) -> Symbol {
    match Uuid::parse_str(key) {
        Ok(id) => s
            .engine
            .assets()
            .iter()
            .find(|a| a.id == id)
            .map_or_else(|| Symbol::new(key), |a| a.symbol.clone()),
        Err(_) => Symbol::new(key),
    }
}

async fn list_positions(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
) -> Result<Json<Value>, ApiError> {
    let list = app
        .handle
        .read(move |s| {
            s.engine
                .positions(&account)
                .unwrap_or_default()
                .iter()
                .map(wire::position)
                .collect()
        })
        .await?;
    Ok(Json(Value::Array(list)))
}

async fn get_position(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    app.handle
        .read(move |s| {
            s.engine
                .position(&account, &resolve_symbol(s, &key))
                .map(|p| wire::position(&p))
        })
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("position does not exist"))
}

#[derive(Deserialize)]
struct CloseQuery {
    qty: Option<Decimal>,
    percentage: Option<Decimal>,
}

/// A market order that takes `qty` (signed position) back toward flat.
fn closing_order(
    account: &AccountId,
    symbol: Symbol,
    position: Decimal,
    qty: Decimal,
) -> CommandKind {
    let id = random_id();
    CommandKind::Submit(OrderRequest {
        account: account.clone(),
        id,
        client_order_id: id.to_string(),
        symbol,
        side: if position > Decimal::ZERO {
            Side::Sell
        } else {
            Side::Buy
        },
        order_type: OrderType::Market,
        time_in_force: TimeInForce::Day,
        qty: Some(qty),
        notional: None,
        limit_price: None,
        stop_price: None,
        trail_price: None,
        trail_percent: None,
        extended_hours: false,
        class: ClassRequest::Simple,
    })
}

async fn close_position(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    Path(key): Path<String>,
    AlpacaQuery(q): AlpacaQuery<CloseQuery>,
) -> Result<Json<Value>, ApiError> {
    if let Some(p) = q.percentage
        && (p <= Decimal::ZERO || p > Decimal::ONE_HUNDRED)
    {
        return Err(ApiError::unprocessable("percentage must be in (0, 100]"));
    }
    let events = app
        .handle
        .plan(move |s| {
            let symbol = resolve_symbol(s, &key);
            let Some(pos) = s.engine.position(&account, &symbol) else {
                return Vec::new();
            };
            let full = pos.qty.abs();
            let qty = match (q.qty, q.percentage) {
                (Some(qty), _) => qty.min(full),
                (None, Some(pct)) => full
                    .checked_mul(pct)
                    .map_or(full, |v| v / Decimal::ONE_HUNDRED)
                    .trunc_with_scale(9),
                (None, None) => full,
            };
            vec![closing_order(&account, symbol, pos.qty, qty)]
        })
        .await?;
    if events.is_empty() {
        return Err(ApiError::not_found("position does not exist"));
    }
    if let Some(err) = refused(&events) {
        return Err(err);
    }
    let order = events.iter().find_map(|e| match e {
        Event::Accepted { order } => Some(order.id),
        _ => None,
    });
    order
        .and_then(|id| latest(&events, id))
        .map(|o| Json(order_json(o)))
        .ok_or_else(|| ApiError::unprocessable("closing order was not accepted"))
}

#[derive(Deserialize)]
struct CloseAllQuery {
    cancel_orders: Option<bool>,
}

async fn close_all(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<CloseAllQuery>,
) -> Result<Response, ApiError> {
    let cancel = q.cancel_orders.unwrap_or(false);
    let events = app
        .handle
        .plan(move |s| {
            let mut cmds: Vec<CommandKind> = Vec::new();
            if cancel {
                cmds.extend(
                    s.engine
                        .orders(&account)
                        .filter(|o| o.status.is_open())
                        .map(|o| CommandKind::Cancel {
                            account: account.clone(),
                            order_id: o.id,
                        }),
                );
            }
            for p in s.engine.positions(&account).unwrap_or_default() {
                cmds.push(closing_order(
                    &account,
                    p.symbol.clone(),
                    p.qty,
                    p.qty.abs(),
                ));
            }
            cmds
        })
        .await?;
    let mut body = Vec::new();
    for e in &events {
        match e {
            Event::Accepted { order } => {
                let latest = latest(&events, order.id).unwrap_or(order);
                body.push(json!({ "symbol": order.symbol.as_str(), "status": 200, "body": order_json(latest) }));
            }
            Event::Rejected { rejection, .. } => {
                body.push(json!({ "status": rejection.http_status(), "body": wire::error(rejection.code(), rejection.to_string()) }));
            }
            _ => {}
        }
    }
    Ok((StatusCode::MULTI_STATUS, Json(Value::Array(body))).into_response())
}

#[derive(Deserialize)]
struct AssetQuery {
    status: Option<String>,
}

async fn list_assets(
    _auth: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<AssetQuery>,
) -> Result<Json<Value>, ApiError> {
    if q.status.as_deref().is_some_and(|s| s != "active") {
        return Ok(Json(Value::Array(Vec::new())));
    }
    let list = app
        .handle
        .read(|s| s.engine.assets().iter().map(wire::asset).collect())
        .await?;
    Ok(Json(Value::Array(list)))
}

async fn get_asset(
    _auth: Authed,
    AxState(app): AxState<AppState>,
    Path(key): Path<String>,
) -> Result<Json<Value>, ApiError> {
    app.handle
        .read(move |s| s.engine.asset(&resolve_symbol(s, &key)).map(wire::asset))
        .await?
        .map(Json)
        .ok_or_else(|| ApiError::not_found("asset not found"))
}

async fn clock(_auth: Authed, AxState(app): AxState<AppState>) -> Result<Json<Value>, ApiError> {
    let cal = app.handle.read(|s| s.engine.calendar()).await?;
    let now = Utc::now();
    Ok(Json(json!({
        "timestamp": wire::time(now),
        "is_open": cal.is_open(now),
        "next_open": wire::time(cal.next_open(now)),
        "next_close": wire::time(cal.next_close(now)),
    })))
}

const CALENDAR_FIRST: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
const CALENDAR_LAST: NaiveDate = NaiveDate::from_ymd_opt(2199, 12, 31).expect("a valid date");

#[derive(Deserialize)]
struct CalendarQuery {
    start: Option<NaiveDate>,
    end: Option<NaiveDate>,
}

async fn calendar(
    _auth: Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<CalendarQuery>,
) -> Result<Json<Value>, ApiError> {
    let cal = app.handle.read(|s| s.engine.calendar()).await?;
    let today = Utc::now().date_naive();
    // Sessions exist from 1970 to 2199 here (Alpaca lists 1970 onwards); dates outside that
    // simply have none, and time arithmetic never reaches chrono's limits.
    let start = q
        .start
        .unwrap_or(today - Duration::days(30))
        .max(CALENDAR_FIRST);
    let end = q
        .end
        .unwrap_or(today + Duration::days(30))
        .min(CALENDAR_LAST);
    let days: Vec<Value> = cal
        .sessions_between(start, end)
        .into_iter()
        .map(|s| {
            let (open, close) = if cal.is_continuous() {
                ("00:00".to_owned(), "23:59".to_owned())
            } else {
                (
                    new_york_local(s.open).format("%H:%M").to_string(),
                    new_york_local(s.close).format("%H:%M").to_string(),
                )
            };
            json!({
                "date": s.date.to_string(),
                "open": open,
                "close": close,
                "session_open": "0400",
                "session_close": "2000",
                "settlement_date": s.date.succ_opt().unwrap_or(s.date).to_string(),
            })
        })
        .collect();
    Ok(Json(Value::Array(days)))
}

#[derive(Deserialize, Default)]
struct ActivityQuery {
    direction: Option<String>,
    page_size: Option<usize>,
    page_token: Option<String>,
    after: Option<DateTime<Utc>>,
    until: Option<DateTime<Utc>>,
    date: Option<NaiveDate>,
    activity_types: Option<String>,
}

async fn activities(
    auth: Authed,
    app: AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<ActivityQuery>,
) -> Result<Json<Value>, ApiError> {
    let fills_wanted = q
        .activity_types
        .as_deref()
        .is_none_or(|t| t.split(',').any(|t| t == "FILL"));
    list_activities(auth, app, q, fills_wanted).await
}

async fn activities_of_type(
    auth: Authed,
    app: AxState<AppState>,
    Path(kind): Path<String>,
    AlpacaQuery(q): AlpacaQuery<ActivityQuery>,
) -> Result<Json<Value>, ApiError> {
    list_activities(auth, app, q, kind == "FILL").await
}

async fn list_activities(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    q: ActivityQuery,
    fills_wanted: bool,
) -> Result<Json<Value>, ApiError> {
    if !fills_wanted {
        return Ok(Json(Value::Array(Vec::new())));
    }
    let size = q.page_size.unwrap_or(100).clamp(1, 100);
    let asc = q.direction.as_deref() == Some("asc");
    let list = app
        .handle
        .read(move |s| {
            let mut all: Vec<_> = s
                .engine
                .activities(&account)
                .filter(|a| q.after.is_none_or(|t| a.at > t))
                .filter(|a| q.until.is_none_or(|t| a.at < t))
                .filter(|a| q.date.is_none_or(|d| a.at.date_naive() == d))
                .collect();
            if !asc {
                all.reverse();
            }
            let start = q
                .page_token
                .as_ref()
                .and_then(|tok| all.iter().position(|a| &a.id() == tok).map(|i| i + 1))
                .unwrap_or(0);
            all.iter()
                .skip(start)
                .take(size)
                .map(wire::fill_activity)
                .collect()
        })
        .await?;
    Ok(Json(Value::Array(list)))
}

#[derive(Deserialize)]
struct HistoryQuery {
    period: Option<String>,
    timeframe: Option<String>,
}

/// Longest portfolio history period: 100 years (the samples kept cover far less).
const MAX_PERIOD_DAYS: i64 = 36_500;

/// "1D", "2W", "3M", "1A" → a duration of at least a day and at most `MAX_PERIOD_DAYS`.
fn parse_period(p: &str) -> Option<Duration> {
    // By character, not byte: the last character may be multibyte ("1€").
    let unit = p.chars().next_back()?;
    let n: i64 = p[..p.len() - unit.len_utf8()].parse().ok()?;
    let days_per = match unit {
        'D' => 1,
        'W' => 7,
        'M' => 30,
        'A' => 365,
        _ => return None,
    };
    let days = n.checked_mul(days_per)?;
    (1..=MAX_PERIOD_DAYS)
        .contains(&days)
        .then(|| Duration::days(days))
}

fn parse_timeframe(t: &str) -> Option<i64> {
    Some(match t {
        "1Min" => 1,
        "5Min" => 5,
        "15Min" => 15,
        "1H" => 60,
        "1D" => 1440,
        _ => return None,
    })
}

async fn portfolio_history(
    Authed(account): Authed,
    AxState(app): AxState<AppState>,
    AlpacaQuery(q): AlpacaQuery<HistoryQuery>,
) -> Result<Json<Value>, ApiError> {
    let period = q.period.unwrap_or_else(|| "1M".into());
    let span = parse_period(&period).ok_or_else(|| ApiError::unprocessable("invalid period"))?;
    let timeframe = q.timeframe.unwrap_or_else(|| {
        if span > Duration::days(7) {
            "1D".into()
        } else {
            "15Min".into()
        }
    });
    let step =
        parse_timeframe(&timeframe).ok_or_else(|| ApiError::unprocessable("invalid timeframe"))?;
    let since = Utc::now()
        .checked_sub_signed(span)
        .unwrap_or(DateTime::<Utc>::MIN_UTC);
    let (points, base) = app
        .handle
        .read(move |s| {
            let series = s.history.get(&account).cloned().unwrap_or_default();
            let base = s
                .engine
                .account(&account)
                .map_or(Decimal::ZERO, |a| a.initial_cash);
            let mut points: Vec<(i64, Decimal)> = Vec::new();
            for (t, eq) in series.into_iter().filter(|(t, _)| *t >= since) {
                let bucket = t.timestamp() - t.timestamp().rem_euclid(step * 60);
                match points.last_mut() {
                    Some(last) if last.0 == bucket => last.1 = eq,
                    _ => points.push((bucket, eq)),
                }
            }
            (points, base)
        })
        .await?;
    let base = points.first().map_or(base, |p| p.1);
    let f = |d: Decimal| d.to_f64().unwrap_or_default();
    let pl = |eq: Decimal| eq.saturating_sub(base);
    let pct = |eq: Decimal| pl(eq).checked_div(base).map_or(0.0, f);
    Ok(Json(json!({
        "timestamp": points.iter().map(|p| p.0).collect::<Vec<_>>(),
        "equity": points.iter().map(|p| f(p.1)).collect::<Vec<_>>(),
        "profit_loss": points.iter().map(|p| f(pl(p.1))).collect::<Vec<_>>(),
        "profit_loss_pct": points.iter().map(|p| pct(p.1)).collect::<Vec<_>>(),
        "base_value": f(base),
        "timeframe": timeframe,
    })))
}
