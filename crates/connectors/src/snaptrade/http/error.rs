//! SnapTrade error bodies: `{"detail": "…", "status_code": 429, "code": "0000"}` (the 429 body
//! in SnapTrade's docs and the spec's 500 schema); the spec's 4xx schemas name the same fields
//! `default_detail` / `default_code`, so both are read.

use crate::http::VendorMessage;

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
}
