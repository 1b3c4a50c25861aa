//! Test helpers: a scripted token endpoint (it checks PKCE and single-use codes for real) and
//! a raw-socket "browser" that can send any Host header or path.
#![allow(clippy::unwrap_used)] // Test code: a failed unwrap is a failed test.
#![allow(dead_code)]

use axum::extract::{Form, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use brokerdesk_oauth::ProviderConfig;
use oauth2::{PkceCodeChallenge, PkceCodeVerifier};
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::Semaphore;

pub const CLIENT_ID: &str = "test-client";

/// What the token endpoint does next.
#[derive(Clone, Debug)]
pub enum Mode {
    Normal,
    /// 400 with this OAuth error code.
    Reject(&'static str),
    /// This status with an HTML body, like a proxy in trouble.
    Status(u16),
    /// 200 with this JSON body, as is.
    RawJson(&'static str),
}

#[derive(Clone, Debug)]
pub struct TokenCall {
    pub form: HashMap<String, String>,
    pub authorization: Option<String>,
}

struct Code {
    challenge: String,
    redirect_uri: String,
}

pub struct Inner {
    codes: Mutex<HashMap<String, Code>>,
    refresh_tokens: Mutex<Vec<String>>,
    pub calls: Mutex<Vec<TokenCall>>,
    pub mode: Mutex<Mode>,
    counter: AtomicU32,
    /// Seconds; `None` leaves `expires_in` out.
    pub expires_in: Mutex<Option<i64>>,
    /// Send a new refresh token on refresh (and burn the old one).
    pub rotate: Mutex<bool>,
    /// When set, each token request waits for a permit.
    pub gate: Mutex<Option<Arc<Semaphore>>>,
    /// Time each refresh takes, so concurrent callers overlap.
    pub refresh_delay: Mutex<Duration>,
}

#[derive(Clone)]
pub struct MockServer {
    pub addr: SocketAddr,
    pub inner: Arc<Inner>,
}

impl MockServer {
    pub async fn start() -> Self {
        let inner = Arc::new(Inner {
            codes: Mutex::new(HashMap::new()),
            refresh_tokens: Mutex::new(Vec::new()),
            calls: Mutex::new(Vec::new()),
            mode: Mutex::new(Mode::Normal),
            counter: AtomicU32::new(0),
            expires_in: Mutex::new(Some(3600)),
            rotate: Mutex::new(true),
            gate: Mutex::new(None),
            refresh_delay: Mutex::new(Duration::ZERO),
        });
        let app = Router::new()
            .route("/token", post(token_form))
            .route("/token.json", post(token_json))
            .with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { addr, inner }
    }

    pub fn config(&self) -> ProviderConfig {
        let mut config = ProviderConfig::new(
            &format!("http://{}/authorize", self.addr),
            &format!("http://{}/token", self.addr),
            CLIENT_ID,
        )
        .unwrap();
        config.scopes = vec!["read".into(), "trade".into()];
        config
    }

    /// What the authorization server does when the user approves: remember the challenge.
    pub fn approve(&self, authorize_url: &url::Url) -> Approved {
        let q: HashMap<String, String> = authorize_url.query_pairs().into_owned().collect();
        assert_eq!(q["response_type"], "code");
        assert_eq!(q["code_challenge_method"], "S256");
        assert_eq!(q["client_id"], CLIENT_ID);
        let n = self.inner.counter.fetch_add(1, Ordering::SeqCst);
        let code = format!("code-{n}");
        self.inner.codes.lock().unwrap().insert(
            code.clone(),
            Code {
                challenge: q["code_challenge"].clone(),
                redirect_uri: q["redirect_uri"].clone(),
            },
        );
        Approved {
            code,
            state: q["state"].clone(),
            redirect_uri: url::Url::parse(&q["redirect_uri"]).unwrap(),
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap() = mode;
    }

    pub fn calls(&self) -> Vec<TokenCall> {
        self.inner.calls.lock().unwrap().clone()
    }

    pub fn calls_of(&self, grant: &str) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.form.get("grant_type").map(String::as_str) == Some(grant))
            .count()
    }

    /// Registers a refresh token as valid (for sessions seeded without a sign-in).
    pub fn add_refresh_token(&self, token: &str) {
        self.inner
            .refresh_tokens
            .lock()
            .unwrap()
            .push(token.to_owned());
    }
}

pub struct Approved {
    pub code: String,
    pub state: String,
    pub redirect_uri: url::Url,
}

impl Approved {
    /// The redirect's path and query, as the browser would request it.
    pub fn callback(&self) -> String {
        format!(
            "{}?code={}&state={}",
            self.redirect_uri.path(),
            self.code,
            enc(&self.state)
        )
    }
}

pub fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn oauth_error(code: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        Json(serde_json::json!({"error": code, "error_description": format!("test says {code}")})),
    )
        .into_response()
}

async fn token_form(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    token(inner, headers, form).await
}

/// Square's style: the same fields in a JSON body (axum refuses any other content type).
async fn token_json(
    State(inner): State<Arc<Inner>>,
    headers: HeaderMap,
    Json(form): Json<HashMap<String, String>>,
) -> Response {
    token(inner, headers, form).await
}

async fn token(inner: Arc<Inner>, headers: HeaderMap, form: HashMap<String, String>) -> Response {
    inner.calls.lock().unwrap().push(TokenCall {
        form: form.clone(),
        authorization: headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    });
    let gate = inner.gate.lock().unwrap().clone();
    if let Some(gate) = gate {
        gate.acquire().await.unwrap().forget();
    }
    match inner.mode.lock().unwrap().clone() {
        Mode::Normal => {}
        Mode::Reject(code) => return oauth_error(code),
        Mode::RawJson(body) => {
            return ([("content-type", "application/json")], body).into_response();
        }
        Mode::Status(status) => {
            return (
                StatusCode::from_u16(status).unwrap(),
                [("content-type", "text/html")],
                "<html>upstream trouble</html>",
            )
                .into_response();
        }
    }
    if form.get("client_id").map(String::as_str) != Some(CLIENT_ID) {
        return oauth_error("invalid_client");
    }
    let n = inner.counter.fetch_add(1, Ordering::SeqCst);
    let mut refresh_token = Some(format!("rt-{n}"));
    match form.get("grant_type").map(String::as_str) {
        Some("authorization_code") => {
            // Single use: a second exchange of the same code fails, as RFC 6749 §4.1.2 says.
            let Some(code) = form
                .get("code")
                .and_then(|c| inner.codes.lock().unwrap().remove(c))
            else {
                return oauth_error("invalid_grant");
            };
            let Some(verifier) = form.get("code_verifier") else {
                return oauth_error("invalid_request");
            };
            let expected = PkceCodeChallenge::from_code_verifier_sha256(&PkceCodeVerifier::new(
                verifier.clone(),
            ));
            if expected.as_str() != code.challenge
                || form.get("redirect_uri") != Some(&code.redirect_uri)
            {
                return oauth_error("invalid_grant");
            }
        }
        Some("refresh_token") => {
            let delay = *inner.refresh_delay.lock().unwrap();
            tokio::time::sleep(delay).await;
            let presented = form.get("refresh_token").cloned().unwrap_or_default();
            let mut valid = inner.refresh_tokens.lock().unwrap();
            let Some(pos) = valid.iter().position(|t| *t == presented) else {
                return oauth_error("invalid_grant");
            };
            if *inner.rotate.lock().unwrap() {
                valid.remove(pos);
            } else {
                refresh_token = None;
            }
        }
        _ => return oauth_error("unsupported_grant_type"),
    }
    if let Some(rt) = &refresh_token {
        inner.refresh_tokens.lock().unwrap().push(rt.clone());
    }
    let mut body = serde_json::json!({
        "access_token": format!("at-{n}"),
        "token_type": "Bearer",
        "scope": "read trade",
    });
    if let Some(rt) = refresh_token {
        body["refresh_token"] = rt.into();
    }
    if let Some(secs) = *inner.expires_in.lock().unwrap() {
        body["expires_in"] = secs.into();
    }
    Json(body).into_response()
}

/// A GET with a chosen `Host` header over a raw socket; returns status and body.
pub async fn get(addr: SocketAddr, host: &str, target: &str) -> std::io::Result<(u16, String)> {
    let reply = request(addr, "GET", host, target, &[]).await?;
    Ok((reply.status, reply.body))
}

/// What the listener answered, headers included.
#[derive(Debug)]
pub struct Reply {
    pub status: u16,
    /// Header lines, names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// Any method, `Host` and extra headers over a raw socket, as a page of another site (or a
/// rebinding attack) could make a browser send them.
pub async fn request(
    addr: SocketAddr,
    method: &str,
    host: &str,
    target: &str,
    extra: &[(&str, &str)],
) -> std::io::Result<Reply> {
    let mut stream = tokio::net::TcpStream::connect(addr).await?;
    let mut request =
        format!("{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n");
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut raw))
        .await
        .map_err(|_| std::io::Error::other("no answer in 10 s"))??;
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((text.as_str(), ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Ok(Reply {
        status,
        headers,
        body: body.to_owned(),
    })
}

/// The `Host` header a browser sends for this redirect URI.
pub fn host_of(redirect: &url::Url) -> String {
    format!(
        "{}:{}",
        redirect.host_str().unwrap(),
        redirect.port().unwrap()
    )
}
