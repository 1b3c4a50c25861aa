//! The real app under Xvfb, driven through tauri-driver and WebKitWebDriver.
//!
//! Needs: a display (`DISPLAY`, e.g. Xvfb), `tauri-driver` and `WebKitWebDriver` on PATH, and
//! `BROKERDESK_E2E_APP` naming the built app binary. `scripts/test.sh` provides all of them; run
//! alone without them, the test fails and says what is missing rather than passing silently.

use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// tauri-driver, stopped with SIGTERM so that it also stops WebKitWebDriver.
struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

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

fn start_driver(data_dir: &Path, paper_cash: &str) -> Driver {
    let port = free_port();
    let native_port = free_port();
    // The app inherits this environment through WebKitWebDriver.
    let child =
        Command::new(std::env::var("TAURI_DRIVER").unwrap_or_else(|_| "tauri-driver".into()))
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("BROKERDESK_DATA_DIR", data_dir)
            .env("BROKERDESK_PAPER_CASH", paper_cash)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver)");
    let driver = Driver { child, port };
    let deadline = Instant::now() + Duration::from_secs(20);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "tauri-driver did not listen on {port}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    driver
}

async fn connect(driver: &Driver, app: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    caps.insert("browserName".into(), "wry".into());
    caps.insert(
        "tauri:options".into(),
        serde_json::json!({ "application": app.display().to_string() }),
    );
    ClientBuilder::rustls()
        .expect("TLS roots")
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("a WebDriver session with the app")
}

async fn text_of(client: &Client, css: &str) -> String {
    client
        .wait()
        .at_most(Duration::from_secs(30))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|err| panic!("{css} never appeared: {err}"))
        .text()
        .await
        .expect("element text")
}

async fn save_screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("BROKERDESK_E2E_SCREENSHOTS") {
        let png = client.screenshot().await.expect("a screenshot");
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("screenshot saved");
    }
}

const CASH: &str = r#".account[data-connection="paper-local"] [data-field="cash"]"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_page_shows_the_backend_paper_cash_and_navigation_works() {
    let app = app_binary();
    let data_root = tempfile::tempdir().expect("a temp dir");
    let data_dir = data_root.path().join("data");
    // A figure nothing in the UI could invent: it reaches the page only from the service.
    let driver = start_driver(&data_dir, "43210.99");
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
