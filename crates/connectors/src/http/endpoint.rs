//! One type per endpoint (the apca pattern): a request knows its method, path, query, body and
//! response type; [`HttpClient::send`](super::HttpClient::send) runs any of them.

use serde::de::DeserializeOwned;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

impl Method {
    pub fn as_reqwest(self) -> reqwest::Method {
        match self {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Patch => reqwest::Method::PATCH,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        }
    }
}

pub trait Endpoint {
    /// The vendor's JSON, parsed exactly (see `crate::decimal`).
    type Output: DeserializeOwned;

    fn method(&self) -> Method;
    /// Path below the base URL, starting with `/`; path segments already escaped.
    fn path(&self) -> String;
    fn query(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }
    fn body(&self) -> Option<serde_json::Value> {
        None
    }
    /// Whether sending twice has the same effect as once. Only idempotent requests are retried
    /// after an ambiguous failure (timeout, dropped connection, 5xx); the default follows HTTP.
    fn idempotent(&self) -> bool {
        !matches!(self.method(), Method::Post | Method::Patch)
    }
}

/// Escapes one path segment (ids and symbols come from outside; `BRK/B` or `..` must not
/// change the path).
pub fn segment(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    if out == "." || out == ".." {
        out = out.replace('.', "%2E");
    }
    out
}

/// Implements `Endpoint` for a type (one per vendor endpoint) from its method, reply model, path, and optionally query, body and an
/// idempotency override.
macro_rules! endpoint {
    ($ty:ty, $method:ident, $out:ty, |$s:ident| path = $path:expr $(, query = $query:expr)? $(, body = $body:expr)? $(, idempotent = $idem:expr)?) => {
        impl Endpoint for $ty {
            type Output = $out;
            fn method(&self) -> Method {
                Method::$method
            }
            fn path(&self) -> String {
                let $s = self;
                let _ = $s;
                $path
            }
            $(fn query(&self) -> Vec<(&'static str, String)> {
                let $s = self;
                $query
            })?
            $(fn body(&self) -> Option<serde_json::Value> {
                let $s = self;
                $body
            })?
            $(fn idempotent(&self) -> bool {
                $idem
            })?
        }
    };
}
pub(crate) use endpoint;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped() {
        assert_eq!(segment("AAPL"), "AAPL");
        assert_eq!(segment("BRK/B"), "BRK%2FB");
        assert_eq!(segment(".."), "%2E%2E");
        assert_eq!(segment("a b?c"), "a%20b%3Fc");
    }
}
