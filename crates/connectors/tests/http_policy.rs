//! The shared HTTP policy against a local mock server.

use brokerdesk_connectors::http::client::decode_common_error;
use brokerdesk_connectors::http::{
    Endpoint, HttpClient, HttpError, HttpPolicy, Method, NoAuth, RateLimit, RetryPolicy,
};
use std::sync::Arc;
use std::time::{Duration, Instant};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

struct Get;
impl Endpoint for Get {
    type Output = serde_json::Value;
    fn method(&self) -> Method {
        Method::Get
    }
    fn path(&self) -> String {
        "/thing".into()
    }
}

struct Post;
impl Endpoint for Post {
    type Output = serde_json::Value;
    fn method(&self) -> Method {
        Method::Post
    }
    fn path(&self) -> String {
        "/thing".into()
    }
    fn body(&self) -> Option<serde_json::Value> {
        Some(serde_json::json!({"a": 1}))
    }
}

fn policy() -> HttpPolicy {
    HttpPolicy {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_millis(500),
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(10),
            max_delay: Duration::from_millis(50),
            max_retry_after: Duration::from_secs(5),
        },
        rate_limit: RateLimit {
            max: 1000,
            per: Duration::from_secs(1),
            burst: 100,
        },
    }
}

fn client(server: &MockServer) -> HttpClient {
    HttpClient::new(
        "test",
        &server.uri(),
        policy(),
        Arc::new(NoAuth),
        decode_common_error,
    )
    .expect("client")
}

#[tokio::test]
async fn get_is_retried_on_5xx_until_it_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/thing"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/thing"))
        .respond_with(ResponseTemplate::new(200).set_body_string(r#"{"ok":true}"#))
        .mount(&server)
        .await;
    let v = client(&server)
        .send(&Get)
        .await
        .expect("third attempt succeeds");
    assert_eq!(v["ok"], true);
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
}

#[tokio::test]
async fn gives_up_after_max_attempts_with_the_vendor_message() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(500).set_body_string(r#"{"code":50010000,"message":"internal"}"#),
        )
        .mount(&server)
        .await;
    let err = client(&server).send(&Get).await.expect_err("always 500");
    assert!(
        matches!(&err, HttpError::Status { status: 500, message, code: Some(c), .. } if message == "internal" && c == "50010000"),
        "{err:?}"
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 3);
}

#[tokio::test]
async fn post_is_not_resent_after_a_5xx() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let err = client(&server).send(&Post).await.expect_err("502");
    assert!(err.outcome_unknown());
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn post_is_not_resent_after_a_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(2)))
        .mount(&server)
        .await;
    let err = client(&server).send(&Post).await.expect_err("times out");
    assert!(matches!(err, HttpError::Timeout(_)), "{err:?}");
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn post_is_resent_after_429_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_string("rate limit exceeded"),
        )
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server).send(&Post).await.expect("second attempt");
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "waited for Retry-After"
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 2);
}

#[tokio::test]
async fn client_errors_are_not_retried_and_keep_the_vendor_text() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(403).set_body_string("forbidden."))
        .mount(&server)
        .await;
    let err = client(&server).send(&Get).await.expect_err("403");
    assert!(
        matches!(&err, HttpError::Status { status: 403, message, .. } if message == "forbidden.")
    );
    assert_eq!(server.received_requests().await.expect("recorded").len(), 1);
}

#[tokio::test]
async fn connection_refused_is_retried_then_reported() {
    // Bind then drop to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("bind")
        .local_addr()
        .expect("addr")
        .port();
    let c = HttpClient::new(
        "test",
        &format!("http://127.0.0.1:{port}"),
        policy(),
        Arc::new(NoAuth),
        decode_common_error,
    )
    .expect("client");
    let err = c.send(&Post).await.expect_err("nobody there");
    assert!(matches!(err, HttpError::Connect(_)), "{err:?}");
}

#[tokio::test]
async fn latency_is_measured() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_string("{}")
                .set_delay(Duration::from_millis(50)),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(c.latency().snapshot().is_none());
    c.send(&Get).await.expect("ok");
    let s = c.latency().snapshot().expect("one sample");
    assert!(s.last >= Duration::from_millis(50), "{s:?}");
}

#[tokio::test]
async fn unreadable_success_is_a_decode_error() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>"))
        .mount(&server)
        .await;
    let err = client(&server).send(&Get).await.expect_err("html");
    assert!(matches!(err, HttpError::Decode(_)));
}

#[test]
fn self_signed_only_for_loopback() {
    let make = |url: &str| {
        HttpClient::with_tls(
            "t",
            url,
            policy(),
            Arc::new(NoAuth),
            decode_common_error,
            true,
        )
    };
    assert!(make("https://localhost:5000/v1/api").is_ok());
    assert!(make("https://127.0.0.1:5000/v1/api").is_ok());
    assert!(make("https://[::1]:5000/v1/api").is_ok());
    assert!(matches!(
        make("https://gateway.example.com/v1/api"),
        Err(HttpError::Config(_))
    ));
    assert!(matches!(
        make("https://10.0.0.5:5000/v1/api"),
        Err(HttpError::Config(_))
    ));
}

#[tokio::test]
async fn x_ratelimit_reset_is_honoured_on_429() {
    let server = MockServer::start().await;
    let reset = (chrono::Utc::now().timestamp() + 2).to_string();
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("X-RateLimit-Reset", reset.as_str()))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("{}"))
        .mount(&server)
        .await;
    let started = Instant::now();
    client(&server).send(&Get).await.expect("after the reset");
    // The reset is whole seconds away (1 to 2 s from now), far beyond the 10-50 ms backoff.
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "{:?}",
        started.elapsed()
    );
}

/// An endpoint whose query carries a secret, as SnapTrade's do.
struct WithSecretQuery;
impl Endpoint for WithSecretQuery {
    type Output = serde_json::Value;
    fn method(&self) -> Method {
        Method::Get
    }
    fn path(&self) -> String {
        "/thing".into()
    }
    fn query(&self) -> Vec<(&'static str, String)> {
        vec![("user", "u1".into()), ("secret", "q-SECRET-4711".into())]
    }
}

#[tokio::test]
async fn transport_errors_name_the_url_without_query_values_or_userinfo() {
    // Refused, then hung up: reqwest's own message would quote the URL whole.
    let free = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let refused = format!("http://user:pw-SECRET-0815@{}", free.local_addr().unwrap());
    drop(free);
    let hang_up = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hung = format!("http://{}", hang_up.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((sock, _)) = hang_up.accept().await {
            drop(sock);
        }
    });
    for base in [refused, hung] {
        let c = HttpClient::new(
            "test",
            &base,
            policy(),
            Arc::new(NoAuth),
            decode_common_error,
        )
        .unwrap();
        let err = c.send(&WithSecretQuery).await.unwrap_err();
        let shown = format!("{err} {err:?} {c:?}");
        assert!(
            matches!(err, HttpError::Connect(_) | HttpError::Transport(_)),
            "{err:?}"
        );
        assert!(!shown.contains("SECRET"), "{shown}");
        assert!(
            shown.contains("/thing?user=<redacted>&secret=<redacted>"),
            "the address is still named: {shown}"
        );
    }
}
