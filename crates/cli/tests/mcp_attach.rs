//! `brokerdesk mcp` attaches to a running app: a listener started in-process (the app's own
//! `brokerdesk_mcp::attach`) on the data dir's socket, and the real binary relaying a raw MCP
//! session over stdio to it. The consent question shows in the "app" (the in-process
//! service), and once allowed the read comes from the app's own service.

#![cfg(unix)]
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

use brokerdesk_model::{AssistantAsk, ConsentAnswer};
use brokerdesk_service::{BrokerageService, ServiceConfig};
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_cli_relays_to_the_app_and_the_app_asks_first() {
    let data = tempfile::tempdir().unwrap();
    let runtime = tempfile::tempdir().unwrap();
    let service = BrokerageService::start(ServiceConfig::new(data.path().to_path_buf()))
        .await
        .unwrap();
    // Where the binary will look, with XDG_RUNTIME_DIR = `runtime`.
    let name = brokerdesk_mcp::attach::socket_path(data.path())
        .unwrap()
        .file_name()
        .unwrap()
        .to_owned();
    let socket = runtime.path().join("brokerdesk").join(name);
    let listener = brokerdesk_mcp::attach::AttachListener::bind(&socket)
        .await
        .unwrap();
    tokio::spawn(listener.serve(service.clone()));

    let mut child = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .arg("mcp")
        .env("BROKERDESK_DATA_DIR", data.path())
        .env("XDG_RUNTIME_DIR", runtime.path())
        // Were it to run headless, it would need its own sandbox port: it must not.
        .env("BROKERDESK_SANDBOX_ADDR", "127.0.0.1:0")
        .env_remove("BROKERDESK_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let lines = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    {
        let lines = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                lines.lock().unwrap().push(line);
            }
        });
    }
    let send = |stdin: &mut std::process::ChildStdin, v: serde_json::Value| {
        writeln!(stdin, "{v}").unwrap();
        stdin.flush().unwrap();
    };
    send(
        &mut stdin,
        serde_json::json!({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "relay-test-client", "version": "1.0"}}}),
    );
    let wait_for = |id: u64| {
        let lines = lines.clone();
        async move {
            for _ in 0..1500 {
                if let Some(found) = lines.lock().unwrap().iter().find_map(|l| {
                    let v: serde_json::Value = serde_json::from_str(l).ok()?;
                    (v["id"] == id).then_some(v)
                }) {
                    return found;
                }
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            panic!("no reply {id}: {:?}", lines.lock().unwrap());
        }
    };
    let init = wait_for(1).await;
    assert_eq!(init["result"]["serverInfo"]["name"], "brokerdesk", "{init}");
    send(
        &mut stdin,
        serde_json::json!({"jsonrpc": "2.0", "method": "notifications/initialized"}),
    );
    send(
        &mut stdin,
        serde_json::json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
            "params": {"name": "list_accounts", "arguments": {}}}),
    );
    // The app shows the question: the client's name, and the program that started the relay
    // (this test).
    let mut asked = None;
    for _ in 0..500 {
        asked = service
            .assistant_questions()
            .into_iter()
            .find(|q| q.ask == AssistantAsk::Consent);
        if asked.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let asked = asked.expect("the app was asked");
    assert_eq!(asked.client, "relay-test-client");
    let me = std::fs::read_link("/proc/self/exe").unwrap();
    assert_eq!(asked.executable, me.display().to_string());
    service
        .answer_assistant_consent(&asked.id, ConsentAnswer::AllowOnce)
        .await
        .unwrap();
    let reply = wait_for(2).await;
    let result = &reply["result"];
    assert_ne!(result["isError"], true, "{reply}");
    let accounts = &result["structuredContent"]["data"]["accounts"];
    assert_eq!(accounts[0]["connection"], "paper-local", "{reply}");
    // The app's own sandbox, connected: the same cash the app's service reads.
    let overview = service.accounts_overview().await.unwrap();
    assert_eq!(
        accounts[0]["balances"]["cash"],
        serde_json::to_value(overview.accounts[0].balances.cash).unwrap()
    );
    drop(stdin);
    let status = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    let stderr = String::from_utf8_lossy(&status.stderr);
    assert!(
        stderr.contains("attached to the running Brokerdesk app"),
        "{stderr}"
    );
    assert!(status.status.success(), "{stderr}");
}
