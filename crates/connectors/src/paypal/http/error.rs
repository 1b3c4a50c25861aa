//! PayPal error bodies. The REST APIs send `{"name", "message", "debug_id", "details":
//! [{"issue", "description"}]}` (spec `error_4xx`/`error_500`); the token endpoint sends
//! OAuth's `{"error", "error_description"}`.

use crate::ConnectorError;
use crate::http::{HttpError, VendorMessage};
use serde::Deserialize;

#[derive(Deserialize)]
struct Body {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    debug_id: Option<String>,
    #[serde(default)]
    details: Vec<Detail>,
    #[serde(default)]
    error: Option<String>,
    #[serde(default)]
    error_description: Option<String>,
}

#[derive(Deserialize)]
struct Detail {
    #[serde(default)]
    issue: Option<String>,
    #[serde(default)]
    description: Option<String>,
}

pub fn decode(status: u16, body: &[u8]) -> VendorMessage {
    let Ok(b) = serde_json::from_slice::<Body>(body) else {
        return crate::http::client::decode_common_error(status, body);
    };
    let code = b.name.or(b.error);
    let mut message = b
        .message
        .or(b.error_description)
        .filter(|m| !m.trim().is_empty())
        .unwrap_or_else(|| format!("HTTP {status}"));
    if let Some(d) = b.details.first() {
        let detail = [d.issue.as_deref(), d.description.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        if !detail.is_empty() {
            message = format!("{message} ({detail})");
        }
    }
    // PayPal support asks for the debug id; it identifies the request, not the user.
    if let Some(id) = b.debug_id {
        message = format!("{message} [debug_id {id}]");
    }
    VendorMessage { code, message }
}

/// What the service should make of a PayPal error.
pub fn to_connector(e: HttpError) -> ConnectorError {
    match &e {
        HttpError::Status {
            status: 403,
            message,
            ..
        } => ConnectorError::Rejected(format!(
            "{message}. PayPal lets a REST app read its own account's balances and \
             transactions only once \"Transaction Search\" is enabled for the app (it can take \
             up to 9 hours to apply to new tokens); a \"Log in with PayPal\" token carries \
             identity scopes only and cannot read them"
        )),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_rest_and_oauth_error_shapes() {
        let m = decode(
            400,
            br#"{"name":"INVALID_REQUEST","message":"Request is not well-formed, syntactically incorrect, or violates schema.","debug_id":"abc123","details":[{"field":"end_date","issue":"INVALID_DATE_RANGE","description":"Date range is greater than 31 days"}]}"#,
        );
        assert_eq!(m.code.as_deref(), Some("INVALID_REQUEST"));
        assert!(
            m.message.contains("INVALID_DATE_RANGE: Date range"),
            "{}",
            m.message
        );
        assert!(m.message.contains("debug_id abc123"));
        let o = decode(
            401,
            br#"{"error":"invalid_client","error_description":"Client Authentication failed"}"#,
        );
        assert_eq!(o.code.as_deref(), Some("invalid_client"));
        assert_eq!(o.message, "Client Authentication failed");
        assert_eq!(decode(502, b"<html>").message, "HTTP 502");
    }

    #[test]
    fn forbidden_explains_transaction_search() {
        let e = HttpError::Status {
            status: 403,
            code: Some("NOT_AUTHORIZED".into()),
            message: "Authorization failed due to insufficient permissions.".into(),
            retry_after: None,
        };
        assert!(
            matches!(to_connector(e), ConnectorError::Rejected(m) if m.contains("Transaction Search"))
        );
    }
}
