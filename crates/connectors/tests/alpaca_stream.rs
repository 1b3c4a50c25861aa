//! Alpaca streams against a local WebSocket server that drops the first connection.

mod support;

use brokerdesk_connectors::alpaca::websocket::{AlpacaStream, StreamEvent, Subscriptions};
use brokerdesk_connectors::alpaca::{AlpacaConfig, AlpacaConnector, AlpacaCredential};
use brokerdesk_connectors::http::RetryPolicy;
use brokerdesk_connectors::types::OrderStatus;
use futures::{SinkExt, StreamExt};
use rust_decimal_macros::dec;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use support::{fast_policy, fixture_json};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use wiremock::matchers::{method, path, query_param};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn quick() -> RetryPolicy {
    RetryPolicy {
        base_delay: Duration::from_millis(10),
        max_delay: Duration::from_millis(50),
        ..RetryPolicy::default()
    }
}

async fn next_text(
    ws: &mut tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>,
) -> serde_json::Value {
    loop {
        match ws.next().await.expect("message").expect("ok") {
            Message::Text(t) => return serde_json::from_str(&t).expect("json"),
            _ => continue,
        }
    }
}

/// Runs `script` for each accepted connection with its index.
async fn ws_server<F, Fut>(script: F) -> String
where
    F: Fn(usize, tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>) -> Fut
        + Send
        + Sync
        + 'static,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("ws://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let mut n = 0;
        while let Ok((sock, _)) = listener.accept().await {
            let ws = tokio_tungstenite::accept_async(sock)
                .await
                .expect("handshake");
            tokio::spawn(script(n, ws));
            n += 1;
        }
    });
    url
}

async fn collect(
    rx: &mut tokio::sync::mpsc::Receiver<StreamEvent>,
    until: impl Fn(&[StreamEvent]) -> bool,
) -> Vec<StreamEvent> {
    let mut seen = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), async {
        while !until(&seen) {
            seen.push(rx.recv().await.expect("stream alive"));
        }
    })
    .await
    .expect("events within the timeout");
    seen
}

#[tokio::test]
async fn market_data_reconnects_and_resubscribes() {
    let subscribes = Arc::new(Mutex::new(Vec::new()));
    let recorded = subscribes.clone();
    let url = ws_server(move |n, mut ws| {
        let recorded = recorded.clone();
        assert!(n < 2, "one drop, one reconnect");
        async move {
            ws.send(Message::text(r#"[{"T":"success","msg":"connected"}]"#)).await.expect("send");
            let auth = next_text(&mut ws).await;
            assert_eq!((auth["action"].as_str(), auth["key"].as_str(), auth["secret"].as_str()), (Some("auth"), Some("KEY"), Some("SECRET")));
            ws.send(Message::text(r#"[{"T":"success","msg":"authenticated"}]"#)).await.expect("send");
            let sub = next_text(&mut ws).await;
            recorded.lock().expect("lock").push(sub);
            ws.send(Message::text(r#"[{"T":"subscription","trades":[],"quotes":["AAPL"],"bars":[]}]"#)).await.expect("send");
            // Quote from the market data spec example, as a stream message.
            let bid = if n == 0 { "172.62" } else { "172.63" };
            let q = format!(r#"[{{"T":"q","S":"AAPL","bx":"Q","bp":{bid},"bs":2,"ax":"Q","ap":172.7,"as":1,"c":["R"],"z":"C","t":"2022-08-17T10:07:40.286587431Z"}}]"#);
            ws.send(Message::text(q)).await.expect("send");
            if n == 0 {
                let _ = ws.close(None).await;
            } else {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    })
    .await;
    let subs = Subscriptions {
        quotes: vec!["AAPL".into()],
        ..Default::default()
    };
    let (mut rx, handle) =
        AlpacaStream::market_data(url, AlpacaCredential::api_key("KEY", "SECRET"), subs)
            .with_backoff(quick())
            .spawn();
    let seen = collect(&mut rx, |s| {
        s.iter()
            .filter(|e| matches!(e, StreamEvent::Quote(_)))
            .count()
            == 2
    })
    .await;
    handle.abort();
    let quotes: Vec<_> = seen
        .iter()
        .filter_map(|e| {
            if let StreamEvent::Quote(q) = e {
                Some(q.bid)
            } else {
                None
            }
        })
        .collect();
    assert_eq!(quotes, vec![Some(dec!(172.62)), Some(dec!(172.63))]);
    assert!(
        seen.iter()
            .any(|e| matches!(e, StreamEvent::Disconnected { .. }))
    );
    assert_eq!(
        seen.iter()
            .filter(|e| matches!(e, StreamEvent::Connected))
            .count(),
        2
    );
    let subs = subscribes.lock().expect("lock").clone();
    assert_eq!(subs.len(), 2, "subscribed again after the reconnect");
    assert_eq!(subs[0], subs[1]);
    assert_eq!(subs[0]["quotes"], serde_json::json!(["AAPL"]));
}

#[tokio::test]
async fn refused_credentials_stop_the_stream() {
    let connections = Arc::new(Mutex::new(0));
    let count = connections.clone();
    let url = ws_server(move |_, mut ws| {
        let count = count.clone();
        async move {
            *count.lock().expect("lock") += 1;
            ws.send(Message::text(r#"[{"T":"success","msg":"connected"}]"#))
                .await
                .expect("send");
            let _ = next_text(&mut ws).await;
            ws.send(Message::text(
                r#"[{"T":"error","code":402,"msg":"auth failed"}]"#,
            ))
            .await
            .expect("send");
        }
    })
    .await;
    let (mut rx, _h) = AlpacaStream::market_data(
        url,
        AlpacaCredential::api_key("K", "bad"),
        Subscriptions::default(),
    )
    .with_backoff(quick())
    .spawn();
    let seen = collect(&mut rx, |s| {
        s.iter().any(|e| matches!(e, StreamEvent::Stopped(_)))
    })
    .await;
    assert!(matches!(seen.last(), Some(StreamEvent::Stopped(m)) if m == "auth failed"));
    assert_eq!(
        *connections.lock().expect("lock"),
        1,
        "no reconnect with refused credentials"
    );
}

/// The connector's trade stream at `ws_url`, spawned with a quick backoff.
fn trade_stream(
    mut config: AlpacaConfig,
    ws_url: &str,
) -> (
    tokio::sync::mpsc::Receiver<StreamEvent>,
    tokio::task::JoinHandle<()>,
) {
    config.trade_stream_url = format!("{ws_url}/stream");
    let connector = Arc::new(
        AlpacaConnector::new(config, AlpacaCredential::api_key("KEY", "SECRET")).expect("c"),
    );
    connector
        .trade_updates_stream()
        .with_backoff(quick())
        .spawn()
}

#[tokio::test]
async fn trade_updates_reread_open_orders_after_each_connect() {
    let rest = MockServer::start().await;
    let order = fixture_json("alpaca", "spec_example_POST_v2_orders_response_Equity.json");
    Mock::given(method("GET"))
        .and(path("/v2/orders"))
        .and(query_param("status", "open"))
        .respond_with(ResponseTemplate::new(200).set_body_json(vec![order.clone()]))
        .mount(&rest)
        .await;
    let mut config = AlpacaConfig::local(rest.uri());
    config.trading_policy = fast_policy();
    // REST on the mock server, the stream on the WebSocket server below.

    let mut filled = order.clone();
    filled["status"] = serde_json::json!("filled");
    filled["filled_qty"] = serde_json::json!("2");
    filled["filled_avg_price"] = serde_json::json!("149.99");
    let update = serde_json::json!({"stream": "trade_updates", "data": {
        "event": "fill", "price": "149.99", "qty": "2", "position_qty": "2",
        "timestamp": "2023-12-12T22:31:25.000000Z", "order": filled
    }})
    .to_string();
    let ws_url = ws_server(move |n, mut ws| {
        let update = update.clone();
        async move {
            let auth = next_text(&mut ws).await;
            assert_eq!(auth["action"], "authenticate");
            assert_eq!(auth["data"]["key_id"], "KEY");
            ws.send(Message::text(r#"{"stream":"authorization","data":{"status":"authorized","action":"authenticate"}}"#)).await.expect("send");
            let listen = next_text(&mut ws).await;
            assert_eq!(listen["data"]["streams"], serde_json::json!(["trade_updates"]));
            ws.send(Message::text(r#"{"stream":"listening","data":{"streams":["trade_updates"]}}"#)).await.expect("send");
            // Paper sends binary frames.
            ws.send(Message::binary(update.into_bytes())).await.expect("send");
            if n == 0 {
                let _ = ws.close(None).await;
            } else {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    })
    .await;
    let (mut rx, handle) = trade_stream(config, &ws_url);
    let seen = collect(&mut rx, |s| {
        s.iter()
            .filter(|e| matches!(e, StreamEvent::OrderUpdate { .. }))
            .count()
            == 2
    })
    .await;
    handle.abort();
    let resyncs: Vec<_> = seen
        .iter()
        .filter_map(|e| {
            if let StreamEvent::OpenOrders(o) = e {
                Some(o.len())
            } else {
                None
            }
        })
        .collect();
    assert_eq!(
        resyncs,
        vec![1, 1],
        "open orders re-read after each connect"
    );
    let first_update = seen.iter().find_map(|e| {
        if let StreamEvent::OrderUpdate {
            event,
            order,
            price,
            qty,
        } = e
        {
            Some((event.clone(), order.status.clone(), *price, *qty))
        } else {
            None
        }
    });
    assert_eq!(
        first_update,
        Some((
            "fill".into(),
            OrderStatus::Filled,
            Some(dec!(149.99)),
            Some(dec!(2))
        ))
    );
    let rest_reads = rest.received_requests().await.expect("recorded").len();
    assert_eq!(rest_reads, 2);
}

/// The stream is up (and its open orders re-read) only once the server answers `listen`: a
/// re-read before that could miss a fill made before the server listens. A `listening` answer
/// without trade_updates is no connection at all.
#[tokio::test]
async fn trade_updates_are_up_only_once_the_server_listens() {
    let rest = Arc::new(MockServer::start().await);
    Mock::given(method("GET"))
        .and(path("/v2/orders"))
        .respond_with(ResponseTemplate::new(200).set_body_json(Vec::<serde_json::Value>::new()))
        .mount(&rest)
        .await;
    let mut config = AlpacaConfig::local(rest.uri());
    config.trading_policy = fast_policy();
    let reads_before_listening = Arc::new(Mutex::new(Vec::new()));
    let (seen_by_server, server) = (reads_before_listening.clone(), rest.clone());
    let ws_url = ws_server(move |n, mut ws| {
        let (seen_by_server, server) = (seen_by_server.clone(), server.clone());
        async move {
            let _auth = next_text(&mut ws).await;
            ws.send(Message::text(r#"{"stream":"authorization","data":{"status":"authorized","action":"authenticate"}}"#)).await.expect("send");
            let _listen = next_text(&mut ws).await;
            if n == 0 {
                let _ = ws
                    .send(Message::text(r#"{"stream":"listening","data":{"streams":[]}}"#))
                    .await;
                tokio::time::sleep(Duration::from_secs(30)).await;
                return;
            }
            // Slow to take the listen: nothing may be re-read meanwhile.
            tokio::time::sleep(Duration::from_millis(300)).await;
            let reads = server.received_requests().await.expect("recorded").len();
            seen_by_server.lock().expect("lock").push(reads);
            ws.send(Message::text(r#"{"stream":"listening","data":{"streams":["trade_updates"]}}"#)).await.expect("send");
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
    })
    .await;
    let (mut rx, handle) = trade_stream(config, &ws_url);
    let seen = collect(&mut rx, |s| {
        s.iter().any(|e| matches!(e, StreamEvent::OpenOrders(_)))
    })
    .await;
    handle.abort();
    let kinds: Vec<&str> = seen
        .iter()
        .map(|e| match e {
            StreamEvent::Connected => "connected",
            StreamEvent::Disconnected { .. } => "disconnected",
            StreamEvent::OpenOrders(_) => "open orders",
            _ => "other",
        })
        .collect();
    assert_eq!(
        kinds,
        ["disconnected", "connected", "open orders"],
        "not up on a listen without trade_updates; up, then re-read, on the real one"
    );
    assert_eq!(
        *reads_before_listening.lock().expect("lock"),
        [0],
        "no re-read before the server listened"
    );
}

#[tokio::test]
async fn market_data_subscriptions_change_on_the_live_socket_and_survive_a_reconnect() {
    let received = Arc::new(Mutex::new(Vec::new()));
    let recorded = received.clone();
    let url = ws_server(move |n, mut ws| {
        let recorded = recorded.clone();
        async move {
            ws.send(Message::text(r#"[{"T":"success","msg":"connected"}]"#))
                .await
                .expect("send");
            let _auth = next_text(&mut ws).await;
            ws.send(Message::text(r#"[{"T":"success","msg":"authenticated"}]"#))
                .await
                .expect("send");
            // First connection: the first subscribe, then the change; then it drops.
            let wanted = if n == 0 { 3 } else { 1 };
            for _ in 0..wanted {
                let message = next_text(&mut ws).await;
                recorded.lock().expect("lock").push((n, message));
            }
            if n == 0 {
                let _ = ws.close(None).await;
            } else {
                tokio::time::sleep(Duration::from_secs(30)).await;
            }
        }
    })
    .await;
    let (subs_tx, subs_rx) = tokio::sync::watch::channel(Subscriptions {
        quotes: vec!["AAPL".into(), "MSFT".into()],
        ..Default::default()
    });
    let (mut rx, handle) = AlpacaStream::market_data_following(
        url,
        AlpacaCredential::api_key("KEY", "SECRET"),
        subs_rx,
    )
    .with_backoff(quick())
    .spawn();
    collect(&mut rx, |s| s.contains(&StreamEvent::Connected)).await;
    subs_tx.send_replace(Subscriptions {
        quotes: vec!["MSFT".into(), "SPY".into()],
        ..Default::default()
    });
    collect(&mut rx, |s| s.contains(&StreamEvent::Connected)).await;
    for _ in 0..100 {
        if received.lock().expect("lock").len() == 4 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    handle.abort();
    let got: Vec<(usize, String, Vec<String>)> = received
        .lock()
        .expect("lock")
        .iter()
        .map(|(n, m)| {
            let quotes = m["quotes"]
                .as_array()
                .expect("quotes")
                .iter()
                .map(|q| q.as_str().expect("a symbol").to_owned())
                .collect();
            (*n, m["action"].as_str().expect("action").to_owned(), quotes)
        })
        .collect();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<_>>();
    assert_eq!(
        got,
        vec![
            (0, "subscribe".into(), s(&["AAPL", "MSFT"])),
            // Only the difference goes on the live socket.
            (0, "unsubscribe".into(), s(&["AAPL"])),
            (0, "subscribe".into(), s(&["SPY"])),
            // After the reconnect: the whole current set.
            (1, "subscribe".into(), s(&["MSFT", "SPY"])),
        ]
    );
}
