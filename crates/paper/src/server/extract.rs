//! Request bodies and query strings read with Alpaca's error shapes: whatever a client sends,
//! a bad value is a 4xx `{"code", "message"}`, never axum's plain-text rejection.

use axum::body::{Bytes, HttpBody};
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::de::DeserializeOwned;

use super::ApiError;

/// Alpaca's code for a request it cannot parse.
pub(crate) const BAD_REQUEST_CODE: u32 = 40010001;

/// JSON body parsed with Alpaca's error shapes (400 for bad JSON, 422 for bad fields).
pub(crate) struct AlpacaJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for AlpacaJson<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, _: &S) -> Result<Self, ApiError> {
        read_json(req.into_body()).await.map(AlpacaJson)
    }
}

/// Most bytes a request body may have (axum's default limit, which this replaces).
pub(crate) const BODY_LIMIT: usize = 2 << 20;

/// Reads a JSON body (at most `BODY_LIMIT` bytes) with Alpaca's error shapes: 400 for bad
/// JSON, 422 for bad fields, 413 for too much. Every route's body goes through here, whether
/// the router or the server's direct order path (`listener`) reads it.
pub(crate) async fn read_json<T, B>(body: B) -> Result<T, ApiError>
where
    T: DeserializeOwned,
    B: HttpBody<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let bytes = match Limited::new(body, BODY_LIMIT).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<LengthLimitError>() => {
            return Err(ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                BAD_REQUEST_CODE,
                "Failed to buffer the request body: length limit exceeded",
            ));
        }
        Err(e) => {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                BAD_REQUEST_CODE,
                format!("Failed to buffer the request body: {e}"),
            ));
        }
    };
    // serde reads a struct from an array too, by position: `["AAPL", "1", ...]` would be
    // an order. Every body the API takes is an object.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return Err(ApiError::unprocessable(
            "invalid type: sequence, expected a JSON object",
        ));
    }
    serde_json::from_slice(&bytes).map_err(|e| {
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
