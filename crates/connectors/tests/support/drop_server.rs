//! A tiny HTTP/1.1 server that accepts an order and then drops the connection without
//! answering: the failure exactly-once submission must survive. It keeps the orders it
//! accepted so a test can count them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone, Default)]
pub struct Orders(pub Arc<Mutex<Vec<serde_json::Value>>>);

impl Orders {
    pub fn len(&self) -> usize {
        self.0.lock().expect("lock").len()
    }
}

pub struct DropServer {
    pub url: String,
    pub orders: Orders,
    pub posts: Arc<Mutex<usize>>,
}

/// `order_reply`: the vendor's order JSON to answer lookups with (client id and symbol are
/// replaced by the submitted ones). `account`: the body of GET /v2/account.
pub async fn start(order_reply: serde_json::Value, account: String) -> DropServer {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    let orders = Orders::default();
    let posts = Arc::new(Mutex::new(0));
    let (o, p) = (orders.clone(), posts.clone());
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (o, p, reply, account) =
                (o.clone(), p.clone(), order_reply.clone(), account.clone());
            tokio::spawn(async move { serve(sock, o, p, reply, account).await });
        }
    });
    DropServer { url, orders, posts }
}

async fn read_request(sock: &mut TcpStream) -> Option<(String, String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_string();
            let mut lines = head.lines();
            let first = lines.next()?.to_owned();
            let len: usize = lines
                .filter_map(|l| l.split_once(':'))
                .find(|(k, _)| k.eq_ignore_ascii_case("content-length"))
                .and_then(|(_, v)| v.trim().parse().ok())
                .unwrap_or(0);
            while buf.len() < end + 4 + len {
                let n = sock.read(&mut chunk).await.ok()?;
                if n == 0 {
                    return None;
                }
                buf.extend_from_slice(&chunk[..n]);
            }
            let mut parts = first.split(' ');
            let method = parts.next()?.to_owned();
            let target = parts.next()?.to_owned();
            return Some((method, target, buf[end + 4..end + 4 + len].to_vec()));
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}

async fn respond(sock: &mut TcpStream, status: &str, body: &str) {
    let msg = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = sock.write_all(msg.as_bytes()).await;
}

async fn serve(
    mut sock: TcpStream,
    orders: Orders,
    posts: Arc<Mutex<usize>>,
    reply: serde_json::Value,
    account: String,
) {
    while let Some((method, target, body)) = read_request(&mut sock).await {
        if method == "POST" && target == "/v2/orders" {
            *posts.lock().expect("lock") += 1;
            let submitted: serde_json::Value = serde_json::from_slice(&body).expect("order JSON");
            let duplicate = {
                let mut list = orders.0.lock().expect("lock");
                if list
                    .iter()
                    .any(|o| o["client_order_id"] == submitted["client_order_id"])
                {
                    true
                } else {
                    let mut order = reply.clone();
                    order["client_order_id"] = submitted["client_order_id"].clone();
                    order["symbol"] = submitted["symbol"].clone();
                    list.push(order);
                    false
                }
            };
            if duplicate {
                respond(
                    &mut sock,
                    "422 Unprocessable Entity",
                    r#"{"code":40010001,"message":"client_order_id must be unique"}"#,
                )
                .await;
                continue;
            }
            // Accepted, and the answer is lost: close without a byte.
            return;
        } else if method == "GET" && target.starts_with("/v2/orders:by_client_order_id?") {
            let query: HashMap<_, _> = url::form_urlencoded::parse(
                target
                    .split_once('?')
                    .map(|(_, q)| q)
                    .unwrap_or("")
                    .as_bytes(),
            )
            .into_owned()
            .collect();
            let found = orders
                .0
                .lock()
                .expect("lock")
                .iter()
                .find(|o| {
                    o["client_order_id"].as_str()
                        == query.get("client_order_id").map(String::as_str)
                })
                .cloned();
            match found {
                Some(o) => respond(&mut sock, "200 OK", &o.to_string()).await,
                None => {
                    respond(
                        &mut sock,
                        "404 Not Found",
                        r#"{"code":40410000,"message":"order not found"}"#,
                    )
                    .await
                }
            }
        } else if method == "GET" && target == "/v2/account" {
            respond(&mut sock, "200 OK", &account).await;
        } else {
            respond(&mut sock, "404 Not Found", r#"{"message":"not found"}"#).await;
        }
    }
}
