//! Stripe error bodies: `{"error": {"type", "code", "message", "param", …}}` (spec `error`,
//! `api_errors`).

use crate::ConnectorError;
use crate::http::{HttpError, VendorMessage};
use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    error: Inner,
}

#[derive(Deserialize)]
struct Inner {
    #[serde(rename = "type", default)]
    kind: Option<String>,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    param: Option<String>,
}

pub fn decode(status: u16, body: &[u8]) -> VendorMessage {
    let Ok(b) = serde_json::from_slice::<Body>(body) else {
        return crate::http::client::decode_common_error(status, body);
    };
    let e = b.error;
    let mut message = e
        .message
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if let Some(p) = e.param {
        message = format!("{message} (param {p})");
    }
    VendorMessage {
        // The specific code when Stripe gives one, else the error type.
        code: e.code.or(e.kind),
        message,
    }
}

pub fn to_connector(e: HttpError) -> ConnectorError {
    match &e {
        HttpError::Status {
            status: 403,
            message,
            ..
        } => ConnectorError::Rejected(format!(
            "{message}. A restricted key needs read access to Balance (and to the Connect \
             account when one is named)"
        )),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_type_code_message_and_param() {
        let m = decode(
            401,
            br#"{"error":{"message":"Invalid API Key provided: sk_test_****1234","type":"invalid_request_error"}}"#,
        );
        assert_eq!(m.code.as_deref(), Some("invalid_request_error"));
        assert!(m.message.starts_with("Invalid API Key provided"));
        let m = decode(
            400,
            br#"{"error":{"code":"parameter_invalid_integer","message":"Invalid integer: x","param":"limit","type":"invalid_request_error"}}"#,
        );
        assert_eq!(m.code.as_deref(), Some("parameter_invalid_integer"));
        assert_eq!(m.message, "Invalid integer: x (param limit)");
        assert_eq!(decode(502, b"").message, "HTTP 502");
    }
}
