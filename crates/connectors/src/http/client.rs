//! The generic client: every vendor request goes through [`HttpClient::send`], which applies the
//! rate limit, the timeouts, the retry rules and the latency measurement in one place. It is
//! also the one place where errors are made fit to log and show: every `HttpError` it returns
//! has its URLs redacted (see [`super::redact`]), so no log line or message carries a query
//! value such as SnapTrade's user secret.

use super::endpoint::Endpoint;
use super::error::HttpError;
use super::latency::Latency;
use super::policy::{HttpPolicy, parse_rate_limit_reset, parse_retry_after};
use super::rate_limit::RateLimiter;
use super::redact::{describe_reqwest, redact_quoted, redact_urls};
use std::fmt;
use std::sync::Arc;
use tracing::Instrument;

/// Adds a vendor's credentials to a request. Implementations mark their header values
/// sensitive so they never appear in reqwest's Debug output.
pub trait Auth: Send + Sync + fmt::Debug {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder;
}

/// For endpoints that need no credentials (the IBKR gateway holds the session itself).
#[derive(Debug)]
pub struct NoAuth;

impl Auth for NoAuth {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        request
    }
}

/// What a vendor said in an error body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorMessage {
    pub code: Option<String>,
    pub message: String,
}

/// Reads a vendor's error body (each vendor has its own shape).
pub type ErrorDecoder = fn(status: u16, body: &[u8]) -> VendorMessage;

#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    vendor: &'static str,
    base: String,
    http: reqwest::Client,
    auth: Arc<dyn Auth>,
    policy: HttpPolicy,
    limiter: RateLimiter,
    latency: Latency,
    decode_error: ErrorDecoder,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("vendor", &self.inner.vendor)
            .field("base", &redact_urls(&self.inner.base))
            .field("auth", &self.inner.auth)
            .finish_non_exhaustive()
    }
}

/// Whether a host name is this machine, the only place a self-signed certificate is accepted.
pub fn is_loopback_host(host: &url::Host<&str>) -> bool {
    match host {
        url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
        url::Host::Ipv4(ip) => ip.is_loopback(),
        url::Host::Ipv6(ip) => ip.is_loopback(),
    }
}

impl HttpClient {
    pub fn new(
        vendor: &'static str,
        base_url: &str,
        policy: HttpPolicy,
        auth: Arc<dyn Auth>,
        decode_error: ErrorDecoder,
    ) -> Result<Self, HttpError> {
        Self::with_tls(vendor, base_url, policy, auth, decode_error, false)
    }

    /// `accept_self_signed` is refused unless the base URL's host is loopback: a gateway on this
    /// machine may use its own certificate, nothing on the network may.
    pub fn with_tls(
        vendor: &'static str,
        base_url: &str,
        policy: HttpPolicy,
        auth: Arc<dyn Auth>,
        decode_error: ErrorDecoder,
        accept_self_signed: bool,
    ) -> Result<Self, HttpError> {
        let shown = redact_urls(base_url);
        let url = url::Url::parse(base_url)
            .map_err(|e| HttpError::Config(format!("base URL {shown:?}: {e}")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(HttpError::Config(format!(
                "base URL {shown:?} is not http(s)"
            )));
        }
        let host = url
            .host()
            .ok_or_else(|| HttpError::Config("base URL has no host".into()))?;
        if accept_self_signed && !is_loopback_host(&host) {
            return Err(HttpError::Config(format!(
                "a self-signed certificate is accepted only from this machine, not from {host}"
            )));
        }
        let http = reqwest::Client::builder()
            .connect_timeout(policy.connect_timeout)
            .timeout(policy.request_timeout)
            .danger_accept_invalid_certs(accept_self_signed)
            .user_agent(concat!("brokerdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| HttpError::Config(describe_reqwest(e)))?;
        Ok(Self {
            inner: Arc::new(Inner {
                vendor,
                base: base_url.trim_end_matches('/').to_owned(),
                http,
                auth,
                limiter: RateLimiter::new(policy.rate_limit),
                policy,
                latency: Latency::default(),
                decode_error,
            }),
        })
    }

    pub fn base_url(&self) -> &str {
        &self.inner.base
    }

    pub fn latency(&self) -> &Latency {
        &self.inner.latency
    }

    pub fn policy(&self) -> &HttpPolicy {
        &self.inner.policy
    }

    /// Sends an endpoint and parses its reply.
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, HttpError> {
        let bytes = self.send_raw(endpoint).await?;
        // An empty 2xx body (204 on cancel) reads as JSON null, so `()` outputs work.
        let bytes: &[u8] = if bytes.is_empty() { b"null" } else { &bytes };
        // The serde message names the field and position; a value it quotes is dropped.
        serde_json::from_slice(bytes).map_err(|e| HttpError::Decode(redact_quoted(&e.to_string())))
    }

    /// Sends an endpoint and returns the raw body of a 2xx reply.
    pub async fn send_raw<E: Endpoint>(&self, endpoint: &E) -> Result<Vec<u8>, HttpError> {
        let path = endpoint.path();
        let span = tracing::info_span!(
            "http",
            vendor = self.inner.vendor,
            method = ?endpoint.method(),
            path = %path,
        );
        self.run(endpoint, &path).instrument(span).await
    }

    async fn run<E: Endpoint>(&self, endpoint: &E, path: &str) -> Result<Vec<u8>, HttpError> {
        let idempotent = endpoint.idempotent();
        let retry = &self.inner.policy.retry;
        let mut attempt = 1;
        loop {
            let result = self.attempt(endpoint, path).await;
            let err = match result {
                Ok(body) => return Ok(body),
                Err(e) => e,
            };
            let retry_after = match &err {
                HttpError::Status { retry_after, .. } => *retry_after,
                _ => None,
            };
            let retryable = match &err {
                // Never reached the vendor, or the vendor refused before acting: safe to resend.
                HttpError::Connect(_) => true,
                HttpError::Status { status: 429, .. } => true,
                // The vendor may have acted: only an idempotent request may go again.
                e if e.outcome_unknown() => idempotent,
                _ => false,
            };
            if !retryable || attempt >= retry.max_attempts {
                tracing::debug!(attempt, error = %err, "giving up");
                return Err(err);
            }
            let Some(delay) = retry.delay(attempt, retry_after) else {
                return Err(err);
            };
            tracing::debug!(attempt, ?delay, error = %err, "retrying");
            tokio::time::sleep(delay).await;
            attempt += 1;
        }
    }

    async fn attempt<E: Endpoint>(&self, endpoint: &E, path: &str) -> Result<Vec<u8>, HttpError> {
        self.inner.limiter.acquire().await;
        let url = format!("{}{}", self.inner.base, path);
        let mut request = self
            .inner
            .http
            .request(endpoint.method().as_reqwest(), &url);
        let query = endpoint.query();
        if !query.is_empty() {
            request = request.query(&query);
        }
        if let Some(body) = endpoint.body() {
            request = request.json(&body);
        }
        request = self.inner.auth.apply(request);
        let started = tokio::time::Instant::now();
        let response = request.send().await.map_err(|e| self.classify(e))?;
        let status = response.status().as_u16();
        let header = |name: &str| response.headers().get(name).and_then(|v| v.to_str().ok());
        let now = chrono::Utc::now();
        let retry_after = header("retry-after")
            .and_then(|v| parse_retry_after(v, now))
            // Alpaca announces the end of its window in X-RateLimit-Reset (epoch seconds).
            .or_else(|| {
                (status == 429)
                    .then(|| header("x-ratelimit-reset"))
                    .flatten()
                    .and_then(|v| parse_rate_limit_reset(v, now))
            });
        let body = response.bytes().await.map_err(|e| self.classify(e))?;
        self.inner.latency.record(started.elapsed());
        tracing::debug!(status, elapsed = ?started.elapsed(), "answered");
        if (200..300).contains(&status) {
            return Ok(body.to_vec());
        }
        let said = (self.inner.decode_error)(status, &body);
        Err(HttpError::Status {
            status,
            code: said.code,
            // The vendor's words may quote the request's address back.
            message: redact_urls(&said.message),
            retry_after,
        })
    }

    fn classify(&self, e: reqwest::Error) -> HttpError {
        // Never `e.to_string()`: reqwest's Display quotes the URL, query and all.
        if e.is_connect() {
            HttpError::Connect(describe_reqwest(e))
        } else if e.is_timeout() {
            HttpError::Timeout(self.inner.policy.request_timeout)
        } else {
            HttpError::Transport(describe_reqwest(e))
        }
    }
}

/// A default decoder for bodies shaped `{"message": …}` or `{"error": …}`, falling back to the
/// status line: good enough for most vendors and used by both brokers.
pub fn decode_common_error(status: u16, body: &[u8]) -> VendorMessage {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        code: Option<serde_json::Value>,
        #[serde(default)]
        message: Option<String>,
        #[serde(default)]
        error: Option<String>,
    }
    let parsed: Option<Body> = serde_json::from_slice(body).ok();
    let code = parsed
        .as_ref()
        .and_then(|b| b.code.as_ref())
        .map(|c| match c {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        });
    let message = parsed
        .and_then(|b| b.message.or(b.error))
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| {
            // Plain-text bodies are short vendor messages; keep them, bounded.
            let text = String::from_utf8_lossy(body);
            let text = text.trim();
            if text.is_empty() || text.starts_with('<') {
                format!("HTTP {status}")
            } else {
                text.chars().take(200).collect()
            }
        });
    VendorMessage { code, message }
}
