//! Plaid's error object: `{error_type, error_code, error_message, display_message, …}`, with
//! HTTP 400 for most of them. Branch on the code, as Plaid asks: the HTTP status alone cannot
//! tell a login that expired (ITEM_LOGIN_REQUIRED) from a malformed request.

use crate::ConnectorError;
use crate::http::{HttpError, VendorMessage};

/// `code` is `ERROR_TYPE:ERROR_CODE`; the message is the one meant for the user when Plaid
/// gives one (`display_message`), else the developer message.
pub fn decode(status: u16, body: &[u8]) -> VendorMessage {
    #[derive(serde::Deserialize)]
    struct PlaidError {
        #[serde(default)]
        error_type: Option<String>,
        #[serde(default)]
        error_code: Option<String>,
        #[serde(default)]
        error_message: Option<String>,
        #[serde(default)]
        display_message: Option<String>,
    }
    match serde_json::from_slice::<PlaidError>(body) {
        Ok(e) if e.error_code.is_some() => {
            let code = format!(
                "{}:{}",
                e.error_type.unwrap_or_default(),
                e.error_code.unwrap_or_default()
            );
            let message = e
                .display_message
                .filter(|m| !m.trim().is_empty())
                .or(e.error_message.filter(|m| !m.trim().is_empty()))
                .unwrap_or_else(|| code.clone());
            VendorMessage {
                code: Some(code),
                message,
            }
        }
        _ => crate::http::client::decode_common_error(status, body),
    }
}

/// ITEM errors that signing in again cannot fix: the institution has nothing for this product.
const ITEM_NOT_A_LOGIN_PROBLEM: [&str; 6] = [
    "NO_ACCOUNTS",
    "NO_INVESTMENT_ACCOUNTS",
    "NO_INVESTMENT_AUTH_ACCOUNTS",
    "PRODUCTS_NOT_SUPPORTED",
    "PRODUCT_NOT_READY",
    "ITEM_PRODUCT_NOT_READY",
];

/// Plaid's errors in the service's terms.
pub fn to_connector(e: HttpError) -> ConnectorError {
    let HttpError::Status {
        code: Some(code),
        message,
        ..
    } = &e
    else {
        return e.into();
    };
    let (kind, error_code) = code.split_once(':').unwrap_or(("", code.as_str()));
    match kind {
        "ITEM_ERROR" if ITEM_NOT_A_LOGIN_PROBLEM.contains(&error_code) => {
            ConnectorError::Rejected(message.clone())
        }
        "ITEM_ERROR" => ConnectorError::NeedsSignIn(message.clone()),
        // Wrong client id or secret: the user re-enters their Plaid keys.
        "INVALID_INPUT" if error_code == "INVALID_API_KEYS" => {
            ConnectorError::NeedsSignIn(message.clone())
        }
        "INVALID_INPUT" | "INVALID_REQUEST" | "INVALID_RESULT" => {
            ConnectorError::Rejected(message.clone())
        }
        "RATE_LIMIT_EXCEEDED" => ConnectorError::Unavailable(format!("rate limited: {message}")),
        "API_ERROR" | "INSTITUTION_ERROR" => ConnectorError::Unavailable(message.clone()),
        _ => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(code: &str, message: &str) -> HttpError {
        HttpError::Status {
            status: 400,
            code: Some(code.into()),
            message: message.into(),
            retry_after: None,
        }
    }

    #[test]
    fn reads_type_code_and_the_user_message() {
        let m = decode(
            400,
            br#"{"error_type":"ITEM_ERROR","error_code":"ITEM_LOGIN_REQUIRED","error_message":"dev text","display_message":null}"#,
        );
        assert_eq!(m.code.as_deref(), Some("ITEM_ERROR:ITEM_LOGIN_REQUIRED"));
        assert_eq!(m.message, "dev text");
        assert_eq!(decode(502, b"").message, "HTTP 502");
    }

    #[test]
    fn codes_map_to_what_the_user_can_do() {
        assert!(matches!(
            to_connector(status("ITEM_ERROR:ITEM_LOGIN_REQUIRED", "log in")),
            ConnectorError::NeedsSignIn(m) if m == "log in"
        ));
        assert!(matches!(
            to_connector(status("ITEM_ERROR:INVALID_CREDENTIALS", "x")),
            ConnectorError::NeedsSignIn(_)
        ));
        assert!(matches!(
            to_connector(status("ITEM_ERROR:NO_INVESTMENT_ACCOUNTS", "x")),
            ConnectorError::Rejected(_)
        ));
        assert!(matches!(
            to_connector(status("INVALID_INPUT:INVALID_API_KEYS", "x")),
            ConnectorError::NeedsSignIn(_)
        ));
        assert!(matches!(
            to_connector(status("INVALID_INPUT:INVALID_ACCESS_TOKEN", "bad")),
            ConnectorError::Rejected(m) if m == "bad"
        ));
        assert!(matches!(
            to_connector(status(
                "RATE_LIMIT_EXCEEDED:ACCOUNTS_BALANCE_GET_LIMIT",
                "x"
            )),
            ConnectorError::Unavailable(_)
        ));
        assert!(matches!(
            to_connector(status("INSTITUTION_ERROR:INSTITUTION_DOWN", "x")),
            ConnectorError::Unavailable(_)
        ));
        assert!(matches!(
            to_connector(HttpError::Decode("x".into())),
            ConnectorError::BadResponse(_)
        ));
    }
}
