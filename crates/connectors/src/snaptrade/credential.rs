//! SnapTrade credentials and request signing.
//!
//! A partner (this app, with the user's own SnapTrade API key) holds a client id and a consumer
//! key; each SnapTrade user it registers gets a user id and a user secret. Every request carries
//! `clientId` and `timestamp` in its query and a `Signature` header:
//! `base64(HMAC-SHA256(consumer key, {"content": body|null, "path": …, "query": …}))`, the JSON
//! written with sorted keys, no spaces and non-ASCII escaped, exactly as SnapTrade's official
//! Python SDK writes it (`request_after_hook.py`). The known-answer vectors in
//! `tests/fixtures/snaptrade/signature_vectors.json` pin it.

use crate::http::Auth;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde_json::Value;
use sha2::Sha256;
use std::fmt;
use std::fmt::Write as _;

/// The partner's API key: a client id and the consumer key that signs requests.
#[derive(Clone)]
pub struct SnapTradeCredential {
    pub client_id: String,
    pub consumer_key: SecretString,
}

impl SnapTradeCredential {
    pub fn new(client_id: impl Into<String>, consumer_key: impl Into<String>) -> Self {
        Self {
            client_id: client_id.into(),
            consumer_key: SecretString::from(consumer_key.into()),
        }
    }
}

impl fmt::Debug for SnapTradeCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapTradeCredential")
            .field("client_id", &self.client_id)
            .field("consumer_key", &"[REDACTED]")
            .finish()
    }
}

/// A registered SnapTrade user. The secret is shown once, at registration; keep it in the vault.
#[derive(Clone)]
pub struct SnapTradeUser {
    pub user_id: String,
    pub user_secret: SecretString,
}

impl SnapTradeUser {
    pub fn new(user_id: impl Into<String>, user_secret: impl Into<String>) -> Self {
        Self {
            user_id: user_id.into(),
            user_secret: SecretString::from(user_secret.into()),
        }
    }

    /// The query parameters of a user-scoped request, in the order SnapTrade documents them.
    pub(crate) fn query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("userId", self.user_id.clone()),
            ("userSecret", self.user_secret.expose_secret().to_owned()),
        ]
    }
}

impl fmt::Debug for SnapTradeUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapTradeUser")
            .field("user_id", &self.user_id)
            .field("user_secret", &"[REDACTED]")
            .finish()
    }
}

/// Writes JSON as Python's `json.dumps(v, separators=(",", ":"), sort_keys=True)` does, which
/// is what SnapTrade's signature is computed over (serde_json's own output differs: it keeps
/// non-ASCII as UTF-8 and may keep insertion order).
pub fn canonical_json(value: &Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => {
            // Python sorts by code point; UTF-8 byte order is the same order.
            let mut entries: Vec<_> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push('{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_string(k, out);
                out.push(':');
                write_canonical(v, out);
            }
            out.push('}');
        }
    }
}

/// Python's `ensure_ascii` escaping: everything outside printable ASCII becomes `\uXXXX`
/// (UTF-16 units, lower-case hex), plus the short escapes JSON defines.
fn write_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            ' '..='~' => out.push(c),
            _ => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04x}");
                }
            }
        }
    }
    out.push('"');
}

/// The text that is signed: content (`null` for no body or an empty object), path, query.
pub fn signed_text(path: &str, query: &str, content: Option<&Value>) -> String {
    let content = match content {
        Some(Value::Object(m)) if m.is_empty() => Value::Null,
        Some(v) => v.clone(),
        None => Value::Null,
    };
    let mut object = serde_json::Map::new();
    object.insert("content".into(), content);
    object.insert("path".into(), Value::String(path.to_owned()));
    object.insert("query".into(), Value::String(query.to_owned()));
    canonical_json(&Value::Object(object))
}

/// The `Signature` header value for a request.
pub fn signature(
    consumer_key: &SecretString,
    path: &str,
    query: &str,
    content: Option<&Value>,
) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(consumer_key.expose_secret().as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(signed_text(path, query, content).as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Signs every request of a SnapTrade client: adds `clientId` and `timestamp` to the query,
/// then the `Signature` header over the final path, query and body. Applied once per attempt,
/// so each retry carries a fresh timestamp.
pub(crate) struct Signer {
    pub credential: SnapTradeCredential,
    pub fixed_timestamp: Option<i64>,
}

impl fmt::Debug for Signer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signer")
            .field("credential", &self.credential)
            .finish_non_exhaustive()
    }
}

impl Auth for Signer {
    fn apply(&self, request: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        let (client, built) = request.build_split();
        let mut req = match built {
            Ok(r) => r,
            Err(e) => {
                // The request was already unusable; reqwest refuses this URL without any
                // network traffic, so the caller gets an error and nothing unsigned leaves.
                tracing::warn!(error = %e.without_url(), "could not build the request to sign");
                return client.request(reqwest::Method::GET, "unsigned:");
            }
        };
        let timestamp = self
            .fixed_timestamp
            .unwrap_or_else(|| chrono::Utc::now().timestamp());
        req.url_mut()
            .query_pairs_mut()
            .append_pair("clientId", &self.credential.client_id)
            .append_pair("timestamp", &timestamp.to_string());
        let content: Option<Value> = req
            .body()
            .and_then(|b| b.as_bytes())
            .filter(|b| !b.is_empty())
            .and_then(|b| serde_json::from_slice(b).ok());
        let sig = signature(
            &self.credential.consumer_key,
            req.url().path(),
            req.url().query().unwrap_or(""),
            content.as_ref(),
        );
        if let Ok(mut v) = HeaderValue::from_str(&sig) {
            v.set_sensitive(true);
            req.headers_mut().insert("Signature", v);
        }
        reqwest::RequestBuilder::from_parts(client, req)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_secrets() {
        let c = SnapTradeCredential::new("CLIENT", "consumer-key-value");
        let u = SnapTradeUser::new("user-1", "user-secret-value");
        let s = format!("{c:?} {u:?}");
        assert!(
            !s.contains("consumer-key-value") && !s.contains("user-secret-value"),
            "{s}"
        );
        assert!(s.contains("CLIENT") && s.contains("user-1"));
    }

    #[test]
    fn canonical_json_sorts_nested_keys_and_escapes_like_python() {
        let v = serde_json::json!({"b": {"d": 1, "c": [true, null]}, "a": "é\u{7f}\u{1F600}"});
        assert_eq!(
            canonical_json(&v),
            r#"{"a":"\u00e9\u007f\ud83d\ude00","b":{"c":[true,null],"d":1}}"#
        );
    }

    #[test]
    fn empty_object_and_no_body_both_sign_as_null() {
        let empty = serde_json::json!({});
        assert_eq!(
            signed_text("/p", "q=1", Some(&empty)),
            signed_text("/p", "q=1", None)
        );
        assert_eq!(
            signed_text("/p", "q=1", None),
            r#"{"content":null,"path":"/p","query":"q=1"}"#
        );
    }
}
