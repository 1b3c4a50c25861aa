//! The exchange thread dies (an injected panic): the server answers 503 with Retry-After while
//! it rebuilds from the journal, then serves again with every acknowledged order intact.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use super::*;
use crate::store::Durability;
use axum::body::Body;
use axum::http::Request;
use serde_json::{Value, json};
use std::sync::Mutex;
use tower::ServiceExt;

const KEY: &str = "PKRESTART";
const SECRET: &str = "restart-secret";

fn request(method: &str, path: &str, body: Option<Value>) -> Request<Body> {
    Request::builder()
        .method(method)
        .uri(path)
        .header("host", "127.0.0.1:8787")
        .header("apca-api-key-id", KEY)
        .header("apca-api-secret-key", SECRET)
        .header("content-type", "application/json")
        .body(body.map_or_else(Body::empty, |b| Body::from(b.to_string())))
        .unwrap()
}

async fn send(app: &Router, req: Request<Body>) -> (StatusCode, Option<String>, Value) {
    let resp = app.clone().oneshot(req).await.unwrap();
    let status = resp.status();
    let retry = resp
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    let bytes = axum::body::to_bytes(resp.into_body(), 1 << 20)
        .await
        .unwrap();
    (
        status,
        retry,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}

/// `send`, but run where the sandbox serves HTTP: on the exchange thread's own runtime. A
/// rebuild holding that thread would leave it unanswered, so it must come back within 5 s.
async fn send_beside_exchange(
    handle: &ExchangeHandle,
    app: &Router,
    req: Request<Body>,
) -> (StatusCode, Option<String>, Value) {
    let app = app.clone();
    let served = handle.spawn(async move { send(&app, req).await });
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("the exchange thread answers while it rebuilds")
        .unwrap()
}

async fn wait_until(mut f: impl FnMut() -> bool) {
    for _ in 0..1000 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    panic!("condition not reached in 5 s");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_exchange_answers_503_then_rebuilds_with_its_orders() {
    let dir = tempfile::tempdir().unwrap();
    let journal = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
    // Each rebuild waits for a token, so the test sees the exchange while it is down.
    let (gate, gate_rx) = std::sync::mpsc::channel::<()>();
    let gate_rx = Mutex::new(gate_rx);
    let reopen_dir = dir.path().to_owned();
    let reopen: runtime::Reopen = Box::new(move || {
        let _ = gate_rx.lock().unwrap().recv();
        Journal::open_dir(&reopen_dir, Durability::Normal)
    });
    let handle = runtime::start(journal, EngineConfig::default(), 1000, reopen).unwrap();
    let account = AccountId::new("PA-RESTART");
    let open = CommandKind::OpenAccount {
        account: account.clone(),
        kind: AccountKind::Margin,
        cash: Decimal::from(100_000),
    };
    handle.apply(open).await.unwrap();
    let state = AppState(Arc::new(AppParts {
        handle: handle.clone(),
        credentials: Arc::new(vec![Credential {
            key_id: KEY.into(),
            secret_key: SECRET.into(),
            account,
        }]),
        history: Arc::new(super::history::HistoryBook::new(42)),
        feed: tokio::sync::mpsc::unbounded_channel().0,
        cash: Decimal::from(100_000),
        closing: tokio::sync::watch::channel(false).1,
    }));
    let app = router(state, "127.0.0.1:8787".parse().unwrap());

    let (status, _, placed) = send(
        &app,
        request(
            "POST",
            "/v2/orders",
            Some(
                json!({"symbol": "AAPL", "qty": "2", "side": "buy", "type": "limit",
                        "limit_price": "10", "time_in_force": "gtc", "client_order_id": "before"}),
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{placed}");
    let id = placed["id"].as_str().unwrap().to_owned();
    let order_path = format!("/v2/orders/{id}");

    // Two kinds of failure: a panic while reading, and one in the middle of applying a batch.
    type Injection =
        Box<dyn Fn(ExchangeHandle) -> tokio::task::JoinHandle<Result<(), ExchangeGone>>>;
    let injections: [Injection; 2] = [
        Box::new(|h: ExchangeHandle| {
            tokio::spawn(async move { h.read(|_| -> () { panic!("injected read panic") }).await })
        }),
        Box::new(|h: ExchangeHandle| {
            tokio::spawn(async move {
                h.plan(|_| -> Vec<CommandKind> { panic!("injected apply panic") })
                    .await
                    .map(|_| ())
            })
        }),
    ];
    for inject in injections {
        let answer = inject(handle.clone()).await.unwrap();
        assert_eq!(answer, Err(ExchangeGone), "the caller learns it failed");
        wait_until(|| handle.is_rebuilding()).await;

        let (status, retry, body) =
            send_beside_exchange(&handle, &app, request("GET", &order_path, None)).await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE, "{body}");
        assert_eq!(retry.as_deref(), Some("1"));
        assert_eq!(body["code"], 50310000);
        assert!(body["message"].as_str().unwrap().contains("restarting"));
        let (status, _, _) = send_beside_exchange(
            &handle,
            &app,
            request(
                "POST",
                "/v2/orders",
                Some(
                    json!({"symbol": "MSFT", "qty": "1", "side": "buy", "type": "limit",
                            "limit_price": "5", "time_in_force": "gtc"}),
                ),
            ),
        )
        .await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);

        gate.send(()).unwrap();
        wait_until(|| !handle.is_rebuilding()).await;
        let (status, _, order) = send(&app, request("GET", &order_path, None)).await;
        assert_eq!(status, StatusCode::OK, "{order}");
        assert_eq!(order["id"], id.as_str());
        assert_eq!(order["client_order_id"], "before");
        assert_eq!(order["qty"], "2");
        assert_eq!(order["limit_price"], "10");
        assert_eq!(order["status"], "new");
    }

    assert_eq!(handle.rebuilds(), 2);
    // And it takes new orders again.
    let (status, _, again) = send(
        &app,
        request(
            "POST",
            "/v2/orders",
            Some(
                json!({"symbol": "MSFT", "qty": "1", "side": "buy", "type": "limit",
                        "limit_price": "5", "time_in_force": "gtc"}),
            ),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{again}");
    let (_, _, open) = send(&app, request("GET", "/v2/orders", None)).await;
    assert_eq!(open.as_array().unwrap().len(), 2, "{open}");
}
