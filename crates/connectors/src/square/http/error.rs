//! Square error bodies: `{"errors": [{"category", "code", "detail", "field"}]}` (spec
//! `Error`). The code, not the status, says what to do: an expired or revoked token means
//! signing in again whatever the status.

use crate::ConnectorError;
use crate::http::{HttpError, VendorMessage};
use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    errors: Vec<Item>,
}

#[derive(Deserialize)]
struct Item {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    detail: Option<String>,
    #[serde(default)]
    field: Option<String>,
}

pub fn decode(status: u16, body: &[u8]) -> VendorMessage {
    let first = serde_json::from_slice::<Body>(body)
        .ok()
        .and_then(|b| b.errors.into_iter().next());
    let Some(e) = first else {
        return crate::http::client::decode_common_error(status, body);
    };
    let mut message = e
        .detail
        .filter(|d| !d.trim().is_empty())
        .or_else(|| e.code.clone())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if let Some(f) = e.field {
        message = format!("{message} (field {f})");
    }
    VendorMessage {
        code: e.code,
        message,
    }
}

pub fn to_connector(e: HttpError) -> ConnectorError {
    if let HttpError::Status {
        code: Some(code),
        message,
        ..
    } = &e
    {
        match code.as_str() {
            "UNAUTHORIZED"
            | "ACCESS_TOKEN_EXPIRED"
            | "ACCESS_TOKEN_REVOKED"
            | "CLIENT_DISABLED" => return ConnectorError::NeedsSignIn(message.clone()),
            "INSUFFICIENT_SCOPES" => {
                return ConnectorError::Rejected(format!(
                    "{message} (sign in again granting MERCHANT_PROFILE_READ and PAYMENTS_READ)"
                ));
            }
            _ => {}
        }
    }
    e.into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16, body: &[u8]) -> HttpError {
        let m = decode(s, body);
        HttpError::Status {
            status: s,
            code: m.code,
            message: m.message,
            retry_after: None,
        }
    }

    #[test]
    fn codes_decide() {
        let expired = br#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"ACCESS_TOKEN_EXPIRED","detail":"The access token has expired."}]}"#;
        assert!(matches!(
            to_connector(status(401, expired)),
            ConnectorError::NeedsSignIn(m) if m == "The access token has expired."
        ));
        // Even when a proxy or a future version changes the status.
        assert!(matches!(
            to_connector(status(400, expired)),
            ConnectorError::NeedsSignIn(_)
        ));
        let scopes = br#"{"errors":[{"category":"AUTHENTICATION_ERROR","code":"INSUFFICIENT_SCOPES","detail":"missing PAYMENTS_READ"}]}"#;
        assert!(matches!(
            to_connector(status(403, scopes)),
            ConnectorError::Rejected(m) if m.contains("PAYMENTS_READ")
        ));
        let nf = br#"{"errors":[{"category":"INVALID_REQUEST_ERROR","code":"NOT_FOUND","detail":"nope","field":"location_id"}]}"#;
        assert!(matches!(
            to_connector(status(404, nf)),
            ConnectorError::Rejected(m) if m == "nope (field location_id)"
        ));
        assert_eq!(decode(503, b"").message, "HTTP 503");
    }
}
