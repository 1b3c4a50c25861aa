//! The SnapTrade connector: our types in, our types out, over the signed endpoints.

use super::config::SnapTradeConfig;
use super::credential::{SnapTradeCredential, SnapTradeUser};
use super::http::client as ep;
use super::http::{SnapTradeHttp, activity, models as m, parse};
use crate::ConnectorError;
use crate::capability::{AccountActivity, Portfolio, Trading};
use crate::directory::{InstitutionDirectory, RemoteInstitution};
use crate::http::{HttpError, LatencySnapshot};
use crate::types::{
    ActivityPage, Order, OrderFilter, OrderRequest, OrderStatusFilter, TransactionQuery,
};
use async_trait::async_trait;
use brokerdesk_model::catalog::Aggregator;
use brokerdesk_model::search::rank;
use brokerdesk_model::{AccountId, Balances, ClientOrderId, OrderId, Position};
use tokio::sync::OnceCell;

/// What the user lets SnapTrade do with a brokerage connection.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConnectionType {
    Read,
    Trade,
    /// Trade where the brokerage supports it, read-only elsewhere.
    TradeIfAvailable,
}

impl ConnectionType {
    fn as_str(self) -> &'static str {
        match self {
            ConnectionType::Read => "read",
            ConnectionType::Trade => "trade",
            ConnectionType::TradeIfAvailable => "trade-if-available",
        }
    }
}

/// A Connection Portal link to open in the system browser. It expires after five minutes.
/// Until then its `token` opens the user's portal: `Debug` drops the query's values.
#[derive(Clone, PartialEq, Eq)]
pub struct PortalLink {
    pub url: String,
    pub session_id: Option<String>,
}

impl std::fmt::Debug for PortalLink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PortalLink")
            .field("url", &crate::http::redact_urls(&self.url))
            .field("session_id", &self.session_id)
            .finish()
    }
}

/// A brokerage SnapTrade reaches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapTradeBrokerage {
    pub id: Option<String>,
    pub slug: String,
    pub name: String,
    pub allows_trading: bool,
    pub enabled: bool,
    pub maintenance_mode: bool,
    pub url: Option<String>,
    pub logo_url: Option<String>,
}

fn brokerage(b: &m::Brokerage) -> SnapTradeBrokerage {
    let name = b
        .display_name
        .clone()
        .or_else(|| b.name.clone())
        .or_else(|| b.slug.clone())
        .unwrap_or_default();
    SnapTradeBrokerage {
        id: b.id.clone(),
        slug: b.slug.clone().unwrap_or_else(|| name.to_ascii_uppercase()),
        name,
        allows_trading: b.allows_trading.unwrap_or(false),
        enabled: b.enabled.unwrap_or(true),
        maintenance_mode: b.maintenance_mode.unwrap_or(false),
        url: b.url.clone(),
        logo_url: b.aws_s3_square_logo_url.clone(),
    }
}

#[derive(Debug)]
pub struct SnapTradeConnector {
    http: SnapTradeHttp,
    /// `None` until the user is registered (and the secret stored by the caller).
    user: Option<SnapTradeUser>,
    /// The brokerage list changes rarely; read once per connector.
    brokerages: OnceCell<Vec<SnapTradeBrokerage>>,
}

impl SnapTradeConnector {
    /// A connector for the partner only: it can register users and list brokerages.
    pub fn new(
        config: SnapTradeConfig,
        credential: SnapTradeCredential,
    ) -> Result<Self, ConnectorError> {
        Ok(Self {
            http: SnapTradeHttp::new(&config, credential)?,
            user: None,
            brokerages: OnceCell::new(),
        })
    }

    /// The same connector acting for a registered user.
    pub fn with_user(mut self, user: SnapTradeUser) -> Self {
        self.user = Some(user);
        self
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.api.latency().snapshot()
    }

    pub fn raw(&self) -> &SnapTradeHttp {
        &self.http
    }

    fn user(&self) -> Result<&SnapTradeUser, ConnectorError> {
        self.user.as_ref().ok_or_else(|| {
            ConnectorError::NeedsSignIn(
                "no SnapTrade user is registered for this connection".into(),
            )
        })
    }

    /// Registers a SnapTrade user under our client id. The returned secret is shown only now:
    /// the caller stores it in the vault.
    pub async fn register_user(&self, user_id: &str) -> Result<SnapTradeUser, ConnectorError> {
        let r = self
            .http
            .send(&ep::RegisterUser {
                user_id: user_id.to_owned(),
            })
            .await?;
        Ok(SnapTradeUser {
            user_id: r.user_id,
            user_secret: r.user_secret,
        })
    }

    /// A Connection Portal link for the system browser. SnapTrade sends the browser back to
    /// `redirect`, which must be our loopback listener (`http://127.0.0.1:<port>/…`): nothing
    /// else on this machine or the network should receive the user after the portal.
    pub async fn portal_link(
        &self,
        redirect: &url::Url,
        connection_type: ConnectionType,
        broker: Option<&str>,
        reconnect: Option<&str>,
    ) -> Result<PortalLink, ConnectorError> {
        let loopback = redirect.scheme() == "http"
            && redirect.host().is_some_and(|h| {
                matches!(h, url::Host::Ipv4(ip) if ip.is_loopback())
                    || matches!(h, url::Host::Ipv6(ip) if ip.is_loopback())
            });
        if !loopback {
            return Err(ConnectorError::Rejected(format!(
                "the portal must send the browser back to a loopback address, not {redirect}"
            )));
        }
        let r = self
            .http
            .send(&ep::Login {
                user: self.user()?.clone(),
                body: m::LoginBody {
                    broker: broker.map(str::to_owned),
                    custom_redirect: redirect.to_string(),
                    connection_type: connection_type.as_str().to_owned(),
                    immediate_redirect: true,
                    reconnect: reconnect.map(str::to_owned),
                    connection_portal_version: "v4".into(),
                },
            })
            .await?;
        Ok(PortalLink {
            url: r.redirect_uri,
            session_id: r.session_id,
        })
    }

    pub async fn brokerages(&self) -> Result<&[SnapTradeBrokerage], ConnectorError> {
        self.brokerages
            .get_or_try_init(|| async {
                let list = self.http.send(&ep::ListBrokerages).await?;
                Ok::<_, ConnectorError>(list.iter().map(brokerage).collect())
            })
            .await
            .map(Vec::as_slice)
    }

    async fn account(&self, account: &AccountId) -> Result<m::Account, ConnectorError> {
        let list = self
            .http
            .send(&ep::ListAccounts(self.user()?.clone()))
            .await?;
        list.into_iter()
            .find(|a| a.id == account.as_str())
            .ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))
    }

    /// Whether orders may go to this account, checked before anything is sent: the brokerage
    /// must allow trading through SnapTrade, and the user must have made a trading connection.
    async fn check_trading(&self, account: &m::Account) -> Result<(), ConnectorError> {
        let auth = self
            .http
            .send(&ep::GetAuthorization(
                self.user()?.clone(),
                account.brokerage_authorization.clone(),
            ))
            .await?;
        let name = auth
            .brokerage
            .as_ref()
            .map(brokerage)
            .map(|b| b.name)
            .or_else(|| account.institution_name.clone())
            .unwrap_or_else(|| "this brokerage".into());
        let allows = auth
            .brokerage
            .as_ref()
            .and_then(|b| b.allows_trading)
            .unwrap_or(false);
        if !allows {
            return Err(ConnectorError::Rejected(format!(
                "{name} does not allow trading through SnapTrade; this account is read-only"
            )));
        }
        if auth.disabled == Some(true) {
            return Err(ConnectorError::NeedsSignIn(format!(
                "the SnapTrade connection to {name} is disabled; reconnect it in the portal"
            )));
        }
        if auth.type_.as_deref() != Some("trade") {
            return Err(ConnectorError::Rejected(format!(
                "the SnapTrade connection to {name} is read-only; reconnect it for trading"
            )));
        }
        Ok(())
    }
}

/// A 404 on an account's own path means SnapTrade does not know the account.
fn account_error(e: HttpError, account: &AccountId) -> ConnectorError {
    match e {
        HttpError::Status { status: 404, .. } => ConnectorError::UnknownAccount(account.clone()),
        other => other.into(),
    }
}

#[async_trait]
impl Portfolio for SnapTradeConnector {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        let list = self
            .http
            .send(&ep::ListAccounts(self.user()?.clone()))
            .await?;
        Ok(list.into_iter().map(|a| AccountId::new(a.id)).collect())
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        let a = self.account(account).await?;
        let list = self
            .http
            .send(&ep::GetBalances(self.user()?.clone(), a.id.clone()))
            .await
            .map_err(|e| account_error(e, account))?;
        Ok(parse::balances(&a, &list))
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        let r = self
            .http
            .send(&ep::GetPositions(
                self.user()?.clone(),
                account.as_str().to_owned(),
            ))
            .await
            .map_err(|e| account_error(e, account))?;
        Ok(r.results.iter().filter_map(parse::position).collect())
    }
}

#[async_trait]
impl Trading for SnapTradeConnector {
    /// Sent once: SnapTrade forwards the client order id (as a UUID) to brokerages that honour
    /// it but does not report it back, so an order whose outcome is unknown cannot be looked up
    /// by it. The shared policy never resends this POST; the caller is told to check the list.
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        let a = self.account(account).await?;
        self.check_trading(&a).await?;
        let body = parse::place_order(&a.id, request)?;
        match self
            .http
            .send(&ep::PlaceOrder(self.user()?.clone(), body))
            .await
        {
            Ok(o) => parse::order(&o),
            Err(e) if e.outcome_unknown() => Err(ConnectorError::Unavailable(format!(
                "order {} may or may not have been placed ({e}); check the account's orders \
                 before sending it again",
                request.client_order_id
            ))),
            Err(e) => Err(e.into()),
        }
    }

    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError> {
        self.http
            .send(&ep::CancelOrder {
                user: self.user()?.clone(),
                account: account.as_str().to_owned(),
                brokerage_order_id: order.as_str().to_owned(),
            })
            .await
            .map_err(|e| account_error(e, account))?;
        Ok(())
    }

    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError> {
        let state = match filter.status {
            OrderStatusFilter::Open => "open",
            // SnapTrade has "executed" but no "closed": read all and keep the finished ones.
            OrderStatusFilter::Closed | OrderStatusFilter::All => "all",
        };
        let list = self
            .http
            .send(&ep::ListOrders {
                user: self.user()?.clone(),
                account: account.as_str().to_owned(),
                state,
                days: 90,
            })
            .await
            .map_err(|e| account_error(e, account))?;
        let mut orders = list
            .iter()
            .map(parse::order)
            .collect::<Result<Vec<_>, _>>()?;
        if filter.status == OrderStatusFilter::Closed {
            orders.retain(|o| !o.status.is_open());
        }
        if !filter.symbols.is_empty() {
            orders.retain(|o| filter.symbols.contains(&o.symbol));
        }
        if let Some(limit) = filter.limit {
            orders.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        }
        Ok(orders)
    }

    /// SnapTrade does not report client order ids, but its placing reply gives the brokerage's
    /// order id: the order is followed by that id in the account's order listing
    /// (`brokerage_order_id`). The id found tells the journal whose order this is, so the client
    /// order id is put back on it.
    async fn find_order(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
        broker_order: Option<&OrderId>,
    ) -> Result<Option<Order>, ConnectorError> {
        let Some(id) = broker_order else {
            return self.order_by_client_id(account, client_order_id).await;
        };
        let list = self
            .http
            .send(&ep::ListOrders {
                user: self.user()?.clone(),
                account: account.as_str().to_owned(),
                state: "all",
                days: 90,
            })
            .await
            .map_err(|e| account_error(e, account))?;
        list.iter()
            .find(|o| o.brokerage_order_id == id.as_str())
            .map(|o| {
                parse::order(o).map(|mut order| {
                    order.client_order_id = Some(client_order_id.clone());
                    order
                })
            })
            .transpose()
    }

    async fn order_by_client_id(
        &self,
        _account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        Err(ConnectorError::Rejected(format!(
            "SnapTrade does not report client order ids, so order {client_order_id} cannot be \
             looked up by it; find it in the account's orders"
        )))
    }
}

/// Transactions per page when the caller does not say (SnapTrade's own default is 1000).
const ACTIVITY_PAGE: u32 = 100;

#[async_trait]
impl AccountActivity for SnapTradeConnector {
    /// `GET /accounts/{id}/activities`, paged by offset (the cursor is the next offset), between
    /// the query's dates (SnapTrade filters by day, inclusive: the service keeps what is new).
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError> {
        let offset = match query.cursor.as_deref() {
            Some(c) => c.parse::<u64>().map_err(|_| {
                ConnectorError::Rejected(format!("{c:?} is not a SnapTrade activity cursor"))
            })?,
            None => 0,
        };
        let limit = query.limit.unwrap_or(ACTIVITY_PAGE).clamp(1, 1000);
        let day = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d").to_string();
        let page = self
            .http
            .send(&ep::ListActivities {
                user: self.user()?.clone(),
                account: account.as_str().to_owned(),
                start_date: query.since.as_ref().map(day),
                end_date: query.until.as_ref().map(day),
                offset,
                limit,
            })
            .await
            .map_err(|e| account_error(e, account))?;
        let mut entries = page
            .data
            .iter()
            .map(|a| activity::entry(account, a))
            .collect::<Result<Vec<_>, _>>()?;
        entries.sort_by_key(|e| std::cmp::Reverse(e.time));
        let seen = offset.saturating_add(page.data.len() as u64);
        let more = !page.data.is_empty()
            && page
                .pagination
                .as_ref()
                .and_then(|p| p.total)
                .is_some_and(|total| seen < total);
        Ok(ActivityPage {
            entries,
            next_cursor: more.then(|| seen.to_string()),
        })
    }
}

#[async_trait]
impl InstitutionDirectory for SnapTradeConnector {
    /// SnapTrade has no search endpoint: its brokerage list, filtered and ranked here.
    async fn search_institutions(
        &self,
        query: &str,
    ) -> Result<Vec<RemoteInstitution>, ConnectorError> {
        let all = self.brokerages().await?;
        let usable = all.iter().filter(|b| b.enabled);
        let hits = rank(query, usable, |b| vec![b.name.clone(), b.slug.clone()]);
        Ok(hits
            .into_iter()
            .map(|h| RemoteInstitution {
                id: h.item.slug.clone(),
                name: h.item.name.clone(),
                aggregator: Aggregator::SnapTrade,
                url: h.item.url.clone(),
                logo_url: h.item.logo_url.clone(),
                trading: Some(h.item.allows_trading),
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_portal_link_hides_its_login_token() {
        let link = PortalLink {
            url: "https://app.snaptrade.com/snapTrade/redeemToken?token=SECRET-redeem&connectionPortalVersion=v4".into(),
            session_id: Some("s-1".into()),
        };
        let shown = format!("{link:?}");
        assert!(!shown.contains("SECRET-redeem"), "{shown}");
        assert!(shown.contains("redeemToken?token=<redacted>"), "{shown}");
    }
}
