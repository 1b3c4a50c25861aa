//! Starts a real sandbox on a loopback port for tests.

#![allow(dead_code, clippy::unwrap_used)] // Shared by several test binaries; unwraps fail the test.

use brokerdesk_paper::server::ExchangeHandle;
use brokerdesk_paper::{Sandbox, SandboxConfig};
use reqwest::header::{HeaderMap, HeaderValue};
use std::time::Duration;

pub const KEY: &str = "PKTEST";
pub const SECRET: &str = "test-secret";

pub struct Server {
    pub base: String,
    pub addr: std::net::SocketAddr,
    pub client: reqwest::Client,
    pub dir: std::path::PathBuf,
    /// The running exchange, for tests that reach past HTTP.
    pub handle: ExchangeHandle,
    sandbox: Option<Sandbox>,
    serving: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

pub fn config(dir: &std::path::Path) -> SandboxConfig {
    let mut c = SandboxConfig::new(dir).with_key(KEY, SECRET);
    c.tick_interval = Duration::from_millis(50);
    c
}

pub fn authed_client() -> reqwest::Client {
    let mut h = HeaderMap::new();
    h.insert("APCA-API-KEY-ID", HeaderValue::from_static(KEY));
    h.insert("APCA-API-SECRET-KEY", HeaderValue::from_static(SECRET));
    reqwest::Client::builder()
        .default_headers(h)
        .build()
        .unwrap()
}

impl Server {
    pub async fn start(config: SandboxConfig) -> Self {
        let dir = config.data_dir.clone();
        let sandbox = Sandbox::start(config).await.unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        // Served the way the service and `sandbox serve` do: on the exchange thread's runtime.
        let serving = sandbox.serve(listener).unwrap();
        let handle = sandbox.handle();
        Self {
            base: format!("http://{addr}"),
            addr,
            client: authed_client(),
            dir,
            handle,
            sandbox: Some(sandbox),
            serving: Some(serving),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> serde_json::Value {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        assert!(r.status().is_success(), "GET {path}: {}", r.status());
        r.json().await.unwrap()
    }

    pub async fn post(&self, path: &str, body: serde_json::Value) -> (u16, serde_json::Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(serde_json::Value::Null))
    }

    /// Stops serving and waits for the exchange and journal threads to end, so a test that
    /// reopens the data directory never races the old journal.
    pub async fn stop(mut self) {
        // Dropping the sandbox stops the server: no new connections, idle ones closed.
        drop(self.sandbox.take());
        if let Some(t) = self.serving.take() {
            t.await.unwrap().unwrap();
        }
        let waiter = self.handle.stop_waiter();
        drop(self);
        assert!(
            waiter.wait(Duration::from_secs(10)).await,
            "the exchange thread did not stop"
        );
    }
}

/// Polls until `f` holds (the market fills asynchronously on the next quote).
pub async fn eventually<F, Fut>(mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..200 {
        if f().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("condition not reached in 5 s");
}
