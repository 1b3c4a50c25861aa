//! The loopback listener without OAuth: for portals that send the browser back when the user
//! is done (an aggregator's connection portal, Plaid's Hosted Link) and carry no code to trade.
//! Same listener as the sign-in flow: one request on one random path (the path is the secret:
//! there is no `state`), host and origin checked, then shut.

use crate::config::{LoopbackHost, RedirectConfig, RedirectPath};
use crate::error::FlowError;
use crate::listener::Loopback;
use crate::page::Page;
use std::time::Duration;

pub struct ReturnListener {
    loopback: Loopback,
}

impl ReturnListener {
    /// Listens on `127.0.0.1`, an ephemeral port and a fresh random path.
    pub async fn bind() -> Result<Self, FlowError> {
        let redirect = RedirectConfig {
            host: LoopbackHost::Ipv4,
            port: 0,
            path: RedirectPath::PerFlow,
        };
        // Random, so that nothing but the page we sent the browser to can guess it.
        let path = format!("/return/{}", oauth2::CsrfToken::new_random().secret());
        Ok(Self {
            loopback: Loopback::bind(&redirect, path, Box::new(|_| Ok(()))).await?,
        })
    }

    /// Where the portal should send the browser back.
    pub fn redirect_uri(&self) -> &str {
        self.loopback.redirect_uri()
    }

    /// Waits for the browser to come back (at most `timeout`), answers it with a page saying
    /// it may be closed, and returns the query parameters it brought.
    pub async fn wait(mut self, timeout: Duration) -> Result<Vec<(String, String)>, FlowError> {
        let got = tokio::time::timeout(timeout, self.loopback.callback()).await;
        let result = match got {
            Ok(Ok((callback, reply))) => {
                let _ = reply.send(Page::returned());
                Ok(callback.params)
            }
            Ok(Err(e)) => Err(e),
            Err(_) => Err(FlowError::TimedOut(timeout)),
        };
        self.loopback.shutdown().await;
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_browser_coming_back_brings_its_query_and_nothing_else_gets_in() {
        let listener = ReturnListener::bind().await.unwrap();
        let uri = listener.redirect_uri().to_owned();
        assert!(
            uri.starts_with("http://127.0.0.1:") && uri.contains("/return/"),
            "{uri}"
        );
        let waiting = tokio::spawn(listener.wait(Duration::from_secs(10)));
        let base = uri.rsplit_once("/return/").unwrap().0.to_owned();
        let elsewhere = reqwest::get(format!("{base}/return/guess")).await.unwrap();
        assert_eq!(elsewhere.status(), 404, "another path is refused");
        let page = reqwest::get(format!("{uri}?status=SUCCESS&connection=abc"))
            .await
            .unwrap();
        assert_eq!(page.status(), 200);
        assert!(page.text().await.unwrap().contains("close this window"));
        let params = waiting.await.unwrap().unwrap();
        assert_eq!(
            params,
            vec![
                ("status".to_owned(), "SUCCESS".to_owned()),
                ("connection".to_owned(), "abc".to_owned())
            ]
        );
    }

    /// One raw request with a chosen `Host` and extra headers; the status line's code.
    async fn status_of(uri: &str, host: &str, headers: &str) -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let url = url::Url::parse(uri).unwrap();
        let addr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
        let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
        let request = format!(
            "GET {}?status=SUCCESS HTTP/1.1\r\nHost: {host}\r\n{headers}Connection: close\r\n\r\n",
            url.path()
        );
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut raw = String::new();
        stream.read_to_string(&mut raw).await.unwrap();
        raw.split_whitespace().nth(1).unwrap().parse().unwrap()
    }

    #[tokio::test]
    async fn a_foreign_host_or_another_sites_page_does_not_use_up_the_return() {
        let listener = ReturnListener::bind().await.unwrap();
        let uri = listener.redirect_uri().to_owned();
        let port = url::Url::parse(&uri).unwrap().port().unwrap();
        let waiting = tokio::spawn(listener.wait(Duration::from_secs(10)));
        let ours = format!("127.0.0.1:{port}");
        assert_eq!(
            status_of(&uri, &format!("evil.example:{port}"), "").await,
            400
        );
        assert_eq!(
            status_of(&uri, &ours, "Origin: https://evil.example\r\n").await,
            403
        );
        assert_eq!(
            status_of(&uri, &ours, "Sec-Fetch-Mode: no-cors\r\n").await,
            403
        );
        assert!(!waiting.is_finished());
        // The browser itself comes back as a navigation, without Origin.
        assert_eq!(
            status_of(&uri, &ours, "Sec-Fetch-Mode: navigate\r\n").await,
            200
        );
        let params = waiting.await.unwrap().unwrap();
        assert_eq!(params, vec![("status".to_owned(), "SUCCESS".to_owned())]);
    }

    #[tokio::test]
    async fn nobody_coming_back_times_out() {
        let listener = ReturnListener::bind().await.unwrap();
        let err = listener.wait(Duration::from_millis(50)).await.unwrap_err();
        assert!(matches!(err, FlowError::TimedOut(_)), "{err:?}");
    }
}
