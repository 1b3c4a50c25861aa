//! The loopback listener without OAuth: for portals that send the browser back when the user
//! is done (an aggregator's connection portal, Plaid's Hosted Link) and carry no code to trade.
//! Same listener as the sign-in flow: one request on one random path, host checked, then shut.

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
            loopback: Loopback::bind(&redirect, path).await?,
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

    #[tokio::test]
    async fn nobody_coming_back_times_out() {
        let listener = ReturnListener::bind().await.unwrap();
        let err = listener.wait(Duration::from_millis(50)).await.unwrap_err();
        assert!(matches!(err, FlowError::TimedOut(_)), "{err:?}");
    }
}
