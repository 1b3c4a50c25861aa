//! Stripe endpoints, one type each, the builder for writes ([`StripePost`]) and the raw
//! client. Every request carries the key as a bearer token, the pinned `Stripe-Version`, and
//! `Stripe-Account` when acting for a Connect account.

use super::models as m;
use crate::http::endpoint::{endpoint, segment};
use crate::http::{Auth, Endpoint, HttpClient, HttpError, Method};
use crate::stripe::config::StripeConfig;
use crate::stripe::credential::StripeKey;
use reqwest::header::HeaderValue;
use std::sync::Arc;

pub struct GetBalance;
endpoint!(GetBalance, Get, m::Balance, |s| path = "/v1/balance".into());

pub struct GetBalanceTransaction(pub String);
impl GetBalanceTransaction {
    fn url(&self) -> String {
        format!("/v1/balance_transactions/{}", segment(&self.0))
    }
}
// rustfmt would wrap the closure-like argument in braces, which the macro does not take.
#[rustfmt::skip]
endpoint!(GetBalanceTransaction, Get, m::BalanceTransaction, |s| path = s.url());

pub struct ListBalanceTransactions {
    /// 1..=100.
    pub limit: u32,
    pub starting_after: Option<String>,
    pub created_gte: Option<i64>,
    pub created_lte: Option<i64>,
}
endpoint!(
    ListBalanceTransactions,
    Get,
    m::BalanceTransactionList,
    |s| path = "/v1/balance_transactions".into(),
    query = {
        let mut q = vec![("limit", s.limit.to_string())];
        if let Some(id) = &s.starting_after {
            q.push(("starting_after", id.clone()));
        }
        // deepObject style, as the spec declares `created`.
        if let Some(t) = s.created_gte {
            q.push(("created[gte]", t.to_string()));
        }
        if let Some(t) = s.created_lte {
            q.push(("created[lte]", t.to_string()));
        }
        q
    }
);

/// A write to Stripe: a form-encoded POST with an `Idempotency-Key`. The key is minted once,
/// when the request is built, and every send of this value carries it, so the policy may
/// resend after a timeout or a 5xx and Stripe carries the write out at most once (it replays
/// the first result for a repeated key). Persist [`StripePost::idempotency_key`] with the
/// intent when a write must survive a restart, and rebuild with [`StripePost::with_key`].
#[derive(Clone, Debug)]
pub struct StripePost {
    path: String,
    form: Vec<(String, String)>,
    idempotency_key: String,
}

impl StripePost {
    /// `path` below the base URL, e.g. `/v1/payouts`.
    pub fn new(path: impl Into<String>) -> Self {
        Self::with_key(path, uuid::Uuid::new_v4().to_string())
    }

    pub fn with_key(path: impl Into<String>, idempotency_key: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            form: Vec::new(),
            idempotency_key: idempotency_key.into(),
        }
    }

    /// A form parameter; nested ones use Stripe's bracket names (`metadata[order]`).
    pub fn param(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.form.push((name.into(), value.into()));
        self
    }

    pub fn idempotency_key(&self) -> &str {
        &self.idempotency_key
    }
}

impl Endpoint for StripePost {
    type Output = serde_json::Value;

    fn method(&self) -> Method {
        Method::Post
    }

    fn path(&self) -> String {
        self.path.clone()
    }

    /// The idempotency key makes a resend safe.
    fn idempotent(&self) -> bool {
        true
    }
}

/// The parts of a write the shared `Endpoint` cannot carry (a form body and a per-request
/// header). [`StripeHttp::post`] sets them for the duration of one send, retries included;
/// [`StripeAuth`] adds them to each attempt.
#[derive(Clone)]
struct WriteParts {
    idempotency_key: String,
    form: Vec<(String, String)>,
}

tokio::task_local! {
    static WRITE: WriteParts;
}

/// Key, version and account headers for every request, plus a write's parts while one is
/// being sent.
#[derive(Debug)]
pub struct StripeAuth {
    key: StripeKey,
    version: String,
    account: Option<String>,
}

impl Auth for StripeAuth {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let mut r = request;
        // A key or id that is not a valid header value is left out; Stripe then answers 401.
        if let Ok(mut v) = HeaderValue::from_str(&format!("Bearer {}", self.key.expose())) {
            v.set_sensitive(true);
            r = r.header(reqwest::header::AUTHORIZATION, v);
        }
        r = r.header("Stripe-Version", &self.version);
        if let Some(a) = &self.account {
            r = r.header("Stripe-Account", a);
        }
        if let Ok(w) = WRITE.try_with(WriteParts::clone) {
            r = r.header("Idempotency-Key", w.idempotency_key).form(&w.form);
        }
        r
    }
}

/// The raw client.
#[derive(Clone, Debug)]
pub struct StripeHttp {
    pub api: HttpClient,
}

impl StripeHttp {
    pub fn new(config: &StripeConfig, key: StripeKey) -> Result<Self, HttpError> {
        let auth = StripeAuth {
            key,
            version: config.api_version.clone(),
            account: config.connect_account.clone(),
        };
        Ok(Self {
            api: HttpClient::new(
                "stripe",
                &config.base_url,
                config.policy.clone(),
                Arc::new(auth),
                super::error::decode,
            )?,
        })
    }

    pub async fn get<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, HttpError> {
        self.api.send(endpoint).await
    }

    /// Sends a write; every attempt carries the same key and form.
    pub async fn post(&self, post: &StripePost) -> Result<serde_json::Value, HttpError> {
        let parts = WriteParts {
            idempotency_key: post.idempotency_key.clone(),
            form: post.form.clone(),
        };
        WRITE.scope(parts, self.api.send(post)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_write_gets_its_own_key_and_keeps_it() {
        let a = StripePost::new("/v1/payouts").param("amount", "100");
        let b = StripePost::new("/v1/payouts");
        assert_ne!(a.idempotency_key(), b.idempotency_key());
        assert_eq!(a.clone().idempotency_key(), a.idempotency_key());
        assert!(a.idempotent() && a.method() == Method::Post);
        assert_eq!(
            StripePost::with_key("/v1/x", "intent-42").idempotency_key(),
            "intent-42"
        );
    }

    #[test]
    fn list_query_uses_stripe_names() {
        let q = ListBalanceTransactions {
            limit: 3,
            starting_after: Some("txn_1".into()),
            created_gte: Some(10),
            created_lte: None,
        }
        .query();
        assert_eq!(
            q,
            vec![
                ("limit", "3".to_owned()),
                ("starting_after", "txn_1".to_owned()),
                ("created[gte]", "10".to_owned())
            ]
        );
    }
}
