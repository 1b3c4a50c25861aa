//! The HTTP server: accepts connections and serves each with hyper's HTTP/1 connection.
//! `POST /v2/orders`, the one route clients call in a loop, is answered straight from
//! hyper's request; every other request goes through the router.
//!
//! `axum::serve` costs every request more than the route needs: the body boxed into axum's
//! `Body`, reads through the HTTP/1-or-2 sniffing connection's rewind buffer, the router's
//! path match, a clone of the route's boxed service and three wrapping futures (see the
//! crate's BENCHMARKS.md for what skipping them buys). The direct path runs the same host and
//! origin checks, the same credentials check and body reader, and the same handler code, and
//! counts the request the same way; tests hold both paths to the same answers.

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request};
use axum::response::Response;
use futures::FutureExt as _;
use futures::future::{BoxFuture, Either};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::Service as _;

use super::guard::{self, AllowedHosts};
use super::{AppState, trading};

/// What one connection serves: the order path, and the router for everything else.
#[derive(Clone)]
pub(crate) struct Routes {
    pub router: Router,
    pub app: AppState,
    pub allowed: Arc<AllowedHosts>,
    pub requests: Arc<AtomicU64>,
}

type Answer = Result<Response, Infallible>;

impl hyper::service::Service<Request<Incoming>> for Routes {
    type Response = Response;
    type Error = Infallible;
    type Future =
        Either<BoxFuture<'static, Answer>, axum::routing::future::RouteFuture<Infallible>>;

    fn call(&self, req: Request<Incoming>) -> Self::Future {
        if req.method() != Method::POST || req.uri().path() != "/v2/orders" {
            // The router's layers count and guard these.
            return Either::Right(self.router.clone().call(req.map(Body::new)));
        }
        self.requests.fetch_add(1, Ordering::Relaxed);
        if let Err(why) = guard::check(&self.allowed, &req) {
            return Either::Left(Box::pin(std::future::ready(Ok(guard::refused(why)))));
        }
        Either::Left(Box::pin(
            trading::submit_request(self.app.clone(), req).map(Ok),
        ))
    }
}

/// Serves `routes` on `listener` until `closing` turns true (or its sender is gone), then
/// stops accepting, lets every open connection finish the request it is on, and returns once
/// all are closed (WebSocket sessions end on `closing` themselves).
pub(crate) async fn serve(
    listener: TcpListener,
    routes: Routes,
    mut closing: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // Each connection holds a receiver; once all are dropped, every connection has ended.
    let (open_tx, open_rx) = watch::channel(());
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = closing.wait_for(|closed| *closed) => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, say: accepting again at once would spin.
                tracing::error!(error = %e, "the sandbox could not accept a connection");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    _ = closing.wait_for(|closed| *closed) => break,
                }
            }
        };
        let mut closing = closing.clone();
        let open = open_rx.clone();
        let routes = routes.clone();
        tokio::spawn(async move {
            let connection = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), routes)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            let mut told = false;
            loop {
                tokio::select! {
                    ended = connection.as_mut() => {
                        if let Err(e) = ended {
                            tracing::trace!(error = %e, "connection ended with an error");
                        }
                        break;
                    }
                    _ = closing.wait_for(|closed| *closed), if !told => {
                        // Finishes the request in flight, then closes.
                        told = true;
                        connection.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(open);
        });
    }
    drop(listener);
    drop(open_rx);
    open_tx.closed().await;
    Ok(())
}

/// Errors of one connection that came and went before it was accepted.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::{ConnectionAborted, ConnectionRefused, ConnectionReset};
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}
