//! SnapTrade endpoints, one type each. User-scoped endpoints carry the user, whose id and
//! secret go in the query (as SnapTrade specifies); the signer adds `clientId`, `timestamp` and
//! the `Signature` header to every request.

use super::models as m;
use crate::http::endpoint::{endpoint, segment};
use crate::http::{Endpoint, HttpClient, HttpError, Method};
use crate::snaptrade::config::SnapTradeConfig;
use crate::snaptrade::credential::{Signer, SnapTradeCredential, SnapTradeUser};
use std::sync::Arc;

pub struct RegisterUser {
    pub user_id: String,
}
endpoint!(
    RegisterUser,
    Post,
    m::RegisteredUser,
    |s| path = "/snapTrade/registerUser".into(),
    body = Some(serde_json::json!({ "userId": s.user_id }))
);

pub struct Login {
    pub user: SnapTradeUser,
    pub body: m::LoginBody,
}
endpoint!(
    Login,
    Post,
    m::LoginRedirect,
    |s| path = "/snapTrade/login".into(),
    query = s.user.query(),
    body = serde_json::to_value(&s.body).ok(),
    // A second portal link only replaces the first: safe to send again.
    idempotent = true
);

pub struct ListBrokerages;
endpoint!(ListBrokerages, Get, Vec<m::Brokerage>, |s| path =
    "/brokerages".into());

pub struct ListAccounts(pub SnapTradeUser);
endpoint!(
    ListAccounts,
    Get,
    Vec<m::Account>,
    |s| path = "/accounts".into(),
    query = s.0.query()
);

pub struct GetBalances(pub SnapTradeUser, pub String);
endpoint!(
    GetBalances,
    Get,
    Vec<m::Balance>,
    |s| path = format!("/accounts/{}/balances", segment(&s.1)),
    query = s.0.query()
);

/// `/positions/all`: the current positions endpoint (`/holdings` is retired, 410 Gone).
pub struct GetPositions(pub SnapTradeUser, pub String);
endpoint!(
    GetPositions,
    Get,
    m::AllPositions,
    |s| path = format!("/accounts/{}/positions/all", segment(&s.1)),
    query = s.0.query()
);

pub struct ListOrders {
    pub user: SnapTradeUser,
    pub account: String,
    /// `all`, `open` or `executed`.
    pub state: &'static str,
    /// Days back, at most 90.
    pub days: u32,
}
endpoint!(
    ListOrders,
    Get,
    Vec<m::OrderRecord>,
    |s| path = format!("/accounts/{}/orders", segment(&s.account)),
    query = {
        let mut q = s.user.query();
        q.push(("state", s.state.to_owned()));
        q.push(("days", s.days.min(90).to_string()));
        q
    }
);

pub struct GetAuthorization(pub SnapTradeUser, pub String);
endpoint!(
    GetAuthorization,
    Get,
    m::BrokerageAuthorization,
    |s| path = format!("/authorizations/{}", segment(&s.1)),
    query = s.0.query()
);

pub struct PlaceOrder(pub SnapTradeUser, pub m::PlaceOrder);
endpoint!(
    PlaceOrder,
    Post,
    m::OrderRecord,
    |s| path = "/trade/place".into(),
    query = s.0.query(),
    body = serde_json::to_value(&s.1).ok()
);

pub struct CancelOrder {
    pub user: SnapTradeUser,
    pub account: String,
    pub brokerage_order_id: String,
}
endpoint!(
    CancelOrder,
    Post,
    m::CancelResponse,
    |s| path = format!("/accounts/{}/trading/cancel", segment(&s.account)),
    query = s.user.query(),
    body = Some(serde_json::json!({ "brokerage_order_id": s.brokerage_order_id })),
    // Cancelling twice leaves the order cancelled: safe to resend after a lost reply.
    idempotent = true
);

/// The raw client: one HTTP client that signs every request.
#[derive(Clone, Debug)]
pub struct SnapTradeHttp {
    pub api: HttpClient,
}

impl SnapTradeHttp {
    pub fn new(
        config: &SnapTradeConfig,
        credential: SnapTradeCredential,
    ) -> Result<Self, HttpError> {
        let signer = Signer {
            credential,
            fixed_timestamp: config.fixed_timestamp,
        };
        Ok(Self {
            api: HttpClient::new(
                "snaptrade",
                &config.base_url,
                config.policy.clone(),
                Arc::new(signer),
                super::error::decode,
            )?,
        })
    }

    /// Sends through the shared policy, whose errors and logs never quote a query value (the
    /// user secret is in the query).
    pub async fn send<E: Endpoint>(&self, endpoint: &E) -> Result<E::Output, HttpError> {
        self.api.send(endpoint).await
    }
}

/// An account's transactions, a page at a time (`offset`, `limit`), optionally between two
/// dates (inclusive).
pub struct ListActivities {
    pub user: SnapTradeUser,
    pub account: String,
    pub start_date: Option<String>,
    pub end_date: Option<String>,
    pub offset: u64,
    pub limit: u32,
}
endpoint!(
    ListActivities,
    Get,
    m::ActivityPage,
    |s| path = format!("/accounts/{}/activities", segment(&s.account)),
    query = {
        let mut q = s.user.query();
        if let Some(d) = &s.start_date {
            q.push(("startDate", d.clone()));
        }
        if let Some(d) = &s.end_date {
            q.push(("endDate", d.clone()));
        }
        q.push(("offset", s.offset.to_string()));
        q.push(("limit", s.limit.to_string()));
        q
    }
);
