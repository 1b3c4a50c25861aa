//! Sending the user to the authorize URL: the system browser (never an embedded webview,
//! RFC 8252 §8.12), or printing the URL for `--no-browser` and headless machines.

use std::io::Write;
use std::sync::Mutex;
use url::Url;

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct OpenError(pub String);

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
