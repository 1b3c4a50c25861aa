//! Only the machine's own programs may talk to the sandbox, never a web page.
//!
//! The sandbox listens on a fixed loopback port, and any page the user visits can make the
//! browser send requests there. Two checks, in front of every route (HTTP and WebSocket):
//!
//! - `Host` (and an absolute request target's authority) must name the address the server is
//!   bound to, or the loopback names with its port. A DNS-rebinding page reaches 127.0.0.1
//!   under its own name, so its requests carry that name and are refused.
//! - A request carrying `Origin` comes from a browser. The app talks to the sandbox from Rust,
//!   so no page has a reason to: WebSocket upgrades and anything but GET/HEAD/OPTIONS with an
//!   `Origin` are refused. No CORS header is ever sent, so a page cannot read a GET either.
//!
//! Both are byte comparisons against a handful of precomputed names: no allocation per request.

use axum::body::Body;
use axum::http::header::{HOST, ORIGIN, UPGRADE};
use axum::http::{Method, Request, StatusCode, Version};
use axum::response::{IntoResponse, Response};
use futures::future::{Either, Ready, ready};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::task::{Context, Poll};

use super::ApiError;
use crate::engine::rejection::code;

/// The `Host` values that name this server.
#[derive(Debug)]
pub(crate) struct AllowedHosts(Box<[Box<[u8]>]>);

impl AllowedHosts {
    /// For a server bound to `bound`: its own `ip:port` (unless it is the unspecified address),
    /// and `127.0.0.1`, `localhost` and `[::1]` with its port (bare too on port 80).
    pub fn for_addr(bound: SocketAddr) -> Self {
        let port = bound.port();
        let mut names: Vec<String> = Vec::new();
        let loopback = [
            SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port).to_string(),
            format!("localhost:{port}"),
            SocketAddr::new(IpAddr::V6(Ipv6Addr::LOCALHOST), port).to_string(),
        ];
        names.extend(loopback);
        if !bound.ip().is_unspecified() {
            names.push(bound.to_string());
        }
        if port == 80 {
            let bare: Vec<String> = names
                .iter()
                .filter_map(|n| n.rsplit_once(':').map(|(host, _)| host.to_owned()))
                .collect();
            names.extend(bare);
        }
        names.sort();
        names.dedup();
        Self(
            names
                .into_iter()
                .map(|n| n.into_bytes().into_boxed_slice())
                .collect(),
        )
    }

    fn allows(&self, host: &[u8]) -> bool {
        // Host names are case-insensitive (RFC 9110 §4.2.3).
        self.0.iter().any(|h| h.eq_ignore_ascii_case(host))
    }
}

/// Why a request was turned away, answered as Alpaca answers a refusal: 403 with a JSON body.
pub(crate) fn refused(message: &'static str) -> Response {
    ApiError::new(StatusCode::FORBIDDEN, code::FORBIDDEN, message).into_response()
}

/// `Err(why)` when the request must be refused.
pub(crate) fn check<B>(allowed: &AllowedHosts, req: &Request<B>) -> Result<(), &'static str> {
    // HTTP/2 names the host in `:authority` (the URI) and may send no `Host`.
    let host = match req.headers().get(HOST) {
        Some(h) => Some(h.as_bytes()),
        None if req.version() >= Version::HTTP_2 => {
            req.uri().authority().map(|a| a.as_str().as_bytes())
        }
        None => None,
    };
    let host_ok = host.is_some_and(|h| allowed.allows(h));
    let authority_ok = req
        .uri()
        .authority()
        .is_none_or(|a| allowed.allows(a.as_str().as_bytes()));
    if !host_ok || !authority_ok {
        return Err(
            "host not allowed: the sandbox answers only requests addressed to its own loopback address",
        );
    }
    if req.headers().contains_key(ORIGIN) {
        let reads = matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS);
        if !reads || req.headers().contains_key(UPGRADE) {
            return Err(
                "requests from web pages are not allowed: use an API client, not a browser",
            );
        }
    }
    Ok(())
}

/// Puts the checks in front of a router (`Router::layer`).
#[derive(Clone)]
pub(crate) struct GuardLayer(Arc<AllowedHosts>);

impl GuardLayer {
    pub fn new(bound: SocketAddr) -> Self {
        Self(Arc::new(AllowedHosts::for_addr(bound)))
    }
}

impl<S> tower::Layer<S> for GuardLayer {
    type Service = Guard<S>;

    fn layer(&self, inner: S) -> Guard<S> {
        Guard {
            inner,
            allowed: Arc::clone(&self.0),
        }
    }
}

#[derive(Clone)]
pub(crate) struct Guard<S> {
    inner: S,
    allowed: Arc<AllowedHosts>,
}

impl<S> tower::Service<Request<Body>> for Guard<S>
where
    S: tower::Service<Request<Body>, Response = Response>,
{
    type Response = Response;
    type Error = S::Error;
    type Future = Either<Ready<Result<Response, S::Error>>, S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: Request<Body>) -> Self::Future {
        match check(&self.allowed, &req) {
            Ok(()) => Either::Right(self.inner.call(req)),
            Err(why) => Either::Left(ready(Ok(refused(why)))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn allowed(addr: &str) -> AllowedHosts {
        AllowedHosts::for_addr(addr.parse().unwrap())
    }

    #[test]
    fn loopback_names_with_the_bound_port_only() {
        let a = allowed("127.0.0.1:8787");
        for ok in [
            "127.0.0.1:8787",
            "localhost:8787",
            "LOCALHOST:8787",
            "[::1]:8787",
        ] {
            assert!(a.allows(ok.as_bytes()), "{ok}");
        }
        for bad in [
            "evil.example:8787",
            "127.0.0.1:8788",
            "127.0.0.1",
            "localhost",
            "localhost.:8787",
            "127.0.0.1:8787.evil.example",
            "",
            "0.0.0.0:8787",
        ] {
            assert!(!a.allows(bad.as_bytes()), "{bad}");
        }
    }

    fn req(
        version: Version,
        uri: &str,
        host: Option<&str>,
        origin: bool,
        method: &str,
    ) -> Request<Body> {
        let mut b = Request::builder().version(version).uri(uri).method(method);
        if let Some(h) = host {
            b = b.header(HOST, h);
        }
        if origin {
            b = b.header(ORIGIN, "https://evil.example");
        }
        b.body(Body::empty()).unwrap()
    }

    #[test]
    fn checks_host_authority_and_origin() {
        let a = allowed("127.0.0.1:8787");
        let ok = |r: Request<Body>| check(&a, &r).is_ok();
        let h1 = Version::HTTP_11;
        assert!(ok(req(
            h1,
            "/v2/account",
            Some("127.0.0.1:8787"),
            false,
            "GET"
        )));
        assert!(!ok(req(h1, "/v2/account", None, false, "GET")));
        assert!(!ok(req(
            h1,
            "http://evil.example/v2/account",
            Some("127.0.0.1:8787"),
            false,
            "GET"
        )));
        assert!(ok(req(
            h1,
            "http://localhost:8787/v2/account",
            Some("127.0.0.1:8787"),
            false,
            "GET"
        )));
        // HTTP/2 may name the host only in the URI.
        let h2 = Version::HTTP_2;
        assert!(ok(req(
            h2,
            "http://127.0.0.1:8787/v2/account",
            None,
            false,
            "GET"
        )));
        assert!(!ok(req(
            h2,
            "http://evil.example/v2/account",
            None,
            false,
            "GET"
        )));
        assert!(!ok(req(h2, "/v2/account", None, false, "GET")));
        // Origin: reads pass (without CORS the page cannot read them), changes do not.
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert!(
                ok(req(h1, "/v2/orders", Some("localhost:8787"), true, method)),
                "{method}"
            );
        }
        for method in ["POST", "PATCH", "PUT", "DELETE", "TRACE"] {
            assert!(
                !ok(req(h1, "/v2/orders", Some("localhost:8787"), true, method)),
                "{method}"
            );
        }
        let mut upgrade = req(h1, "/stream", Some("localhost:8787"), true, "GET");
        upgrade
            .headers_mut()
            .insert(UPGRADE, "websocket".parse().unwrap());
        assert!(!ok(upgrade));
    }

    #[test]
    fn a_specific_bind_address_is_allowed_and_unspecified_is_not() {
        assert!(allowed("192.168.1.5:9000").allows(b"192.168.1.5:9000"));
        assert!(allowed("192.168.1.5:9000").allows(b"localhost:9000"));
        assert!(!allowed("0.0.0.0:9000").allows(b"0.0.0.0:9000"));
        assert!(allowed("0.0.0.0:9000").allows(b"127.0.0.1:9000"));
        assert!(allowed("[::1]:9000").allows(b"[::1]:9000"));
        assert!(allowed("127.0.0.1:80").allows(b"localhost"));
    }
}
