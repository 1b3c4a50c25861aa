//! `brokerdesk portal`: the aggregator's portal printed (`--no-browser`), waited for, and
//! finished when the browser comes back.
//!
//! No process argument or environment variable can point the binary's aggregator at a stand-in
//! (that is the point: nothing outside the process may send a user's keys elsewhere), so the
//! command's own code, `src/portal_cmd.rs`, is compiled into this test and run against a service
//! whose aggregator is a wiremock over SnapTrade's recorded responses. The binary is run for
//! what needs no stand-in: its refusals.

// Helpers outside #[test] functions: a failed step there is a failed test too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[allow(dead_code)]
#[path = "../src/portal_cmd.rs"]
mod portal_cmd;

use brokerdesk_model::vault::Role;
use brokerdesk_model::{KeyConnectionArgs, VendorId};
use brokerdesk_oauth::PrintUrl;
use brokerdesk_service::{BrokerageService, ServiceConfig};
use brokerdesk_vault::SecretString;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../connectors/tests/fixtures/snaptrade/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn portal_prints_the_https_link_and_finishes_when_the_browser_comes_back() {
    let server = MockServer::start().await;
    let mut accounts = fixture("spec_synth_GET_accounts.json");
    accounts[0]["id"] = serde_json::json!("917c8734-8470-4a3e-a18f-57c3f2ee6631");
    Mock::given(method("GET"))
        .and(path("/api/v1/accounts"))
        .respond_with(ResponseTemplate::new(200).set_body_json(&accounts))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/v1/snapTrade/login"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(fixture("spec_synth_POST_snapTrade_login.json")),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let mut config = ServiceConfig::new(dir.path().to_owned());
    config
        .key_vendor_urls
        .insert("snaptrade".into(), format!("{}/api/v1", server.uri()));
    let service = BrokerageService::start(config).await.unwrap();
    service
        .vault()
        .create(SecretString::from("portal test password 1"), Role::Trader)
        .await
        .unwrap();
    let fields = [
        ("client_id", "BROKERDESK-TEST"),
        ("consumer_key", "consumer-key-e2e"),
        ("user_id", "user-1"),
        ("user_secret", "user-secret-e2e"),
    ];
    let added = service
        .add_key_connection(KeyConnectionArgs {
            vendor: VendorId::new("snaptrade"),
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            sandbox: false,
            label: String::new(),
        })
        .await
        .unwrap();

    // What `--no-browser` does: the link printed, not opened.
    let printed = Shared::default();
    let visit = {
        let (service, id, out) = (service.clone(), added.id.to_string(), printed.clone());
        tokio::spawn(
            async move { portal_cmd::visit(&service, &id, None, &PrintUrl::to(out)).await },
        )
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    let text = loop {
        let text = String::from_utf8(printed.0.lock().unwrap().clone()).unwrap();
        if text.contains("https://") {
            break text;
        }
        assert!(Instant::now() < deadline, "no link printed: {text:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let link = text
        .split_whitespace()
        .find(|w| w.starts_with("https://"))
        .unwrap();
    assert!(
        link.starts_with("https://app.snaptrade.com/snapTrade/redeemToken"),
        "{link}"
    );
    assert!(!visit.is_finished(), "it waits for the browser");

    // The portal sends the browser back to the loopback address it was given.
    let login = server
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.url.path().ends_with("/snapTrade/login"))
        .expect("a portal link was asked for");
    let body: serde_json::Value = serde_json::from_slice(&login.body).unwrap();
    let back_to = body["customRedirect"].as_str().unwrap().to_owned();
    assert!(back_to.starts_with("http://127.0.0.1:"), "{back_to}");
    reqwest::get(format!("{back_to}?status=SUCCESS"))
        .await
        .unwrap();
    let summary = tokio::time::timeout(Duration::from_secs(10), visit)
        .await
        .expect("the visit ends when the browser is back")
        .unwrap()
        .unwrap();
    assert_eq!(summary.id, added.id);
}

#[test]
fn portal_refuses_a_connection_without_one_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let run = |args: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(args)
            .env("BROKERDESK_DATA_DIR", dir.path())
            .env("BROKERDESK_SANDBOX_ADDR", format!("127.0.0.1:{port}"))
            .output()
            .unwrap()
    };
    let out = run(&["portal", "paper-local", "--no-browser"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("no portal"), "{err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{err}");
    let out = run(&["portal", "nope", "--no-browser"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}
