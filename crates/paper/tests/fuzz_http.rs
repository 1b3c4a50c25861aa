//! The whole HTTP API under random and adversarial requests, in-process through the router
//! (`tower::ServiceExt::oneshot`): every route of `server/mod.rs` (trading, market data, the
//! WebSocket upgrade paths, `/healthz`) with any method, query strings with huge, negative,
//! multibyte, empty and repeated values, JSON bodies of the wrong types, huge numbers and deep
//! nesting, and any mix of auth, `Host`, `Origin` and upgrade headers.
//!
//! No answer may be a 5xx (503 is allowed by the contract, but would mean the exchange thread
//! died and rebuilt, which must not happen either), no handler may panic, and orders placed
//! before the run are intact after it, also once the exchange is rebuilt from its journal.
//!
//! A second test opens WebSocket sessions on a real loopback server and sends each random and
//! adversarial frames (JSON and MessagePack, wrong types, deep nesting): every session must
//! finish, nothing may panic, and the exchange keeps serving.
//!
//! A third sends random order requests through the router and, over loopback, to the server's
//! direct `POST /v2/orders` path, and requires the same answers from both.
//!
//! `PAPER_FUZZ_CASES` sets the number of requests (default `DEFAULT_CASES`; WebSocket sessions
//! are a twentieth of it, default 250; the direct path's comparisons a tenth, 500). A long run:
//! `PAPER_FUZZ_CASES=200000 cargo test -p brokerdesk-paper --release --test fuzz_http -- --nocapture`

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use brokerdesk_model::AccountId;
use brokerdesk_paper::{Credential, Sandbox, SandboxConfig};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tower::ServiceExt;

/// Requests in the normal test run: a few seconds in a debug build on two cores.
const DEFAULT_CASES: u32 = 5_000;

const BOUND: &str = "127.0.0.1:8787";
const KEY: &str = "PKFUZZ";
const SECRET: &str = "fuzz-secret";
/// A second account the fuzzer never signs in as: its order must not move at all.
const BYSTANDER_KEY: &str = "PKBYSTANDER";
const BYSTANDER_SECRET: &str = "bystander-secret";

/// Every route and its methods, as `server/{trading,market_data_api,streams,mod}.rs` declare them.
const ROUTES: &[(&str, &[&str])] = &[
    ("/v2/account", &["GET"]),
    ("/v2/orders", &["GET", "POST", "DELETE"]),
    ("/v2/orders:by_client_order_id", &["GET"]),
    ("/v2/orders/{id}", &["GET", "DELETE", "PATCH"]),
    ("/v2/positions", &["GET", "DELETE"]),
    ("/v2/positions/{symbol}", &["GET", "DELETE"]),
    ("/v2/assets", &["GET"]),
    ("/v2/assets/{symbol}", &["GET"]),
    ("/v2/clock", &["GET"]),
    ("/v2/calendar", &["GET"]),
    ("/v2/account/activities", &["GET"]),
    ("/v2/account/activities/{activity_type}", &["GET"]),
    ("/v2/account/portfolio/history", &["GET"]),
    ("/v2/stocks/quotes/latest", &["GET"]),
    ("/v2/stocks/trades/latest", &["GET"]),
    ("/v2/stocks/bars/latest", &["GET"]),
    ("/v2/stocks/snapshots", &["GET"]),
    ("/v2/stocks/bars", &["GET"]),
    ("/v2/stocks/{symbol}/quotes/latest", &["GET"]),
    ("/v2/stocks/{symbol}/trades/latest", &["GET"]),
    ("/v2/stocks/{symbol}/bars/latest", &["GET"]),
    ("/v2/stocks/{symbol}/snapshot", &["GET"]),
    ("/v2/stocks/{symbol}/bars", &["GET"]),
    ("/v2/stocks/trades", &["GET"]),
    ("/v2/stocks/quotes", &["GET"]),
    ("/v2/stocks/{symbol}/trades", &["GET"]),
    ("/v2/stocks/{symbol}/quotes", &["GET"]),
    ("/v2/sandbox/prices/{symbol}", &["POST"]),
    ("/v2/sandbox/reset", &["POST"]),
    ("/v2/watchlists", &["GET", "POST"]),
    ("/v2/watchlists/{id}", &["GET", "PUT", "POST", "DELETE"]),
    ("/v2/watchlists/{id}/{symbol}", &["DELETE"]),
    ("/v2/watchlists:by_name", &["GET", "PUT", "POST", "DELETE"]),
    ("/v2/account/configurations", &["GET", "PATCH"]),
    ("/stream", &["GET"]),
    ("/v2/{feed}", &["GET"]),
    ("/healthz", &["GET"]),
];

const ANY_METHOD: &[&str] = &[
    "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "FUZZ",
];

/// Values known to have broken, or to sit on a boundary of, some parser.
const NASTY: &[&str] = &[
    "",
    " ",
    "0",
    "1",
    "-1",
    "-0",
    "+1",
    "1.5",
    "0.000000001",
    "0.0000000001",
    "0.0000000000000000000000000001",
    "1000000000",
    "1000000001",
    "1000000",
    "1000000.01",
    "79228162514264337593543950335",
    "79228162514264337593543950336",
    "-79228162514264337593543950335",
    "99999999999999999999999999999999999999",
    "18446744073709551616",
    "9223372036854775808",
    "-9223372036854775809",
    "1e400",
    "1e-400",
    "NaN",
    "inf",
    "-inf",
    "é",
    "1€",
    "€1",
    "日本",
    "🦀",
    "\u{0}",
    "%",
    "%FF",
    "..",
    "/",
    "null",
    "true",
    "[]",
    "{}",
    "999999999999999Min",
    "99999999999999999999D",
    "1Min",
    "59Min",
    "60Min",
    "23Hour",
    "1Day",
    "2Day",
    "1Week",
    "6Month",
    "5Month",
    "1D",
    "1W",
    "1M",
    "1A",
    "0D",
    "-5D",
    "36500D",
    "36501D",
    "1H",
    "15Min",
    "2026-11-30",
    "0001-01-01",
    "9999-12-31",
    "+262142-12-31",
    "-262143-01-01",
    "2026-13-45",
    "2026-11-30T15:00:00Z",
    "9999-12-31T23:59:59Z",
    "open",
    "closed",
    "all",
    "asc",
    "desc",
    "buy",
    "sell",
    "FILL",
    "AAPL",
    "AAPL,SPY",
    ",,,",
    "*",
    "market",
    "limit",
    "stop",
    "stop_limit",
    "trailing_stop",
    "day",
    "gtc",
    "opg",
    "cls",
    "ioc",
    "fok",
    "simple",
    "bracket",
];

const QUERY_KEYS: &[&str] = &[
    "symbols",
    "timeframe",
    "start",
    "end",
    "limit",
    "status",
    "after",
    "until",
    "direction",
    "side",
    "client_order_id",
    "qty",
    "percentage",
    "cancel_orders",
    "page_size",
    "page_token",
    "date",
    "activity_types",
    "period",
    "nested",
    "feed",
    "asof",
    "sort",
    "intraday_reporting",
    "name",
];

const ORDER_FIELDS: &[&str] = &[
    "symbol",
    "qty",
    "notional",
    "side",
    "type",
    "order_type",
    "time_in_force",
    "limit_price",
    "stop_price",
    "trail_price",
    "trail_percent",
    "trail",
    "extended_hours",
    "client_order_id",
    "order_class",
    // The sandbox's controls (never `confirm: true` or a price at or under the resting
    // orders' limit: the run checks those orders are untouched).
    "price",
    "confirm",
    "cash",
    // Watchlists.
    "name",
    "symbols",
];

#[derive(Clone, Debug)]
struct Fuzzed {
    method: String,
    path: String,
    query: Option<String>,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
fn pct(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn nasty() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => prop::sample::select(NASTY).prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u128>().prop_map(|n| n.to_string()),
        2 => (any::<i64>(), 0..32u32).prop_map(|(m, scale)| {
            let digits = m.unsigned_abs().to_string();
            let scale = (scale as usize).min(digits.len());
            let (int, frac) = digits.split_at(digits.len() - scale);
            let sign = if m < 0 { "-" } else { "" };
            format!("{sign}{}.{frac}", if int.is_empty() { "0" } else { int })
        }),
        1 => "[0-9]{20,80}",
        2 => "\\PC{0,16}",
        1 => prop::collection::vec(any::<char>(), 0..6).prop_map(|v| v.into_iter().collect()),
    ]
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<u64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| if f.is_finite() { json!(f) } else { Value::Null }),
        nasty().prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(4, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{0,12}", inner, 0..5)
                .prop_map(|m| Value::Object(m.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

/// A value for an order field: usually plausible (so orders get through to matching, replace
/// and cancel), often of the wrong type or out of range.
fn field_value(field: &'static str) -> BoxedStrategy<Value> {
    // Never a confirmed reset nor a price that would fill the resting orders (see ORDER_FIELDS).
    match field {
        "confirm" => {
            return prop::sample::select(vec![
                json!(false),
                json!("true"),
                json!(1),
                Value::Null,
                json!([true]),
            ])
            .boxed();
        }
        "price" => {
            return prop::sample::select(vec![
                json!("100"),
                json!(250.5),
                json!("99999"),
                json!("0"),
                json!(-1),
                json!("10.001"),
                json!("1e3"),
                json!("x"),
                json!({"p": 1}),
            ])
            .boxed();
        }
        _ => {}
    }
    let plausible: &'static [&'static str] = match field {
        "symbol" => &["AAPL", "SPY", "MSFT", "aapl", "NOPE", ""],
        "side" => &["buy", "sell"],
        "type" | "order_type" => &["market", "limit", "stop", "stop_limit", "trailing_stop"],
        "time_in_force" => &["day", "gtc", "opg", "cls", "ioc", "fok"],
        "qty" | "notional" => &["1", "2", "0.5", "100", "0.000000001", "1000000000"],
        "limit_price" | "stop_price" | "trail_price" | "trail" => {
            &["1.00", "100", "250.5", "0.0001", "1000000", "99999"]
        }
        "trail_percent" => &["1", "5", "99.9", "100"],
        "order_class" => &["simple", "", "bracket", "oco"],
        "cash" => &["1", "100000", "-5", "1e40"],
        _ => &["x"],
    };
    prop_oneof![
        6 => prop::sample::select(plausible).prop_map(|s| Value::String(s.to_owned())),
        3 => json_leaf(),
        1 => json_value(),
    ]
    .boxed()
}

fn order_body() -> impl Strategy<Value = Value> {
    prop::collection::vec(
        (prop::sample::select(ORDER_FIELDS), any::<bool>()),
        0..ORDER_FIELDS.len(),
    )
    .prop_flat_map(|fields| {
        let chosen: Vec<&'static str> = fields
            .into_iter()
            .filter(|(_, keep)| *keep)
            .map(|(f, _)| f)
            .collect();
        let values: Vec<BoxedStrategy<Value>> = chosen.iter().copied().map(field_value).collect();
        (Just(chosen), values)
    })
    .prop_map(|(fields, values)| {
        Value::Object(
            fields
                .into_iter()
                .map(str::to_owned)
                .zip(values)
                .collect::<Map<_, _>>(),
        )
    })
}

fn body() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        2 => Just(Vec::new()),
        8 => order_body().prop_map(|v| v.to_string().into_bytes()),
        2 => json_value().prop_map(|v| v.to_string().into_bytes()),
        1 => prop::collection::vec(any::<u8>(), 0..64),
        1 => (1..600usize).prop_map(|n| format!("{}{}", "[".repeat(n), "]".repeat(n)).into_bytes()),
        1 => (1..600usize).prop_map(|n| format!("{}1{}", "{\"qty\":".repeat(n), "}".repeat(n)).into_bytes()),
        1 => (1..5_000usize).prop_map(|n| format!("{{\"symbol\":\"AAPL\",\"qty\":{}}}", "9".repeat(n)).into_bytes()),
        1 => (order_body(), any::<prop::sample::Index>()).prop_map(|(v, cut)| {
            let text = v.to_string().into_bytes();
            let at = cut.index(text.len() + 1);
            text[..at].to_vec()
        }),
    ]
}

fn query() -> impl Strategy<Value = Option<String>> {
    let key = prop_oneof![
        9 => prop::sample::select(QUERY_KEYS).prop_map(str::to_owned),
        1 => nasty(),
    ];
    prop_oneof![
        2 => Just(None),
        8 => prop::collection::vec((key, nasty()), 0..6).prop_map(|pairs| {
            Some(
                pairs
                    .iter()
                    .map(|(k, v)| format!("{}={}", pct(k), pct(v)))
                    .collect::<Vec<_>>()
                    .join("&"),
            )
        }),
        1 => prop::sample::select(&["", "&&&", "=", "a", "limit", "%", "%ZZ", "%FF%FE=%C3", "a=1&a=2&a=3", "symbols=AAPL&symbols=SPY"][..])
            .prop_map(|q| Some(q.to_owned())),
    ]
}

/// A path parameter: mostly something that names a thing, often not.
fn param(known: Vec<String>) -> impl Strategy<Value = String> {
    prop_oneof![
        6 => prop::sample::select(known),
        1 => any::<u128>().prop_map(|n| uuid::Uuid::from_u128(n).to_string()),
        3 => nasty(),
    ]
    .prop_map(|s| pct(&s))
}

fn request(order_ids: Vec<String>) -> impl Strategy<Value = Fuzzed> {
    let route = prop::sample::select(ROUTES);
    let method_pick = (
        any::<prop::sample::Index>(),
        0..100u8,
        prop::sample::select(ANY_METHOD),
    );
    let params = (
        param(order_ids),
        param(
            ["AAPL", "aapl", "SPY", "MSFT", "NOPE", "TSLA"]
                .map(str::to_owned)
                .to_vec(),
        ),
        param(["FILL", "DIV", "fill", "TRANS"].map(str::to_owned).to_vec()),
        param(
            ["iex", "sip", "test", "delayed_sip", "stream"]
                .map(str::to_owned)
                .to_vec(),
        ),
    );
    let headers = (
        0..100u8, // auth
        0..100u8, // host
        0..100u8, // origin
        0..100u8, // upgrade
        0..100u8, // content type
        "[A-Za-z0-9+/]{22}==",
    );
    (route, method_pick, params, headers, query(), body()).prop_map(
        |((path, methods), (mi, roll, any_method), (id, symbol, kind, feed), h, query, body)| {
            let method = if roll < 85 {
                methods[mi.index(methods.len())]
            } else {
                any_method
            };
            let path = path
                .replace("{id}", &id)
                .replace("{symbol}", &symbol)
                .replace("{activity_type}", &kind)
                .replace("{feed}", &feed);
            let (auth, host, origin, upgrade, content_type, ws_key) = h;
            let mut headers: Vec<(&'static str, String)> = Vec::new();
            match auth {
                0..80 => {
                    headers.push(("apca-api-key-id", KEY.into()));
                    headers.push(("apca-api-secret-key", SECRET.into()));
                }
                80..86 => headers.push(("authorization", format!("Bearer {SECRET}"))),
                86..92 => {
                    headers.push(("apca-api-key-id", KEY.into()));
                    headers.push(("apca-api-secret-key", "wrong".into()));
                }
                92..95 => headers.push(("authorization", "Bearer ".into())),
                _ => {}
            }
            match host {
                0..92 => headers.push(("host", BOUND.into())),
                92..94 => headers.push(("host", "localhost:8787".into())),
                94..96 => headers.push(("host", "evil.example".into())),
                96..98 => headers.push(("host", String::new())),
                _ => {}
            }
            if origin < 10 {
                headers.push(("origin", "https://evil.example".into()));
            }
            let ws =
                path == "/stream" || (path.starts_with("/v2/") && path.matches('/').count() == 2);
            if upgrade < if ws { 40 } else { 3 } {
                headers.push(("connection", "upgrade".into()));
                headers.push(("upgrade", "websocket".into()));
                headers.push(("sec-websocket-version", "13".into()));
                headers.push(("sec-websocket-key", ws_key));
            }
            match content_type {
                0..85 => headers.push(("content-type", "application/json".into())),
                85..90 => headers.push(("content-type", "application/msgpack".into())),
                90..95 => headers.push(("content-type", "text/plain; charset=é".into())),
                _ => {}
            }
            Fuzzed {
                method: method.to_owned(),
                path,
                query,
                headers,
                body,
            }
        },
    )
}

fn build(f: &Fuzzed) -> Option<Request<Body>> {
    let uri = match &f.query {
        Some(q) => format!("{}?{q}", f.path),
        None => f.path.clone(),
    };
    let mut b = Request::builder()
        .method(Method::from_bytes(f.method.as_bytes()).ok()?)
        .uri(uri);
    for (k, v) in &f.headers {
        b = b.header(*k, v);
    }
    b.body(Body::from(f.body.clone())).ok()
}

async fn call(app: &Router, req: Request<Body>) -> (u16, Vec<u8>) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status().as_u16();
    let body = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .unwrap()
        .to_vec();
    (status, body)
}

fn get(path: &str, key: &str, secret: &str) -> Request<Body> {
    Request::builder()
        .uri(path)
        .header("host", BOUND)
        .header("apca-api-key-id", key)
        .header("apca-api-secret-key", secret)
        .body(Body::empty())
        .unwrap()
}

fn place(key: &str, secret: &str, body: Value) -> Request<Body> {
    Request::builder()
        .method("POST")
        .uri("/v2/orders")
        .header("host", BOUND)
        .header("apca-api-key-id", key)
        .header("apca-api-secret-key", secret)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))
        .unwrap()
}

async fn order(app: &Router, id: &str, key: &str, secret: &str) -> Value {
    let (status, body) = call(app, get(&format!("/v2/orders/{id}"), key, secret)).await;
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    serde_json::from_slice(&body).unwrap()
}

fn config(dir: &std::path::Path) -> SandboxConfig {
    let mut c = SandboxConfig::new(dir).with_key(KEY, SECRET);
    c.credentials.push(Credential {
        key_id: BYSTANDER_KEY.into(),
        secret_key: BYSTANDER_SECRET.into(),
        account: AccountId::new("PA-BYSTANDER"),
    });
    c.tick_interval = Duration::from_millis(20);
    c
}

/// `PAPER_FUZZ_CASES` (default `DEFAULT_CASES`) divided by `share`, at least one.
fn cases(share: u32) -> u32 {
    let all = std::env::var("PAPER_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse::<u32>().ok())
        .unwrap_or(DEFAULT_CASES);
    (all / share).max(1)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn fuzz_every_route() {
    let cases = cases(1);
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let bound: SocketAddr = BOUND.parse().unwrap();
    let (sandbox, app) = rt.block_on(async {
        let sandbox = Sandbox::start(config(dir.path())).await.unwrap();
        let app = sandbox.router(bound);
        (sandbox, app)
    });

    // Orders placed before: one of the fuzzed account (its id is among the fuzzer's targets),
    // one of an account the fuzzer never signs in as.
    let resting = json!({"symbol": "AAPL", "qty": "3", "side": "buy", "type": "limit",
                         "limit_price": "1.00", "time_in_force": "gtc"});
    let (mine, theirs) = rt.block_on(async {
        let (s1, b1) = call(&app, place(KEY, SECRET, resting.clone())).await;
        let (s2, b2) = call(
            &app,
            place(BYSTANDER_KEY, BYSTANDER_SECRET, resting.clone()),
        )
        .await;
        assert_eq!((s1, s2), (200, 200));
        let id = |b: &[u8]| {
            serde_json::from_slice::<Value>(b).unwrap()["id"]
                .as_str()
                .unwrap()
                .to_owned()
        };
        (id(&b1), id(&b2))
    });
    let theirs_before = rt.block_on(order(&app, &theirs, BYSTANDER_KEY, BYSTANDER_SECRET));

    let statuses = Mutex::new(BTreeMap::<u16, u64>::new());
    let started = Instant::now();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 500,
        ..Config::default()
    });
    let targets = vec![mine.clone(), theirs.clone()];
    let result = runner.run(&request(targets), |f| {
        let Some(req) = build(&f) else {
            return Ok(()); // not a request hyper would accept either
        };
        let (status, body) = rt.block_on(call(&app, req));
        *statuses.lock().unwrap().entry(status).or_default() += 1;
        if status >= 500 && status != 503 {
            return Err(TestCaseError::fail(format!(
                "{status}: {}",
                String::from_utf8_lossy(&body)
            )));
        }
        if sandbox.handle().rebuilds() > 0 {
            return Err(TestCaseError::fail("the exchange thread died (rebuilt)"));
        }
        Ok(())
    });
    let elapsed = started.elapsed();
    println!(
        "fuzz_http: {cases} cases in {:.1} s; statuses {:?}",
        elapsed.as_secs_f64(),
        statuses.lock().unwrap()
    );
    if let Err(e) = result {
        panic!("{e}");
    }

    let check = |app: &Router| {
        rt.block_on(async {
            let after = order(app, &theirs, BYSTANDER_KEY, BYSTANDER_SECRET).await;
            assert_eq!(after, theirs_before, "the other account's order moved");
            let o = order(app, &mine, KEY, SECRET).await;
            assert_eq!(
                (&o["id"], &o["qty"], &o["symbol"], &o["limit_price"]),
                (&json!(mine), &json!("3"), &json!("AAPL"), &json!("1")),
                "{o}"
            );
            // Still open, or closed the way a request may close it.
            let why = match o["status"].as_str().unwrap() {
                "new" => true,
                "canceled" => o["canceled_at"].is_string(),
                "replaced" => o["replaced_by"].is_string(),
                _ => false,
            };
            assert!(why, "{o}");
        })
    };
    check(&app);
    assert_eq!(sandbox.handle().rebuilds(), 0);
    drop(app);
    drop(sandbox);
    // Let the old exchange see its last handle go before another opens the journal.
    std::thread::sleep(Duration::from_millis(200));

    // The journal the run wrote rebuilds to the same orders.
    let (sandbox, app) = rt.block_on(async {
        let sandbox = Sandbox::start(config(dir.path())).await.unwrap();
        let app = sandbox.router(bound);
        (sandbox, app)
    });
    check(&app);
    drop((app, sandbox));
}

/// Panics anywhere in this process (a WebSocket session is a spawned task: a panic there would
/// only drop its connection, so it is counted here).
static PANICS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn count_panics() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            previous(info);
        }));
    });
}

#[derive(Clone, Debug)]
struct Session {
    path: &'static str,
    msgpack: bool,
    messages: Vec<WsMessage>,
}

#[derive(Clone, Debug)]
enum WsMessage {
    Text(String),
    Binary(Vec<u8>),
}

fn ws_message() -> impl Strategy<Value = WsMessage> {
    let action = prop_oneof![
        prop::sample::select(&["auth", "authenticate", "listen", "subscribe", "unsubscribe"][..])
            .prop_map(|a| Value::String(a.to_owned())),
        json_leaf(),
    ];
    let symbols = prop_oneof![
        prop::collection::vec(
            prop_oneof![
                prop::sample::select(&["AAPL", "*", "spy", ""][..]).prop_map(str::to_owned),
                nasty()
            ],
            0..6
        )
        .prop_map(|v| json!(v)),
        json_value(),
    ];
    let creds = prop_oneof![
        Just(json!({"key": KEY, "secret": SECRET})),
        Just(json!({"data": {"key_id": KEY, "secret_key": SECRET}})),
        Just(json!({"data": {"oauth_token": SECRET}})),
        json_value().prop_map(|v| json!({"key": v, "secret": v, "data": v})),
    ];
    let message = (action, symbols.clone(), symbols, creds).prop_map(|(action, a, b, creds)| {
        let mut m = json!({"action": action, "trades": a, "quotes": b, "bars": a});
        if let (Value::Object(m), Value::Object(c)) = (&mut m, creds) {
            m.extend(c);
        }
        m
    });
    prop_oneof![
        6 => message.clone().prop_map(|m| WsMessage::Text(m.to_string())),
        2 => message.prop_map(|m| WsMessage::Binary(rmp_serde::to_vec(&m).unwrap())),
        1 => json_value().prop_map(|v| WsMessage::Text(v.to_string())),
        1 => "\\PC{0,40}".prop_map(WsMessage::Text),
        1 => prop::collection::vec(any::<u8>(), 0..64).prop_map(WsMessage::Binary),
        1 => (1..2_000usize).prop_map(|n| WsMessage::Binary(vec![0x91; n])), // nested msgpack arrays
    ]
}

fn session() -> impl Strategy<Value = Session> {
    (
        prop::sample::select(&["/stream", "/v2/iex", "/v2/sip", "/v2/test"][..]),
        any::<bool>(),
        prop::collection::vec(ws_message(), 0..8),
    )
        .prop_map(|(path, msgpack, messages)| Session {
            path,
            msgpack,
            messages,
        })
}

async fn run_session(addr: SocketAddr, s: Session) {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use tokio_tungstenite::tungstenite::client::IntoClientRequest;
    let mut req = format!("ws://{addr}{}", s.path)
        .into_client_request()
        .unwrap();
    if s.msgpack {
        req.headers_mut()
            .insert("content-type", "application/msgpack".parse().unwrap());
    }
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.unwrap();
    for m in s.messages {
        let frame = match m {
            WsMessage::Text(t) => Message::Text(t.into()),
            WsMessage::Binary(b) => Message::Binary(b.into()),
        };
        // The server may already have closed (a failed auth does): that is an answer too.
        if ws.send(frame).await.is_err() {
            return;
        }
    }
    let _ = ws.send(Message::Close(None)).await;
    // Everything sent is answered or the socket closes; a server stuck on a message is not.
    let drained = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(_)) = ws.next().await {}
    })
    .await;
    assert!(drained.is_ok(), "the session never finished");
}

#[test]
fn fuzz_websocket_sessions() {
    count_panics();
    let cases = cases(20);
    let rt = runtime();
    let dir = tempfile::tempdir().unwrap();
    let (sandbox, addr, app) = rt.block_on(async {
        let sandbox = Sandbox::start(config(dir.path())).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = sandbox.router(addr);
        // The sandbox's own server, as clients meet it (its WebSocket upgrades included).
        let _serving = sandbox.serve(listener).unwrap();
        (sandbox, addr, app)
    });
    let started = Instant::now();
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 200,
        ..Config::default()
    });
    let before = PANICS.load(std::sync::atomic::Ordering::SeqCst);
    let result = runner.run(&session(), |s| {
        rt.block_on(run_session(addr, s));
        if PANICS.load(std::sync::atomic::Ordering::SeqCst) != before {
            return Err(TestCaseError::fail("a WebSocket session panicked"));
        }
        Ok(())
    });
    println!(
        "fuzz_websocket_sessions: {cases} sessions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    if let Err(e) = result {
        panic!("{e}");
    }
    assert_eq!(sandbox.handle().rebuilds(), 0);
    // Still serving over HTTP.
    let req = Request::builder()
        .uri("/v2/account")
        .header("host", addr.to_string())
        .header("apca-api-key-id", KEY)
        .header("apca-api-secret-key", SECRET)
        .body(Body::empty())
        .unwrap();
    let (status, _) = rt.block_on(call(&app, req));
    assert_eq!(status, 200);
}

/// Sends `f` over a fresh loopback connection as raw HTTP/1.1 and reads the answer (its
/// status and `Content-Length` body).
async fn over_tcp(addr: SocketAddr, f: &Fuzzed) -> (u16, Vec<u8>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = format!("{} {}", f.method, f.path);
    if let Some(q) = &f.query {
        head.push('?');
        head.push_str(q);
    }
    head.push_str(" HTTP/1.1\r\n");
    for (k, v) in &f.headers {
        head.push_str(&format!("{k}: {v}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", f.body.len()));
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&f.body).await.unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 16 << 10];
    loop {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(
            n > 0,
            "connection closed mid-answer: {}",
            String::from_utf8_lossy(&got)
        );
        got.extend_from_slice(&buf[..n]);
        let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let text = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
        let status: u16 = text[9..12].parse().unwrap();
        let len: usize = text
            .lines()
            .find_map(|l| l.strip_prefix("content-length:"))
            .map_or(0, |n| n.trim().parse().unwrap());
        if got.len() >= end + 4 + len {
            return (status, got[end + 4..end + 4 + len].to_vec());
        }
    }
}

/// An answer without what differs between two equal exchanges: ids and times.
fn without_ids_and_times(v: Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.into_iter()
                .filter(|(k, _)| {
                    !(k.ends_with("_at")
                        || k == "id"
                        || k == "client_order_id"
                        || k == "replaced_by"
                        || k == "replaces")
                })
                .map(|(k, v)| (k, without_ids_and_times(v)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.into_iter().map(without_ids_and_times).collect()),
        other => other,
    }
}

/// `POST /v2/orders` is answered by the server straight from hyper's request, not through the
/// router (`server/listener.rs`). Two sandboxes alike (same seed, no price moves), one asked
/// through the router and one over loopback, get the same random order requests (bodies,
/// credentials, `Host`, `Origin`, upgrade and content-type headers as above) and must answer
/// alike: same status, same error body, same order apart from its ids and times.
#[test]
fn the_direct_order_path_answers_as_the_router_does() {
    let cases = cases(10);
    let rt = runtime();
    let (routed_dir, served_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let still = |dir: &std::path::Path| {
        let mut c = config(dir);
        c.tick_interval = Duration::from_secs(3600);
        c
    };
    let (routed, served, addr, app) = rt.block_on(async {
        let routed = Sandbox::start(still(routed_dir.path())).await.unwrap();
        let served = Sandbox::start(still(served_dir.path())).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let _serving = served.serve(listener).unwrap();
        let app = routed.router(addr);
        (routed, served, addr, app)
    });
    let port = addr.port().to_string();
    // A third of the bodies a plain order the exchange takes (random ones rarely are): limit
    // buys far below the market, which rest, so the two exchanges stay alike (their quotes
    // may differ by when each started; fills would then too).
    let plain = (
        prop::sample::select(&["AAPL", "MSFT", "SPY"][..]),
        1..5u8,
        1..40u8,
    )
        .prop_map(|(symbol, qty, limit)| {
            json!({"symbol": symbol, "qty": qty.to_string(), "side": "buy", "type": "limit",
                   "limit_price": limit.to_string(), "time_in_force": "day"})
            .to_string()
            .into_bytes()
        });
    let any_request = request(vec!["no-such-order".into()]);
    let orders =
        (any_request, prop::option::weighted(0.33, plain)).prop_map(move |(mut f, plain)| {
            f.method = "POST".into();
            f.path = "/v2/orders".into();
            if let Some(body) = plain {
                f.body = body;
            }
            for (_, v) in &mut f.headers {
                *v = v.replace(BOUND, &addr.to_string()).replace("8787", &port);
            }
            f
        });
    let statuses = Mutex::new(BTreeMap::<u16, u64>::new());
    let mut runner = TestRunner::new(Config {
        cases,
        failure_persistence: None,
        max_shrink_iters: 100,
        ..Config::default()
    });
    let result = runner.run(&orders, |f| {
        let Some(req) = build(&f) else {
            return Ok(()); // not a request hyper would accept either
        };
        let (routed, served) =
            rt.block_on(async { (call(&app, req).await, over_tcp(addr, &f).await) });
        *statuses.lock().unwrap().entry(served.0).or_default() += 1;
        let json = |b: &[u8]| {
            serde_json::from_slice::<Value>(b)
                .map(without_ids_and_times)
                .ok()
        };
        let text = |b: &[u8]| String::from_utf8_lossy(b).into_owned();
        prop_assert_eq!(
            routed.0,
            served.0,
            "{} against {}",
            text(&routed.1),
            text(&served.1)
        );
        prop_assert_eq!(
            json(&routed.1),
            json(&served.1),
            "{} against {}",
            text(&routed.1),
            text(&served.1)
        );
        prop_assert!(json(&served.1).is_some(), "not JSON: {}", text(&served.1));
        Ok(())
    });
    let statuses = statuses.into_inner().unwrap();
    println!("direct order path: {cases} cases; statuses {statuses:?}");
    if let Err(e) = result {
        panic!("{e}");
    }
    // A body past the limit (the strategies' stay small): 413 from both.
    let huge = Fuzzed {
        method: "POST".into(),
        path: "/v2/orders".into(),
        query: None,
        headers: vec![
            ("host", addr.to_string()),
            ("apca-api-key-id", KEY.into()),
            ("apca-api-secret-key", SECRET.into()),
        ],
        body: vec![b' '; 3 << 20],
    };
    let (routed_huge, served_huge) = rt.block_on(async {
        (
            call(&app, build(&huge).unwrap()).await,
            over_tcp(addr, &huge).await,
        )
    });
    assert_eq!(routed_huge.0, 413);
    assert_eq!(routed_huge, served_huge);
    // The run reached the handler's answers, not only the guard's and the reader's.
    for status in [200, 400, 401, 403, 422] {
        assert!(
            statuses.contains_key(&status),
            "no {status} among {statuses:?}"
        );
    }
    assert_eq!(routed.handle().rebuilds() + served.handle().rebuilds(), 0);
}
