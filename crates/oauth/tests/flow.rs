//! The browser sign-in against a scripted token endpoint: the happy path and every refusal.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.

mod common;

use brokerdesk_oauth::{
    FlowError, LoopbackHost, MemoryTokenStore, RedirectPath, SignIn, TokenError, TokenStore,
};
use common::{Approved, MockServer, Mode, enc, get, host_of, request};
use secrecy::ExposeSecret;
use std::sync::Arc;
use std::time::Duration;
use tokio::task::JoinHandle;

const KEY: &str = "test:main";

struct Running {
    approved: Approved,
    host: String,
    addr: std::net::SocketAddr,
    store: Arc<MemoryTokenStore>,
    task: JoinHandle<Result<brokerdesk_oauth::TokenSet, FlowError>>,
}

/// Starts a flow, has the mock server "approve" it, and waits for the redirect in a task.
async fn start(mock: &MockServer, config: brokerdesk_oauth::ProviderConfig) -> Running {
    let flow = SignIn::start(config).await.unwrap();
    let approved = mock.approve(flow.authorize_url());
    let addr = flow.local_addr();
    let store = Arc::new(MemoryTokenStore::new());
    let task = tokio::spawn({
        let store = Arc::clone(&store);
        async move { flow.finish(&*store, KEY).await }
    });
    Running {
        host: host_of(&approved.redirect_uri),
        approved,
        addr,
        store,
        task,
    }
}

async fn assert_nothing_stored(store: &MemoryTokenStore) {
    assert!(store.load(KEY).await.unwrap().is_none());
    assert!(store.keys().is_empty());
}

async fn assert_port_closed(addr: std::net::SocketAddr) {
    let err = tokio::net::TcpStream::connect(addr).await;
    assert!(err.is_err(), "the listener is still accepting on {addr}");
}

#[tokio::test]
async fn signs_in_with_pkce_and_stores_the_tokens() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let (status, body) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("You may close this window"), "{body}");
    let tokens = run.task.await.unwrap().unwrap();

    let stored = run.store.load(KEY).await.unwrap().expect("tokens stored");
    assert_eq!(
        stored.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
    assert!(stored.refresh_token.is_some());
    assert!(stored.expires_at.is_some());
    assert_eq!(stored.scopes, ["read", "trade"]);
    // One exchange, with the code, our redirect URI and a verifier the server accepted.
    let calls = mock.calls();
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].form["code"], run.approved.code);
    assert_eq!(
        calls[0].form["redirect_uri"],
        run.approved.redirect_uri.as_str()
    );
    assert!(calls[0].form["code_verifier"].len() >= 43);
    assert_port_closed(run.addr).await;
}

#[tokio::test]
async fn authorize_url_carries_pkce_state_and_a_loopback_redirect() {
    let mock = MockServer::start().await;
    let a = SignIn::start(mock.config()).await.unwrap();
    let b = SignIn::start(mock.config()).await.unwrap();
    let q = |f: &SignIn, k: &str| {
        f.authorize_url()
            .query_pairs()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q(&a, "code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(q(&a, "scope").as_deref(), Some("read trade"));
    let redirect = url::Url::parse(&q(&a, "redirect_uri").unwrap()).unwrap();
    assert_eq!(redirect.host_str(), Some("127.0.0.1"));
    assert_eq!(redirect.port(), Some(a.local_addr().port()));
    assert!(a.local_addr().ip().is_loopback());
    assert_eq!(redirect.as_str(), a.redirect_uri());
    // Each flow: its own state, challenge, port and path.
    for k in ["state", "code_challenge", "redirect_uri"] {
        assert_ne!(q(&a, k), q(&b, k), "{k}");
    }
    assert!(q(&a, "state").unwrap().len() >= 20);
}

#[tokio::test]
async fn a_forged_state_is_refused_and_the_real_redirect_still_completes() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let target = format!(
        "{}?code=code-forged&state=forged",
        run.approved.redirect_uri.path()
    );
    let (status, body) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("state"), "{body}");
    assert!(mock.calls().is_empty(), "no code exchange on a bad state");
    assert_nothing_stored(&run.store).await;
    the_real_redirect_completes(&mock, run).await;
}

/// The flow is still waiting: the real redirect, sent as a browser sends a top-level navigation
/// (no `Origin`), signs in with the real code, exchanged once.
async fn the_real_redirect_completes(mock: &MockServer, run: Running) {
    let reply = request(
        run.addr,
        "GET",
        &run.host,
        &run.approved.callback(),
        &[
            ("Sec-Fetch-Mode", "navigate"),
            ("Sec-Fetch-Site", "cross-site"),
            ("Sec-Fetch-Dest", "document"),
        ],
    )
    .await
    .unwrap();
    assert_eq!(reply.status, 200, "{}", reply.body);
    let tokens = run.task.await.unwrap().unwrap();
    let calls = mock.calls();
    assert_eq!(calls.len(), 1, "one exchange");
    assert_eq!(calls[0].form["code"], run.approved.code);
    let stored = run.store.load(KEY).await.unwrap().expect("tokens stored");
    assert_eq!(
        stored.access_token.expose_secret(),
        tokens.access_token.expose_secret()
    );
}
#[tokio::test]
async fn a_missing_or_repeated_state_is_refused_and_the_flow_goes_on() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let path = run.approved.redirect_uri.path().to_owned();
    for target in [
        format!("{path}?code={}", run.approved.code),
        format!("{}&state=forged", run.approved.callback()),
        format!(
            "{path}?state=forged&code=x&state={}",
            enc(&run.approved.state)
        ),
    ] {
        let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
        assert_eq!(status, 400, "{target}");
    }
    assert!(mock.calls().is_empty());
    assert_nothing_stored(&run.store).await;
    the_real_redirect_completes(&mock, run).await;
}
#[tokio::test]
async fn missing_code_is_refused() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let target = format!(
        "{}?state={}",
        run.approved.redirect_uri.path(),
        enc(&run.approved.state)
    );
    let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::MissingCode)
    ));
    assert!(mock.calls().is_empty());
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn a_repeated_code_parameter_is_refused() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let target = format!("{}&code=other", run.approved.callback());
    let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::MalformedRedirect(_))
    ));
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn access_denied_is_reported_and_the_description_is_escaped() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let target = format!(
        "{}?error=access_denied&error_description={}&state={}",
        run.approved.redirect_uri.path(),
        enc("<script>alert('pwned')</script>"),
        enc(&run.approved.state)
    );
    let (status, body) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(!body.contains("<script>"), "reflected markup: {body}");
    assert!(body.contains("&lt;script&gt;"), "{body}");
    match run.task.await.unwrap() {
        Err(FlowError::Authorization { error, description }) => {
            assert_eq!(error, "access_denied");
            assert_eq!(
                description.as_deref(),
                Some("<script>alert('pwned')</script>")
            );
        }
        other => panic!("expected access_denied, got {other:?}"),
    }
    assert!(mock.calls().is_empty());
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn other_error_responses_are_reported() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let target = format!(
        "{}?error=invalid_scope&state={}",
        run.approved.redirect_uri.path(),
        enc(&run.approved.state)
    );
    let (status, body) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("invalid_scope"), "{body}");
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::Authorization { error, description: None }) if error == "invalid_scope"
    ));
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn a_forged_access_denied_does_not_end_the_sign_in() {
    // Otherwise a third party could end anyone's sign-in with a fake "access denied".
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let path = run.approved.redirect_uri.path();
    for target in [
        format!("{path}?error=access_denied&state=forged"),
        format!("{path}?error=access_denied"),
    ] {
        let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
        assert_eq!(status, 400, "{target}");
    }
    the_real_redirect_completes(&mock, run).await;
}

#[tokio::test]
async fn forged_answers_of_every_kind_leave_the_flow_waiting() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let real = run.approved.callback();
    let port = run.addr.port();
    let path = run.approved.redirect_uri.path().to_owned();
    let evil_host = format!("evil.example:{port}");
    let wrong_path = format!(
        "{path}x?code={}&state={}",
        run.approved.code,
        enc(&run.approved.state)
    );
    let forged_state = format!("{path}?code={}&state=forged", run.approved.code);
    /// One forged request and the status it must get.
    struct Forged<'a> {
        method: &'a str,
        host: &'a str,
        target: &'a str,
        headers: &'a [(&'a str, &'a str)],
        status: u16,
    }
    fn forged<'a>(
        method: &'a str,
        host: &'a str,
        target: &'a str,
        headers: &'a [(&'a str, &'a str)],
        status: u16,
    ) -> Forged<'a> {
        Forged {
            method,
            host,
            target,
            headers,
            status,
        }
    }
    let host = run.host.as_str();
    let cases = [
        forged("GET", host, &forged_state, &[], 400),
        forged("GET", host, &wrong_path, &[], 404),
        forged("GET", &evil_host, &real, &[], 400),
        // Another site's page fetching the real redirect (it learnt the URL somehow).
        forged(
            "GET",
            host,
            &real,
            &[("Origin", "https://evil.example")],
            403,
        ),
        forged("GET", host, &real, &[("Origin", "null")], 403),
        forged("GET", host, &real, &[("Sec-Fetch-Mode", "no-cors")], 403),
        forged("GET", host, &real, &[("Sec-Fetch-Mode", "cors")], 403),
        forged(
            "POST",
            host,
            &real,
            &[("Origin", "https://evil.example")],
            403,
        ),
        forged("POST", host, &real, &[], 405),
    ];
    for case in &cases {
        let reply = request(run.addr, case.method, case.host, case.target, case.headers)
            .await
            .unwrap();
        let what = format!(
            "{} {} {} {:?}",
            case.method, case.host, case.target, case.headers
        );
        assert_eq!(reply.status, case.status, "{what}");
        assert!(
            !reply
                .headers
                .iter()
                .any(|(k, _)| k.starts_with("access-control-")),
            "{what}: {:?}",
            reply.headers
        );
    }
    assert!(
        mock.calls().is_empty(),
        "no forged request reached the token endpoint"
    );
    assert_nothing_stored(&run.store).await;
    the_real_redirect_completes(&mock, run).await;
}

#[tokio::test]
async fn the_listener_never_sends_cors_headers() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    // A CORS preflight from another site: no Access-Control-* comes back, so the browser
    // refuses the real request and no script ever reads a page of ours.
    let preflight = request(
        run.addr,
        "OPTIONS",
        &run.host,
        &run.approved.callback(),
        &[
            ("Origin", "https://evil.example"),
            ("Access-Control-Request-Method", "GET"),
        ],
    )
    .await
    .unwrap();
    assert!(!(200..300).contains(&preflight.status), "{preflight:?}");
    assert!(
        !preflight
            .headers
            .iter()
            .any(|(k, _)| k.starts_with("access-control-")),
        "{preflight:?}"
    );
    let ok = request(run.addr, "GET", &run.host, &run.approved.callback(), &[])
        .await
        .unwrap();
    assert_eq!(ok.status, 200);
    assert!(
        !ok.headers
            .iter()
            .any(|(k, _)| k.starts_with("access-control-")),
        "{ok:?}"
    );
    run.task.await.unwrap().unwrap();
}

#[tokio::test]
async fn localhost_names_the_same_listener() {
    // `localhost:PORT` reaches the same socket and cannot be rebound to another site's name.
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let host = format!("localhost:{}", run.addr.port());
    let (status, _) = get(run.addr, &host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 200);
    run.task.await.unwrap().unwrap();
}
#[tokio::test]
async fn a_replayed_callback_is_refused_and_the_code_exchanged_once() {
    let mock = MockServer::start().await;
    let gate = Arc::new(tokio::sync::Semaphore::new(0));
    *mock.inner.gate.lock().unwrap() = Some(Arc::clone(&gate));
    let run = start(&mock, mock.config()).await;
    let first = tokio::spawn({
        let (addr, host, target) = (run.addr, run.host.clone(), run.approved.callback());
        async move { get(addr, &host, &target).await }
    });
    // Wait until the first exchange is at the token endpoint, then replay the redirect.
    while mock.calls().is_empty() {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let (status, body) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 410, "{body}");
    gate.add_permits(1);
    assert_eq!(first.await.unwrap().unwrap().0, 200);
    assert!(run.task.await.unwrap().is_ok());
    assert_eq!(
        mock.calls().len(),
        1,
        "the code went to the token endpoint once"
    );
}

#[tokio::test]
async fn a_request_after_completion_finds_nothing() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let (status, _) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 200);
    run.task.await.unwrap().unwrap();
    // The listener is gone: the same redirect again cannot even connect.
    let again = get(run.addr, &run.host, &run.approved.callback()).await;
    assert!(again.is_err(), "second request got an answer: {again:?}");
    assert_eq!(mock.calls().len(), 1);
}

#[tokio::test]
async fn a_request_on_another_path_is_404_and_the_flow_goes_on() {
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let query = format!(
        "?code={}&state={}",
        run.approved.code,
        enc(&run.approved.state)
    );
    for target in [
        "/favicon.ico".to_owned(),
        "/".to_owned(),
        format!("/callback{query}"),
        format!("{}/x{query}", run.approved.redirect_uri.path()),
    ] {
        let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
        assert_eq!(status, 404, "{target}");
    }
    assert!(!run.task.is_finished());
    assert!(mock.calls().is_empty());
    let (status, _) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(run.task.await.unwrap().is_ok());
}

#[tokio::test]
async fn a_foreign_host_header_is_refused_and_the_flow_goes_on() {
    // DNS rebinding: a web page whose name resolves to 127.0.0.1 sends its own Host.
    let mock = MockServer::start().await;
    let run = start(&mock, mock.config()).await;
    let port = run.addr.port();
    for host in [
        format!("evil.example:{port}"),
        format!("localhost.evil.example:{port}"),
        format!("127.0.0.1.nip.io:{port}"),
        format!("[::1]:{port}"),
        "127.0.0.1".to_owned(),
        "localhost".to_owned(),
        format!("127.0.0.1:{}", port.wrapping_add(1)),
    ] {
        let (status, body) = get(run.addr, &host, &run.approved.callback())
            .await
            .unwrap();
        assert_eq!(status, 400, "{host}: {body}");
    }
    assert!(!run.task.is_finished());
    assert!(
        mock.calls().is_empty(),
        "the code never reached the token endpoint"
    );
    let (status, _) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(run.task.await.unwrap().is_ok());
}

#[tokio::test]
async fn a_flow_times_out_and_closes_its_port() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.timeout = Duration::from_millis(300);
    let run = start(&mock, config).await;
    let started = std::time::Instant::now();
    match run.task.await.unwrap() {
        Err(FlowError::TimedOut(d)) => assert_eq!(d, Duration::from_millis(300)),
        other => panic!("expected a timeout, got {other:?}"),
    }
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_port_closed(run.addr).await;
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn two_flows_at_once_each_get_their_own_code() {
    let mock = MockServer::start().await;
    let a = start(&mock, mock.config()).await;
    let b = start(&mock, mock.config()).await;
    assert_ne!(a.addr, b.addr);
    // A's redirect sent to B's listener: per-flow paths, so B does not even see it.
    let (status, _) = get(b.addr, &b.host, &a.approved.callback()).await.unwrap();
    assert_eq!(status, 404);
    // Answer B first, then A.
    assert_eq!(
        get(b.addr, &b.host, &b.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    assert_eq!(
        get(a.addr, &a.host, &a.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    let ta = a.task.await.unwrap().unwrap();
    let tb = b.task.await.unwrap().unwrap();
    assert_ne!(
        ta.access_token.expose_secret(),
        tb.access_token.expose_secret()
    );
    let codes: Vec<String> = mock
        .calls()
        .iter()
        .map(|c| c.form["code"].clone())
        .collect();
    assert_eq!(codes, [b.approved.code.clone(), a.approved.code.clone()]);
    // Each store got its own flow's tokens.
    let sa = a.store.load(KEY).await.unwrap().unwrap();
    assert_eq!(
        sa.access_token.expose_secret(),
        ta.access_token.expose_secret()
    );
}

#[tokio::test]
async fn two_flows_on_the_same_path_refuse_each_others_state() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.redirect.path = RedirectPath::Fixed("/callback".into());
    let a = start(&mock, config.clone()).await;
    let b = start(&mock, config).await;
    assert_eq!(
        a.approved.redirect_uri.path(),
        b.approved.redirect_uri.path()
    );
    // A's answer at B's port: refused, and B keeps waiting for its own.
    let (status, _) = get(b.addr, &b.host, &a.approved.callback()).await.unwrap();
    assert_eq!(status, 400);
    assert_eq!(
        get(a.addr, &a.host, &a.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    a.task.await.unwrap().unwrap();
    assert_eq!(mock.calls().len(), 1);
    assert_nothing_stored(&b.store).await;
    assert_eq!(
        get(b.addr, &b.host, &b.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    b.task.await.unwrap().unwrap();
    assert_eq!(mock.calls().len(), 2);
}
#[tokio::test]
async fn invalid_grant_at_the_token_endpoint_stores_nothing() {
    let mock = MockServer::start().await;
    mock.set_mode(Mode::Reject("invalid_grant"));
    let run = start(&mock, mock.config()).await;
    let (status, body) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("invalid_grant"), "{body}");
    match run.task.await.unwrap() {
        Err(FlowError::Token(e @ TokenError::Rejected { .. })) => {
            assert_eq!(e.oauth_error(), Some("invalid_grant"));
            assert!(e.needs_sign_in());
        }
        other => panic!("expected invalid_grant, got {other:?}"),
    }
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn a_5xx_at_the_token_endpoint_stores_nothing() {
    let mock = MockServer::start().await;
    mock.set_mode(Mode::Status(503));
    let run = start(&mock, mock.config()).await;
    let (status, body) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(body.contains("503"), "{body}");
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::Token(TokenError::ServerError(503)))
    ));
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn an_unreachable_token_endpoint_stores_nothing() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    // A port nobody listens on (bound, read, and released).
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap();
    config.token_url = format!("http://{free}/token").parse().unwrap();
    let run = start(&mock, config).await;
    let (status, _) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::Token(TokenError::Transport(_)))
    ));
    assert_nothing_stored(&run.store).await;
}

#[tokio::test]
async fn a_wrong_issuer_is_refused() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.issuer = Some("https://as.example".into());
    let run = start(&mock, config).await;
    let target = format!(
        "{}&iss={}",
        run.approved.callback(),
        enc("https://evil.example")
    );
    let (status, _) = get(run.addr, &run.host, &target).await.unwrap();
    assert_eq!(status, 400);
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::IssuerMismatch { got, .. }) if got == "https://evil.example"
    ));
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn a_missing_issuer_is_refused_when_the_server_promises_one() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.issuer = Some("https://as.example".into());
    config.require_issuer = true;
    let run = start(&mock, config).await;
    let (status, _) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(matches!(
        run.task.await.unwrap(),
        Err(FlowError::MissingIssuer)
    ));
    assert!(mock.calls().is_empty());
}

#[tokio::test]
async fn the_right_issuer_is_accepted() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.issuer = Some("https://as.example".into());
    config.require_issuer = true;
    let run = start(&mock, config).await;
    let target = format!(
        "{}&iss={}",
        run.approved.callback(),
        enc("https://as.example")
    );
    assert_eq!(get(run.addr, &run.host, &target).await.unwrap().0, 200);
    assert!(run.task.await.unwrap().is_ok());
}

#[tokio::test]
async fn the_client_secret_goes_where_the_preset_says() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.client_secret = Some("s3cret".into());
    config.client_auth = brokerdesk_oauth::ClientAuth::RequestBody;
    let run = start(&mock, config).await;
    assert_eq!(
        get(run.addr, &run.host, &run.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    run.task.await.unwrap().unwrap();
    let call = &mock.calls()[0];
    assert_eq!(
        call.form.get("client_secret").map(String::as_str),
        Some("s3cret")
    );
    assert!(call.authorization.is_none());
}

#[tokio::test]
async fn ipv6_loopback_when_asked() {
    if std::net::TcpListener::bind("[::1]:0").is_err() {
        eprintln!("NOTICE: skipping ipv6_loopback_when_asked: no [::1] on this machine");
        return;
    }
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.redirect.host = LoopbackHost::Ipv6;
    let run = start(&mock, config).await;
    assert!(
        run.approved
            .redirect_uri
            .as_str()
            .starts_with("http://[::1]:")
    );
    assert!(run.addr.is_ipv6());
    // The v4 literal is the wrong Host here.
    let wrong = format!("127.0.0.1:{}", run.addr.port());
    assert_eq!(
        get(run.addr, &wrong, &run.approved.callback())
            .await
            .unwrap()
            .0,
        400
    );
    assert_eq!(
        get(run.addr, &run.host, &run.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    assert!(run.task.await.unwrap().is_ok());
}

#[tokio::test]
async fn a_taken_fixed_port_is_a_bind_error() {
    let mock = MockServer::start().await;
    let first = SignIn::start(mock.config()).await.unwrap();
    let mut config = mock.config();
    config.redirect.port = first.local_addr().port();
    assert!(matches!(
        SignIn::start(config).await,
        Err(FlowError::Bind { .. })
    ));
}

#[tokio::test]
async fn a_json_token_endpoint_gets_a_json_body() {
    let mock = MockServer::start().await;
    let mut config = mock.config();
    config.token_url = format!("http://{}/token.json", mock.addr).parse().unwrap();
    config.token_body = brokerdesk_oauth::TokenBody::Json;
    let run = start(&mock, config.clone()).await;
    assert_eq!(
        get(run.addr, &run.host, &run.approved.callback())
            .await
            .unwrap()
            .0,
        200
    );
    run.task.await.unwrap().unwrap();
    assert_eq!(mock.calls()[0].form["code"], run.approved.code);
    // The same endpoint refuses a form body: the re-encoding is what made it work.
    config.token_body = brokerdesk_oauth::TokenBody::Form;
    let run = start(&mock, config).await;
    assert_eq!(
        get(run.addr, &run.host, &run.approved.callback())
            .await
            .unwrap()
            .0,
        400
    );
    assert!(matches!(run.task.await.unwrap(), Err(FlowError::Token(_))));
}

#[tokio::test]
async fn a_malformed_token_response_is_refused_without_quoting_it() {
    let mock = MockServer::start().await;
    // A token the server sent in a broken answer must not end up in an error message.
    mock.set_mode(Mode::RawJson(
        r#"{"access_token":"at-LEAKED-SECRET","token_type":"bearer","expires_in":"soon"}"#,
    ));
    let run = start(&mock, mock.config()).await;
    let (status, body) = get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(!body.contains("LEAKED"), "{body}");
    let err = run.task.await.unwrap().unwrap_err();
    assert!(
        matches!(err, FlowError::Token(TokenError::Malformed(_))),
        "{err:?}"
    );
    assert!(!format!("{err} {err:?}").contains("LEAKED"), "{err:?}");
    assert_nothing_stored(&run.store).await;
}

/// A token endpoint's `expires_in` as sent, and the flow's outcome.
async fn sign_in_with_expires_in(
    body: &'static str,
) -> Result<brokerdesk_oauth::TokenSet, FlowError> {
    let mock = MockServer::start().await;
    mock.set_mode(Mode::RawJson(body));
    let run = start(&mock, mock.config()).await;
    get(run.addr, &run.host, &run.approved.callback())
        .await
        .unwrap();
    // A panic in the flow would show here as a JoinError.
    run.task.await.expect("the flow does not panic")
}

#[tokio::test]
async fn a_huge_expires_in_is_clamped_to_a_year() {
    for body in [
        r#"{"access_token":"at-1","token_type":"bearer","expires_in":18446744073709551615}"#,
        r#"{"access_token":"at-1","token_type":"bearer","expires_in":10000000000000}"#,
    ] {
        let before = chrono::Utc::now();
        let tokens = sign_in_with_expires_in(body).await.unwrap();
        let at = tokens.expires_at.expect("an expiry, clamped");
        let year = chrono::Duration::days(365);
        assert!(
            at >= before + year && at <= chrono::Utc::now() + year,
            "{at} for {body}"
        );
    }
}

#[tokio::test]
async fn an_expires_in_that_is_not_a_whole_number_is_a_clear_error() {
    for body in [
        r#"{"access_token":"at-1","token_type":"bearer","expires_in":1e300}"#,
        r#"{"access_token":"at-1","token_type":"bearer","expires_in":-5}"#,
    ] {
        match sign_in_with_expires_in(body).await {
            Err(FlowError::Token(TokenError::Malformed(m))) => {
                assert!(m.contains("expires_in"), "{m}")
            }
            other => panic!("expected a malformed answer for {body}, got {other:?}"),
        }
    }
}
