//! Plaid endpoints, one type each. Every Plaid call is a POST with a JSON body; the reads are
//! idempotent and say so, so the shared policy may resend them after an ambiguous failure.

use super::models as m;
use crate::http::endpoint::endpoint;
use crate::http::{Endpoint, HttpClient, HttpError, Method};
use crate::plaid::config::PlaidConfig;
use crate::plaid::credential::PlaidCredential;
use secrecy::{ExposeSecret, SecretString};
use serde_json::{Value, json};
use std::sync::Arc;

/// `/link/token/create`; the body is built by the adapter. A second token only replaces the
/// first, so a resend is harmless.
pub struct CreateLinkToken(pub Value);
endpoint!(
    CreateLinkToken,
    Post,
    m::LinkTokenCreated,
    |s| path = "/link/token/create".into(),
    body = Some(s.0.clone()),
    idempotent = true
);

/// `/link/token/get`: the results of a Hosted Link session (its public tokens). A read.
pub struct GetLinkToken(pub SecretString);
endpoint!(
    GetLinkToken,
    Post,
    m::LinkTokenGot,
    |s| path = "/link/token/get".into(),
    body = Some(json!({ "link_token": s.0.expose_secret() })),
    idempotent = true
);

/// `/item/public_token/exchange`: a public token is single-use, so this one is never resent.
pub struct ExchangePublicToken(pub SecretString);
endpoint!(
    ExchangePublicToken,
    Post,
    m::Exchanged,
    |s| path = "/item/public_token/exchange".into(),
    body = Some(json!({ "public_token": s.0.expose_secret() }))
);

pub struct GetHoldings {
    pub access_token: SecretString,
    pub account_ids: Option<Vec<String>>,
}
endpoint!(
    GetHoldings,
    Post,
    m::Holdings,
    |s| path = "/investments/holdings/get".into(),
    body = Some(with_accounts(
        json!({ "access_token": s.access_token.expose_secret() }),
        &s.account_ids
    )),
    idempotent = true
);

pub struct GetBalance {
    pub access_token: SecretString,
    pub account_ids: Option<Vec<String>>,
}
endpoint!(
    GetBalance,
    Post,
    m::AccountsBalance,
    |s| path = "/accounts/balance/get".into(),
    body = Some(with_accounts(
        json!({ "access_token": s.access_token.expose_secret() }),
        &s.account_ids
    )),
    idempotent = true
);

/// `/accounts/get`: the accounts with the balances Plaid last fetched (free, unlike
/// `/accounts/balance/get`, which Plaid bills per call).
pub struct GetAccounts {
    pub access_token: SecretString,
}
endpoint!(
    GetAccounts,
    Post,
    m::AccountsBalance,
    |s| path = "/accounts/get".into(),
    body = Some(json!({ "access_token": s.access_token.expose_secret() })),
    idempotent = true
);

/// `/transactions/sync`: one page of changes after `cursor` (none: from the start).
pub struct SyncTransactions {
    pub access_token: SecretString,
    pub cursor: Option<String>,
    /// 1..=500.
    pub count: u32,
}
endpoint!(
    SyncTransactions,
    Post,
    m::TransactionsSync,
    |s| path = "/transactions/sync".into(),
    body = Some({
        let mut b = json!({ "access_token": s.access_token.expose_secret(), "count": s.count });
        if let Some(c) = &s.cursor {
            b["cursor"] = json!(c);
        }
        b
    }),
    idempotent = true
);

pub struct SearchInstitutions {
    pub query: String,
    pub products: Vec<String>,
    pub country_codes: Vec<String>,
}
endpoint!(
    SearchInstitutions,
    Post,
    m::InstitutionsSearch,
    |s| path = "/institutions/search".into(),
    body = Some(json!({
        "query": s.query,
        // `null` searches regardless of product; an empty list is invalid.
        "products": if s.products.is_empty() { Value::Null } else { json!(s.products) },
        "country_codes": s.country_codes,
        "options": { "include_optional_metadata": true },
    })),
    idempotent = true
);

pub struct GetInstitution {
    pub institution_id: String,
    pub country_codes: Vec<String>,
}
endpoint!(
    GetInstitution,
    Post,
    m::InstitutionById,
    |s| path = "/institutions/get_by_id".into(),
    body = Some(json!({
        "institution_id": s.institution_id,
        "country_codes": s.country_codes,
        "options": { "include_optional_metadata": true },
    })),
    idempotent = true
);

fn with_accounts(mut body: Value, ids: &Option<Vec<String>>) -> Value {
    if let (Some(ids), Some(obj)) = (ids, body.as_object_mut()) {
        obj.insert("options".into(), json!({ "account_ids": ids }));
    }
    body
}

#[derive(Clone, Debug)]
pub struct PlaidHttp {
    pub api: HttpClient,
}

impl PlaidHttp {
    pub fn new(config: &PlaidConfig, credential: PlaidCredential) -> Result<Self, HttpError> {
        Ok(Self {
            api: HttpClient::new(
                "plaid",
                config.base_url(),
                config.policy.clone(),
                Arc::new(credential),
                super::error::decode,
            )?,
        })
    }
}
