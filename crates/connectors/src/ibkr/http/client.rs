//! Gateway endpoints, one type each.

use super::models as m;
use crate::http::endpoint::{endpoint, segment};
use crate::http::{Endpoint, Method};

/// POST, but only reads the session state: safe to repeat.
pub struct AuthStatus;
endpoint!(
    AuthStatus,
    Post,
    m::AuthStatus,
    |s| path = "/iserver/auth/status".into(),
    idempotent = true
);

/// Keep-alive; repeating it is harmless.
pub struct Tickle;
endpoint!(
    Tickle,
    Post,
    m::Tickle,
    |s| path = "/tickle".into(),
    idempotent = true
);

pub struct IserverAccounts;
endpoint!(IserverAccounts, Get, m::IserverAccounts, |s| path =
    "/iserver/accounts".into());

pub struct PortfolioAccounts;
endpoint!(PortfolioAccounts, Get, Vec<m::PortfolioAccount>, |s| path =
    "/portfolio/accounts".into());

pub struct Positions {
    pub account: String,
    pub page: u32,
}
endpoint!(Positions, Get, Vec<m::Position>, |s| path =
    format!("/portfolio/{}/positions/{}", segment(&s.account), s.page));

pub struct Summary(pub String);
endpoint!(Summary, Get, m::Summary, |s| path =
    format!("/portfolio/{}/summary", segment(&s.0)));

pub struct LiveOrders;
endpoint!(LiveOrders, Get, m::LiveOrders, |s| path =
    "/iserver/account/orders".into());

/// The reply is one of several shapes (success, warning to confirm, error), told apart in
/// `parse::place_reply`.
pub struct PlaceOrders {
    pub account: String,
    pub body: serde_json::Value,
}
endpoint!(
    PlaceOrders,
    Post,
    serde_json::Value,
    |s| path = format!("/iserver/account/{}/orders", segment(&s.account)),
    body = Some(s.body.clone())
);

pub struct Reply {
    pub reply_id: String,
    pub confirmed: bool,
}
endpoint!(
    Reply,
    Post,
    serde_json::Value,
    |s| path = format!("/iserver/reply/{}", segment(&s.reply_id)),
    body = Some(serde_json::json!({ "confirmed": s.confirmed }))
);

pub struct CancelOrder {
    pub account: String,
    pub order_id: String,
}
endpoint!(CancelOrder, Delete, serde_json::Value, |s| path = format!(
    "/iserver/account/{}/order/{}",
    segment(&s.account),
    segment(&s.order_id)
));

pub struct MarketSnapshot {
    pub conids: Vec<i64>,
    pub fields: &'static str,
}
endpoint!(
    MarketSnapshot,
    Get,
    Vec<m::SnapshotEntry>,
    |s| path = "/iserver/marketdata/snapshot".into(),
    query = vec![
        (
            "conids",
            s.conids
                .iter()
                .map(i64::to_string)
                .collect::<Vec<_>>()
                .join(",")
        ),
        ("fields", s.fields.to_owned()),
    ]
);

/// Contract search by symbol (stocks only): the step IBKR's docs put before any order for a
/// contract the account does not hold.
pub struct SecdefSearch {
    pub symbol: String,
}
endpoint!(
    SecdefSearch,
    Get,
    serde_json::Value,
    |s| path = "/iserver/secdef/search".into(),
    query = vec![("symbol", s.symbol.clone()), ("secType", "STK".to_owned())]
);

/// Every stock contract for a symbol, each marked US or not.
pub struct TrsrvStocks {
    pub symbol: String,
}
endpoint!(
    TrsrvStocks,
    Get,
    serde_json::Value,
    |s| path = "/trsrv/stocks".into(),
    query = vec![("symbols", s.symbol.clone())]
);
