//! The one-shot loopback HTTP listener (RFC 8252 §7.3). It answers every request itself. Only
//! a request that could be the real redirect reaches the flow: right `Host` (DNS rebinding), no
//! other site's `Origin`, a navigation (not a script's fetch), the redirect path, GET, and what
//! the flow's [`Claim`] accepts (its `state`). Anything else gets a page and leaves the flow
//! waiting, so a forged request cannot use up the single answer. The first claimed request is
//! handed to the flow, which decides the page; later ones are told it is already used.

use crate::config::{LoopbackHost, RedirectConfig};
use crate::error::FlowError;
use crate::page::Page;
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::header::{self, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::oneshot;
use tokio::task::{JoinHandle, JoinSet};

/// Query parameters of the redirect, in order.
#[derive(Clone)]
pub(crate) struct Callback {
    pub params: Vec<(String, String)>,
}

/// The flow's answer for the browser.
pub(crate) type Reply = oneshot::Sender<Page>;

/// Whether a request on the redirect path is this flow's answer; `Err` is the page for one that
/// is not (it leaves the flow waiting).
pub(crate) type Claim = Box<dyn Fn(&Callback) -> Result<(), Page> + Send + Sync>;

type Handoff = oneshot::Sender<(Callback, Reply)>;

/// Past this many open connections new ones are dropped: a local flood cannot exhaust memory.
const MAX_CONNECTIONS: usize = 32;
/// Time a browser gets to finish reading the last page once the flow is over.
const DRAIN: Duration = Duration::from_secs(2);

struct Shared {
    /// `127.0.0.1:PORT` (or `[::1]:PORT`) and `localhost:PORT`: the names of the bound socket,
    /// the only `Host`s we answer (DNS rebinding: another name resolving here is refused).
    hosts: [String; 2],
    path: String,
    claim: Claim,
    handoff: Mutex<Option<Handoff>>,
}

impl Shared {
    fn is_our_host(&self, host: &str) -> bool {
        self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host))
    }

    /// Our own origin (`http://` + one of our hosts): the only `Origin` a request may carry.
    fn is_our_origin(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.is_our_host(host))
    }
}

pub(crate) struct Loopback {
    addr: SocketAddr,
    redirect_uri: String,
    callbacks: oneshot::Receiver<(Callback, Reply)>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Loopback {
    /// Binds the IP literal (no `SO_REUSEADDR`: nobody else may share the port) and starts serving.
    /// `claim` picks the flow's answer among the requests on `path`.
    pub async fn bind(
        redirect: &RedirectConfig,
        path: String,
        claim: Claim,
    ) -> Result<Self, FlowError> {
        let want = SocketAddr::new(redirect.host.ip(), redirect.port);
        let bind_error = |source| FlowError::Bind {
            addr: want.to_string(),
            source,
        };
        let socket = match redirect.host {
            LoopbackHost::Ipv4 => TcpSocket::new_v4(),
            LoopbackHost::Ipv6 => TcpSocket::new_v6(),
        }
        .map_err(bind_error)?;
        socket.set_reuseaddr(false).map_err(bind_error)?;
        socket.bind(want).map_err(bind_error)?;
        let listener = socket.listen(16).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let host = format!("{}:{}", redirect.host.literal(), addr.port());
        let redirect_uri = format!("http://{host}{path}");
        let (handoff, callbacks) = oneshot::channel();
        let (stop, stopped) = oneshot::channel();
        let shared = Arc::new(Shared {
            hosts: [host, format!("localhost:{}", addr.port())],
            path,
            claim,
            handoff: Mutex::new(Some(handoff)),
        });
        let task = tokio::spawn(accept_loop(listener, shared, stopped));
        Ok(Self {
            addr,
            redirect_uri,
            callbacks,
            stop: Some(stop),
            task: Some(task),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// The first request the claim accepted.
    pub async fn callback(&mut self) -> Result<(Callback, Reply), FlowError> {
        (&mut self.callbacks)
            .await
            .map_err(|_| FlowError::ListenerClosed)
    }

    /// Closes the port at once, then lets open connections finish their last page.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        // A flow dropped mid-way (cancelled, timed out) must not leave the port open.
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    shared: Arc<Shared>,
    mut stopped: oneshot::Receiver<()>,
) {
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            _ = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) if connections.len() < MAX_CONNECTIONS => {
                    connections.spawn(serve(stream, Arc::clone(&shared)));
                }
                Ok(_) => tracing::warn!("oauth listener: too many connections, dropping one"),
                Err(e) => {
                    tracing::warn!(error = %e, "oauth listener: accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
            },
        }
    }
    drop(listener);
    let drained = tokio::time::timeout(DRAIN, async {
        while connections.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        connections.abort_all();
    }
}

async fn serve(stream: tokio::net::TcpStream, shared: Arc<Shared>) {
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(respond(route(request, &shared).await)) }
    });
    // One request per connection: nothing lingers once the page is sent.
    let served = http1::Builder::new()
        .keep_alive(false)
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(10))
        .serve_connection(TokioIo::new(stream), service)
        .await;
    if let Err(e) = served {
        tracing::debug!(error = %e, "oauth listener: connection ended with an error");
    }
}

async fn route(request: Request<Incoming>, shared: &Shared) -> Page {
    let headers = request.headers();
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(|h| shared.is_our_host(h));
    // An absolute-form target must name the same authority as well.
    let authority_ok = request
        .uri()
        .authority()
        .is_none_or(|a| shared.is_our_host(a.as_str()));
    if !host_ok || !authority_ok {
        return Page::wrong_host();
    }
    // A top-level navigation (the real redirect) carries no `Origin`; a page of another site
    // that fetches or posts here does. Fetch metadata names a script's request even when it
    // has no `Origin` (a no-cors GET).
    let foreign_origin = headers
        .get_all(header::ORIGIN)
        .iter()
        .any(|o| !o.to_str().is_ok_and(|o| shared.is_our_origin(o)));
    let not_navigation = headers
        .get("sec-fetch-mode")
        .is_some_and(|m| m.as_bytes() != b"navigate");
    if foreign_origin || not_navigation {
        tracing::debug!("oauth listener: refused a request from another site");
        return Page::foreign_origin();
    }
    if request.uri().path() != shared.path {
        return Page::not_found();
    }
    if request.method() != Method::GET {
        return Page {
            status: 405,
            ..Page::not_found()
        };
    }
    let params = url::form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes())
        .into_owned()
        .collect();
    let callback = Callback { params };
    if let Err(page) = (shared.claim)(&callback) {
        tracing::warn!("oauth listener: refused an answer that is not this flow's; still waiting");
        return page;
    }
    let handoff = match shared.handoff.lock() {
        Ok(mut slot) => slot.take(),
        Err(_) => None,
    };
    let Some(handoff) = handoff else {
        return Page::already_used();
    };
    let (reply, page) = oneshot::channel();
    if handoff.send((callback, reply)).is_err() {
        return Page::failed("This sign-in is no longer waiting for an answer.");
    }
    page.await
        .unwrap_or_else(|_| Page::failed("The sign-in ended before this answer could be used."))
}

/// Never any `Access-Control-*` header: no other origin may read what the listener says.
fn respond(page: Page) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(page.html)));
    *response.status_mut() =
        StatusCode::from_u16(page.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_TYPE, "text/html; charset=utf-8"),
        (header::CACHE_CONTROL, "no-store"),
        // The URL holds the code: never send it on as a Referer.
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}
