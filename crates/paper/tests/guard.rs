//! The sandbox on its loopback port refuses what a web page could send it: requests addressed
//! to another host name (DNS rebinding), state changes and WebSocket upgrades carrying an
//! `Origin`; it never sends CORS headers; its default key is made per install.

#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use brokerdesk_paper::SandboxConfig;
use common::*;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_tungstenite::tungstenite;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

async fn assert_refused(r: reqwest::Response, what: &str) {
    assert_eq!(r.status().as_u16(), 403, "{what}");
    assert_no_cors(r.headers(), what);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["code"], 40310000, "{what}: {body}");
    assert!(body["message"].is_string(), "{what}: {body}");
}

fn assert_no_cors(headers: &reqwest::header::HeaderMap, what: &str) {
    for name in headers.keys() {
        assert!(
            !name.as_str().starts_with("access-control-"),
            "{what}: sent {name}"
        );
    }
}

#[tokio::test]
async fn only_the_bound_address_and_loopback_names_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let port = s.addr.port();
    for host in [
        format!("127.0.0.1:{port}"),
        format!("localhost:{port}"),
        format!("LocalHost:{port}"),
        format!("[::1]:{port}"),
    ] {
        let r = s
            .client
            .get(s.url("/v2/account"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 200, "{host}");
    }
    for host in [
        format!("evil.example:{port}"),
        "evil.example".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
        format!("localhost.evil.example:{port}"),
        "localhost".to_owned(),
        String::new(),
    ] {
        let r = s
            .client
            .get(s.url("/v2/account"))
            .header("host", &host)
            .send()
            .await
            .unwrap();
        assert_refused(r, &host).await;
    }
    // Unknown paths too: the check comes before routing.
    let r = s
        .client
        .get(s.url("/nowhere"))
        .header("host", "evil.example")
        .send()
        .await
        .unwrap();
    assert_refused(r, "unknown path").await;
    s.stop().await;
}

/// Sends raw bytes and returns the status line.
async fn raw(addr: std::net::SocketAddr, request: &str) -> String {
    let mut tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut buf = vec![0; 4096];
    let n = tcp.read(&mut buf).await.unwrap();
    String::from_utf8_lossy(&buf[..n])
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned()
}

#[tokio::test]
async fn a_request_without_host_or_for_another_authority_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let auth = format!("APCA-API-KEY-ID: {KEY}\r\nAPCA-API-SECRET-KEY: {SECRET}\r\n");
    let port = s.addr.port();
    let no_host = raw(s.addr, &format!("GET /v2/account HTTP/1.1\r\n{auth}\r\n")).await;
    assert!(no_host.contains(" 403 "), "{no_host}");
    let absolute = raw(
        s.addr,
        &format!(
            "GET http://evil.example/v2/account HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n"
        ),
    )
    .await;
    assert!(absolute.contains(" 403 "), "{absolute}");
    let fine = raw(
        s.addr,
        &format!("GET /v2/account HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n{auth}\r\n"),
    )
    .await;
    assert!(fine.contains(" 200 "), "{fine}");
    s.stop().await;
}

#[tokio::test]
async fn state_changes_from_a_web_page_are_refused_and_change_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    let order = json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "limit",
                       "limit_price": "1.00", "time_in_force": "gtc"});
    for origin in ["https://evil.example", "null", "http://127.0.0.1:8787"] {
        let r = s
            .client
            .post(s.url("/v2/orders"))
            .header("origin", origin)
            .json(&order)
            .send()
            .await
            .unwrap();
        assert_refused(r, origin).await;
    }
    assert!(
        s.get("/v2/orders?status=all")
            .await
            .as_array()
            .unwrap()
            .is_empty(),
        "no order was placed"
    );
    let (status, placed) = s.post("/v2/orders", order.clone()).await;
    assert_eq!(status, 200, "{placed}");
    let id = placed["id"].as_str().unwrap();
    let evil = "https://evil.example";
    for req in [
        s.client.delete(s.url(&format!("/v2/orders/{id}"))),
        s.client.delete(s.url("/v2/orders")),
        s.client.delete(s.url("/v2/positions")),
        s.client
            .patch(s.url(&format!("/v2/orders/{id}")))
            .json(&json!({"qty": "2"})),
        s.client.put(s.url("/v2/orders")),
    ] {
        assert_refused(req.header("origin", evil).send().await.unwrap(), "change").await;
    }
    assert_eq!(s.get(&format!("/v2/orders/{id}")).await["status"], "new");

    // Reads with an Origin are answered, but without CORS headers the page cannot read them;
    // a preflight gets none either.
    let r = s
        .client
        .get(s.url("/v2/account"))
        .header("origin", evil)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    assert_no_cors(r.headers(), "GET with Origin");
    let r = s
        .client
        .request(reqwest::Method::OPTIONS, s.url("/v2/orders"))
        .header("origin", evil)
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "apca-api-key-id,apca-api-secret-key",
        )
        .send()
        .await
        .unwrap();
    assert!(!r.status().is_success(), "{}", r.status());
    assert_no_cors(r.headers(), "preflight");
    s.stop().await;
}

async fn ws_status(url: &str, headers: &[(&'static str, &str)]) -> Result<(), u16> {
    let mut req = url.into_client_request().unwrap();
    for (k, v) in headers {
        req.headers_mut().insert(*k, v.parse().unwrap());
    }
    match tokio_tungstenite::connect_async(req).await {
        Ok((mut ws, _)) => {
            let _ = ws.close(None).await;
            Ok(())
        }
        Err(tungstenite::Error::Http(resp)) => Err(resp.status().as_u16()),
        Err(e) => panic!("{url}: {e}"),
    }
}

#[tokio::test]
async fn websocket_upgrades_from_a_web_page_or_another_host_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let s = Server::start(config(dir.path())).await;
    for path in ["/stream", "/v2/iex", "/v2/sip"] {
        let url = format!("ws://{}{path}", s.addr);
        assert_eq!(ws_status(&url, &[]).await, Ok(()), "{path} from a program");
        assert_eq!(
            ws_status(&url, &[("origin", "https://evil.example")]).await,
            Err(403),
            "{path} from a page"
        );
        assert_eq!(
            ws_status(&url, &[("host", "evil.example")]).await,
            Err(403),
            "{path} for another host"
        );
    }
    s.stop().await;
}

#[tokio::test]
async fn the_default_key_is_made_per_install_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("credentials.json");
    let mut cfg = SandboxConfig::new(dir.path());
    cfg.tick_interval = std::time::Duration::from_millis(50);
    let s = Server::start(cfg.clone()).await;
    assert!(file.exists(), "made on first start");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // The file is what the user's scripts read (`brokerdesk sandbox credentials` prints it).
    let read = || -> (String, String) {
        let v: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let field = |k: &str| v[k].as_str().unwrap().to_owned();
        (field("key_id"), field("secret_key"))
    };
    let (key_id, secret) = read();
    assert!(key_id.starts_with("PK") && key_id.len() == 20, "{key_id}");
    assert_eq!(secret.len(), 40);
    // A client with no default key of its own.
    let plain = reqwest::Client::new();
    let with = |key: &str, secret: &str| {
        plain
            .get(s.url("/v2/account"))
            .header("APCA-API-KEY-ID", key)
            .header("APCA-API-SECRET-KEY", secret)
    };
    let ok = with(&key_id, &secret).send().await.unwrap();
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(
        ok.json::<Value>().await.unwrap()["account_number"],
        "PA-SANDBOX-1"
    );
    for (key, secret) in [
        ("PKSANDBOX", "sandbox-secret"),
        (key_id.as_str(), "sandbox-secret"),
        ("PKSANDBOX", secret.as_str()),
        (key_id.as_str(), &secret[..39]),
        (secret.as_str(), key_id.as_str()),
    ] {
        let r = with(key, secret).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 401, "{key}");
    }
    s.stop().await;

    // A restart reuses the same pair.
    let s = Server::start(cfg).await;
    assert_eq!(read(), (key_id.clone(), secret.clone()));
    let r = plain
        .get(s.url("/v2/account"))
        .header("APCA-API-KEY-ID", &key_id)
        .header("APCA-API-SECRET-KEY", &secret)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 200);
    s.stop().await;
}
