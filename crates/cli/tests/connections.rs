//! What the app's Connect, Orders and Reconciliation pages do, from the terminal: a key
//! connection added with its secret on standard input, an order on it cancelled, a break made by
//! another client accepted, the connection removed; live trading armed for one command only.
//!
//! The key vendor's stand-in is the project's own sandbox (`brokerdesk sandbox serve`, an
//! Alpaca-compatible server on loopback, with its own data dir); the live broker's is a
//! wiremock Client Portal gateway.

// Helpers outside #[test] functions: a failed step there is a failed test too.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

const PASSWORD: &str = "correct horse battery staple 7";
const SANDBOX_KEY: &str = "PKCLICONNECT01";
const SANDBOX_SECRET: &str = "SECRET-cli-connect-Zq81xT";

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
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

/// The CLI on `dir` with the vault password in the environment (the CLI's convention), its own
/// sandbox on a free port (never the shared default), `stdin` piped in.
fn cli(dir: &Path, sandbox_addr: &str, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
        .args(args)
        .env("BROKERDESK_DATA_DIR", dir)
        .env("BROKERDESK_PASSWORD", PASSWORD)
        .env("BROKERDESK_SANDBOX_ADDR", sandbox_addr)
        .env_remove("BROKERDESK_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the brokerdesk binary runs");
    let mut input = child.stdin.take().unwrap();
    // A command that does not read stdin may exit first: a broken pipe is not a failure here.
    let _ = input.write_all(stdin.as_bytes());
    drop(input);
    child.wait_with_output().unwrap()
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

fn failed(out: &Output, what: &str) -> String {
    assert!(
        !out.status.success(),
        "{what} should fail: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let stderr = String::from_utf8(out.stderr.clone()).unwrap();
    assert_eq!(
        stderr.trim_end().lines().count(),
        1,
        "{what}: one line of error, got {stderr:?}"
    );
    stderr
}

fn json(text: &str) -> serde_json::Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

/// Every file under `dir`, for a secret that must not be stored in clear.
fn any_file_contains(dir: &Path, needle: &[u8]) -> Option<std::path::PathBuf> {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(hit) = any_file_contains(&path, needle) {
                return Some(hit);
            }
        } else if let Ok(bytes) = std::fs::read(&path)
            && bytes.windows(needle.len()).any(|w| w == needle)
        {
            return Some(path);
        }
    }
    None
}

async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_with_stdin_secrets_cancel_accept_a_break_and_disconnect() {
    let dir = tempfile::tempdir().unwrap();
    let server_dir = tempfile::tempdir().unwrap();
    let own_sandbox = format!("127.0.0.1:{}", free_port());
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_brokerdesk"))
            .args(["sandbox", "serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--key", SANDBOX_KEY, "--secret", SANDBOX_SECRET])
            // Whole fills: the test counts shares, and a random partial fill completing after
            // the break was accepted would be a new break.
            .args(["--partial-fill-pct", "0"])
            .env("BROKERDESK_DATA_DIR", server_dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("brokerdesk sandbox serve starts"),
    );
    let http = reqwest::Client::new();
    let call = |method: reqwest::Method, path: &str| {
        http.request(method, format!("{base}{path}"))
            .header("APCA-API-KEY-ID", SANDBOX_KEY)
            .header("APCA-API-SECRET-KEY", SANDBOX_SECRET)
    };
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match call(reqwest::Method::GET, "/v2/account").send().await {
            Ok(r) if r.status().is_success() => break,
            _ if Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(100)).await,
            other => panic!("the sandbox never answered: {other:?}"),
        }
    }
    let run = {
        let dir = dir.path().to_owned();
        move |args: Vec<String>, stdin: String| {
            let dir = dir.clone();
            let own = own_sandbox.clone();
            blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                cli(&dir, &own, &args, &stdin)
            })
        }
    };
    let args = |a: &[&str]| a.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();

    ok(
        &run(args(&["vault", "init"]), String::new()).await,
        "vault init",
    );

    // The form is readable without a vault password, and says which field is secret.
    let form = json(&ok(
        &run(
            args(&["connect", "alpaca", "--show-form", "--json"]),
            String::new(),
        )
        .await,
        "show form",
    ));
    let secret_fields: Vec<&str> = form["fields"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["kind"]["kind"] == "secret")
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(secret_fields, ["secret_key"], "{form}");

    // A secret on the command line is refused, without being echoed.
    let refused = run(
        args(&[
            "connect",
            "alpaca",
            "--field",
            &format!("secret_key={SANDBOX_SECRET}"),
        ]),
        String::new(),
    )
    .await;
    let err = failed(&refused, "a secret in argv");
    assert!(err.contains("is secret"), "{err}");
    assert!(!err.contains(SANDBOX_SECRET), "{err}");
    // Without a terminal and without --secrets-from-stdin, nothing is asked or guessed.
    let no_tty = run(
        args(&[
            "connect",
            "alpaca",
            "--field",
            "environment=custom",
            "--field",
            &format!("server_url={base}"),
            "--field",
            &format!("key_id={SANDBOX_KEY}"),
        ]),
        String::new(),
    )
    .await;
    assert!(
        failed(&no_tty, "no secret given").contains("--secrets-from-stdin"),
        "{no_tty:?}"
    );

    // The real thing: non-secret fields as flags, the secret on standard input.
    let connect_args = args(&[
        "--json",
        "connect",
        "alpaca",
        "--field",
        "environment=custom",
        "--field",
        &format!("server_url={base}"),
        "--field",
        &format!("key_id={SANDBOX_KEY}"),
        "--label",
        "Second desk",
        "--secrets-from-stdin",
    ]);
    assert!(connect_args.iter().all(|a| !a.contains(SANDBOX_SECRET)));
    let connected = run(connect_args, format!("secret_key={SANDBOX_SECRET}\n")).await;
    let stdout = ok(&connected, "connect");
    let stderr = String::from_utf8_lossy(&connected.stderr).into_owned();
    assert!(!stdout.contains(SANDBOX_SECRET) && !stderr.contains(SANDBOX_SECRET));
    let summary = json(&stdout);
    let id = summary["id"].as_str().unwrap().to_owned();
    assert_eq!(summary["display_name"], "Second desk");
    assert_eq!(summary["mode"], "paper", "a loopback server is paper");
    assert!(
        any_file_contains(dir.path(), SANDBOX_SECRET.as_bytes()).is_none(),
        "the secret is stored sealed only"
    );

    let status = json(&ok(
        &run(args(&["status", "--json"]), String::new()).await,
        "status",
    ));
    let listed = status
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id.as_str())
        .unwrap_or_else(|| panic!("{id} not in {status}"));
    assert_eq!(listed["display_name"], "Second desk");

    // Reconciliation first sees the (empty) account: that is its baseline.
    let breaks = json(&ok(
        &run(args(&["reconcile", "--json"]), String::new()).await,
        "reconcile",
    ));
    assert_eq!(breaks, serde_json::json!([]));

    // A limit order far below the market rests; cancelling it by the id `orders` lists.
    let placed = json(&ok(
        &run(
            args(&[
                "--json",
                "order",
                "buy",
                "AAPL",
                "1",
                "--limit",
                "1",
                "--connection",
                &id,
            ]),
            String::new(),
        )
        .await,
        "order",
    ));
    let client_id = placed["order"]["client_order_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let text = ok(&run(args(&["orders"]), String::new()).await, "orders");
    assert!(text.contains(&client_id), "orders lists the id: {text}");
    let cancelled = json(&ok(
        &run(args(&["cancel", &client_id, "--json"]), String::new()).await,
        "cancel",
    ));
    assert_eq!(cancelled["order"]["status"], "canceled", "{cancelled}");
    let orders = json(&ok(
        &run(args(&["orders", "--json"]), String::new()).await,
        "orders",
    ));
    let entry = orders
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["order"]["client_order_id"] == client_id.as_str())
        .unwrap();
    assert_eq!(entry["order"]["status"], "canceled");
    let again = run(args(&["cancel", &client_id]), String::new()).await;
    assert!(failed(&again, "cancel twice").contains("already canceled"));
    let unknown = run(args(&["cancel", "no-such-order"]), String::new()).await;
    assert!(failed(&unknown, "cancel unknown").contains("no order `no-such-order`"));

    // Another client buys on the same account: a break the journal cannot explain.
    let outside = call(reqwest::Method::POST, "/v2/orders")
        .json(&serde_json::json!({
            "symbol": "AAPL", "qty": "3", "side": "buy", "type": "market",
            "time_in_force": "day"
        }))
        .send()
        .await
        .unwrap();
    assert!(outside.status().is_success(), "{}", outside.status());
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let positions: serde_json::Value = call(reqwest::Method::GET, "/v2/positions")
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if positions.as_array().is_some_and(|p| !p.is_empty()) {
            break;
        }
        assert!(Instant::now() < deadline, "the outside order never filled");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let breaks = json(&ok(
        &run(args(&["reconcile", "--json"]), String::new()).await,
        "reconcile",
    ));
    let found = breaks
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["connection"] == id.as_str() && b["symbol"] == "AAPL")
        .unwrap_or_else(|| panic!("no AAPL break on {id}: {breaks}"))
        .clone();
    let account = found["account"].as_str().unwrap().to_owned();
    let wrong = run(
        args(&["reconcile", "accept", &id, &account, "MSFT"]),
        String::new(),
    )
    .await;
    assert!(failed(&wrong, "accept nothing").contains("no open break"));
    let left = json(&ok(
        &run(
            args(&["--json", "reconcile", "accept", &id, &account, "aapl"]),
            String::new(),
        )
        .await,
        "accept",
    ));
    assert!(
        left.as_array()
            .unwrap()
            .iter()
            .all(|b| b["connection"] != id.as_str()),
        "{left}"
    );
    // Accepted means the baseline moved: a new reconciliation finds nothing.
    let breaks = json(&ok(
        &run(args(&["reconcile", "--json"]), String::new()).await,
        "reconcile",
    ));
    assert_eq!(breaks, serde_json::json!([]), "{breaks}");

    // Removing asks first; a "no" keeps it.
    let kept = run(args(&["disconnect", &id]), "no\n".into()).await;
    assert!(failed(&kept, "declined").contains("not removed"));
    let removed = json(&ok(
        &run(args(&["--json", "disconnect", &id, "--yes"]), String::new()).await,
        "disconnect",
    ));
    assert!(
        removed
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["id"] != id.as_str())
    );
    let status = ok(
        &run(args(&["status", "--json"]), String::new()).await,
        "status",
    );
    assert!(!status.contains(&id), "{status}");
    let credentials = ok(
        &run(args(&["vault", "list", "--json"]), String::new()).await,
        "vault list",
    );
    assert_eq!(json(&credentials), serde_json::json!([]), "its key is gone");
    let unknown = run(args(&["disconnect", &id, "--yes"]), String::new()).await;
    assert!(failed(&unknown, "disconnect twice").contains("no connection"));
}

/// A Client Portal gateway whose one account is live (no `DU` prefix, nothing says paper).
async fn live_gateway() -> wiremock::MockServer {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    let account = "U1234567";
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(ok(
            serde_json::json!([{ "id": account, "currency": "USD" }]),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/api/iserver/accounts"))
        .respond_with(ok(
            serde_json::json!({ "accounts": [account], "selectedAccount": account }),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
        .respond_with(ok(serde_json::json!({
            "netliquidation": { "amount": 100000, "currency": "USD" },
            "totalcashvalue": { "amount": 50000, "currency": "USD" },
            "buyingpower": { "amount": 200000, "currency": "USD" },
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/positions/0$"))
        .respond_with(ok(serde_json::json!([])))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/api/tickle"))
        .respond_with(ok(serde_json::json!({})))
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path_regex(r"^/v1/api/iserver/account/[^/]+/orders$"))
        .respond_with(ok(
            serde_json::json!([{ "order_id": "987", "order_status": "Submitted" }]),
        ))
        .mount(&server)
        .await;
    server
}

async fn order_posts(server: &wiremock::MockServer) -> usize {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/orders"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn live_trading_is_armed_for_one_command_and_never_beyond_it() {
    let dir = tempfile::tempdir().unwrap();
    let own_sandbox = format!("127.0.0.1:{}", free_port());
    let gateway = live_gateway().await;
    let run = {
        let dir = dir.path().to_owned();
        move |args: &[&str], stdin: &str| {
            let (dir, own) = (dir.clone(), own_sandbox.clone());
            let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
            let stdin = stdin.to_owned();
            blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                cli(&dir, &own, &args, &stdin)
            })
        }
    };
    ok(&run(&["vault", "init"], "").await, "vault init");
    let gateway_url = format!("{}/v1/api", gateway.uri());
    let added = json(&ok(
        &run(
            &[
                "--json",
                "connect",
                "ibkr",
                "--field",
                &format!("gateway_url={gateway_url}"),
                "--field",
                "accept_self_signed=false",
            ],
            "",
        )
        .await,
        "connect the gateway",
    ));
    let id = added["id"].as_str().unwrap().to_owned();
    let order = [
        "--json",
        "order",
        "buy",
        "265598",
        "1",
        "--limit",
        "10",
        "--connection",
        &id,
        "--account",
        "U1234567",
    ];

    let status = json(&ok(&run(&["live", "status", "--json"], "").await, "status"));
    assert_eq!(status["armed"], false);
    let unarmed = run(&order, "").await;
    assert!(failed(&unarmed, "unarmed live order").contains("not armed"));
    assert_eq!(order_posts(&gateway).await, 0, "nothing sent unarmed");

    // Declined, a missing command, a bad duration: no arm, nothing sent.
    let mut armed_order = vec!["live", "arm", "--minutes", "1", "--"];
    armed_order.extend(order);
    let declined = run(&armed_order, "no\n").await;
    assert!(failed(&declined, "declined").contains("not armed"));
    let bare = run(&["live", "arm", "--yes"], "").await;
    assert!(failed(&bare, "no command").contains("after `--`"));
    for minutes in ["0", "481"] {
        let bad = run(
            &["live", "arm", "--yes", "--minutes", minutes, "--", "orders"],
            "",
        )
        .await;
        assert!(!bad.status.success(), "--minutes {minutes}");
    }
    assert_eq!(order_posts(&gateway).await, 0);

    // Armed (typed confirmation) for this one order: it goes out, as a live order.
    let placed = run(&armed_order, "arm\n").await;
    let placed = json(&ok(&placed, "armed order").replace('\n', " "));
    assert_eq!(placed["mode"], "live", "{placed}");
    assert_eq!(order_posts(&gateway).await, 1);
    let during = json(&ok(
        &run(
            &[
                "live",
                "arm",
                "--yes",
                "--minutes",
                "3",
                "--",
                "live",
                "status",
                "--json",
            ],
            "",
        )
        .await,
        "armed status",
    ));
    assert_eq!(during["armed"], true, "{during}");
    let until: chrono::DateTime<chrono::Utc> =
        serde_json::from_value(during["live_armed_until"].clone()).unwrap();
    let left = until - chrono::Utc::now();
    assert!(
        left <= chrono::TimeDelta::minutes(3) && left > chrono::TimeDelta::minutes(2),
        "{left}"
    );

    // The next command is a new process: the arm did not outlive the one it wrapped.
    let status = json(&ok(&run(&["live", "status", "--json"], "").await, "status"));
    assert_eq!(status["armed"], false);
    let after = run(&order, "").await;
    assert!(failed(&after, "order after the arm").contains("not armed"));
    assert_eq!(order_posts(&gateway).await, 1);
    let disarmed = json(&ok(&run(&["live", "disarm", "--json"], "").await, "disarm"));
    assert_eq!(disarmed["armed"], false);

    // A viewer cannot arm at all.
    let viewer = tempfile::tempdir().unwrap();
    let own = format!("127.0.0.1:{}", free_port());
    let (vdir, vown) = (viewer.path().to_owned(), own.clone());
    blocking(move || {
        ok(
            &cli(&vdir, &vown, &["vault", "init", "--role", "viewer"], ""),
            "viewer",
        )
    })
    .await;
    let vdir = viewer.path().to_owned();
    let refused =
        blocking(move || cli(&vdir, &own, &["live", "arm", "--yes", "--", "orders"], "")).await;
    assert!(failed(&refused, "viewer arm").contains("viewer"));
}
