//! Gateway error bodies: `{"error": "…"}` with varied statuses, sometimes plain text.

pub use crate::http::client::decode_common_error as decode;

#[cfg(test)]
mod tests {
    #[test]
    fn reads_error_field() {
        let m = super::decode(500, br#"{"error":"failed to process request"}"#);
        assert_eq!(m.message, "failed to process request");
        assert_eq!(super::decode(401, b"").message, "HTTP 401");
    }
}
