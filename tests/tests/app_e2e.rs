//! The real app under Xvfb, driven through tauri-driver and WebKitWebDriver.
//!
//! Needs: a display (`DISPLAY`, e.g. Xvfb), `tauri-driver` and `WebKitWebDriver` on PATH, and
//! `BROKERDESK_E2E_APP` naming the built app binary. `scripts/test.sh` provides all of them; run
//! alone without them, the test fails and says what is missing rather than passing silently.

use brokerdesk_e2e::{
    Driver, PAPER_CASH as CASH, connect, element, free_port, save_screenshot, start_driver, text_of,
};
use fantoccini::{Client, Locator};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn app_binary() -> PathBuf {
    let path = std::env::var_os("BROKERDESK_E2E_APP")
        .map(PathBuf::from)
        .expect(
            "BROKERDESK_E2E_APP must name the built app (run scripts/test.sh, which builds it and \
         starts Xvfb)",
        );
    assert!(
        path.is_absolute() && path.is_file(),
        "{} is not the app binary",
        path.display()
    );
    assert!(
        std::env::var_os("DISPLAY").is_some(),
        "no DISPLAY: start Xvfb first"
    );
    path
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_page_shows_the_backend_paper_cash_and_navigation_works() {
    once_more_if_webkit_crashed(
        "accounts_page_shows_the_backend_paper_cash_and_navigation_works",
        accounts_page_shows_the_backend_paper_cash_and_navigation_works_flow,
    )
    .await;
}

async fn accounts_page_shows_the_backend_paper_cash_and_navigation_works_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    // A figure nothing in the UI could invent: it reaches the page only from the service.
    let driver = start_driver(&data_dir, &[("BROKERDESK_PAPER_CASH", "43210.99")]);
    let client = connect(&driver, &app).await;

    assert_eq!(text_of(&client, CASH).await, "$43,210.99");
    assert_eq!(
        text_of(
            &client,
            r#".account[data-connection="paper-local"] [data-field="buying-power"]"#
        )
        .await,
        "$86,421.98"
    );
    assert_eq!(
        text_of(
            &client,
            r#".account[data-connection="paper-local"] [data-field="mode"]"#
        )
        .await,
        "PAPER"
    );
    assert_eq!(
        text_of(&client, "table.positions tr.empty").await,
        "No positions."
    );
    save_screenshot(&client, "accounts").await;

    client
        .find(Locator::Id("nav-settings"))
        .await
        .expect("nav")
        .click()
        .await
        .expect("click");
    let shown_dir = text_of(&client, "#page-settings #data-dir").await;
    assert_eq!(shown_dir, data_dir.display().to_string());
    assert!(
        client.find(Locator::Css(CASH)).await.is_err(),
        "the Accounts page is gone"
    );
    save_screenshot(&client, "settings").await;

    // Connect: the catalog, searched in the UI (fuzzy, accent-insensitive), says what each
    // institution can and cannot show.
    click(&client, "#nav-connect").await;
    type_into(&client, "#institution-search", "vanguärd").await;
    assert_eq!(
        element(
            &client,
            Locator::Css("#page-connect .institution"),
            Duration::from_secs(10)
        )
        .await
        .expect("a result")
        .attr("data-institution")
        .await
        .expect("attribute"),
        Some("vanguard".to_owned())
    );
    type_into(&client, "#institution-search", "venmo").await;
    let venmo = text_of(&client, r#"[data-institution="venmo"]"#).await;
    assert!(venmo.contains("no public API"), "{venmo}");
    save_screenshot(&client, "connect").await;

    // A payment processor's key form comes from the model's field list; its secret is a
    // password field; without a vault the backend refuses to store it, and says why.
    type_into(&client, "#institution-search", "stripe").await;
    click(&client, r#"[data-institution="stripe"] .connect-button"#).await;
    let secret = element(
        &client,
        Locator::Id("stripe-secret_key"),
        Duration::from_secs(10),
    )
    .await
    .expect("the Stripe key field");
    assert_eq!(
        secret.attr("type").await.expect("type").as_deref(),
        Some("password")
    );
    secret.send_keys("sk_test_e2e").await.expect("typed");
    click(&client, "#stripe-connect").await;
    let refused = text_of(&client, "#stripe-form .error-banner").await;
    assert!(refused.contains("create a vault"), "{refused}");
    save_screenshot(&client, "connect-stripe").await;

    client
        .find(Locator::Id("nav-accounts"))
        .await
        .expect("nav")
        .click()
        .await
        .expect("click");
    assert_eq!(text_of(&client, CASH).await, "$43,210.99");

    client.close().await.expect("session closed");
    drop(driver);
}

async fn click(client: &Client, css: &str) {
    // A re-render between finding and clicking leaves a stale element, which WebKitWebDriver
    // reports in several ways (one is "Could not parse element file upload information").
    // Find it again and retry a few times before calling the click failed.
    let mut attempts = 0;
    loop {
        let found = element(client, Locator::Css(css), Duration::from_secs(30))
            .await
            .unwrap_or_else(|err| panic!("{css} never appeared: {err}"));
        match found.click().await {
            Ok(()) => return,
            Err(err) if attempts < 5 => {
                attempts += 1;
                eprintln!("click on {css} failed ({err}); finding it again");
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            Err(err) => panic!("could not click {css}: {err}"),
        }
    }
}

/// Chooses the Orders ticket's account whose option names `label`, once it is listed.
async fn choose_ticket_account(client: &Client, label: &str) {
    let option = format!("//select[@id='ticket-account']/option[contains(., '{label}')]");
    element(client, Locator::XPath(&option), Duration::from_secs(30))
        .await
        .unwrap_or_else(|err| panic!("{label} is not on the ticket: {err}"))
        .click()
        .await
        .expect("account chosen");
}

async fn type_into(client: &Client, css: &str, text: &str) {
    let field = element(client, Locator::Css(css), Duration::from_secs(30))
        .await
        .unwrap_or_else(|err| panic!("{css} never appeared: {err}"));
    // WebDriver's clear fires `change`, not `input`: a controlled field whose re-render races it
    // can get its old value back. Type until the field holds exactly `text`.
    for _ in 0..5 {
        field.clear().await.expect("field cleared");
        if field.prop("value").await.expect("value").as_deref() != Some("") {
            tokio::time::sleep(Duration::from_millis(200)).await;
            continue;
        }
        field.send_keys(text).await.expect("typed");
        if field.prop("value").await.expect("value").as_deref() == Some(text) {
            return;
        }
    }
    panic!("{css} never held {text:?}");
}

const PASSWORD: &str = "correct horse battery";
const SECRET: &str = "PKE2E-3b9f0c6d-never-in-the-webview";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_vault_is_the_sign_in_create_lock_refuse_unlock_and_auto_lock() {
    once_more_if_webkit_crashed(
        "the_vault_is_the_sign_in_create_lock_refuse_unlock_and_auto_lock",
        the_vault_is_the_sign_in_create_lock_refuse_unlock_and_auto_lock_flow,
    )
    .await;
}

async fn the_vault_is_the_sign_in_create_lock_refuse_unlock_and_auto_lock_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    // Twenty seconds of idleness lock the vault, so that auto-lock is seen within the test (and
    // not before the steps below, which take seconds each on a loaded machine).
    let driver = start_driver(
        data_root.path(),
        &[("BROKERDESK_AUTO_LOCK_MINUTES", "0.3334")],
    );
    let client = connect(&driver, &app).await;

    // First start: no vault, the paper account is shown with an invitation to create one.
    assert_eq!(text_of(&client, CASH).await, "$100,000.00");
    click(&client, "#create-vault-hint button").await;

    type_into(&client, "#new-password", "short").await;
    assert!(
        text_of(&client, "#password-strength")
            .await
            .starts_with("Too short")
    );
    type_into(&client, "#new-password", PASSWORD).await;
    assert_eq!(text_of(&client, "#password-strength").await, "Strong");
    type_into(&client, "#confirm-password", PASSWORD).await;
    click(&client, "#create-vault-submit").await;
    assert_eq!(text_of(&client, "#vault-state").await, "Unlocked");
    assert!(text_of(&client, "#vault-role").await.starts_with("Trader"));
    assert_eq!(
        text_of(&client, "#auto-lock option:checked").await,
        "20 seconds"
    );
    assert_eq!(
        text_of(&client, "#no-credentials").await,
        "No credentials stored yet. Connecting an institution adds one."
    );

    // A key stored from the terminal shows up as metadata only, and can be removed here.
    let cli = app.with_file_name("brokerdesk");
    let mut put = Command::new(&cli)
        .args(["vault", "put", "alpaca", "Alpaca paper key"])
        .env("BROKERDESK_DATA_DIR", data_root.path())
        .env("BROKERDESK_PASSWORD", PASSWORD)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap_or_else(|err| panic!("{} runs: {err}", cli.display()));
    std::io::Write::write_all(&mut put.stdin.take().expect("stdin"), SECRET.as_bytes())
        .expect("secret written");
    assert!(put.wait().expect("brokerdesk exits").success());
    click(&client, "#nav-accounts").await;
    click(&client, "#nav-settings").await;
    let row = text_of(&client, "#credentials tbody tr").await;
    assert!(row.starts_with("Alpaca paper key"), "{row}");
    let page = client.source().await.expect("page source");
    assert!(!page.contains(SECRET), "the secret reached the webview");
    save_screenshot(&client, "settings-vault").await;
    click(&client, "#credentials tbody tr button").await;
    assert_eq!(
        text_of(&client, "#credentials tbody tr button").await,
        "Confirm removal"
    );
    click(&client, "#credentials tbody tr button").await;
    text_of(&client, "#no-credentials").await;

    // Lock: the Unlock page replaces everything; no account figure stays on screen.
    click(&client, "#lock-vault").await;
    text_of(&client, "#page-unlock h1").await;
    assert!(client.find(Locator::Css(CASH)).await.is_err());
    save_screenshot(&client, "unlock").await;

    type_into(&client, "#unlock-password", "not the password").await;
    click(&client, "#unlock-submit").await;
    assert!(
        text_of(&client, "#unlock-error")
            .await
            .contains("wrong password")
    );

    type_into(&client, "#unlock-password", PASSWORD).await;
    click(&client, "#unlock-submit").await;
    click(&client, "#nav-accounts").await;
    assert_eq!(text_of(&client, CASH).await, "$100,000.00");

    // Idle: the backend locks the vault, and the UI returns to the Unlock page by itself.
    let deadline = Instant::now() + Duration::from_secs(60);
    while client.find(Locator::Id("page-unlock")).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "auto-lock never showed the Unlock page"
        );
        tokio::time::sleep(Duration::from_millis(500)).await;
    }

    client.close().await.expect("session closed");
    drop(driver);
}

/// `brokerdesk sandbox serve` in its own process: the "broker" of the trading test, which the
/// test can take down and bring back like a real outage.
struct BrokerProcess(Child);

impl BrokerProcess {
    fn start(cli: &Path, data_dir: &Path, port: u16) -> Self {
        let child = Command::new(cli)
            .args(["--data-dir"])
            .arg(data_dir)
            .args(["sandbox", "serve", "--addr", &format!("127.0.0.1:{port}")])
            .args(["--key", BROKER_KEY, "--secret", BROKER_SECRET])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|err| panic!("{} runs: {err}", cli.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "the sandbox did not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Self(child)
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

const BROKER_KEY: &str = "PKE2EBROKER";
const BROKER_SECRET: &str = "e2e-broker-secret-never-in-the-webview";

async fn wait_for_text(client: &Client, css: &str, wanted: &str, within: Duration) -> String {
    wait_until(client, css, within, "showed", wanted, |text| {
        text.contains(wanted)
    })
    .await
}

async fn wait_for_exact(client: &Client, css: &str, wanted: &str) {
    wait_until(
        client,
        css,
        Duration::from_secs(30),
        "read",
        wanted,
        |text| text == wanted,
    )
    .await;
}

/// The text of `css` once `done` accepts it, looking every 250 ms for up to `within`; else a
/// panic saying what the element and the page showed ("{css} never {verb} {wanted:?}").
async fn wait_until(
    client: &Client,
    css: &str,
    within: Duration,
    verb: &str,
    wanted: &str,
    done: impl Fn(&str) -> bool,
) -> String {
    let deadline = Instant::now() + within;
    loop {
        // What this look found, gone included: a row replaced by an error is not "New".
        let last = match client.find(Locator::Css(css)).await {
            Ok(el) => match el.text().await {
                Ok(text) if done(&text) => return text,
                Ok(text) => text,
                Err(e) => format!("(no text: {e})"),
            },
            Err(_) => String::from("(no such element)"),
        };
        if Instant::now() >= deadline {
            save_screenshot(client, "failure").await;
            let page = page_text(client).await;
            panic!("{css} never {verb} {wanted:?}; last: {last:?}; the page showed:\n{page}");
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// What the page shows (its `main`), cut to a screenful: after a failed wait, whether it shows
/// an error, "Loading…", or the old state.
async fn page_text(client: &Client) -> String {
    let text = match client.find(Locator::Css("main")).await {
        Ok(main) => main
            .text()
            .await
            .unwrap_or_else(|e| format!("(no text: {e})")),
        Err(e) => format!("(no main: {e})"),
    };
    text.chars().take(2000).collect()
}

async fn create_vault(client: &Client) {
    click(client, "#create-vault-hint button").await;
    type_into(client, "#new-password", PASSWORD).await;
    type_into(client, "#confirm-password", PASSWORD).await;
    click(client, "#create-vault-submit").await;
    assert_eq!(text_of(client, "#vault-state").await, "Unlocked");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_by_api_key_trade_paper_see_the_fill_and_the_position_and_survive_an_outage() {
    once_more_if_webkit_crashed(
        "connect_by_api_key_trade_paper_see_the_fill_and_the_position_and_survive_an_outage",
        connect_by_api_key_trade_paper_see_the_fill_and_the_position_and_survive_an_outage_flow,
    )
    .await;
}

async fn connect_by_api_key_trade_paper_see_the_fill_and_the_position_and_survive_an_outage_flow() {
    let app = app_binary();
    let cli = app.with_file_name("brokerdesk");
    let data_root = tempfile::tempdir().expect("a temp dir");
    let broker_dir = data_root.path().join("broker");
    let port = free_port();
    let broker = BrokerProcess::start(&cli, &broker_dir, port);
    let driver = start_driver(&data_root.path().join("app"), &[]);
    let client = connect(&driver, &app).await;

    text_of(&client, CASH).await;
    create_vault(&client).await;

    // Connect: the Alpaca card's API key form, checked against the broker before saving.
    click(&client, "#nav-connect").await;
    type_into(&client, "#institution-search", "alpaca").await;
    let typed = client
        .find(Locator::Css("#institution-search"))
        .await
        .expect("the search field")
        .prop("value")
        .await
        .expect("its value");
    assert_eq!(typed.as_deref(), Some("alpaca"), "every keystroke kept");
    click(&client, r#"[data-institution="alpaca"] .connect-button"#).await;
    type_into(
        &client,
        "#alpaca-server_url",
        &format!("http://127.0.0.1:{port}"),
    )
    .await;
    type_into(&client, "#alpaca-key_id", BROKER_KEY).await;
    type_into(&client, "#alpaca-secret_key", "a-wrong-secret").await;
    click(&client, "#alpaca-connect").await;
    let refused = text_of(&client, "#alpaca-form .error-banner").await;
    assert!(refused.contains("Sign in again"), "{refused}");
    type_into(&client, "#alpaca-secret_key", BROKER_SECRET).await;
    click(&client, "#alpaca-connect").await;
    let connected = text_of(&client, "#connect-result").await;
    assert!(
        connected.contains("Connected: Alpaca — sandbox"),
        "{connected}"
    );
    wait_for_text(
        &client,
        "#your-connections",
        "Alpaca — sandbox",
        Duration::from_secs(15),
    )
    .await;
    save_screenshot(&client, "connect-alpaca").await;
    let page = client.source().await.expect("page source");
    assert!(
        !page.contains(BROKER_SECRET),
        "the secret stayed in the webview"
    );

    // Orders: the ticket, its confirmation naming the account and PAPER, then the blotter.
    click(&client, "#nav-orders").await;
    choose_ticket_account(&client, "Alpaca — sandbox").await;
    type_into(&client, "#ticket-symbol", "AAPL").await;
    type_into(&client, "#ticket-qty", "3").await;
    click(&client, "#ticket-review").await;
    assert_eq!(
        text_of(&client, "#confirm-what").await,
        "Buy 3 AAPL at market, DAY"
    );
    let confirm = text_of(&client, "#order-confirm").await;
    assert!(
        confirm.contains("Alpaca — sandbox") && confirm.contains("PAPER"),
        "{confirm}"
    );
    save_screenshot(&client, "order-confirm").await;
    click(&client, "#ticket-submit").await;
    text_of(&client, "#ticket-result").await;
    let row = r#"#blotter tr[data-symbol="AAPL"]"#;
    // The sandbox fills part of some orders first, as Alpaca's paper venue does: wait for all 3.
    wait_for_exact(&client, &format!("{row} [data-field=\"filled\"]"), "3").await;
    wait_for_exact(&client, &format!("{row} [data-field=\"status\"]"), "Filled").await;
    save_screenshot(&client, "orders").await;

    // A large order (200 × ~$230 against $100,000 of equity, above the 25 % default) needs a
    // second confirmation, typed; declining it sends nothing.
    type_into(&client, "#ticket-qty", "200").await;
    click(&client, "#ticket-review").await;
    click(&client, "#ticket-submit").await;
    let why = text_of(&client, "#large-why").await;
    assert!(why.contains("above your limit of 25 %"), "{why}");
    let large_submit = client
        .find(Locator::Id("large-submit"))
        .await
        .expect("the large order's button");
    assert!(
        large_submit.attr("disabled").await.expect("attr").is_some(),
        "a large order must not go out before its symbol is typed"
    );
    type_into(&client, "#large-symbol", "AAPL").await;
    let mut enabled = false;
    for _ in 0..50 {
        if large_submit.attr("disabled").await.expect("attr").is_none() {
            enabled = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(enabled, "typing the symbol enables the second confirmation");
    save_screenshot(&client, "order-large").await;
    click(&client, "#large-edit").await;
    assert_eq!(
        client
            .find_all(Locator::Css(row))
            .await
            .expect("blotter rows")
            .len(),
        1,
        "the declined large order reached the blotter"
    );

    // Accounts: the position on the broker's account, and the journal agrees with it.
    click(&client, "#nav-accounts").await;
    let position = r#".account[data-connection^="alpaca-"] tr[data-symbol="AAPL"]"#;
    assert_eq!(
        text_of(&client, &format!("{position} td:nth-child(2)")).await,
        "Long"
    );
    assert_eq!(
        text_of(&client, &format!("{position} td:nth-child(3)")).await,
        "3"
    );
    text_of(&client, "#no-breaks").await;
    save_screenshot(&client, "accounts-position").await;

    // Outage: the broker process dies; the connection says Disconnected, and comes back.
    drop(broker);
    let down = r#".unreachable[data-connection^="alpaca-"] [data-field="status"]"#;
    wait_for_text(&client, down, "Disconnected", Duration::from_secs(40)).await;
    save_screenshot(&client, "accounts-disconnected").await;
    let _broker = BrokerProcess::start(&cli, &broker_dir, port);
    let up = r#".account[data-connection^="alpaca-"] [data-field="status"]"#;
    wait_for_text(&client, up, "Connected", Duration::from_secs(60)).await;
    assert!(text_of(&client, position).await.contains("AAPL"));

    client.close().await.expect("session closed");
    drop(driver);
}

/// Issue 14: with every REST poll off, a fill still reaches the blotter — through the trade
/// stream alone. A limit order rests far below the market; the price is then moved under it
/// from the terminal, the sandbox fills it, and nothing but the stream tells the app.
#[tokio::test]
async fn a_fill_reaches_the_blotter_through_the_stream_with_polling_off() {
    once_more_if_webkit_crashed(
        "a_fill_reaches_the_blotter_through_the_stream_with_polling_off",
        a_fill_reaches_the_blotter_through_the_stream_with_polling_off_flow,
    )
    .await;
}

async fn a_fill_reaches_the_blotter_through_the_stream_with_polling_off_flow() {
    let app = app_binary();
    let cli = app.with_file_name("brokerdesk");
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    let port = free_port();
    let addr = format!("127.0.0.1:{port}");
    let driver = start_driver(
        &data_dir,
        &[
            ("BROKERDESK_REST_POLLING", "off"),
            ("BROKERDESK_SANDBOX_ADDR", addr.as_str()),
        ],
    );
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;

    click(&client, "#nav-orders").await;
    choose_ticket_account(&client, "Paper (local)").await;
    type_into(&client, "#ticket-symbol", "MSFT").await;
    type_into(&client, "#ticket-qty", "2").await;
    client
        .find(Locator::XPath(
            "//select[@id='ticket-type']/option[@value='limit']",
        ))
        .await
        .expect("the limit type")
        .click()
        .await
        .expect("limit chosen");
    type_into(&client, "#ticket-limit", "1.00").await;
    click(&client, "#ticket-review").await;
    assert_eq!(
        text_of(&client, "#confirm-what").await,
        "Buy 2 MSFT limit $1.00, DAY"
    );
    click(&client, "#ticket-submit").await;
    text_of(&client, "#ticket-result").await;
    let row = r#"#blotter tr[data-symbol="MSFT"]"#;
    let status = format!("{row} [data-field=\"status\"]");
    let resting = text_of(&client, &status).await;
    assert_ne!(resting, "Filled", "a $1 bid for MSFT rests");

    // The terminal moves MSFT under the bid; the engine fills it at once.
    let moved = Command::new(&cli)
        .arg("--data-dir")
        .arg(&data_dir)
        .args(["sandbox", "price", "MSFT", "0.90", "--addr", &addr])
        .output()
        .expect("the CLI runs");
    assert!(
        moved.status.success(),
        "{}",
        String::from_utf8_lossy(&moved.stderr)
    );
    wait_for_text(&client, &status, "Filled", Duration::from_secs(15)).await;
    assert_eq!(
        text_of(&client, &format!("{row} [data-field=\"filled\"]")).await,
        "2"
    );
    save_screenshot(&client, "orders-streamed-fill").await;
    // The app's log (`BROKERDESK_LOG_FILE`) tells of the order stream this relied on, and
    // never holds the sandbox's secret, which the app signed in with.
    let log = std::fs::read_to_string(driver.log()).expect("the app's log");
    #[cfg(unix)]
    {
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(driver.log())
                .expect("the log's metadata")
                .permissions(),
        );
        assert_eq!(mode & 0o777, 0o600, "the log is the user's own to read");
    }
    assert!(
        log.lines()
            .any(|l| l.contains("stream up") && l.contains("kind=Orders")),
        "{log}"
    );
    let pair: serde_json::Value = serde_json::from_slice(
        &std::fs::read(data_dir.join("paper").join("credentials.json")).expect("the key pair"),
    )
    .expect("JSON");
    let secret = pair["secret_key"].as_str().expect("a secret");
    assert!(
        secret.len() >= 40 && !log.contains(secret),
        "the sandbox's secret is in the app's log"
    );

    client.close().await.expect("session closed");
    drop(driver);
}

/// The connectors' recorded IBKR examples (crates/connectors/tests/fixtures/SOURCES.md).
fn ibkr_fixture(name: &str) -> serde_json::Value {
    let path = format!(
        "{}/../crates/connectors/tests/fixtures/ibkr/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    serde_json::from_str(&std::fs::read_to_string(path).expect("fixture")).expect("JSON")
}

/// Issue 15: an IBKR gateway (a loopback stand-in serving the spec's examples) finds IBM by its
/// contract search, answers the order with its "no market data" warning, and places it once
/// the user confirms the warning in the ticket.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ibkr_warning_is_shown_in_the_ticket_and_confirmed_by_the_user() {
    once_more_if_webkit_crashed(
        "an_ibkr_warning_is_shown_in_the_ticket_and_confirmed_by_the_user",
        an_ibkr_warning_is_shown_in_the_ticket_and_confirmed_by_the_user_flow,
    )
    .await;
}

async fn an_ibkr_warning_is_shown_in_the_ticket_and_confirmed_by_the_user_flow() {
    use wiremock::matchers::{body_json, method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let gateway = MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    for (verb, p, body) in [
        (
            "GET",
            "/v1/api/portfolio/accounts",
            serde_json::json!([{ "id": "DU123456", "currency": "USD" }]),
        ),
        (
            "GET",
            "/v1/api/iserver/accounts",
            serde_json::json!({ "accounts": ["DU123456"], "selectedAccount": "DU123456" }),
        ),
        (
            "GET",
            "/v1/api/iserver/account/orders",
            serde_json::json!({ "orders": [] }),
        ),
        (
            "GET",
            "/v1/api/portfolio/DU123456/positions/0",
            serde_json::json!([]),
        ),
        (
            "POST",
            "/v1/api/tickle",
            ibkr_fixture("spec_example_POST_tickle__success.json"),
        ),
        (
            "GET",
            "/v1/api/iserver/secdef/search",
            ibkr_fixture("spec_example_GET_iserver_secdef_search__found.json"),
        ),
        (
            "POST",
            "/v1/api/iserver/account/DU123456/orders",
            ibkr_fixture(
                "spec_example_POST_iserver_account_accountId_orders__orderReplyMessageExample.json",
            ),
        ),
    ] {
        Mock::given(method(verb))
            .and(path(p))
            .respond_with(ok(body))
            .mount(&gateway)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
        .respond_with(ok(ibkr_fixture(
            "spec_example_GET_portfolio_accountId_summary__success.json",
        )))
        .mount(&gateway)
        .await;
    Mock::given(method("POST"))
        .and(path(
            "/v1/api/iserver/reply/99097238-9824-4830-84ef-46979aa22593",
        ))
        .and(body_json(serde_json::json!({ "confirmed": true })))
        .respond_with(ok(ibkr_fixture(
            "spec_example_POST_iserver_account_accountId_orders__orderSubmitSuccessExample.json",
        )))
        .expect(1)
        .mount(&gateway)
        .await;

    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("app"), &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;
    create_vault(&client).await;

    click(&client, "#nav-connect").await;
    type_into(&client, "#institution-search", "interactive").await;
    click(&client, r#"[data-institution="ibkr"] .connect-button"#).await;
    type_into(
        &client,
        "#ibkr-gateway_url",
        &format!("{}/v1/api", gateway.uri()),
    )
    .await;
    click(&client, "#ibkr-connect").await;
    let connected = text_of(&client, "#connect-result").await;
    assert!(connected.contains("Connected"), "{connected}");

    click(&client, "#nav-orders").await;
    choose_ticket_account(&client, "DU123456").await;
    type_into(&client, "#ticket-symbol", "IBM").await;
    type_into(&client, "#ticket-qty", "1").await;
    click(&client, r#"#ticket-type option[value="limit"]"#).await;
    type_into(&client, "#ticket-limit", "10").await;
    click(&client, "#ticket-review").await;
    click(&client, "#ticket-submit").await;
    let warned = text_of(&client, "#order-warnings").await;
    assert!(
        warned.contains("without market data") && warned.contains("Not sent yet"),
        "{warned}"
    );
    save_screenshot(&client, "order-warnings").await;
    click(&client, "#warnings-confirm").await;
    let sent = text_of(&client, "#ticket-result").await;
    assert!(sent.contains("Order sent: IBM"), "{sent}");
    wait_for_text(
        &client,
        r#"#blotter tr[data-symbol="IBM"]"#,
        "IBM",
        Duration::from_secs(15),
    )
    .await;
    save_screenshot(&client, "order-warnings-confirmed").await;
    client.close().await.expect("session closed");
    drop(driver);
    gateway.verify().await;
}

/// An institution with several ways in offers each as a choice on its card; OAuth starts with
/// registering the user's own OAuth app in the app (not a terminal step), whose secret goes
/// into the vault and never back into the page.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oauth_is_a_choice_on_the_card_and_the_oauth_app_is_registered_in_the_app() {
    once_more_if_webkit_crashed(
        "oauth_is_a_choice_on_the_card_and_the_oauth_app_is_registered_in_the_app",
        oauth_is_a_choice_on_the_card_and_the_oauth_app_is_registered_in_the_app_flow,
    )
    .await;
}

async fn oauth_is_a_choice_on_the_card_and_the_oauth_app_is_registered_in_the_app_flow() {
    const APP_SECRET: &str = "oauth-app-secret-typed-in-the-page";
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(data_root.path(), &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;
    create_vault(&client).await;

    click(&client, "#nav-connect").await;
    type_into(&client, "#institution-search", "alpaca").await;
    click(&client, r#"[data-institution="alpaca"] .connect-button"#).await;
    // The API key form first (the catalog's preferred way), OAuth one click away.
    text_of(&client, "#alpaca-key_id").await;
    click(&client, "#alpaca-way-oauth").await;
    let shown = text_of(&client, "#oauth-app-alpaca-redirect-shown").await;
    assert!(shown.starts_with("http://127.0.0.1:"), "{shown}");
    type_into(&client, "#oauth-app-alpaca-client_id", "my-app-id-4242").await;
    // Without its secret Alpaca's app is refused, and nothing is stored.
    click(&client, "#oauth-app-alpaca-save").await;
    let refused = text_of(&client, ".oauth-app .error-banner").await;
    assert!(refused.contains("client secret"), "{refused}");
    type_into(&client, "#oauth-app-alpaca-client_secret", APP_SECRET).await;
    click(&client, "#oauth-app-alpaca-save").await;
    let saved = wait_for_text(
        &client,
        "#oauth-app-alpaca-registered",
        "saved in the vault",
        Duration::from_secs(15),
    )
    .await;
    assert!(
        saved.contains("…4242") && saved.contains("with its secret"),
        "{saved}"
    );
    text_of(&client, "#oauth-start").await;
    save_screenshot(&client, "connect-oauth-app").await;
    let page = client.source().await.expect("page source");
    assert!(
        !page.contains(APP_SECRET),
        "the app's secret stayed in the webview"
    );
    client.close().await.expect("session closed");
}

/// Issue 15 (Activity): a paper fill placed in the app shows as a fill line on the Activity
/// page (kind, a negative USD amount), the kind filter hides and shows it, and the CSV export
/// writes it to the file whose path the page shows.
#[tokio::test]
async fn the_activity_page_lists_a_paper_fill_filters_it_and_exports_csv() {
    once_more_if_webkit_crashed(
        "the_activity_page_lists_a_paper_fill_filters_it_and_exports_csv",
        the_activity_page_lists_a_paper_fill_filters_it_and_exports_csv_flow,
    )
    .await;
}

async fn the_activity_page_lists_a_paper_fill_filters_it_and_exports_csv_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    let driver = start_driver(&data_dir, &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;

    click(&client, "#nav-orders").await;
    choose_ticket_account(&client, "Paper (local)").await;
    type_into(&client, "#ticket-symbol", "MSFT").await;
    type_into(&client, "#ticket-qty", "2").await;
    click(&client, "#ticket-review").await;
    click(&client, "#ticket-submit").await;
    text_of(&client, "#ticket-result").await;
    let order = r#"#blotter tr[data-symbol="MSFT"]"#;
    wait_for_exact(
        &client,
        &format!("{order} [data-field=\"status\"]"),
        "Filled",
    )
    .await;

    click(&client, "#nav-activity").await;
    let fill = r#"#activity-table tr[data-kind="fill"]"#;
    // The fill arrives through the sync the order stream's fill starts (no timers).
    let text = wait_for_text(&client, fill, "MSFT", Duration::from_secs(30)).await;
    assert!(
        text.contains("fill") && text.contains("Paper (local)"),
        "{text}"
    );
    let amount = text_of(&client, &format!("{fill} td.num")).await;
    assert!(
        amount.starts_with("-$"),
        "a buy takes US dollars out, written in dollars: {amount}"
    );
    save_screenshot(&client, "activity").await;

    // Filter by kind: dividends hide the fill, fills show it again.
    click(&client, "#activity-kind option[value='dividend']").await;
    text_of(&client, "#activity-empty").await;
    click(&client, "#activity-kind option[value='fill']").await;
    wait_for_text(&client, fill, "MSFT", Duration::from_secs(10)).await;

    click(&client, "#activity-export").await;
    let shown = text_of(&client, "#activity-export-path code").await;
    let path = PathBuf::from(&shown);
    assert!(path.starts_with(&data_dir), "{shown}");
    let csv = std::fs::read_to_string(&path).expect("the exported file");
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .is_some_and(|h| h.starts_with("time,connection,mode,account,kind")),
        "{csv}"
    );
    // The sandbox may fill the 2 shares in parts: one line per execution, all MSFT fills.
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty(), "{csv}");
    for row in &rows {
        assert!(
            row.contains(",fill,completed,-") && row.contains(",USD,") && row.contains("MSFT"),
            "{csv}"
        );
    }
    save_screenshot(&client, "activity-export").await;

    client.close().await.expect("session closed");
    drop(driver);
}

// ---- Issue 18 (polish): themes, shortcuts, axe-core on every page, keyboard reach. ----

/// axe-core's browser build, installed (pinned) by scripts/setup.sh beside @tauri-apps/cli.
fn axe_source() -> String {
    let path = std::env::var_os("BROKERDESK_AXE_JS")
        .map(PathBuf::from)
        .or_else(|| {
            std::env::var_os("HOME").map(|home| {
                Path::new(&home)
                    .join(".local/share/brokerdesk-tools/node_modules/axe-core/axe.min.js")
            })
        })
        .expect("HOME or BROKERDESK_AXE_JS");
    std::fs::read_to_string(&path).unwrap_or_else(|err| {
        panic!(
            "axe-core is missing at {} ({err}): run scripts/setup.sh",
            path.display()
        )
    })
}

/// Runs axe-core on the page as it is now; prints every violation, and fails on any serious
/// or critical one.
async fn axe(client: &Client, what: &str) {
    let loaded = client
        .execute(
            "return typeof window.axe === 'object' && typeof window.axe.run === 'function';",
            vec![],
        )
        .await
        .expect("probe axe");
    if loaded != serde_json::Value::Bool(true) {
        client
            .execute(&format!("{}\n;return true;", axe_source()), vec![])
            .await
            .expect("axe-core injected");
    }
    let raw = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               window.axe.run(document, { resultTypes: ['violations'] })
                 .then(r => done(JSON.stringify(r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help,
                     nodes: v.nodes.map(n => n.target.join(' ') + ' — ' + (n.failureSummary || '')).slice(0, 5)
                 })))))
                 .catch(e => done(JSON.stringify({ error: String(e) })));"#,
            vec![],
        )
        .await
        .expect("axe.run answered");
    let text = raw.as_str().expect("axe's answer as JSON text");
    let answer: serde_json::Value = serde_json::from_str(text).expect("axe JSON");
    assert!(
        answer.get("error").is_none(),
        "axe failed on {what}: {answer}"
    );
    let violations = answer.as_array().expect("a list of violations");
    let mut blocking = Vec::new();
    for v in violations {
        let impact = v["impact"].as_str().unwrap_or("unknown");
        eprintln!(
            "axe [{what}] {impact} {}: {} {}",
            v["id"], v["help"], v["nodes"]
        );
        if matches!(impact, "serious" | "critical") {
            blocking.push(format!("{} ({impact}): {}", v["id"], v["nodes"]));
        }
    }
    eprintln!(
        "axe [{what}]: {} violation(s), {} serious or critical",
        violations.len(),
        blocking.len()
    );
    assert!(
        blocking.is_empty(),
        "serious/critical accessibility violations on {what}:\n{}",
        blocking.join("\n")
    );
}

/// Presses keys as a user would (WebDriver key actions on whatever has focus).
async fn press(client: &Client, keys: &[char]) {
    use fantoccini::actions::{InputSource, KeyAction, KeyActions};
    let mut sequence = KeyActions::new("keyboard".into());
    for &key in keys {
        sequence = sequence
            .then(KeyAction::Down { value: key })
            .then(KeyAction::Up { value: key });
    }
    client
        .perform_actions(sequence)
        .await
        .expect("keys pressed");
}

async fn script(client: &Client, js: &str) -> serde_json::Value {
    client
        .execute(js, vec![])
        .await
        .unwrap_or_else(|err| panic!("{js}: {err}"))
}

async fn theme_now(client: &Client) -> (String, String) {
    let v = script(
        client,
        "return [document.documentElement.getAttribute('data-theme') || '', \
         getComputedStyle(document.body).backgroundColor];",
    )
    .await;
    (
        v[0].as_str().unwrap_or_default().to_owned(),
        v[1].as_str().unwrap_or_default().to_owned(),
    )
}

async fn choose_theme(client: &Client, theme: &str) {
    click(client, "#nav-settings").await;
    click(client, &format!("#theme-{theme}")).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    while theme_now(client).await.0 != theme {
        assert!(Instant::now() < deadline, "data-theme never became {theme}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Runs `flow`, and once more if WebKit's page crashed or hung under it (WebKitWebDriver then
/// deletes the session: "page crash or hang"). Every flow runs under it: CI saw it on the
/// position page (and once there a click whose page never came, maybe the same), and on
/// 2026-12-07 before the first page of the shortcuts flow showed (the same app had passed every
/// flow in the run before); never here, busy cores or not. A second crash, an app process that
/// is gone, or any other failure fails the test.
async fn once_more_if_webkit_crashed<F, Fut>(name: &str, flow: F)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    for attempt in 1..=2 {
        let failure = match tokio::spawn(flow()).await {
            Ok(()) => return,
            Err(e) if e.is_panic() => e.into_panic(),
            Err(e) => panic!("{name}: {e}"),
        };
        let message = failure
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| failure.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        let app_gone = APP_GONE.swap(false, std::sync::atomic::Ordering::SeqCst);
        if attempt == 2 || app_gone || !message.contains("page crash or hang") {
            std::panic::resume_unwind(failure);
        }
        eprintln!("{name}: WebKit's page crashed or hung ({message}); the flow runs once more");
    }
}

/// Set when a flow failed with its app process gone: an app that crashed is a failure of the
/// app, never run again.
static APP_GONE: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Prints which of the driver's processes still run when a test fails (is the app alive, or
/// only WebKit's page gone?), and notes in `APP_GONE` when the app is not among them.
struct ReportOnPanic<'a>(&'a Driver);

impl Drop for ReportOnPanic<'_> {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let running = self.0.processes();
        eprintln!("still running after the failure: {running:?}");
        // A process's name is the first 15 bytes of its executable's file name.
        let app = app_binary();
        let name = app.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        let name = name.get(..name.len().min(15)).unwrap_or(name);
        if !running
            .iter()
            .any(|p| p.split_once(' ').is_some_and(|(_, n)| n == name))
        {
            APP_GONE.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Clicks `css` and waits for page `slug`. A click WebKitWebDriver reports as done can still
/// miss when the page re-renders under it (CI saw one lost this way on a loaded machine): if
/// the page has not come after 10 s, click again while the element is still there.
async fn click_to_page(client: &Client, css: &str, slug: &str) {
    click(client, css).await;
    let page = format!("page-{slug}");
    for attempt in 1..=3 {
        let shown = element(client, Locator::Id(&page), Duration::from_secs(10)).await;
        if shown.is_ok() {
            return;
        }
        let now = client
            .execute(
                "return document.querySelector('main')?.id ?? 'none';",
                vec![],
            )
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default();
        eprintln!("{css} clicked, but {page} has not shown (on {now}); attempt {attempt}");
        if let Ok(element) = client.find(Locator::Css(css)).await {
            let _ = element.click().await;
        }
    }
    on_page(client, slug).await;
}

/// The page's id once it shows.
async fn on_page(client: &Client, slug: &str) {
    element(
        client,
        Locator::Id(&format!("page-{slug}")),
        Duration::from_secs(10),
    )
    .await
    .unwrap_or_else(|err| panic!("page {slug} never showed: {err}"));
}

const PAGES: [&str; 6] = [
    "accounts",
    "allocation",
    "connect",
    "orders",
    "activity",
    "settings",
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn themes_switch_and_persist_and_every_page_passes_axe_in_both() {
    once_more_if_webkit_crashed(
        "themes_switch_and_persist_and_every_page_passes_axe_in_both",
        themes_switch_and_persist_and_every_page_passes_axe_in_both_flow,
    )
    .await;
}

async fn themes_switch_and_persist_and_every_page_passes_axe_in_both_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    let driver = start_driver(&data_dir, &[]);
    let client = connect(&driver, &app).await;
    assert_eq!(text_of(&client, CASH).await, "$100,000.00");
    // The page always carries a resolved theme (System asks the OS).
    let (first, _) = theme_now(&client).await;
    assert!(first == "light" || first == "dark", "{first:?}");

    choose_theme(&client, "light").await;
    let (_, light_bg) = theme_now(&client).await;
    choose_theme(&client, "dark").await;
    let (_, dark_bg) = theme_now(&client).await;
    assert_ne!(light_bg, dark_bg, "the background follows the theme");
    assert_eq!(dark_bg, "rgb(15, 20, 25)");
    // Kept by the service, in settings.json.
    let saved = std::fs::read_to_string(data_dir.join("settings.json")).expect("settings.json");
    assert!(saved.contains("\"theme\": \"dark\""), "{saved}");

    for theme in ["light", "dark"] {
        choose_theme(&client, theme).await;
        for page in PAGES {
            click_to_page(&client, &format!("#nav-{page}"), page).await;
            // Let the page's reads land before judging it.
            tokio::time::sleep(Duration::from_millis(700)).await;
            axe(&client, &format!("{page} ({theme})")).await;
            save_screenshot(&client, &format!("{page}-{theme}")).await;
        }
        // The vault's creation form, on Settings with no vault yet.
        click(&client, "#nav-accounts").await;
        click(&client, "#create-vault-hint button").await;
        element(
            &client,
            Locator::Id("new-password"),
            Duration::from_secs(10),
        )
        .await
        .expect("the create-vault form");
        axe(&client, &format!("create vault ({theme})")).await;
        save_screenshot(&client, &format!("create-vault-{theme}")).await;
    }

    // The unlock page, in both themes (its theme comes from the last choice, remembered).
    click(&client, "#nav-accounts").await;
    create_vault(&client).await;
    for theme in ["dark", "light"] {
        choose_theme(&client, theme).await;
        click_to_page(&client, "#lock-vault", "unlock").await;
        assert_eq!(theme_now(&client).await.0, theme);
        axe(&client, &format!("unlock ({theme})")).await;
        save_screenshot(&client, &format!("unlock-{theme}")).await;
        type_into(&client, "#unlock-password", PASSWORD).await;
        click(&client, "#unlock-submit").await;
        // Back where the user was: Settings, where the theme was chosen.
        on_page(&client, "settings").await;
    }

    client.close().await.expect("session closed");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shortcuts_open_the_help_go_to_pages_and_never_fire_while_typing() {
    once_more_if_webkit_crashed(
        "shortcuts_open_the_help_go_to_pages_and_never_fire_while_typing",
        shortcuts_open_the_help_go_to_pages_and_never_fire_while_typing_flow,
    )
    .await;
}

async fn shortcuts_open_the_help_go_to_pages_and_never_fire_while_typing_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("data"), &[]);
    let client = connect(&driver, &app).await;
    assert_eq!(text_of(&client, CASH).await, "$100,000.00");

    // `?` opens the list as a modal dialog with focus inside; Tab stays inside; Escape closes.
    press(&client, &['?']).await;
    let dialog = text_of(&client, "#shortcut-help").await;
    assert!(dialog.contains("Go to Orders"), "{dialog}");
    assert_eq!(
        script(&client, "return document.activeElement.id;").await,
        "shortcut-help-close"
    );
    press(&client, &['\u{e004}', '\u{e004}', '\u{e004}']).await; // Tab ×3
    assert_eq!(
        script(
            &client,
            "return document.getElementById('shortcut-help').contains(document.activeElement);"
        )
        .await,
        true,
        "focus left the dialog"
    );
    axe(&client, "shortcut help").await;
    save_screenshot(&client, "shortcut-help").await;
    // Page shortcuts do nothing while the dialog is open.
    press(&client, &['g', 'o']).await;
    assert!(client.find(Locator::Id("page-orders")).await.is_err());
    press(&client, &['\u{e00c}']).await; // Escape
    let deadline = Instant::now() + Duration::from_secs(5);
    while client.find(Locator::Id("shortcut-help")).await.is_ok() {
        assert!(Instant::now() < deadline, "Escape did not close the dialog");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // `g o` goes to Orders, `g c` to Connect, `g s` to Settings, `g a` back.
    press(&client, &['g', 'o']).await;
    on_page(&client, "orders").await;
    press(&client, &['g', 'c']).await;
    on_page(&client, "connect").await;
    // Typing in a field is typing: `n`, `g`, `s` go into the search, nowhere else.
    click(&client, "#institution-search").await;
    press(&client, &['n', 'g', 's']).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    on_page(&client, "connect").await;
    assert_eq!(
        client
            .find(Locator::Id("institution-search"))
            .await
            .expect("search")
            .prop("value")
            .await
            .expect("value")
            .as_deref(),
        Some("ngs")
    );
    // Out of the field, `/` comes back to the search, `n` opens a new order.
    script(&client, "document.activeElement.blur(); return true;").await;
    press(&client, &['g', 'a']).await;
    on_page(&client, "accounts").await;
    press(&client, &['/']).await;
    on_page(&client, "connect").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    while script(&client, "return document.activeElement.id;").await != "institution-search" {
        assert!(Instant::now() < deadline, "`/` did not focus the search");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    script(&client, "document.activeElement.blur(); return true;").await;
    press(&client, &['n']).await;
    on_page(&client, "orders").await;

    client.close().await.expect("session closed");
    drop(driver);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_page_is_reachable_by_keyboard_with_a_visible_focus_ring() {
    once_more_if_webkit_crashed(
        "every_page_is_reachable_by_keyboard_with_a_visible_focus_ring",
        every_page_is_reachable_by_keyboard_with_a_visible_focus_ring_flow,
    )
    .await;
}

async fn every_page_is_reachable_by_keyboard_with_a_visible_focus_ring_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("data"), &[]);
    let client = connect(&driver, &app).await;
    assert_eq!(text_of(&client, CASH).await, "$100,000.00");

    // The main controls of each page, each of which Tab must reach from the top.
    let pages: [(&str, &[&str]); 5] = [
        (
            "accounts",
            &["nav-accounts", "nav-settings", "shortcuts-button"],
        ),
        ("connect", &["institution-search"]),
        ("orders", &["ticket-account", "ticket-symbol", "ticket-qty"]),
        ("activity", &["activity-search"]),
        (
            "settings",
            &["max-order-pct", "max-order-pct-save", "notify-fills"],
        ),
    ];
    for (page, wanted) in pages {
        click_to_page(&client, &format!("#nav-{page}"), page).await;
        tokio::time::sleep(Duration::from_millis(700)).await;
        script(
            &client,
            "document.activeElement.blur(); window.scrollTo(0, 0); return true;",
        )
        .await;
        let mut reached = std::collections::BTreeSet::new();
        let mut ring_missing = Vec::new();
        for _ in 0..60 {
            press(&client, &['\u{e004}']).await;
            let now = script(
                &client,
                "const e = document.activeElement; const s = getComputedStyle(e); \
                 return [e.id || e.tagName, s.outlineStyle, s.outlineWidth];",
            )
            .await;
            let id = now[0].as_str().unwrap_or_default().to_owned();
            if now[1] == "none" || now[2] == "0px" {
                ring_missing.push(id.clone());
            }
            reached.insert(id);
        }
        for id in wanted {
            assert!(
                reached.contains(*id),
                "Tab never reached #{id} on {page}; reached {reached:?}"
            );
        }
        assert!(
            ring_missing.iter().all(|id| id == "BODY"),
            "no visible focus ring on {ring_missing:?} ({page})"
        );
    }

    client.close().await.expect("session closed");
    drop(driver);
}

/// A loopback IBKR gateway whose account list answers after `delay` (a slow institution).
async fn slow_gateway(delay: Duration) -> wiremock::MockServer {
    use wiremock::matchers::{method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let gateway = MockServer::start().await;
    let ok = |body: serde_json::Value| ResponseTemplate::new(200).set_body_json(body);
    Mock::given(method("GET"))
        .and(path("/v1/api/portfolio/accounts"))
        .respond_with(
            ok(serde_json::json!([{ "id": "DU123456", "currency": "USD" }])).set_delay(delay),
        )
        .mount(&gateway)
        .await;
    for (verb, p, body) in [
        (
            "GET",
            "/v1/api/iserver/accounts",
            serde_json::json!({ "accounts": ["DU123456"], "selectedAccount": "DU123456" }),
        ),
        (
            "GET",
            "/v1/api/iserver/account/orders",
            serde_json::json!({ "orders": [] }),
        ),
        (
            "GET",
            "/v1/api/portfolio/DU123456/positions/0",
            serde_json::json!([]),
        ),
        (
            "POST",
            "/v1/api/tickle",
            ibkr_fixture("spec_example_POST_tickle__success.json"),
        ),
    ] {
        Mock::given(method(verb))
            .and(path(p))
            .respond_with(ok(body))
            .mount(&gateway)
            .await;
    }
    Mock::given(method("GET"))
        .and(path_regex(r"^/v1/api/portfolio/[^/]+/summary$"))
        .respond_with(ok(ibkr_fixture(
            "spec_example_GET_portfolio_accountId_summary__success.json",
        )))
        .mount(&gateway)
        .await;
    gateway
}

/// Issue 18: unlocking with several slow connections shows how far their first sync is.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_sync_of_several_slow_connections_shows_its_progress() {
    once_more_if_webkit_crashed(
        "a_first_sync_of_several_slow_connections_shows_its_progress",
        a_first_sync_of_several_slow_connections_shows_its_progress_flow,
    )
    .await;
}

async fn a_first_sync_of_several_slow_connections_shows_its_progress_flow() {
    let gateways = [
        slow_gateway(Duration::from_millis(1500)).await,
        slow_gateway(Duration::from_millis(3000)).await,
        slow_gateway(Duration::from_millis(4500)).await,
    ];
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("app"), &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;
    create_vault(&client).await;
    for gateway in &gateways {
        // Away and back: the Connect page starts afresh (no card left open).
        click_to_page(&client, "#nav-accounts", "accounts").await;
        click(&client, "#nav-connect").await;
        type_into(&client, "#institution-search", "interactive").await;
        click(&client, r#"[data-institution="ibkr"] .connect-button"#).await;
        type_into(
            &client,
            "#ibkr-gateway_url",
            &format!("{}/v1/api", gateway.uri()),
        )
        .await;
        click(&client, "#ibkr-connect").await;
        let connected = text_of(&client, "#connect-result").await;
        assert!(connected.contains("Connected"), "{connected}");
    }
    click(&client, "#nav-accounts").await;
    click_to_page(&client, "#lock-vault", "unlock").await;
    type_into(&client, "#unlock-password", PASSWORD).await;
    click(&client, "#unlock-submit").await;

    // The three open anew: their first reads are counted as they answer.
    let text = wait_for_text(
        &client,
        "#sync-progress-text",
        "of 3 connections",
        Duration::from_secs(10),
    )
    .await;
    assert!(text.starts_with("Syncing "), "{text}");
    let bar = client
        .find(Locator::Id("sync-progress-bar"))
        .await
        .expect("the progress bar");
    let now: u32 = bar
        .attr("aria-valuenow")
        .await
        .expect("attribute")
        .expect("aria-valuenow")
        .parse()
        .expect("a count");
    assert!(now < 3, "{now}");
    assert_eq!(
        bar.attr("aria-valuemax")
            .await
            .expect("attribute")
            .as_deref(),
        Some("3")
    );
    axe(&client, "first-sync progress").await;
    // The fastest two answer before the slowest: the count moves on.
    wait_for_text(
        &client,
        "#sync-progress-text",
        "Syncing 2 of 3 connections",
        Duration::from_secs(10),
    )
    .await;
    save_screenshot(&client, "sync-progress").await;
    // Done: the bar goes away.
    let deadline = Instant::now() + Duration::from_secs(20);
    while client.find(Locator::Id("sync-progress")).await.is_ok() {
        assert!(Instant::now() < deadline, "the progress never finished");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    client.close().await.expect("session closed");
    drop(driver);
}

/// Buys one share of `symbol` on the paper account from the Orders page's ticket and waits for
/// the blotter to show it filled. One share: the sandbox may fill larger orders in parts.
async fn buy_one_paper_share(client: &Client, symbol: &str) {
    click(client, "#nav-orders").await;
    choose_ticket_account(client, "Paper (local)").await;
    type_into(client, "#ticket-symbol", symbol).await;
    type_into(client, "#ticket-qty", "1").await;
    click(client, "#ticket-review").await;
    click(client, "#ticket-submit").await;
    wait_for_exact(
        client,
        &format!(r#"#blotter tr[data-symbol="{symbol}"] [data-field="status"]"#),
        "Filled",
    )
    .await;
}

/// Settings › Paper sandbox: a reset asks first, then leaves the starting cash, no position
/// and no reconciliation break; a replay file is chosen by its path and kept.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_paper_sandbox_is_reset_and_its_prices_chosen_in_settings() {
    once_more_if_webkit_crashed(
        "the_paper_sandbox_is_reset_and_its_prices_chosen_in_settings",
        the_paper_sandbox_is_reset_and_its_prices_chosen_in_settings_flow,
    )
    .await;
}

async fn the_paper_sandbox_is_reset_and_its_prices_chosen_in_settings_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(
        &data_root.path().join("data"),
        &[("BROKERDESK_PAPER_CASH", "43210.99")],
    );
    let client = connect(&driver, &app).await;
    assert_eq!(text_of(&client, CASH).await, "$43,210.99");
    buy_one_paper_share(&client, "MSFT").await;
    click(&client, "#nav-accounts").await;
    text_of(
        &client,
        r#".account[data-connection="paper-local"] [data-open-position="MSFT"]"#,
    )
    .await;

    click(&client, "#nav-settings").await;
    click(&client, "#sandbox-reset").await;
    let question = text_of(&client, "#sandbox-reset-question").await;
    assert!(question.contains("$43,210.99"), "{question}");
    // Cancel changes nothing.
    click(&client, "#sandbox-reset-no").await;
    click(&client, "#sandbox-reset").await;
    script(
        &client,
        "document.getElementById('settings-sandbox').scrollIntoView()",
    )
    .await;
    save_screenshot(&client, "settings-sandbox-reset").await;
    click(&client, "#sandbox-reset-yes").await;
    wait_for_text(
        &client,
        "#sandbox-controls-done",
        "is reset",
        Duration::from_secs(30),
    )
    .await;

    click(&client, "#nav-accounts").await;
    wait_for_exact(&client, CASH, "$43,210.99").await;
    let positions = client
        .find_all(Locator::Css(
            r#".account[data-connection="paper-local"] [data-open-position]"#,
        ))
        .await
        .expect("a query");
    assert!(positions.is_empty(), "a position outlived the reset");
    // The journal's fill of the share is not a break against the reset account (the panel
    // reconciles when the page opens).
    click(&client, "#nav-orders").await;
    click(&client, "#nav-accounts").await;
    wait_for_exact(&client, CASH, "$43,210.99").await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let breaks = client
        .find_all(Locator::Css("#breaks tbody tr"))
        .await
        .expect("a query");
    assert!(breaks.is_empty(), "the reset shows as a break");

    // A replay file, by its path; kept after a reload of the page.
    let file = data_root.path().join("prices.csv");
    std::fs::write(
        &file,
        "timestamp,symbol,price,size\n2024-01-02T14:30:00Z,AAPL,187.23,10\n",
    )
    .expect("a prices file");
    click(&client, "#nav-settings").await;
    click(&client, "#sandbox-prices-replay").await;
    type_into(&client, "#sandbox-replay-path", &file.display().to_string()).await;
    click(&client, "#sandbox-prices-save").await;
    wait_for_text(
        &client,
        "#sandbox-controls-done",
        "Replaying",
        Duration::from_secs(30),
    )
    .await;
    script(
        &client,
        "document.getElementById('settings-sandbox').scrollIntoView()",
    )
    .await;
    save_screenshot(&client, "settings-sandbox").await;
    click(&client, "#nav-accounts").await;
    click(&client, "#nav-settings").await;
    let path = element(
        &client,
        Locator::Css("#sandbox-replay-path"),
        Duration::from_secs(30),
    )
    .await
    .expect("the replay path is shown")
    .prop("value")
    .await
    .expect("a value");
    assert_eq!(path.as_deref(), Some(file.display().to_string().as_str()));
    client.close().await.expect("session closed");
}

/// Issue 18 (position detail): a paper buy placed in the app, then the position opened from
/// its row with the keyboard: the page shows the sandbox's own price chart with the fill
/// marked, the cost basis and the fill; Trade opens the ticket on that account and symbol.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_paper_position_opens_its_detail_with_chart_cost_basis_and_fill_and_trades_from_there() {
    once_more_if_webkit_crashed("position detail", position_detail_flow).await;
}

async fn position_detail_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(&data_root.path().join("data"), &[]);
    let report = ReportOnPanic(&driver);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;

    buy_one_paper_share(&client, "AAPL").await;

    click(&client, "#nav-accounts").await;
    let open = r#".account[data-connection="paper-local"] [data-open-position="AAPL"]"#;
    // Reached and pressed with the keyboard: a button, Enter on it.
    let button = element(&client, Locator::Css(open), Duration::from_secs(30))
        .await
        .expect("the AAPL position has its button");
    button.send_keys("\u{E007}").await.expect("Enter pressed");
    text_of(&client, "#page-position").await;
    assert_eq!(text_of(&client, "#page-position h1").await, "AAPL");

    // The chart: bars from the sandbox, the fill marked as a buy.
    let chart = element(
        &client,
        Locator::Css("svg#price-chart"),
        Duration::from_secs(30),
    )
    .await
    .expect("the price chart");
    let points: usize = chart
        .attr("data-points")
        .await
        .expect("attribute")
        .and_then(|p| p.parse().ok())
        .expect("a number of bars");
    assert!(points >= 15, "a month of daily bars: {points}");
    assert_eq!(
        chart
            .attr("data-fills")
            .await
            .expect("attribute")
            .as_deref(),
        Some("1")
    );
    client
        .find(Locator::Css("svg#price-chart .fill-mark.buy"))
        .await
        .expect("the buy is marked on the chart");

    // Cost basis in dollars, the one fill listed with its price.
    let cost = text_of(&client, r#"#position-figures [data-field="cost-basis"]"#).await;
    assert!(cost.starts_with('$') && cost != "$0.00", "{cost}");
    let fill = text_of(&client, "#fills-table tr.fill-row").await;
    assert!(fill.contains("Buy") && fill.contains('$'), "{fill}");
    let total = text_of(&client, r#"#position-figures [data-field="total-pl"]"#).await;
    assert!(
        total != "unknown",
        "the broker reports the position's P&L: {total}"
    );
    let orders = text_of(&client, "#position-orders").await;
    assert!(orders.contains("Filled"), "{orders}");
    axe(&client, "position").await;
    save_screenshot(&client, "position-detail").await;

    // Another range reads the same account's bars again.
    click(&client, "#range-1w").await;
    wait_for_text(
        &client,
        "#range-1w[aria-pressed='true']",
        "1W",
        Duration::from_secs(10),
    )
    .await;
    text_of(&client, "svg#price-chart").await;

    // Trade: the ticket on this account and symbol.
    click(&client, "#position-trade").await;
    let symbol = element(
        &client,
        Locator::Css("#position-page-ticket #ticket-symbol, #ticket-symbol"),
        Duration::from_secs(30),
    )
    .await
    .expect("the ticket opened");
    assert_eq!(
        symbol.prop("value").await.expect("value").as_deref(),
        Some("AAPL")
    );
    let account = client
        .execute(
            "const s = document.getElementById('ticket-account'); return s.options[s.selectedIndex].text;",
            vec![],
        )
        .await
        .expect("the chosen account");
    assert!(
        account
            .as_str()
            .is_some_and(|a| a.contains("Paper (local)")),
        "{account}"
    );
    save_screenshot(&client, "position-trade").await;

    // The same page in the dark theme, judged by axe again.
    choose_theme(&client, "dark").await;
    click(&client, "#nav-accounts").await;
    click_to_page(&client, open, "position").await;
    text_of(&client, "svg#price-chart").await;
    axe(&client, "position (dark)").await;
    save_screenshot(&client, "position-dark").await;

    client.close().await.expect("session closed");
    drop(report);
    drop(driver);
}

/// Issue 18 (no stale counts): the credential count on Settings is the table's own list: one
/// credential stored in the app shows as one, and removing it makes both say none at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_credential_count_follows_the_table_under_it() {
    once_more_if_webkit_crashed(
        "the_credential_count_follows_the_table_under_it",
        the_credential_count_follows_the_table_under_it_flow,
    )
    .await;
}

async fn the_credential_count_follows_the_table_under_it_flow() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let driver = start_driver(data_root.path(), &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;
    create_vault(&client).await;
    wait_for_exact(&client, "#credentials-count", "Stored credentials (0)").await;

    // One credential stored after the vault was opened: the OAuth app of a vendor.
    click(&client, "#nav-connect").await;
    type_into(&client, "#institution-search", "alpaca").await;
    click(&client, r#"[data-institution="alpaca"] .connect-button"#).await;
    click(&client, "#alpaca-way-oauth").await;
    type_into(&client, "#oauth-app-alpaca-client_id", "count-app-7777").await;
    type_into(
        &client,
        "#oauth-app-alpaca-client_secret",
        "count-app-secret",
    )
    .await;
    click(&client, "#oauth-app-alpaca-save").await;
    wait_for_text(
        &client,
        "#oauth-app-alpaca-registered",
        "saved in the vault",
        Duration::from_secs(15),
    )
    .await;

    click(&client, "#nav-settings").await;
    wait_for_exact(&client, "#credentials-count", "Stored credentials (1)").await;
    let rows = client
        .find_all(Locator::Css("#credentials tbody tr"))
        .await
        .expect("rows");
    assert_eq!(rows.len(), 1);
    save_screenshot(&client, "settings-credentials-count").await;

    // Removed (two clicks): the count and the table change together.
    click(&client, "#credentials tbody tr button").await;
    click(&client, "#credentials tbody tr button.danger").await;
    text_of(&client, "#no-credentials").await;
    wait_for_exact(&client, "#credentials-count", "Stored credentials (0)").await;

    client.close().await.expect("session closed");
    drop(driver);
}
/// Ten live accounts with five years of daily closes and, for the last two days, a point
/// every ten minutes: written into the data dir's history before the app starts.
fn seed_net_worth(data_dir: &Path) -> usize {
    use brokerdesk_model::net_worth::AccountKey;
    use brokerdesk_model::{AccountId, ConnectionId, TradingMode};
    use brokerdesk_service::NetWorthSnapshot;
    use chrono::{TimeDelta, Timelike, Utc};
    let now = Utc::now().with_nanosecond(0).expect("a time");
    let mut rows = Vec::new();
    for a in 0..10i64 {
        let key = AccountKey {
            connection: ConnectionId::new("e2e-broker"),
            account: AccountId::new(format!("E2E-{a}")),
        };
        let mut push = |time, step: i64| {
            rows.push(NetWorthSnapshot {
                key: key.clone(),
                connection_name: "Seeded broker".into(),
                mode: TradingMode::Live,
                currency: "USD".into(),
                time,
                equity: rust_decimal::Decimal::new(
                    1_000_000 + a * 10_000 + (step * 7919) % 5_000,
                    2,
                ),
            });
        };
        for d in (3..=5 * 365).rev() {
            push(now - TimeDelta::days(d), d);
        }
        for m in (0..2 * 24 * 6).rev() {
            push(now - TimeDelta::minutes(10 * m + 1), m);
        }
    }
    std::fs::create_dir_all(data_dir).expect("the data dir");
    brokerdesk_service::import_net_worth(data_dir, &rows).expect("history seeded");
    rows.len()
}

async fn attr_of(client: &Client, css: &str, name: &str) -> Option<String> {
    client
        .find(Locator::Css(css))
        .await
        .ok()?
        .attr(name)
        .await
        .ok()
        .flatten()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_net_worth_chart_switches_ranges_over_a_seeded_history_and_allocation_shows_paper() {
    once_more_if_webkit_crashed(
        "the_net_worth_chart_switches_ranges_over_a_seeded_history_and_allocation_shows_paper",
        the_net_worth_chart_switches_ranges_over_a_seeded_history_and_allocation_shows_paper_flow,
    )
    .await;
}

async fn the_net_worth_chart_switches_ranges_over_a_seeded_history_and_allocation_shows_paper_flow()
{
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    seed_net_worth(&data_dir);
    let driver = start_driver(&data_dir, &[]);
    let client = connect(&driver, &app).await;
    text_of(&client, CASH).await;
    text_of(&client, "#net-worth-chart svg").await;

    // Each range shows more of the same history than the one before, ticked in its own unit.
    let mut previous = 0usize;
    let mut paint_ms = Vec::new();
    // Hours for a day, dates for a week or a month, months for a year, years for all.
    let hours = |t: &str| t.contains(':');
    let date = |t: &str| t.split(' ').count() == 2;
    let month = |t: &str| t.len() == 3 && t.chars().all(|c| c.is_ascii_alphabetic());
    let year = |t: &str| t.len() == 4 && t.starts_with("20");
    type TickIs<'a> = &'a (dyn Fn(&str) -> bool + Sync);
    let kinds: [(&str, TickIs<'_>); 5] = [
        ("1D", &hours),
        ("1W", &date),
        ("1M", &date),
        ("1Y", &month),
        ("All", &year),
    ];
    for (range, tick_is) in kinds {
        click(&client, &format!("#nw-range-{range}")).await;
        let deadline = Instant::now() + Duration::from_secs(20);
        let points = loop {
            // The answer for this range is drawn (not the previous one still).
            let shown = attr_of(&client, "#net-worth-chart", "data-range").await;
            let points = attr_of(&client, "#net-worth-chart", "data-points")
                .await
                .and_then(|p| p.parse::<usize>().ok())
                .unwrap_or(0);
            if shown.as_deref() == Some(range) {
                break points;
            }
            assert!(Instant::now() < deadline, "{range} never drawn");
            tokio::time::sleep(Duration::from_millis(100)).await;
        };
        assert!(
            points > previous,
            "{range}: {points} points, not more than {previous}"
        );
        assert_eq!(
            attr_of(&client, &format!("#nw-range-{range}"), "aria-pressed")
                .await
                .as_deref(),
            Some("true")
        );
        // Let the chart paint, then read how long data → painted took.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let ms = client
            .execute("return window.__bdChartPaintMs;", vec![])
            .await
            .expect("the page's measure");
        paint_ms.push((range, ms.as_f64().expect("a number")));
        let lines = client
            .find_all(Locator::Css("#net-worth-chart path.nw-line"))
            .await
            .expect("lines");
        assert_eq!(lines.len(), 11, "{range}: the total and ten accounts");
        let ticks: Vec<String> = {
            let mut t = Vec::new();
            for e in client
                .find_all(Locator::Css("#net-worth-chart text.nw-xtick"))
                .await
                .expect("ticks")
            {
                t.push(e.text().await.expect("tick text"));
            }
            t
        };
        assert!(ticks.len() >= 2, "{range}: {ticks:?}");
        assert!(ticks.iter().any(|t| tick_is(t)), "{range}: {ticks:?}");
        save_screenshot(&client, &format!("net-worth-{range}")).await;
        previous = points;
    }
    // A figure for the notes, not a verdict: speed is measured by the chart bench
    // (`cargo bench -p brokerdesk-model --bench chart`); a timed assertion here fails whenever
    // the machine is busy.
    eprintln!("net worth chart, data → painted (ms): {paint_ms:?}");

    // Paper is shown apart on request, never in the live total.
    let live_total = text_of(&client, ".nw-legend li:first-child").await;
    assert!(live_total.starts_with("Live total (USD)"), "{live_total}");
    click(&client, "#nw-include-paper").await;
    wait_for_text(
        &client,
        ".nw-legend",
        "Paper total (USD)",
        Duration::from_secs(15),
    )
    .await;
    assert_eq!(
        text_of(&client, ".nw-legend li:first-child").await,
        live_total,
        "showing paper leaves the live total as it was"
    );
    save_screenshot(&client, "net-worth-paper").await;

    // Allocation: buy a paper position, then the page shows it in the paper group only.
    click(&client, "#nav-orders").await;
    choose_ticket_account(&client, "Paper (local)").await;
    type_into(&client, "#ticket-symbol", "MSFT").await;
    type_into(&client, "#ticket-qty", "1").await;
    click(&client, "#ticket-review").await;
    click(&client, "#ticket-submit").await;
    let order = r#"#blotter tr[data-symbol="MSFT"]"#;
    wait_for_exact(
        &client,
        &format!("{order} [data-field=\"status\"]"),
        "Filled",
    )
    .await;

    click(&client, "#nav-allocation").await;
    let assets = wait_for_text(
        &client,
        "#alloc-paper-usd-asset",
        "MSFT",
        Duration::from_secs(30),
    )
    .await;
    // Amounts in their own currency's format.
    assert!(assets.contains('$'), "{assets}");
    let classes = text_of(&client, "#alloc-paper-usd-class").await;
    assert!(
        classes.contains("Equity") && classes.contains("Cash"),
        "{classes}"
    );
    let split = text_of(&client, "#alloc-paper-usd-cash").await;
    assert!(split.contains("Invested"), "{split}");
    assert!(
        client.find(Locator::Css("#alloc-live-usd")).await.is_err(),
        "no live account is connected: no live group, paper is never counted as live"
    );
    save_screenshot(&client, "allocation").await;

    client.close().await.expect("session closed");
    drop(driver);
}
