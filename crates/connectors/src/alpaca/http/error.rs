//! Alpaca error bodies: `{"code": 40010001, "message": "…"}` (spec `Error` schema).

use crate::http::HttpError;

pub use crate::http::client::decode_common_error as decode;

/// Alpaca refuses a second order with the same client order id; the first one exists.
pub fn is_duplicate_client_order_id(e: &HttpError) -> bool {
    match e {
        HttpError::Status {
            status: 400 | 409 | 422,
            message,
            ..
        } => {
            let m = message.to_ascii_lowercase();
            m.contains("client_order_id") && m.contains("unique")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_code_and_message() {
        let m = decode(
            422,
            br#"{"code":40010001,"message":"client_order_id must be unique"}"#,
        );
        assert_eq!(m.code.as_deref(), Some("40010001"));
        assert_eq!(m.message, "client_order_id must be unique");
        let e = HttpError::Status {
            status: 422,
            code: m.code,
            message: m.message,
            retry_after: None,
        };
        assert!(is_duplicate_client_order_id(&e));
        let other = HttpError::Status {
            status: 422,
            code: None,
            message: "qty must be > 0".into(),
            retry_after: None,
        };
        assert!(!is_duplicate_client_order_id(&other));
    }
}
