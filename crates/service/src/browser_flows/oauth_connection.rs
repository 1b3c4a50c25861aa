//! A saved OAuth connection at work: every request takes its token from the connection's
//! [`OAuthSession`] (refreshed before expiry, and once more after a 401) and goes through what
//! the vendor's descriptor opens with that token (`OAuthSupport::open`): its portfolio, and its
//! trading and quotes where it offers them (`OAuthSupport::offers`). Vendors without an opener
//! only prove the sign-in is alive and list no accounts.

use brokerdesk_connectors::types::{Order, OrderFilter, OrderRequest, Quote};
use brokerdesk_connectors::vendor::{
    Capabilities, OAuthOffers, OAuthSupport, TokenGrant, TokenOpener,
};
use brokerdesk_connectors::{ConnectorError, MarketData, Portfolio, Trading};
use brokerdesk_model::{AccountId, Balances, ClientOrderId, OrderId, Position, Symbol};
use brokerdesk_oauth::{OAuthSession, SessionError};
use futures::future::BoxFuture;
use secrecy::{ExposeSecret, SecretString};
use std::sync::{Arc, Mutex};

/// A refusal of the grant is "needs sign-in"; anything else may pass.
pub(crate) fn session_error(err: SessionError) -> ConnectorError {
    match err {
        SessionError::NeedsSignIn { reason } => ConnectorError::NeedsSignIn(reason),
        other => ConnectorError::Unavailable(other.to_string()),
    }
}

/// What the vendor's opener gave for one access token.
struct Opened {
    portfolio: Option<Arc<dyn Portfolio>>,
    trading: Option<Arc<dyn Trading>>,
    market: Option<Arc<dyn MarketData>>,
}

impl From<Capabilities> for Opened {
    fn from(c: Capabilities) -> Self {
        Self {
            portfolio: c.portfolio,
            trading: c.trading,
            market: c.market,
        }
    }
}

pub(crate) struct OAuthConnection {
    session: Arc<OAuthSession>,
    open: Option<TokenOpener>,
    offers: OAuthOffers,
    api_url: Option<String>,
    /// What was opened for the current access token, opened again when it changes.
    current: Mutex<Option<(SecretString, Arc<Opened>)>>,
}

impl OAuthConnection {
    pub(super) fn new(
        support: Option<&'static OAuthSupport>,
        session: Arc<OAuthSession>,
        api_url: Option<String>,
    ) -> Self {
        Self {
            session,
            open: support.and_then(|s| s.open),
            offers: support.map(|s| s.offers).unwrap_or_default(),
            api_url,
            current: Mutex::new(None),
        }
    }

    /// What the connection offers beyond its portfolio (fixed when it opens).
    pub(crate) fn offers(&self) -> OAuthOffers {
        self.offers
    }

    fn opened(&self, token: &SecretString) -> Result<Option<Arc<Opened>>, ConnectorError> {
        let Some(open) = self.open else {
            return Ok(None);
        };
        let mut cached = self.current.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((held, opened)) = cached.as_ref()
            && held.expose_secret() == token.expose_secret()
        {
            return Ok(Some(Arc::clone(opened)));
        }
        let opened = Arc::new(Opened::from(open(&TokenGrant {
            token,
            api_url: self.api_url.as_deref(),
        })?));
        *cached = Some((token.clone(), Arc::clone(&opened)));
        Ok(Some(opened))
    }

    /// Runs `op` with what a fresh token opened (`None` when the vendor has no opener); after
    /// a 401 refreshes once and runs it again. A 401 means the request was refused, so running
    /// an order again is safe (and the connector's submit is exactly-once by client order id).
    async fn call<T>(
        &self,
        op: impl Fn(Option<&Opened>) -> BoxFuture<'static, Result<T, ConnectorError>>,
    ) -> Result<T, ConnectorError> {
        let token = self.session.access_token().await.map_err(session_error)?;
        let opened = self.opened(&token)?;
        match op(opened.as_deref()).await {
            Err(ConnectorError::NeedsSignIn(_)) if opened.is_some() => {
                let fresh = self
                    .session
                    .after_unauthorized(&token)
                    .await
                    .map_err(session_error)?;
                let opened = self.opened(&fresh)?;
                op(opened.as_deref()).await
            }
            other => other,
        }
    }
}

fn absent(what: &str) -> ConnectorError {
    ConnectorError::Rejected(format!("this sign-in does not offer {what}"))
}

#[async_trait::async_trait]
impl Portfolio for OAuthConnection {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        self.call(|o| match o.and_then(|o| o.portfolio.clone()) {
            Some(p) => Box::pin(async move { p.accounts().await }),
            None => Box::pin(async { Ok(Vec::new()) }),
        })
        .await
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        self.call(|o| {
            let account = account.clone();
            match o.and_then(|o| o.portfolio.clone()) {
                Some(p) => Box::pin(async move { p.balances(&account).await }),
                None => Box::pin(async move { Err(ConnectorError::UnknownAccount(account)) }),
            }
        })
        .await
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        self.call(|o| {
            let account = account.clone();
            match o.and_then(|o| o.portfolio.clone()) {
                Some(p) => Box::pin(async move { p.positions(&account).await }),
                None => Box::pin(async move { Err(ConnectorError::UnknownAccount(account)) }),
            }
        })
        .await
    }
}

#[async_trait::async_trait]
impl Trading for OAuthConnection {
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        self.call(|o| {
            let (account, request) = (account.clone(), request.clone());
            match o.and_then(|o| o.trading.clone()) {
                Some(t) => Box::pin(async move { t.submit_order(&account, &request).await }),
                None => Box::pin(async { Err(absent("trading")) }),
            }
        })
        .await
    }

    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError> {
        self.call(|o| {
            let (account, order) = (account.clone(), order.clone());
            match o.and_then(|o| o.trading.clone()) {
                Some(t) => Box::pin(async move { t.cancel_order(&account, &order).await }),
                None => Box::pin(async { Err(absent("trading")) }),
            }
        })
        .await
    }

    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError> {
        self.call(|o| {
            let (account, filter) = (account.clone(), filter.clone());
            match o.and_then(|o| o.trading.clone()) {
                Some(t) => Box::pin(async move { t.orders(&account, &filter).await }),
                None => Box::pin(async { Err(absent("trading")) }),
            }
        })
        .await
    }

    async fn order_by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        self.call(|o| {
            let (account, id) = (account.clone(), client_order_id.clone());
            match o.and_then(|o| o.trading.clone()) {
                Some(t) => Box::pin(async move { t.order_by_client_id(&account, &id).await }),
                None => Box::pin(async { Err(absent("trading")) }),
            }
        })
        .await
    }
}

#[async_trait::async_trait]
impl MarketData for OAuthConnection {
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError> {
        self.call(|o| {
            let symbols = symbols.to_vec();
            match o.and_then(|o| o.market.clone()) {
                Some(m) => Box::pin(async move { m.latest_quotes(&symbols).await }),
                None => Box::pin(async { Err(absent("quotes")) }),
            }
        })
        .await
    }
}
