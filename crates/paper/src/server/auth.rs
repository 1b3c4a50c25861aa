//! Alpaca's API-key auth: `APCA-API-KEY-ID` + `APCA-API-SECRET-KEY`, or `Authorization:
//! Bearer <token>`. A missing or wrong key gets Alpaca's 401 `{"code":40110000,...}`.

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, HeaderName};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use brokerdesk_model::AccountId;
use subtle::{ConditionallySelectable, ConstantTimeEq};

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
///
/// In constant time: every credential's key id and secret are compared in full, with no early
/// exit on a mismatch or a match, so timing tells nothing about how much of a guess was right.
/// (Only lengths may show, and every generated key has the same length.)
pub(crate) fn check<'a>(
    creds: &'a [Credential],
    key_id: Option<&str>,
    secret: &str,
) -> Option<&'a Credential> {
    let mut found = subtle::Choice::from(0);
    let mut index = 0u64;
    for (i, c) in creds.iter().enumerate() {
        let key_ok = match key_id {
            Some(k) => c.key_id.as_bytes().ct_eq(k.as_bytes()),
            None => subtle::Choice::from(1),
        };
        let ok = key_ok & c.secret_key.as_bytes().ct_eq(secret.as_bytes());
        // The first match wins, as before.
        index.conditional_assign(&(i as u64), ok & !found);
        found |= ok;
    }
    if bool::from(found) {
        creds.get(usize::try_from(index).ok()?)
    } else {
        None
    }
}

/// The account whose credentials `headers` carry: the key pair, else a bearer token.
pub(crate) fn account_of(headers: &HeaderMap, creds: &[Credential]) -> Result<AccountId, ApiError> {
    // Static names: a `&str` name is parsed and validated again on every lookup.
    static KEY_ID: HeaderName = HeaderName::from_static("apca-api-key-id");
    static SECRET: HeaderName = HeaderName::from_static("apca-api-secret-key");
    let header = |name: &HeaderName| headers.get(name).and_then(|v| v.to_str().ok());
    let found = match (header(&KEY_ID), header(&SECRET)) {
        (Some(key), Some(secret)) => check(creds, Some(key), secret),
        _ => header(&AUTHORIZATION)
            .and_then(|v| {
                v.strip_prefix("Bearer ")
                    .or_else(|| v.strip_prefix("bearer "))
            })
            .and_then(|token| check(creds, None, token.trim())),
    };
    found.map(|c| c.account.clone()).ok_or_else(unauthorized)
}

impl FromRequestParts<AppState> for Authed {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        account_of(&parts.headers, &state.credentials).map(Authed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cred(key: &str, secret: &str, account: &str) -> Credential {
        Credential {
            key_id: key.into(),
            secret_key: secret.into(),
            account: AccountId::new(account),
        }
    }

    #[test]
    fn debug_output_never_shows_a_secret() {
        let config = crate::SandboxConfig::new("/tmp/x").with_key("PKSHOWN", "s3cret-never-shown");
        let shown = format!("{config:?} {:?}", config.credentials[0]);
        assert!(shown.contains("PKSHOWN"));
        assert!(!shown.contains("s3cret-never-shown"), "{shown}");
    }

    #[test]
    fn matches_the_pair_and_only_the_pair() {
        let creds = [cred("PKA", "secret-a", "A"), cred("PKB", "secret-b", "B")];
        let account = |c: Option<&Credential>| c.map(|c| c.account.as_str().to_owned());
        assert_eq!(
            account(check(&creds, Some("PKB"), "secret-b")),
            Some("B".into())
        );
        assert_eq!(
            account(check(&creds, Some("PKA"), "secret-a")),
            Some("A".into())
        );
        assert_eq!(account(check(&creds, None, "secret-b")), Some("B".into()));
        assert!(
            check(&creds, Some("PKA"), "secret-b").is_none(),
            "crossed pair"
        );
        assert!(check(&creds, Some("PKA"), "secret-").is_none(), "prefix");
        assert!(
            check(&creds, Some("PK"), "secret-a").is_none(),
            "key prefix"
        );
        assert!(check(&creds, Some("PKA"), "").is_none());
        assert!(check(&creds, None, "nope").is_none());
        assert!(check(&[], None, "").is_none());
    }
}
