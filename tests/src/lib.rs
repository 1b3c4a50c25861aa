//! What the end-to-end tests share: tauri-driver started for one data dir, a WebDriver session
//! with an app binary, and small waits. The tests themselves live in `tests/`.
//!
//! Needs: a display (`DISPLAY`, e.g. Xvfb), `tauri-driver` and `WebKitWebDriver` on PATH.

use fantoccini::elements::Element;
use fantoccini::error::{CmdError, NewSessionError};
use fantoccini::{Client, ClientBuilder, Locator};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// tauri-driver, stopped with SIGTERM so that it also stops WebKitWebDriver.
pub struct Driver {
    child: Child,
    port: u16,
    /// Marks every process this driver starts (they inherit it), so none outlives the test.
    tag: String,
    /// Where the app writes its log (`BROKERDESK_LOG_FILE`): printed when a flow fails.
    log: PathBuf,
}

/// The last lines of the app's log shown after a failure.
const LOG_TAIL_LINES: usize = 80;

impl Drop for Driver {
    fn drop(&mut self) {
        if std::thread::panicking() {
            self.print_log_tail();
        }
        let _ = Command::new("kill")
            .args(["-s", "TERM", "--", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
        // WebKitWebDriver does not always take the app down with it when two sessions end at
        // once; a leftover app would hold the test's stdout open. Stop whatever carries our tag.
        for pid in tagged_processes(&self.tag) {
            let _ = Command::new("kill")
                .args(["-s", "TERM", "--", &pid])
                .status();
        }
    }
}

/// The processes whose environment carries `BROKERDESK_E2E_TAG=tag`.
pub fn tagged_processes(tag: &str) -> Vec<String> {
    let marker = format!("BROKERDESK_E2E_TAG={tag}");
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let pid = e.file_name().to_string_lossy().into_owned();
            let environ = std::fs::read(e.path().join("environ")).ok()?;
            environ
                .split(|b| *b == 0)
                .any(|var| var == marker.as_bytes())
                .then_some(pid)
        })
        .filter(|pid| pid.parse::<u32>().is_ok_and(|p| p != std::process::id()))
        .collect()
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

impl Driver {
    /// "pid name" of every process it started that still runs (the driver, WebKitWebDriver,
    /// the app, WebKit's processes): after a failure, what is left says what died.
    pub fn processes(&self) -> Vec<String> {
        tagged_processes(&self.tag)
            .into_iter()
            .map(|pid| {
                let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
                format!("{pid} {}", name.trim())
            })
            .collect()
    }

    /// The tag every process it starts carries (`BROKERDESK_E2E_TAG`).
    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// The file the app writes its log to.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The app's own account of a failed flow: the end of its log, on standard error.
    fn print_log_tail(&self) {
        let Ok(log) = std::fs::read_to_string(&self.log) else {
            eprintln!("no app log at {}", self.log.display());
            return;
        };
        let lines: Vec<&str> = log.lines().collect();
        let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
        eprintln!(
            "the app's log, last {} of {} lines ({}):\n{}",
            tail.len(),
            lines.len(),
            self.log.display(),
            tail.join("\n")
        );
    }
}

/// tauri-driver for an app that will use `data_dir` and `env`.
pub fn start_driver(data_dir: &Path, env: &[(&str, &str)]) -> Driver {
    let port = free_port();
    let native_port = free_port();
    let tag = format!("{}-{port}", std::process::id());
    let log = data_dir.with_extension("log");
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
            .env(
                "BROKERDESK_LOG",
                "info,brokerdesk_service=debug,brokerdesk_connectors=debug",
            )
            .env("BROKERDESK_LOG_FILE", &log)
            .envs(env.iter().copied())
            .env("BROKERDESK_E2E_TAG", &tag)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("tauri-driver on PATH (cargo install tauri-driver)");
    let driver = Driver {
        child,
        port,
        tag,
        log,
    };
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

/// A WebDriver session that starts `app`.
///
/// Asked once more when tauri-driver closed the connection without any answer (CI saw it once:
/// `IncompleteMessage` before a flow's first step, every other flow of the run fine). An answer
/// that refuses the session (an app that cannot start) fails at once.
pub async fn connect(driver: &Driver, app: &Path) -> Client {
    let mut first = true;
    loop {
        match new_session(driver, app).await {
            Ok(client) => return client,
            Err(
                e @ (NewSessionError::Failed(_)
                | NewSessionError::FailedC(_)
                | NewSessionError::Lost(_)),
            ) if first => {
                eprintln!("no answer to the WebDriver session request ({e}); asking once more");
                first = false;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
            Err(e) => panic!("a WebDriver session with the app: {e}"),
        }
    }
}

async fn new_session(driver: &Driver, app: &Path) -> Result<Client, NewSessionError> {
    // Both of rustls's providers are built in (the service, which the tests use to seed data,
    // brings the second): name one, once per process.
    let _ = rustls::crypto::ring::default_provider().install_default();
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
}

/// The first element `locator` finds, waiting up to `within` for it (every wait of the flows).
///
/// Looked up again, within the time, after WebKitWebDriver's "Could not parse element info":
/// it answers that when the document changes under a find, as the app's page does while it
/// starts (CI saw it once on a flow's first element). Any other error is returned at once.
pub async fn element(
    client: &Client,
    locator: Locator<'_>,
    within: Duration,
) -> Result<Element, CmdError> {
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        match client.wait().at_most(left).for_element(locator).await {
            Err(err)
                if err.to_string().contains("Could not parse element info")
                    && Instant::now() < deadline =>
            {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            found => return found,
        }
    }
}

/// The text of the first element matching `css`, waiting up to 30 s for it.
pub async fn text_of(client: &Client, css: &str) -> String {
    element(client, Locator::Css(css), Duration::from_secs(30))
        .await
        .unwrap_or_else(|err| panic!("{css} never appeared: {err}"))
        .text()
        .await
        .expect("element text")
}

/// A screenshot into `BROKERDESK_E2E_SCREENSHOTS`, when set.
pub async fn save_screenshot(client: &Client, name: &str) {
    if let Some(dir) = std::env::var_os("BROKERDESK_E2E_SCREENSHOTS") {
        let png = client.screenshot().await.expect("a screenshot");
        let _ = std::fs::create_dir_all(&dir);
        std::fs::write(Path::new(&dir).join(format!("{name}.png")), png).expect("screenshot saved");
    }
}

/// The paper account's cash on the Accounts page.
pub const PAPER_CASH: &str = r#".account[data-connection="paper-local"] [data-field="cash"]"#;

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{BufRead, BufReader, Read, Write};
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// A WebDriver stand-in: drops the first `silent` session requests without a word, then
    /// answers each with `status` and `body`; counts the session requests it saw.
    fn stand_in(
        silent: usize,
        status: &'static str,
        body: &'static str,
    ) -> (u16, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut head = String::new();
                let mut length = 0;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                        break;
                    }
                    if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                        length = v.trim().parse().unwrap_or(0);
                    }
                    head.push_str(&line);
                }
                let mut body_in = vec![0; length];
                let _ = reader.read_exact(&mut body_in);
                if !head.starts_with("POST /session ") {
                    // The client ending its session.
                    let _ = stream.write_all(
                        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 14\r\nconnection: close\r\n\r\n{\"value\":null}",
                    );
                    continue;
                }
                if counter.fetch_add(1, Ordering::SeqCst) < silent {
                    continue; // dropped: closed without an answer
                }
                let answer = format!(
                    "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(answer.as_bytes());
            }
        });
        (port, seen)
    }

    fn driver_on(port: u16) -> Driver {
        Driver {
            child: Command::new("sleep").arg("30").spawn().unwrap(),
            port,
            tag: format!("connect-test-{port}"),
            log: PathBuf::from("/nonexistent/app.log"),
        }
    }

    const SESSION: &str = r#"{"value":{"sessionId":"s1","capabilities":{"browserName":"wry"}}}"#;

    #[tokio::test]
    async fn a_session_request_left_unanswered_is_asked_once_more() {
        let (port, seen) = stand_in(1, "200 OK", SESSION);
        let driver = driver_on(port);
        let client = connect(&driver, Path::new("/nonexistent/app")).await;
        assert_eq!(seen.load(Ordering::SeqCst), 2);
        let _ = client.close().await;
    }

    #[tokio::test]
    #[should_panic(expected = "a WebDriver session with the app")]
    async fn a_session_left_unanswered_twice_fails() {
        let (port, _) = stand_in(2, "200 OK", SESSION);
        let driver = driver_on(port);
        connect(&driver, Path::new("/nonexistent/app")).await;
    }

    #[tokio::test]
    async fn a_refused_session_is_not_asked_again() {
        let (port, seen) = stand_in(
            0,
            "500 Internal Server Error",
            r#"{"value":{"error":"session not created","message":"the app did not start","stacktrace":""}}"#,
        );
        let driver = driver_on(port);
        let outcome = tokio::spawn(async move {
            connect(&driver, Path::new("/nonexistent/app")).await;
        })
        .await;
        assert!(outcome.is_err_and(|e| e.is_panic()));
        assert_eq!(seen.load(Ordering::SeqCst), 1);
    }
}
