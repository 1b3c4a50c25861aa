//! Sending the user to the authorize URL: the system browser (never an embedded webview,
//! RFC 8252 §8.12), or printing the URL for `--no-browser` and headless machines.
//! [`check_browser_url`] is the one rule for every address Brokerdesk shows a browser.

use crate::config::https_or_loopback_http;
use std::io::Write;
use std::sync::Mutex;
use url::Url;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

/// Refuses anything but `https` (or plain `http` to this machine, for tests and local servers)
/// before a browser is opened on it: a portal link or an authorize URL comes from a vendor's
/// reply or a setting, and a `file:`, `javascript:` or remote `http:` address must not reach the
/// platform opener. Every opener and every caller that opens a browser goes through this.
pub fn check_browser_url(url: &Url) -> Result<(), OpenError> {
    if https_or_loopback_http(url) {
        return Ok(());
    }
    // Scheme and host only: the rest of the address may hold a session or a token.
    let host = url.host_str().unwrap_or("");
    Err(OpenError(format!(
        "refused to open a {}: address{} in the browser: only https addresses (or http on \
         this machine) are opened",
        url.scheme(),
        if host.is_empty() {
            String::new()
        } else {
            format!(" on {host}")
        }
    )))
}

/// Something that shows the authorize URL to the user.
pub trait BrowserOpener: Send + Sync {
    fn open(&self, url: &Url) -> Result<(), OpenError>;
}

/// `$BROWSER` when set (a `:`-separated list of commands, `%s` standing for the URL, as
/// xdg-utils and Python's webbrowser read it), otherwise the platform opener.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemBrowser;

impl BrowserOpener for SystemBrowser {
    fn open(&self, url: &Url) -> Result<(), OpenError> {
        check_browser_url(url)?;
        if let Some(list) = std::env::var_os("BROWSER").filter(|v| !v.is_empty()) {
            let list = list.to_string_lossy().into_owned();
            let mut last_error = None;
            for command in list.split(':').filter(|c| !c.trim().is_empty()) {
                match spawn_browser_command(command, url.as_str()) {
                    Ok(()) => return Ok(()),
                    Err(e) => last_error = Some(e),
                }
            }
            if let Some(e) = last_error {
                return Err(e);
            }
        }
        open::that_detached(url.as_str())
            .map_err(|e| OpenError(format!("no browser could be started: {e}")))
    }
}

/// Runs one `$BROWSER` entry. Words are split on whitespace; no shell is involved, so the URL
/// cannot inject commands.
fn spawn_browser_command(command: &str, url: &str) -> Result<(), OpenError> {
    let mut words = command.split_whitespace();
    let program = words
        .next()
        .ok_or_else(|| OpenError("empty $BROWSER entry".into()))?;
    let mut args: Vec<String> = words.map(|w| w.replace("%s", url)).collect();
    if !command.contains("%s") {
        args.push(url.to_owned());
    }
    let mut child = std::process::Command::new(program)
        .args(&args)
        .stdin(std::process::Stdio::null())
        .spawn()
        .map_err(|e| OpenError(format!("could not start {program}: {e}")))?;
    // Reap it in the background so it never lingers as a zombie.
    std::thread::spawn(move || child.wait());
    Ok(())
}

/// Prints the URL for the user to open by hand (`--no-browser`).
pub struct PrintUrl<W: Write + Send = std::io::Stderr> {
    out: Mutex<W>,
}

impl PrintUrl<std::io::Stderr> {
    /// Prints on stderr, so stdout stays clean for `--json`.
    pub fn stderr() -> Self {
        Self::to(std::io::stderr())
    }
}

impl<W: Write + Send> PrintUrl<W> {
    pub fn to(out: W) -> Self {
        Self {
            out: Mutex::new(out),
        }
    }

    pub fn into_inner(self) -> W {
        match self.out.into_inner() {
            Ok(w) => w,
            Err(poisoned) => poisoned.into_inner(),
        }
    }
}

impl<W: Write + Send> BrowserOpener for PrintUrl<W> {
    fn open(&self, url: &Url) -> Result<(), OpenError> {
        check_browser_url(url)?;
        let mut out = self
            .out
            .lock()
            .map_err(|_| OpenError("output poisoned".into()))?;
        writeln!(
            out,
            "Open this address in your browser to sign in:\n\n  {url}\n"
        )
        .and_then(|()| out.flush())
        .map_err(|e| OpenError(format!("could not print the sign-in URL: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn print_url_prints_the_whole_url() {
        let url = Url::parse("https://auth.example/authorize?client_id=c&state=s%20t").unwrap();
        let opener = PrintUrl::to(Vec::new());
        opener.open(&url).unwrap();
        let printed = String::from_utf8(opener.into_inner()).unwrap();
        assert!(printed.contains(url.as_str()), "{printed}");
    }

    #[test]
    fn only_https_or_loopback_http_is_opened() {
        for ok in [
            "https://auth.example/authorize?x=1",
            "http://127.0.0.1:9/a",
            "http://[::1]:9/a",
            "http://localhost:9/a",
        ] {
            let url = Url::parse(ok).unwrap();
            assert!(check_browser_url(&url).is_ok(), "{ok}");
        }
        for bad in [
            "http://evil.example/portal?session=s3cr3t-session",
            "http://127.0.0.1.evil.example/a",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,<script>alert(1)</script>",
            "ftp://files.example/x",
        ] {
            let url = Url::parse(bad).unwrap();
            let err = check_browser_url(&url).unwrap_err().to_string();
            assert!(err.contains("only https"), "{bad}: {err}");
            assert!(!err.contains("s3cr3t"), "{bad}: {err}");
        }
    }

    #[test]
    fn print_url_refuses_a_plain_http_address_elsewhere() {
        let opener = PrintUrl::to(Vec::new());
        let url = Url::parse("http://evil.example/authorize?client_id=c").unwrap();
        let err = opener.open(&url).unwrap_err();
        assert!(err.to_string().contains("only https"), "{err}");
        assert!(opener.into_inner().is_empty(), "nothing printed");
    }

    #[test]
    fn the_system_browser_refuses_a_file_address() {
        // Refused before `$BROWSER` or the platform opener is even looked at.
        let url = Url::parse("file:///etc/passwd").unwrap();
        let err = SystemBrowser.open(&url).unwrap_err();
        assert!(err.to_string().contains("only https"), "{err}");
    }

    #[test]
    fn browser_command_gets_the_url_as_one_argument() {
        let dir = std::env::temp_dir().join(format!("bd-oauth-browser-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("args");
        let script = dir.join("fake-browser.sh");
        std::fs::write(
            &script,
            format!("#!/bin/sh\nprintf '%s\\n' \"$@\" > {}\n", out.display()),
        )
        .unwrap();
        let url = "http://127.0.0.1:9/a?b=c;touch$IFS/tmp/x&d=e";
        spawn_browser_command(&format!("sh {}", script.display()), url).unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        let printed = loop {
            if let Ok(s) = std::fs::read_to_string(&out)
                && s.ends_with('\n')
            {
                break s;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "fake browser never ran"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        };
        assert_eq!(printed.trim_end(), url);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
