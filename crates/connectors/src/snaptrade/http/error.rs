//! SnapTrade error bodies: `{"detail": "…", "status_code": 429, "code": "0000"}` (the 429 body
//! in SnapTrade's docs and the spec's 500 schema); the spec's 4xx schemas name the same fields
//! `default_detail` / `default_code`, so both are read.

use crate::http::{HttpError, VendorMessage};

pub fn decode(status: u16, body: &[u8]) -> VendorMessage {
    #[derive(serde::Deserialize)]
    struct Body {
        #[serde(default)]
        detail: Option<serde_json::Value>,
        #[serde(default)]
        default_detail: Option<serde_json::Value>,
        #[serde(default)]
        code: Option<serde_json::Value>,
        #[serde(default)]
        default_code: Option<serde_json::Value>,
    }
    fn text(v: serde_json::Value) -> Option<String> {
        match v {
            serde_json::Value::String(s) if !s.trim().is_empty() => Some(s),
            serde_json::Value::Null => None,
            serde_json::Value::String(_) => None,
            other => Some(other.to_string()),
        }
    }
    match serde_json::from_slice::<Body>(body) {
        Ok(b) => {
            let message = b.detail.or(b.default_detail).and_then(text);
            let code = b.code.or(b.default_code).and_then(text);
            match message {
                Some(message) => VendorMessage { code, message },
                None => crate::http::client::decode_common_error(status, body),
            }
        }
        Err(_) => crate::http::client::decode_common_error(status, body),
    }
}

/// Cuts the value of `userSecret=` out of a text (up to the next `&`, space or bracket).
pub fn redact_text(text: &str) -> String {
    const KEY: &str = "userSecret=";
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(KEY) {
        out.push_str(&rest[..i + KEY.len()]);
        out.push_str("[REDACTED]");
        rest = &rest[i + KEY.len()..];
        let end = rest.find(['&', ' ', ')', '"', '\'']).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

pub fn redact(e: HttpError) -> HttpError {
    match e {
        HttpError::Connect(m) => HttpError::Connect(redact_text(&m)),
        HttpError::Transport(m) => HttpError::Transport(redact_text(&m)),
        HttpError::Decode(m) => HttpError::Decode(redact_text(&m)),
        HttpError::Config(m) => HttpError::Config(redact_text(&m)),
        HttpError::Status {
            status,
            code,
            message,
            retry_after,
        } => HttpError::Status {
            status,
            code,
            message: redact_text(&message),
            retry_after,
        },
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_detail_and_code_in_both_spellings() {
        let m = decode(
            429,
            br#"{"detail":"Request was throttled. Expected available in 3 seconds.","status_code":429,"code":"0000"}"#,
        );
        assert_eq!(m.code.as_deref(), Some("0000"));
        assert!(m.message.starts_with("Request was throttled"));
        let m = decode(
            401,
            br#"{"default_detail":"Unable to verify signature sent","default_code":1076}"#,
        );
        assert_eq!(m.code.as_deref(), Some("1076"));
        assert_eq!(m.message, "Unable to verify signature sent");
        assert_eq!(decode(502, b"<html>bad gateway</html>").message, "HTTP 502");
    }

    #[test]
    fn the_user_secret_is_cut_from_error_text() {
        let t = "error sending request for url (http://h/api/v1/accounts?userId=u&userSecret=s3cr3t&clientId=C)";
        let r = redact_text(t);
        assert!(!r.contains("s3cr3t"), "{r}");
        assert!(r.contains("userSecret=[REDACTED]&clientId=C)"), "{r}");
        assert_eq!(redact_text("userSecret=abc"), "userSecret=[REDACTED]");
        assert_eq!(redact_text("nothing here"), "nothing here");
    }
}
