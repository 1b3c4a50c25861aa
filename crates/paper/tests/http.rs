//! The sandbox over real loopback HTTP and WebSockets, with Alpaca's shapes and errors.

#![allow(clippy::unwrap_used)] // Test helpers: a failed unwrap is a failed test.

mod common;

use brokerdesk_paper::SandboxConfig;
use common::*;
use futures::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;

#[tokio::test]
async fn wrong_or_missing_keys_are_refused_like_alpaca() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let plain = reqwest::Client::new();
    for req in [
        plain.get(s.url("/v2/account")),
        plain
            .get(s.url("/v2/account"))
            .header("APCA-API-KEY-ID", KEY)
            .header("APCA-API-SECRET-KEY", "wrong"),
        plain.get(s.url("/v2/account")).bearer_auth("nope"),
    ] {
        let r = req.send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401);
        let body: Value = r.json().await.unwrap();
        assert_eq!(
            body,
            json!({"code": 40110000, "message": "request is not authorized"})
        );
    }
    let ok = plain
        .get(s.url("/v2/account"))
        .bearer_auth(SECRET)
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    s.stop().await;
}

#[tokio::test]
async fn account_assets_clock_and_calendar() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let a = s.get("/v2/account").await;
    assert_eq!(a["cash"], "100000");
    assert_eq!(a["buying_power"], "200000");
    assert_eq!(a["multiplier"], "2");
    assert_eq!(a["status"], "ACTIVE");
    assert!(a["id"].as_str().unwrap().len() == 36);

    let assets = s.get("/v2/assets").await;
    assert!(assets.as_array().unwrap().len() >= 50);
    let aapl = s.get("/v2/assets/aapl").await;
    assert_eq!(aapl["symbol"], "AAPL");
    assert_eq!(aapl["tradable"], true);
    let by_id = s
        .get(&format!("/v2/assets/{}", aapl["id"].as_str().unwrap()))
        .await;
    assert_eq!(by_id["symbol"], "AAPL");
    let missing = s.client.get(s.url("/v2/assets/NOPE")).send().await.unwrap();
    assert_eq!(missing.status().as_u16(), 404);

    let clock = s.get("/v2/clock").await;
    assert_eq!(clock["is_open"], true);
    let cal = s.get("/v2/calendar?start=2026-11-23&end=2026-11-29").await;
    assert_eq!(
        cal.as_array().unwrap().len(),
        7,
        "always-open calendar trades every day"
    );
    s.stop().await;
}

async fn order(s: &Server, id: &str) -> Value {
    s.get(&format!("/v2/orders/{id}")).await
}

#[tokio::test]
async fn order_lifecycle_over_http() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;

    let (status, o) = s
        .post("/v2/orders", json!({"symbol": "AAPL", "qty": "3", "side": "buy", "type": "market", "time_in_force": "day", "client_order_id": "mine-1"}))
        .await;
    assert_eq!(status, 200, "{o}");
    let id = o["id"].as_str().unwrap().to_owned();
    assert_eq!(o["client_order_id"], "mine-1");
    assert_eq!(o["qty"], "3");
    eventually(|| {
        let (s, id) = (&s, &id);
        async move { order(s, id).await["status"] == "filled" }
    })
    .await;
    let filled = order(&s, &id).await;
    assert_eq!(filled["filled_qty"], "3");
    assert!(filled["filled_avg_price"].is_string());

    let by_cid = s
        .get("/v2/orders:by_client_order_id?client_order_id=mine-1")
        .await;
    assert_eq!(by_cid["id"], id.as_str());

    // Duplicate client_order_id.
    let (status, err) = s
        .post("/v2/orders", json!({"symbol": "AAPL", "qty": 1, "side": "buy", "type": "market", "time_in_force": "day", "client_order_id": "mine-1"}))
        .await;
    assert_eq!(status, 422);
    assert_eq!(err["message"], "client_order_id must be unique");

    let positions = s.get("/v2/positions").await;
    assert_eq!(positions[0]["symbol"], "AAPL");
    assert_eq!(positions[0]["qty"], "3");
    assert_eq!(positions[0]["side"], "long");
    let p = s.get("/v2/positions/AAPL").await;
    assert_eq!(p["qty"], "3");

    // A resting limit, replaced, then canceled.
    let (status, lim) = s
        .post("/v2/orders", json!({"symbol": "MSFT", "qty": "2", "side": "buy", "type": "limit", "limit_price": "10.00", "time_in_force": "gtc"}))
        .await;
    assert_eq!(status, 200, "{lim}");
    assert_eq!(lim["status"], "new");
    assert_eq!(lim["limit_price"], "10");
    let lim_id = lim["id"].as_str().unwrap();
    let r = s
        .client
        .patch(s.url(&format!("/v2/orders/{lim_id}")))
        .json(&json!({"limit_price": "11.00"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let new: Value = r.json().await.unwrap();
    assert_eq!(new["replaces"], lim_id);
    assert_eq!(order(&s, lim_id).await["status"], "replaced");
    let new_id = new["id"].as_str().unwrap();
    let open = s.get("/v2/orders").await;
    assert_eq!(open.as_array().unwrap().len(), 1);
    let del = s
        .client
        .delete(s.url(&format!("/v2/orders/{new_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(del.status().as_u16(), 204);
    let again = s
        .client
        .delete(s.url(&format!("/v2/orders/{new_id}")))
        .send()
        .await
        .unwrap();
    assert_eq!(again.status().as_u16(), 422);
    let unknown = s
        .client
        .get(s.url("/v2/orders/7b08df51-c1ac-453c-99f9-323a5f075f0d"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(unknown.json::<Value>().await.unwrap()["code"], 40410000);

    let closed = s.get("/v2/orders?status=closed&direction=asc").await;
    let statuses: Vec<&str> = closed
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["filled", "replaced", "canceled"]);

    let acts = s.get("/v2/account/activities/FILL").await;
    assert_eq!(acts[0]["activity_type"], "FILL");
    assert_eq!(acts[0]["symbol"], "AAPL");

    // Close the position with a market order.
    let r = s
        .client
        .delete(s.url("/v2/positions/AAPL"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    let close: Value = r.json().await.unwrap();
    assert_eq!(close["side"], "sell");
    eventually(|| {
        let s = &s;
        async move { s.get("/v2/positions").await.as_array().unwrap().is_empty() }
    })
    .await;
    let hist = s
        .get("/v2/account/portfolio/history?period=1D&timeframe=1Min")
        .await;
    assert!(!hist["equity"].as_array().unwrap().is_empty());
    s.stop().await;
}

#[tokio::test]
async fn refusals_carry_alpaca_status_and_code() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let cases = [
        (
            json!({"symbol": "AAPL", "qty": "100000", "side": "buy", "type": "market", "time_in_force": "day"}),
            403,
            40310000,
        ),
        (
            json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "limit_price": "100.001", "time_in_force": "day"}),
            422,
            42210000,
        ),
        (
            json!({"symbol": "NOPE", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}),
            422,
            42210000,
        ),
        (
            json!({"symbol": "AAPL", "qty": "1", "notional": "5", "side": "buy", "type": "market", "time_in_force": "day"}),
            422,
            42210000,
        ),
        (
            json!({"symbol": "AAPL", "qty": "1", "side": "sideways", "type": "market", "time_in_force": "day"}),
            422,
            42210000,
        ),
    ];
    for (body, status, code) in cases {
        let (got, err) = s.post("/v2/orders", body.clone()).await;
        assert_eq!(got, status, "{body} → {err}");
        assert_eq!(err["code"], code, "{body} → {err}");
        assert!(err["message"].is_string());
    }
    let r = s
        .client
        .post(s.url("/v2/orders"))
        .body("{not json")
        .header("content-type", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 400);
    s.stop().await;
}

#[tokio::test]
async fn market_data_latest_bars_and_snapshots() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let q = s.get("/v2/stocks/quotes/latest?symbols=AAPL,SPY").await;
    let aapl = &q["quotes"]["AAPL"];
    assert!(aapl["ap"].as_f64().unwrap() > aapl["bp"].as_f64().unwrap());
    assert!(q["quotes"]["SPY"].is_object());
    let one = s.get("/v2/stocks/AAPL/quotes/latest").await;
    assert_eq!(one["symbol"], "AAPL");
    eventually(|| {
        let s = &s;
        async move {
            s.get("/v2/stocks/trades/latest?symbols=AAPL").await["trades"]["AAPL"]["p"].is_number()
        }
    })
    .await;
    let snap = s.get("/v2/stocks/snapshots?symbols=AAPL").await;
    assert!(snap["AAPL"]["latestQuote"]["bp"].is_number());
    let bars = s.get("/v2/stocks/bars?symbols=AAPL&timeframe=1Min").await;
    assert!(bars["bars"]["AAPL"].is_array());
    let bar = s.get("/v2/stocks/AAPL/bars/latest").await;
    assert!(bar["bar"]["c"].is_number());
    s.stop().await;
}

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        let msg = tokio::time::timeout(std::time::Duration::from_secs(5), ws.next())
            .await
            .unwrap()
            .unwrap()
            .unwrap();
        match msg {
            Message::Text(t) => return serde_json::from_str(t.as_str()).unwrap(),
            Message::Binary(b) => return serde_json::from_slice(&b).unwrap(),
            _ => continue,
        }
    }
}

/// Signs in on a trade stream with the test key and listens to trade_updates.
async fn listen_to_trade_updates<S>(ws: &mut S)
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>>
        + futures::Sink<Message, Error = tokio_tungstenite::tungstenite::Error>
        + Unpin,
{
    let ask = |v: Value| Message::Text(v.to_string().into());
    ws.send(ask(
        json!({"action": "authenticate", "data": {"key_id": KEY, "secret_key": SECRET}}),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(ws).await["data"]["status"], "authorized");
    ws.send(ask(
        json!({"action": "listen", "data": {"streams": ["trade_updates"]}}),
    ))
    .await
    .unwrap();
    assert_eq!(
        next_json(ws).await["data"]["streams"],
        json!(["trade_updates"])
    );
}

#[tokio::test]
async fn trade_updates_stream_reports_new_and_fill() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/stream", s.addr))
        .await
        .unwrap();
    listen_to_trade_updates(&mut ws).await;
    let (status, _) = s
        .post("/v2/orders", json!({"symbol": "SPY", "qty": "1", "side": "buy", "type": "market", "time_in_force": "day"}))
        .await;
    assert_eq!(status, 200);
    let mut events = Vec::new();
    while !events.contains(&"fill".to_owned()) {
        let m = next_json(&mut ws).await;
        assert_eq!(m["stream"], "trade_updates");
        if m["data"]["event"] == "fill" {
            assert_eq!(m["data"]["qty"], "1");
            assert_eq!(m["data"]["position_qty"], "1");
            assert_eq!(m["data"]["order"]["symbol"], "SPY");
        }
        events.push(m["data"]["event"].as_str().unwrap().to_owned());
    }
    assert_eq!(events[0], "new");

    // A wrong key is refused and the socket closed.
    let (mut bad, _) = tokio_tungstenite::connect_async(format!("ws://{}/stream", s.addr))
        .await
        .unwrap();
    bad.send(Message::Text(
        json!({"action": "authenticate", "data": {"key_id": KEY, "secret_key": "no"}})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut bad).await["data"]["status"], "unauthorized");
    s.stop().await;
}

#[tokio::test]
async fn market_data_stream_auth_subscribe_and_quotes() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{}/v2/iex", s.addr))
        .await
        .unwrap();
    assert_eq!(
        next_json(&mut ws).await,
        json!([{"T": "success", "msg": "connected"}])
    );
    ws.send(Message::Text(
        json!({"action": "subscribe", "quotes": ["AAPL"]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(next_json(&mut ws).await[0]["code"], 401);
    ws.send(Message::Text(
        json!({"action": "auth", "key": KEY, "secret": SECRET})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        next_json(&mut ws).await,
        json!([{"T": "success", "msg": "authenticated"}])
    );
    ws.send(Message::Text(
        json!({"action": "subscribe", "quotes": ["AAPL"], "trades": ["*"]})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    let sub = next_json(&mut ws).await;
    assert_eq!(sub[0]["T"], "subscription");
    assert_eq!(sub[0]["quotes"], json!(["AAPL"]));
    let mut saw_quote = false;
    for _ in 0..50 {
        let batch = next_json(&mut ws).await;
        for m in batch.as_array().unwrap() {
            match m["T"].as_str().unwrap() {
                "q" => {
                    assert_eq!(m["S"], "AAPL", "only subscribed quotes arrive");
                    assert!(m["bp"].is_number() && m["ap"].is_number());
                    saw_quote = true;
                }
                "t" => assert!(m["p"].is_number()),
                other => panic!("unexpected {other}"),
            }
        }
        if saw_quote {
            break;
        }
    }
    assert!(saw_quote);
    s.stop().await;
}

#[tokio::test]
async fn restart_replays_the_journal_to_the_same_state() {
    restart_round_trip(u64::MAX).await;
}

#[tokio::test]
async fn restart_from_a_snapshot_and_the_journal_tail_gives_the_same_state() {
    restart_round_trip(3).await;
}

/// A sandbox whose journal gets orders only (no market ticks, commands that add no order, to
/// make up a snapshot's count), snapshotting after `every` commands.
fn snapshotting_orders_only(dir: &std::path::Path, every: u64) -> SandboxConfig {
    let mut cfg = config(dir);
    cfg.snapshot_every = every;
    cfg.tick_interval = std::time::Duration::from_secs(3600);
    cfg
}

/// Starts a sandbox, places `n` resting buys with client ids `<tag>-<i>`, and stops it.
async fn resting_buys(cfg: SandboxConfig, tag: &str, n: usize) {
    let s = Server::start(cfg).await;
    for i in 0..n {
        let (st, o) = s.post("/v2/orders", json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit", "limit_price": "1.00", "time_in_force": "gtc", "client_order_id": format!("{tag}-{i}")})).await;
        assert_eq!(st, 200, "{o}");
    }
    s.stop().await;
}

/// Under a steady flow of orders (each adds a command and an order) snapshots keep coming:
/// the journal a restart replays stays within a small multiple of what the last image held.
/// Snapshots used to wait for as many commands as the state held orders, which orders alone
/// never reach: after the first image, none followed.
#[tokio::test]
async fn snapshots_keep_coming_under_a_steady_flow_of_orders() {
    let dir = tempfile::tempdir().unwrap();
    resting_buys(snapshotting_orders_only(dir.path(), 4), "flow", 80).await;
    let journal = brokerdesk_paper::store::Journal::open_dir(
        dir.path(),
        brokerdesk_paper::store::Durability::Normal,
    )
    .unwrap();
    let (covers, image) = journal
        .latest_snapshot()
        .unwrap()
        .expect("a snapshot was saved");
    let tail = journal.len().unwrap();
    // Images at ~4, 8, 16, 32, 64 orders (one at a time: one due while another is being
    // saved waits for the next commit); the last covers at least half of the 80.
    assert!(
        covers >= 40 && image.windows(5).filter(|w| w == b"flow-").count() >= 32,
        "the latest image covers entry {covers}; {tail} entries after it"
    );
}

/// A snapshot file edited on disk (or cut short by something other than the sandbox) is not
/// guessed around: the sandbox refuses to start, naming the file, and leaves it as it is.
#[tokio::test]
async fn an_edited_snapshot_file_is_refused_by_name() {
    refused_after_editing_the_image("edit", |_| b"{\"engine\": \"not an engine\"}".to_vec()).await;
}

#[tokio::test]
async fn a_cut_or_damaged_binary_image_is_refused_by_name() {
    refused_after_editing_the_image("cut", |image| image[..image.len() / 2].to_vec()).await;
    // The last byte (resting orders, no fills: the top byte of the fills' count) made absurd.
    refused_after_editing_the_image("bent", |image| {
        let mut bent = image.to_vec();
        let at = bent.len() - 1;
        bent[at] = 0xee;
        bent
    })
    .await;
    // A layout from a later version.
    refused_after_editing_the_image("later", |image| {
        let mut later = image.to_vec();
        later[16] = 2;
        later
    })
    .await;
}

/// Saves images of a few orders, edits the newest with `edit`, and expects the next start to
/// refuse it by name and leave it as it is.
async fn refused_after_editing_the_image(prefix: &str, edit: impl Fn(&[u8]) -> Vec<u8>) {
    let dir = tempfile::tempdir().unwrap();
    let cfg = snapshotting_orders_only(dir.path(), 2);
    resting_buys(cfg.clone(), prefix, 6).await;
    let image = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("snapshot-") && n.ends_with(".json"))
        })
        .expect("a snapshot file");
    let edited = edit(&std::fs::read(&image).unwrap());
    std::fs::write(&image, &edited).unwrap();
    let refused = brokerdesk_paper::Sandbox::start(cfg)
        .await
        .err()
        .expect("an edited snapshot is refused")
        .to_string();
    let name = image.file_name().unwrap().to_str().unwrap();
    assert!(
        refused.contains(name) && refused.contains("does not read"),
        "{refused}"
    );
    assert_eq!(std::fs::read(&image).unwrap(), edited, "left as it was");
}

async fn restart_round_trip(snapshot_every: u64) {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path());
    cfg.snapshot_every = snapshot_every;
    let s = Server::start(cfg.clone()).await;
    for (sym, qty) in [("AAPL", "2"), ("MSFT", "1.5"), ("SPY", "4")] {
        let (st, o) = s.post("/v2/orders", json!({"symbol": sym, "qty": qty, "side": "buy", "type": "market", "time_in_force": "day"})).await;
        assert_eq!(st, 200, "{o}");
    }
    let (st, _) = s.post("/v2/orders", json!({"symbol": "TSLA", "qty": "1", "side": "buy", "type": "limit", "limit_price": "1.00", "time_in_force": "gtc"})).await;
    assert_eq!(st, 200);
    // Random partial fills are on: wait until only the resting TSLA limit is open.
    eventually(|| {
        let s = &s;
        async move { s.get("/v2/orders").await.as_array().unwrap().len() == 1 }
    })
    .await;
    let orders_before = s.get("/v2/orders?status=all&limit=500").await;
    let positions_before: Vec<(Value, Value, Value)> = s
        .get("/v2/positions")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["symbol"].clone(),
                p["qty"].clone(),
                p["cost_basis"].clone(),
            )
        })
        .collect();
    let cash_before = s.get("/v2/account").await["cash"].clone();
    s.stop().await;
    // The image is encoded off the exchange thread; stopping still leaves it saved.
    let journal = brokerdesk_paper::store::Journal::open_dir(
        dir.path(),
        brokerdesk_paper::store::Durability::Normal,
    )
    .unwrap();
    let saved = journal.latest_snapshot().unwrap();
    if snapshot_every <= 10 {
        let (covers, image) = saved.expect("a snapshot was saved");
        assert!(
            covers > 0 && image.starts_with(b"brokerdesk-image"),
            "{covers}"
        );
    }
    drop(journal);

    let s = Server::start(config(dir.path())).await;
    assert_eq!(
        s.get("/v2/orders?status=all&limit=500").await,
        orders_before
    );
    let positions_after: Vec<(Value, Value, Value)> = s
        .get("/v2/positions")
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["symbol"].clone(),
                p["qty"].clone(),
                p["cost_basis"].clone(),
            )
        })
        .collect();
    assert_eq!(positions_after, positions_before);
    assert_eq!(s.get("/v2/account").await["cash"], cash_before);
    s.stop().await;
}

/// Closing the sandbox ends its server: an idle keep-alive connection is closed by the server
/// (else `stop`, which waits for the server, would not return), new connections are refused.
#[tokio::test]
async fn closing_the_sandbox_closes_idle_connections_and_refuses_new_ones() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let addr = s.addr;
    let mut idle = tokio::net::TcpStream::connect(addr).await.unwrap();
    let ask = format!("GET /healthz HTTP/1.1\r\nhost: {addr}\r\n\r\n");
    idle.write_all(ask.as_bytes()).await.unwrap();
    let mut got = vec![0u8; 4096];
    let n = idle.read(&mut got).await.unwrap();
    assert!(
        got[..n].starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&got[..n])
    );
    let stopped = tokio::time::timeout(std::time::Duration::from_secs(10), s.stop()).await;
    assert!(
        stopped.is_ok(),
        "the server kept waiting on an idle connection"
    );
    // Closed from the server's side: end of stream (or a reset), never another answer.
    let after = idle.read(&mut got).await;
    assert!(matches!(after, Ok(0) | Err(_)), "{after:?}");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}

/// A trade stream client too slow to keep up is closed (1013, "try again later") once updates
/// it was owed are gone, never left believing an order open that filled: it reconnects and
/// re-reads its orders. The client reads nothing (a small receive buffer) while twenty thousand
/// resting orders are placed; then it reads what came and must find the close.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trade_stream_client_that_falls_behind_is_closed_not_skipped() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket.connect(s.addr).await.unwrap();
    let (mut ws, _) = tokio_tungstenite::client_async(format!("ws://{}/stream", s.addr), tcp)
        .await
        .unwrap();
    listen_to_trade_updates(&mut ws).await;
    // More "new" updates than the exchange keeps for a listener, with the client not reading.
    const ORDERS: usize = 20_000;
    let placed = futures::stream::iter(0..ORDERS)
        .map(|_| {
            s.post(
                "/v2/orders",
                json!({"symbol": "SPY", "qty": "1", "side": "buy", "type": "limit",
                       "limit_price": "1", "time_in_force": "gtc"}),
            )
        })
        .buffer_unordered(8)
        .filter(|(status, _)| futures::future::ready(*status == 200))
        .count()
        .await;
    assert_eq!(placed, ORDERS, "every order rests");
    let mut updates = 0usize;
    let close = loop {
        let next = tokio::time::timeout(std::time::Duration::from_secs(10), ws.next())
            .await
            .expect("the stream either sends or closes");
        match next {
            Some(Ok(Message::Close(frame))) => break frame,
            Some(Ok(Message::Text(_) | Message::Binary(_))) => updates += 1,
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("stream error: {e}"),
            None => panic!("closed without a close frame"),
        }
    };
    let close = close.expect("a close frame with a reason");
    assert_eq!(u16::from(close.code), 1013);
    assert!(close.reason.contains("missed"), "{}", close.reason);
    assert!(updates < ORDERS, "{updates} updates before the close");
    s.stop().await;
}
