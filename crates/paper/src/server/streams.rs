//! WebSocket streams in Alpaca's protocols:
//! - `/stream`: trade updates (`authenticate`, `listen` → `trade_updates` events);
//! - `/v2/{feed}` (iex, sip, test): market data (`auth`, `subscribe` → `q`/`t`/`b` arrays),
//!   as JSON text, or MessagePack when the client asks with `Content-Type: application/msgpack`
//!   (what alpaca-py does).

use axum::Router;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Path, State as AxState};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use brokerdesk_model::AccountId;
use chrono::{DateTime, Utc};
use serde_json::{Value, json};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;

use super::market_data::MarketTick;
use super::market_data_api::{bar_json, quote_json, trade_json};
use super::{AppState, auth, wire};
use crate::engine::{Event, Fill, Order, stable_uuid};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/stream", get(trading_upgrade))
        .route("/v2/{feed}", get(data_upgrade))
}

/// How a session's frames are encoded.
#[derive(Clone, Copy, PartialEq)]
enum Encoding {
    Text,
    Binary,
    MsgPack,
}

fn frame(enc: Encoding, v: &Value) -> Message {
    match enc {
        Encoding::Text => Message::Text(v.to_string().into()),
        Encoding::Binary => Message::Binary(v.to_string().into_bytes().into()),
        Encoding::MsgPack => {
            let mut buf = Vec::new();
            msgpack::write(&mut buf, v, false);
            Message::Binary(buf.into())
        }
    }
}

/// Largest message a client may send: Alpaca's own are a few hundred bytes.
const MAX_MESSAGE: usize = 1 << 20;
/// Nesting a MessagePack message may have (serde_json stops at the same depth).
const MAX_DEPTH: usize = 128;

fn parse(enc: Encoding, msg: &Message) -> Option<Value> {
    match msg {
        Message::Text(t) => serde_json::from_str(t.as_str()).ok(),
        Message::Binary(b) if enc == Encoding::MsgPack => {
            let mut de = rmp_serde::Deserializer::from_read_ref(b.as_ref());
            de.set_max_depth(MAX_DEPTH);
            serde::Deserialize::deserialize(&mut de).ok()
        }
        Message::Binary(b) => serde_json::from_slice(b).ok(),
        _ => None,
    }
}

// ----- trade updates --------------------------------------------------------------------------

async fn trading_upgrade(ws: WebSocketUpgrade, AxState(app): AxState<AppState>) -> Response {
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| trading_session(socket, app))
}

fn order_json(o: &Order) -> Value {
    wire::order(o)
}

fn update(event: &str, order: &Order, at: DateTime<Utc>, fill: Option<&Fill>) -> Value {
    let mut data = json!({
        "event": event,
        "execution_id": stable_uuid(&format!("{}/{}/{}", order.id, event, order.filled_qty)),
        "order": order_json(order),
        "timestamp": wire::time(at),
    });
    if let (Some(f), Value::Object(m)) = (fill, &mut data) {
        m.insert("price".into(), json!(f.price.normalize().to_string()));
        m.insert("qty".into(), json!(f.qty.normalize().to_string()));
        m.insert(
            "position_qty".into(),
            json!(f.position_qty.normalize().to_string()),
        );
    }
    json!({ "stream": "trade_updates", "data": data })
}

/// The trade_updates messages an engine event makes for `account`.
fn trade_updates(e: &Event, account: &AccountId) -> Vec<Value> {
    let mine = |o: &Order| &o.account == account;
    match e {
        Event::Accepted { order } if mine(order) => {
            vec![update("new", order, order.updated_at, None)]
        }
        Event::PartiallyFilled { order, fill } if mine(order) => {
            vec![update("partial_fill", order, fill.at, Some(fill))]
        }
        Event::Filled { order, fill } if mine(order) => {
            vec![update("fill", order, fill.at, Some(fill))]
        }
        Event::Canceled { order } if mine(order) => {
            vec![update("canceled", order, order.updated_at, None)]
        }
        Event::Expired { order } if mine(order) => {
            vec![update("expired", order, order.updated_at, None)]
        }
        Event::Replaced { old, new } if mine(old) => vec![
            update("replaced", old, old.updated_at, None),
            update("new", new, new.updated_at, None),
        ],
        _ => Vec::new(),
    }
}

async fn trading_session(mut socket: WebSocket, app: AppState) {
    let mut enc = Encoding::Text;
    let mut account: Option<AccountId> = None;
    let mut listening = false;
    let mut events = app.handle.subscribe_events();
    let mut closing = app.closing.clone();
    loop {
        tokio::select! {
            _ = closing.changed() => return,
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { return };
                if matches!(msg, Message::Close(_)) {
                    return;
                }
                if matches!(msg, Message::Binary(_)) {
                    enc = Encoding::Binary;
                }
                let Some(v) = parse(enc, &msg) else { continue };
                let data = &v["data"];
                match v["action"].as_str() {
                    Some("authenticate" | "auth") => {
                        let found = match data["oauth_token"].as_str() {
                            Some(token) => auth::check(&app.credentials, None, token),
                            None => auth::check(
                                &app.credentials,
                                Some(data["key_id"].as_str().unwrap_or_default()),
                                data["secret_key"].as_str().unwrap_or_default(),
                            ),
                        };
                        let status = if found.is_some() { "authorized" } else { "unauthorized" };
                        let reply = json!({"stream": "authorization", "data": {"status": status, "action": "authenticate"}});
                        if socket.send(frame(enc, &reply)).await.is_err() {
                            return;
                        }
                        match found {
                            Some(c) => account = Some(c.account.clone()),
                            None => return,
                        }
                    }
                    Some("listen") => {
                        if account.is_none() {
                            let reply = json!({"stream": "authorization", "data": {"status": "unauthorized", "action": "listen"}});
                            let _ = socket.send(frame(enc, &reply)).await;
                            return;
                        }
                        let wanted: Vec<String> = data["streams"]
                            .as_array()
                            .map(|a| a.iter().filter_map(|s| s.as_str().map(str::to_owned)).collect())
                            .unwrap_or_default();
                        listening = wanted.iter().any(|s| s == "trade_updates");
                        let streams: Vec<&str> = if listening { vec!["trade_updates"] } else { Vec::new() };
                        let reply = json!({"stream": "listening", "data": {"streams": streams}});
                        if socket.send(frame(enc, &reply)).await.is_err() {
                            return;
                        }
                    }
                    _ => {
                        let reply = json!({"stream": "listening", "data": {"error": "invalid action"}});
                        if socket.send(frame(enc, &reply)).await.is_err() {
                            return;
                        }
                    }
                }
            }
            ev = events.recv() => match ev {
                Ok(ev) => {
                    let (true, Some(acct)) = (listening, account.as_ref()) else { continue };
                    for v in trade_updates(&ev, acct) {
                        if socket.send(frame(enc, &v)).await.is_err() {
                            return;
                        }
                    }
                }
                // Updates this client was owed are gone: skipping on would leave it believing an
                // order open that filled. Closing makes it reconnect and re-read its orders.
                Err(RecvError::Lagged(missed)) if listening => {
                    tracing::warn!(missed, "trade stream client too slow; closing it");
                    let _ = socket
                        .send(Message::Close(Some(CloseFrame {
                            code: close_code::AGAIN,
                            reason: "too slow: trade updates were missed; reconnect and re-read orders".into(),
                        })))
                        .await;
                    return;
                }
                Err(RecvError::Lagged(_)) => continue,
                Err(RecvError::Closed) => return,
            }
        }
    }
}

// ----- market data ----------------------------------------------------------------------------

async fn data_upgrade(
    ws: WebSocketUpgrade,
    Path(_feed): Path<String>,
    headers: HeaderMap,
    AxState(app): AxState<AppState>,
) -> Response {
    let msgpack = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("msgpack"));
    let enc = if msgpack {
        Encoding::MsgPack
    } else {
        Encoding::Text
    };
    ws.max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| data_session(socket, app, enc))
}

#[derive(Default)]
struct Subscription {
    trades: HashSet<String>,
    quotes: HashSet<String>,
    bars: HashSet<String>,
}

fn wants(set: &HashSet<String>, symbol: &str) -> bool {
    set.contains("*") || set.contains(symbol)
}

impl Subscription {
    fn apply(&mut self, v: &Value, add: bool) {
        for (key, set) in [
            ("trades", &mut self.trades),
            ("quotes", &mut self.quotes),
            ("bars", &mut self.bars),
        ] {
            for s in v[key]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
            {
                let s = s.trim().to_ascii_uppercase();
                if add {
                    set.insert(s);
                } else {
                    set.remove(&s);
                }
            }
        }
    }

    fn message(&self) -> Value {
        let sorted = |s: &HashSet<String>| {
            let mut v: Vec<&String> = s.iter().collect();
            v.sort();
            v.into_iter().cloned().collect::<Vec<_>>()
        };
        json!([{
            "T": "subscription",
            "trades": sorted(&self.trades), "quotes": sorted(&self.quotes), "bars": sorted(&self.bars),
            "updatedBars": [], "dailyBars": [], "statuses": [], "lulds": [],
            "corrections": [], "cancelErrors": [],
        }])
    }

    fn render(&self, tick: &MarketTick) -> Option<Value> {
        let (kind, symbol, mut body) = match tick {
            MarketTick::Quote(t, q) if wants(&self.quotes, q.symbol.as_str()) => {
                ("q", q.symbol.as_str(), quote_json(*t, q))
            }
            MarketTick::Trade(t, tr, id) if wants(&self.trades, tr.symbol.as_str()) => {
                ("t", tr.symbol.as_str(), trade_json(*t, tr, *id))
            }
            MarketTick::Bar(s, b) if wants(&self.bars, s.as_str()) => {
                ("b", s.as_str(), bar_json(b))
            }
            _ => return None,
        };
        if let Value::Object(m) = &mut body {
            m.insert("T".into(), json!(kind));
            m.insert("S".into(), json!(symbol));
        }
        Some(body)
    }
}

async fn data_session(mut socket: WebSocket, app: AppState, enc: Encoding) {
    if socket
        .send(frame(enc, &json!([{"T": "success", "msg": "connected"}])))
        .await
        .is_err()
    {
        return;
    }
    let mut authed = false;
    let mut sub = Subscription::default();
    let mut ticks = app.handle.subscribe_market();
    // Alpaca drops a connection that does not authenticate within a few seconds.
    let deadline = tokio::time::sleep(Duration::from_secs(10));
    tokio::pin!(deadline);
    let mut closing = app.closing.clone();
    loop {
        tokio::select! {
            _ = closing.changed() => return,
            _ = &mut deadline, if !authed => {
                let _ = socket.send(frame(enc, &json!([{"T": "error", "code": 404, "msg": "auth timeout"}]))).await;
                return;
            }
            msg = socket.recv() => {
                let Some(Ok(msg)) = msg else { return };
                if matches!(msg, Message::Close(_)) {
                    return;
                }
                let Some(v) = parse(enc, &msg) else {
                    if matches!(msg, Message::Text(_) | Message::Binary(_)) {
                        let _ = socket.send(frame(enc, &json!([{"T": "error", "code": 400, "msg": "invalid syntax"}]))).await;
                    }
                    continue;
                };
                let reply = match v["action"].as_str() {
                    Some("auth") if authed => json!([{"T": "error", "code": 403, "msg": "already authenticated"}]),
                    Some("auth") => {
                        let ok = auth::check(
                            &app.credentials,
                            Some(v["key"].as_str().unwrap_or_default()),
                            v["secret"].as_str().unwrap_or_default(),
                        )
                        .is_some();
                        if !ok {
                            let _ = socket.send(frame(enc, &json!([{"T": "error", "code": 402, "msg": "auth failed"}]))).await;
                            return;
                        }
                        authed = true;
                        json!([{"T": "success", "msg": "authenticated"}])
                    }
                    Some(_) if !authed => json!([{"T": "error", "code": 401, "msg": "not authenticated"}]),
                    Some("subscribe") => { sub.apply(&v, true); sub.message() }
                    Some("unsubscribe") => { sub.apply(&v, false); sub.message() }
                    _ => json!([{"T": "error", "code": 400, "msg": "invalid syntax"}]),
                };
                if socket.send(frame(enc, &reply)).await.is_err() {
                    return;
                }
            }
            tick = ticks.recv() => {
                let first = match tick {
                    Ok(t) => t,
                    Err(RecvError::Lagged(_)) => continue,
                    Err(RecvError::Closed) => return,
                };
                if !authed {
                    continue;
                }
                // Batch what is already queued into one frame, like Alpaca's arrays.
                let mut batch: Vec<Arc<MarketTick>> = vec![first];
                while batch.len() < 1000 {
                    match ticks.try_recv() {
                        Ok(t) => batch.push(t),
                        Err(_) => break,
                    }
                }
                let out: Vec<Value> = batch.iter().filter_map(|t| sub.render(t)).collect();
                if !out.is_empty() && socket.send(frame(enc, &Value::Array(out))).await.is_err() {
                    return;
                }
            }
        }
    }
}

/// MessagePack output for the data stream. Alpaca sends times as MessagePack timestamps
/// (alpaca-py calls `.to_datetime()` on them), so a `"t"` holding an RFC 3339 string is written
/// as a timestamp extension.
mod msgpack {
    use chrono::DateTime;
    use serde_json::Value;

    pub fn write(buf: &mut Vec<u8>, v: &Value, is_time: bool) {
        // Writing into a Vec cannot fail; the results are ignored for that reason.
        match v {
            Value::Null => {
                let _ = rmp::encode::write_nil(buf);
            }
            Value::Bool(b) => {
                let _ = rmp::encode::write_bool(buf, *b);
            }
            Value::Number(n) => {
                if let Some(u) = n.as_u64() {
                    let _ = rmp::encode::write_uint(buf, u);
                } else if let Some(i) = n.as_i64() {
                    let _ = rmp::encode::write_sint(buf, i);
                } else {
                    let _ = rmp::encode::write_f64(buf, n.as_f64().unwrap_or_default());
                }
            }
            Value::String(s) => match DateTime::parse_from_rfc3339(s).ok().filter(|_| is_time) {
                Some(t) => {
                    let _ = rmp::encode::write_ext_meta(buf, 12, -1);
                    buf.extend_from_slice(&t.timestamp_subsec_nanos().to_be_bytes());
                    buf.extend_from_slice(&t.timestamp().to_be_bytes());
                }
                None => {
                    let _ = rmp::encode::write_str(buf, s);
                }
            },
            Value::Array(a) => {
                let _ = rmp::encode::write_array_len(buf, a.len() as u32);
                for x in a {
                    write(buf, x, false);
                }
            }
            Value::Object(m) => {
                let _ = rmp::encode::write_map_len(buf, m.len() as u32);
                for (k, x) in m {
                    let _ = rmp::encode::write_str(buf, k);
                    write(buf, x, k == "t");
                }
            }
        }
    }
}
