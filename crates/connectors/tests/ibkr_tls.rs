//! The IBKR gateway's self-signed certificate over a real TLS handshake: accepted for a
//! loopback gateway when the user opts in, refused otherwise.

use brokerdesk_connectors::ibkr::{IbkrConfig, IbkrConnector};
use brokerdesk_connectors::{ConnectorError, Portfolio};
use http_body_util::Full;
use hyper::body::{Bytes, Incoming};
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A gateway stand-in on `127.0.0.1` with a fresh self-signed certificate for `localhost`.
async fn self_signed_gateway() -> u16 {
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()])
        .expect("a certificate");
    let key = rustls::pki_types::PrivateKeyDer::try_from(cert.signing_key.serialize_der())
        .expect("a key");
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(vec![cert.cert.der().clone()], key)
    .expect("a server config");
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
    let port = listener.local_addr().expect("an address").port();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                // A refused handshake (the client distrusts us) simply ends here.
                let Ok(tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let service = hyper::service::service_fn(|req: Request<Incoming>| async move {
                    let body = match req.uri().path() {
                        "/v1/api/portfolio/accounts" => {
                            r#"[{"id":"DU123456","accountId":"DU123456","currency":"USD"}]"#
                        }
                        "/v1/api/iserver/accounts" => {
                            r#"{"accounts":["DU123456"],"selectedAccount":"DU123456"}"#
                        }
                        _ => "{}",
                    };
                    Ok::<_, std::convert::Infallible>(Response::new(Full::new(Bytes::from(body))))
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(tls), service)
                    .await;
            });
        }
    });
    port
}

#[tokio::test]
async fn a_loopback_gateway_with_its_own_certificate_is_trusted_only_on_opt_in() {
    let port = self_signed_gateway().await;
    let url = format!("https://localhost:{port}/v1/api");

    let trusting = IbkrConnector::new(IbkrConfig::gateway(&url, true)).expect("a connector");
    let accounts = trusting
        .accounts()
        .await
        .expect("the TLS handshake succeeds");
    assert_eq!(accounts[0].as_str(), "DU123456");

    let strict = IbkrConnector::new(IbkrConfig::gateway(&url, false)).expect("a connector");
    let err = strict
        .accounts()
        .await
        .expect_err("an untrusted certificate");
    assert!(matches!(err, ConnectorError::Unavailable(_)), "{err:?}");
}
