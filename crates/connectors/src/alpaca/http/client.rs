//! Alpaca endpoints, one type each, and the raw client that holds the two base URLs (trading
//! and market data). Each endpoint knows its method, path, query, body and reply model.

use super::models as m;
use crate::alpaca::config::AlpacaConfig;
use crate::alpaca::credential::AlpacaCredential;
use crate::http::endpoint::{endpoint, segment};
use crate::http::{Endpoint, HttpClient, HttpError, Method};
use std::sync::Arc;

pub struct GetAccount;
endpoint!(GetAccount, Get, m::Account, |s| path = "/v2/account".into());

pub struct ListPositions;
endpoint!(ListPositions, Get, Vec<m::Position>, |s| path =
    "/v2/positions".into());

pub struct SubmitOrder(pub m::NewOrder);
endpoint!(
    SubmitOrder,
    Post,
    m::Order,
    |s| path = "/v2/orders".into(),
    body = serde_json::to_value(&s.0).ok()
);

pub struct GetOrder(pub String);
endpoint!(GetOrder, Get, m::Order, |s| path =
    format!("/v2/orders/{}", segment(&s.0)));

pub struct GetOrderByClientId(pub String);
endpoint!(
    GetOrderByClientId,
    Get,
    m::Order,
    |s| path = "/v2/orders:by_client_order_id".into(),
    query = vec![("client_order_id", s.0.clone())]
);

pub struct ListOrders {
    pub status: &'static str,
    pub limit: Option<u32>,
    pub symbols: Vec<String>,
}
endpoint!(
    ListOrders,
    Get,
    Vec<m::Order>,
    |s| path = "/v2/orders".into(),
    query = {
        let mut q = vec![
            ("status", s.status.to_owned()),
            ("direction", "desc".to_owned()),
        ];
        if let Some(l) = s.limit {
            q.push(("limit", l.to_string()));
        }
        if !s.symbols.is_empty() {
            q.push(("symbols", s.symbols.join(",")));
        }
        q
    }
);

pub struct CancelOrder(pub String);
endpoint!(CancelOrder, Delete, (), |s| path =
    format!("/v2/orders/{}", segment(&s.0)));

pub struct ReplaceOrder(pub String, pub m::ReplaceOrder);
endpoint!(
    ReplaceOrder,
    Patch,
    m::Order,
    |s| path = format!("/v2/orders/{}", segment(&s.0)),
    body = serde_json::to_value(&s.1).ok()
);

pub struct ListAssets {
    pub status: Option<&'static str>,
    pub asset_class: Option<&'static str>,
}
endpoint!(
    ListAssets,
    Get,
    Vec<m::Asset>,
    |s| path = "/v2/assets".into(),
    query = {
        let mut q = Vec::new();
        if let Some(st) = s.status {
            q.push(("status", st.to_owned()));
        }
        if let Some(c) = s.asset_class {
            q.push(("asset_class", c.to_owned()));
        }
        q
    }
);

pub struct GetAsset(pub String);
endpoint!(GetAsset, Get, m::Asset, |s| path =
    format!("/v2/assets/{}", segment(&s.0)));

pub struct GetClock;
endpoint!(GetClock, Get, m::Clock, |s| path = "/v2/clock".into());

pub struct ListActivities {
    pub activity_type: Option<String>,
    pub page_size: Option<u32>,
    pub page_token: Option<String>,
    /// RFC 3339; only activities strictly after / before.
    pub after: Option<String>,
    pub until: Option<String>,
}
endpoint!(
    ListActivities,
    Get,
    Vec<m::Activity>,
    |s| path = match &s.activity_type {
        Some(t) => format!("/v2/account/activities/{}", segment(t)),
        None => "/v2/account/activities".into(),
    },
    query = {
        let mut q = vec![("direction", "desc".to_owned())];
        if let Some(n) = s.page_size {
            q.push(("page_size", n.to_string()));
        }
        if let Some(t) = &s.page_token {
            q.push(("page_token", t.clone()));
        }
        if let Some(t) = &s.after {
            q.push(("after", t.clone()));
        }
        if let Some(t) = &s.until {
            q.push(("until", t.clone()));
        }
        q
    }
);

pub struct GetPortfolioHistory {
    pub period: Option<String>,
    pub timeframe: Option<String>,
}
endpoint!(
    GetPortfolioHistory,
    Get,
    m::PortfolioHistory,
    |s| path = "/v2/account/portfolio/history".into(),
    query = {
        let mut q = Vec::new();
        if let Some(p) = &s.period {
            q.push(("period", p.clone()));
        }
        if let Some(t) = &s.timeframe {
            q.push(("timeframe", t.clone()));
        }
        q
    }
);

/// Market data requests name their symbols and feed.
pub struct Symbols {
    pub symbols: Vec<String>,
    pub feed: String,
}

impl Symbols {
    fn query(&self) -> Vec<(&'static str, String)> {
        vec![
            ("symbols", self.symbols.join(",")),
            ("feed", self.feed.clone()),
        ]
    }
}

pub struct LatestQuotes(pub Symbols);
endpoint!(
    LatestQuotes,
    Get,
    m::LatestQuotes,
    |s| path = "/v2/stocks/quotes/latest".into(),
    query = s.0.query()
);

pub struct LatestTrades(pub Symbols);
endpoint!(
    LatestTrades,
    Get,
    m::LatestTrades,
    |s| path = "/v2/stocks/trades/latest".into(),
    query = s.0.query()
);

pub struct LatestBars(pub Symbols);
endpoint!(
    LatestBars,
    Get,
    m::LatestBars,
    |s| path = "/v2/stocks/bars/latest".into(),
    query = s.0.query()
);

pub struct Snapshots(pub Symbols);
endpoint!(
    Snapshots,
    Get,
    m::Snapshots,
    |s| path = "/v2/stocks/snapshots".into(),
    query = s.0.query()
);

/// `GET /v2/stocks/{symbol}/bars`: one symbol's historical bars, a page at a time.
pub struct SymbolBars {
    pub symbol: String,
    /// Alpaca's timeframe text: `1Min`, `5Min`, `1Hour`, `1Day`.
    pub timeframe: &'static str,
    pub start: String,
    pub end: String,
    pub limit: u32,
    pub feed: String,
    /// `desc`: the newest first, so a limit keeps the newest bars.
    pub sort: &'static str,
    pub page_token: Option<String>,
}
endpoint!(
    SymbolBars,
    Get,
    m::SymbolBars,
    |s| path = format!("/v2/stocks/{}/bars", segment(&s.symbol)),
    query = {
        let mut q = vec![
            ("timeframe", s.timeframe.to_owned()),
            ("start", s.start.clone()),
            ("end", s.end.clone()),
            ("limit", s.limit.to_string()),
            ("feed", s.feed.clone()),
            ("sort", s.sort.to_owned()),
        ];
        if let Some(t) = &s.page_token {
            q.push(("page_token", t.clone()));
        }
        q
    }
);

/// The raw client: one HTTP client per Alpaca API, sharing the credential.
#[derive(Clone, Debug)]
pub struct AlpacaHttp {
    pub trading: HttpClient,
    pub data: HttpClient,
}

impl AlpacaHttp {
    pub fn new(config: &AlpacaConfig, credential: AlpacaCredential) -> Result<Self, HttpError> {
        let auth = Arc::new(credential);
        Ok(Self {
            trading: HttpClient::new(
                "alpaca",
                &config.trading_url,
                config.trading_policy.clone(),
                auth.clone(),
                super::error::decode,
            )?,
            data: HttpClient::new(
                "alpaca-data",
                &config.data_url,
                config.data_policy.clone(),
                auth,
                super::error::decode,
            )?,
        })
    }
}
