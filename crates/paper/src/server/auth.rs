//! Alpaca's API-key auth: `APCA-API-KEY-ID` + `APCA-API-SECRET-KEY`, or `Authorization:
//! Bearer <token>`. A missing or wrong key gets Alpaca's 401 `{"code":40110000,...}`.

use axum::extract::FromRequestParts;
use axum::http::StatusCode;
use axum::http::request::Parts;
use brokerdesk_model::AccountId;

use super::{ApiError, AppState, Credential};
use crate::engine::rejection::code;

/// The account the request's credentials belong to.
pub(crate) struct Authed(pub AccountId);

pub(crate) fn unauthorized() -> ApiError {
    ApiError::new(
        StatusCode::UNAUTHORIZED,
        code::UNAUTHORIZED,
        "request is not authorized",
    )
}

/// Finds the credential matching a key pair (or a bearer token, given as `key_id = None`).
pub(crate) fn check<'a>(
    creds: &'a [Credential],
    key_id: Option<&str>,
    secret: &str,
) -> Option<&'a Credential> {
    creds.iter().find(|c| match key_id {
        Some(k) => c.key_id == k && c.secret_key == secret,
        None => c.secret_key == secret,
    })
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok());
        let found = match (header("apca-api-key-id"), header("apca-api-secret-key")) {
            (Some(key), Some(secret)) => check(&state.credentials, Some(key), secret),
            _ => header("authorization")
                .and_then(|v| {
                    v.strip_prefix("Bearer ")
                        .or_else(|| v.strip_prefix("bearer "))
                })
                .and_then(|token| check(&state.credentials, None, token.trim())),
        };
        found
            .map(|c| Authed(c.account.clone()))
            .ok_or_else(unauthorized)
    }
}
