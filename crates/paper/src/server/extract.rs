//! Request bodies and query strings read with Alpaca's error shapes: whatever a client sends,
//! a bad value is a 4xx `{"code", "message"}`, never axum's plain-text rejection.

use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

use super::ApiError;

/// Alpaca's code for a request it cannot parse.
pub(crate) const BAD_REQUEST_CODE: u32 = 40010001;

/// JSON body parsed with Alpaca's error shapes (400 for bad JSON, 422 for bad fields).
pub(crate) struct AlpacaJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AlpacaJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::new(e.status(), BAD_REQUEST_CODE, e.body_text()))?;
        // serde reads a struct from an array too, by position: `["AAPL", "1", ...]` would be
        // an order. Every body the API takes is an object.
        if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
            return Err(ApiError::unprocessable(
                "invalid type: sequence, expected a JSON object",
            ));
        }
        serde_json::from_slice(&bytes).map(AlpacaJson).map_err(|e| {
            if e.is_syntax() || e.is_eof() {
                ApiError::new(
                    StatusCode::BAD_REQUEST,
                    BAD_REQUEST_CODE,
                    "request body format is invalid",
                )
            } else {
                ApiError::unprocessable(e.to_string())
            }
        })
    }
}

/// Query string parsed with Alpaca's error shape: 400 when a parameter does not parse (a
/// number too large, a repeated key, a bad date).
pub(crate) struct AlpacaQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for AlpacaQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        Query::try_from_uri(&parts.uri)
            .map(|Query(q)| AlpacaQuery(q))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}
