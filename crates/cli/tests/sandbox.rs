//! `brokerdesk sandbox serve` as an Alpaca client sees it, and the same journal read back by
//! `brokerdesk positions` once the server has stopped.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        // SIGINT: the server's Ctrl-C path, which shuts down gracefully.
        let _ = Command::new("kill")
            .args(["-s", "INT", "--", &self.0.id().to_string()])
            .status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_trades_like_alpaca_and_the_journal_outlives_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let server = Server(
        Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(["sandbox", "serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--key", "PKTEST", "--secret", "s3cret", "--cash", "25000"])
            .env("BROKERDESK_DATA_DIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("brokerdesk sandbox serve starts"),
    );
    let http = reqwest::Client::new();
    let get = |path: &str| {
        http.get(format!("{base}{path}"))
            .header("APCA-API-KEY-ID", "PKTEST")
            .header("APCA-API-SECRET-KEY", "s3cret")
    };

    let deadline = Instant::now() + Duration::from_secs(30);
    let account: serde_json::Value = loop {
        match get("/v2/account").send().await {
            Ok(resp) if resp.status().is_success() => break resp.json().await.unwrap(),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the sandbox never answered: {other:?}"),
        }
    };
    assert_eq!(
        account["cash"], "25000",
        "decimals are strings, as Alpaca sends them"
    );

    let refused = http
        .get(format!("{base}/v2/account"))
        .header("APCA-API-KEY-ID", "PKTEST")
        .header("APCA-API-SECRET-KEY", "wrong")
        .send()
        .await
        .unwrap();
    assert!(
        refused.status() == 401 || refused.status() == 403,
        "{}",
        refused.status()
    );

    let order: serde_json::Value = http
        .post(format!("{base}/v2/orders"))
        .header("APCA-API-KEY-ID", "PKTEST")
        .header("APCA-API-SECRET-KEY", "s3cret")
        .json(&serde_json::json!({
            "symbol": "AAPL", "qty": "3", "side": "buy", "type": "market",
            "time_in_force": "day", "client_order_id": "cli-test-1"
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(order["client_order_id"], "cli-test-1", "{order}");

    // The market order fills against the simulated quote within a tick or two.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let positions: serde_json::Value = get("/v2/positions")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if positions.as_array().is_some_and(|p| !p.is_empty()) {
            assert_eq!(positions[0]["symbol"], "AAPL");
            break;
        }
        assert!(Instant::now() < deadline, "the order never filled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    drop(server);

    // The same exchange, now read through the service by the CLI.
    let out = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(["positions", "--json"])
        .env("BROKERDESK_DATA_DIR", dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let overview: brokerdesk_model::AccountsOverview = serde_json::from_slice(&out.stdout).unwrap();
    let paper = &overview.accounts[0];
    assert_eq!(paper.positions.len(), 1);
    assert_eq!(paper.positions[0].symbol.as_str(), "AAPL");
    assert!(
        paper.balances.cash < rust_decimal::Decimal::from(25_000),
        "cash paid for the shares"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_uses_the_per_install_key_that_credentials_prints() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let credentials = |json: bool| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_brokerdesk"));
        cmd.args(["sandbox", "credentials"])
            .env("BROKERDESK_DATA_DIR", dir.path())
            .env("BROKERDESK_SANDBOX_ADDR", &addr);
        if json {
            cmd.arg("--json");
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let first: serde_json::Value = serde_json::from_str(&credentials(true)).unwrap();
    let key = first["key_id"].as_str().unwrap().to_owned();
    let secret = first["secret_key"].as_str().unwrap().to_owned();
    assert!(key.starts_with("PK") && key.len() == 20, "{key}");
    assert_eq!(secret.len(), 40);
    assert_eq!(first["base_url"], format!("http://{addr}"));
    assert!(
        first["file"]
            .as_str()
            .unwrap()
            .ends_with("credentials.json")
    );
    let again: serde_json::Value = serde_json::from_str(&credentials(true)).unwrap();
    assert_eq!(again, first, "made once, then reused");
    let text = credentials(false);
    assert!(text.contains(&format!("APCA_API_KEY_ID={key}\n")), "{text}");
    assert!(
        text.contains(&format!("APCA_API_SECRET_KEY={secret}\n")),
        "{text}"
    );

    // `serve` without --key/--secret accepts exactly that pair.
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(["sandbox", "serve", "--addr", &addr])
            .env("BROKERDESK_DATA_DIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("brokerdesk sandbox serve starts"),
    );
    let http = reqwest::Client::new();
    let account = |k: &str, s: &str| {
        http.get(format!("http://{addr}/v2/account"))
            .header("APCA-API-KEY-ID", k)
            .header("APCA-API-SECRET-KEY", s)
            .send()
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match account(&key, &secret).await {
            Ok(r) if r.status().is_success() => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the sandbox never accepted its own key: {other:?}"),
        }
    }
    let old = account("PKSANDBOX", "sandbox-secret").await.unwrap();
    assert_eq!(old.status().as_u16(), 401);
}

/// `sandbox price` and `sandbox reset` against a `sandbox serve --prices FILE` on the same data
/// dir: the replayed price is served, a price set by hand fills a resting stop, and a reset
/// asks first and then leaves a fresh account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn price_and_reset_from_the_terminal_and_a_replayed_price_file() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let prices = dir.path().join("prices.csv");
    std::fs::write(
        &prices,
        "timestamp,symbol,price,size\n2024-01-02T14:30:00Z,AAPL,187.23,10\n",
    )
    .unwrap();
    let cli = |args: &[&str], stdin: &str| {
        use std::io::Write;
        let mut child = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(args)
            .env("BROKERDESK_DATA_DIR", dir.path())
            .env("BROKERDESK_SANDBOX_ADDR", &addr)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // A command that needs no input may exit before reading it: a closed pipe is no failure.
        match child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
            Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => panic!("stdin: {e}"),
            _ => {}
        }
        child.wait_with_output().unwrap()
    };
    let creds: serde_json::Value =
        serde_json::from_slice(&cli(&["sandbox", "credentials", "--json"], "").stdout).unwrap();
    let (key, secret) = (
        creds["key_id"].as_str().unwrap().to_owned(),
        creds["secret_key"].as_str().unwrap().to_owned(),
    );
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(["sandbox", "serve", "--addr", &addr])
            .args(["--prices", prices.to_str().unwrap(), "--prices-end", "stop"])
            .env("BROKERDESK_DATA_DIR", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("brokerdesk sandbox serve starts"),
    );
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        http.request(method, format!("http://{addr}{path}"))
            .header("APCA-API-KEY-ID", &key)
            .header("APCA-API-SECRET-KEY", &secret)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    let trade: serde_json::Value = loop {
        match call(reqwest::Method::GET, "/v2/stocks/AAPL/trades/latest")
            .send()
            .await
        {
            Ok(r) if r.status().is_success() => break r.json().await.unwrap(),
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the sandbox never served the replayed price: {other:?}"),
        }
    };
    assert_eq!(trade["trade"]["p"], serde_json::json!(187.23), "{trade}");

    let stop: serde_json::Value = call(reqwest::Method::POST, "/v2/orders")
        .json(
            &serde_json::json!({"symbol": "AAPL", "qty": "1", "side": "buy", "type": "stop",
                                  "stop_price": "200", "time_in_force": "gtc"}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let out = cli(&["sandbox", "price", "AAPL", "201.50"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let order: serde_json::Value = call(
        reqwest::Method::GET,
        &format!("/v2/orders/{}", stop["id"].as_str().unwrap()),
    )
    .send()
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_ne!(order["status"], "new", "{order}");
    let out = cli(&["sandbox", "price", "AAPL", "0"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("price must be > 0"));

    // Declined: nothing changes. Confirmed: a fresh account.
    let out = cli(&["sandbox", "reset"], "no\n");
    assert!(!out.status.success());
    let orders = |status: &'static str| {
        let req = call(reqwest::Method::GET, &format!("/v2/orders?status={status}"));
        async move {
            req.send()
                .await
                .unwrap()
                .json::<serde_json::Value>()
                .await
                .unwrap()
        }
    };
    assert_eq!(orders("all").await.as_array().unwrap().len(), 1);
    let out = cli(&["sandbox", "reset"], "reset\n");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(orders("all").await.as_array().unwrap().is_empty());
    let out = cli(&["sandbox", "reset", "--yes"], "");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `sandbox prices`: the choice Settings › Paper sandbox makes, from the terminal; saved, so the
/// next start (the app's, or this command's) uses it; a file that cannot be replayed is refused.
#[test]
fn the_price_source_is_chosen_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.csv");
    std::fs::write(
        &prices,
        "timestamp,symbol,price,size\n2024-01-02T14:30:00Z,AAPL,187.23,10\n",
    )
    .unwrap();
    let cli = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(args)
            .env("BROKERDESK_DATA_DIR", dir.path().join("data"))
            .env("BROKERDESK_SANDBOX_ADDR", "127.0.0.1:0")
            .stdin(Stdio::null())
            .output()
            .unwrap()
    };
    let text = |out: &std::process::Output| String::from_utf8_lossy(&out.stdout).into_owned();
    let out = cli(&["sandbox", "prices"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text(&out).contains("simulated"), "{}", text(&out));

    let out = cli(&[
        "sandbox",
        "prices",
        "--replay",
        prices.to_str().unwrap(),
        "--at-end",
        "stop",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(text(&out).contains("replaying"), "{}", text(&out));

    // A later start keeps it.
    let out = cli(&["--json", "sandbox", "prices"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["prices"]["kind"], "replay", "{shown}");
    assert_eq!(shown["prices"]["path"], prices.to_str().unwrap());
    assert_eq!(shown["prices"]["at_end"], "stop");

    // Refused, and the saved choice stays.
    let out = cli(&["sandbox", "prices", "--replay", "/nowhere/prices.csv"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nowhere/prices.csv"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cli(&["--json", "sandbox", "prices"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown["prices"]["kind"], "replay", "{shown}");
}
