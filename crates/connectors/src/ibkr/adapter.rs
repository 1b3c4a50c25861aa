//! The IBKR connector over the local Client Portal gateway.

use super::config::IbkrConfig;
use super::http::client as ep;
use super::http::models as m;
use super::http::parse::{self, PlaceReply, field};
use crate::ConnectorError;
use crate::capability::{MarketData, Portfolio, Trading};
use crate::http::{Endpoint, HttpClient, HttpError, LatencySnapshot, NoAuth};
use crate::types::{Order, OrderFilter, OrderRequest, OrderStatus, OrderStatusFilter, Quote};
use async_trait::async_trait;
use brokerdesk_model::{
    AccountId, Balances, ClientOrderId, OrderId, Position, Symbol, TradingMode,
};
use std::collections::HashMap;
use std::sync::{Arc, RwLock, Weak};
use tokio::sync::{OnceCell, watch};

/// The gateway session as the status display shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GatewayStatus {
    /// Not asked yet.
    Unknown,
    Authenticated,
    /// The user must sign in to the gateway in the browser (again).
    NeedsSignIn(String),
    /// Another session (TWS, mobile) holds the brokerage login.
    Competing(String),
    Unreachable(String),
}

/// The result of placing an order when warnings are not confirmed automatically.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PlaceOutcome {
    Placed {
        order_id: OrderId,
        status: String,
    },
    NeedsConfirmation {
        reply_id: String,
        messages: Vec<String>,
    },
}

const MAX_CONFIRMATIONS: usize = 5;

/// An account the gateway lists, and whether orders on it move real money
/// (`parse::account_mode`: live unless the gateway proves it paper).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IbkrAccount {
    pub id: AccountId,
    pub mode: TradingMode,
}

#[derive(Debug)]
pub struct IbkrConnector {
    http: HttpClient,
    config: IbkrConfig,
    status: watch::Sender<GatewayStatus>,
    /// /iserver/accounts must be called once before orders and market data; it also says
    /// whether the session is a paper login.
    iserver_ready: OnceCell<Option<bool>>,
    /// /portfolio/accounts must be called once before positions.
    portfolio_ready: OnceCell<Vec<m::PortfolioAccount>>,
    /// IBKR trades contract ids; symbols are learnt from positions or registered.
    conids: RwLock<HashMap<Symbol, i64>>,
}

fn status_of(a: &m::AuthStatus) -> GatewayStatus {
    let said = a
        .message
        .clone()
        .filter(|m| !m.is_empty())
        .or(a.fail.clone())
        .unwrap_or_default();
    if a.competing {
        GatewayStatus::Competing(said)
    } else if a.authenticated && a.connected {
        GatewayStatus::Authenticated
    } else {
        GatewayStatus::NeedsSignIn(if said.is_empty() {
            "sign in to the IBKR gateway".into()
        } else {
            said
        })
    }
}

impl IbkrConnector {
    pub fn new(config: IbkrConfig) -> Result<Self, ConnectorError> {
        let http = HttpClient::with_tls(
            "ibkr",
            &config.base_url,
            config.policy.clone(),
            Arc::new(NoAuth),
            super::http::error::decode,
            config.accept_self_signed,
        )?;
        Ok(Self {
            http,
            config,
            status: watch::channel(GatewayStatus::Unknown).0,
            iserver_ready: OnceCell::new(),
            portfolio_ready: OnceCell::new(),
            conids: RwLock::new(HashMap::new()),
        })
    }

    pub fn latency(&self) -> Option<LatencySnapshot> {
        self.http.latency().snapshot()
    }

    /// Follows the session state (updated by every call, tickle and auth check).
    pub fn watch_status(&self) -> watch::Receiver<GatewayStatus> {
        self.status.subscribe()
    }

    /// Tells the connector which contract a symbol means (e.g. from a contract search).
    pub fn register_conid(&self, symbol: Symbol, conid: i64) {
        self.conids
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(symbol, conid);
    }

    /// Sends and keeps the session status current: a 401 means the gateway lost its login,
    /// no answer means the gateway is not running.
    async fn send<E: Endpoint>(&self, e: &E) -> Result<E::Output, ConnectorError> {
        match self.http.send(e).await {
            Ok(v) => Ok(v),
            Err(err) => {
                match &err {
                    HttpError::Status {
                        status: 401,
                        message,
                        ..
                    } => {
                        self.status
                            .send_replace(GatewayStatus::NeedsSignIn(message.clone()));
                    }
                    HttpError::Connect(m) => {
                        self.status
                            .send_replace(GatewayStatus::Unreachable(m.clone()));
                    }
                    _ => {}
                }
                Err(err.into())
            }
        }
    }

    pub async fn auth_status(&self) -> Result<GatewayStatus, ConnectorError> {
        let a = self.send(&ep::AuthStatus).await?;
        let s = status_of(&a);
        self.status.send_replace(s.clone());
        Ok(s)
    }

    /// The keep-alive call; also reports the session state.
    pub async fn tickle(&self) -> Result<GatewayStatus, ConnectorError> {
        let t = self.send(&ep::Tickle).await?;
        let s = match t.iserver {
            Some(i) => status_of(&i.auth_status),
            None => GatewayStatus::NeedsSignIn("the gateway has no brokerage session".into()),
        };
        self.status.send_replace(s.clone());
        Ok(s)
    }

    /// Tickles every `tickle_interval` until the connector is dropped or the task aborted.
    pub fn spawn_keep_alive(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let weak: Weak<Self> = Arc::downgrade(self);
        let every = self.config.tickle_interval;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                let Some(me) = weak.upgrade() else { return };
                if let Err(e) = me.tickle().await {
                    tracing::debug!(error = %e, "tickle failed");
                    if matches!(e, ConnectorError::Unavailable(_)) {
                        me.status
                            .send_replace(GatewayStatus::Unreachable(e.to_string()));
                    }
                }
            }
        })
    }

    /// Opens the brokerage session's account list (once); returns the session's paper flag.
    async fn ensure_iserver(&self) -> Result<Option<bool>, ConnectorError> {
        self.iserver_ready
            .get_or_try_init(|| async {
                self.send(&ep::IserverAccounts)
                    .await
                    .map(|accounts| accounts.is_paper)
            })
            .await
            .copied()
    }

    async fn portfolio_accounts(&self) -> Result<&Vec<m::PortfolioAccount>, ConnectorError> {
        self.portfolio_ready
            .get_or_try_init(|| self.send(&ep::PortfolioAccounts))
            .await
    }

    async fn check(&self, account: &AccountId) -> Result<(), ConnectorError> {
        if self
            .portfolio_accounts()
            .await?
            .iter()
            .any(|a| a.id == account.as_str())
        {
            Ok(())
        } else {
            Err(ConnectorError::UnknownAccount(account.clone()))
        }
    }

    /// The gateway's accounts with their mode. The session's paper flag is asked for too; if
    /// that call fails the accounts' own marks decide (an account is never paper by default).
    pub async fn account_listing(&self) -> Result<Vec<IbkrAccount>, ConnectorError> {
        let accounts = self.portfolio_accounts().await?;
        let session = match self.ensure_iserver().await {
            Ok(flag) => flag,
            Err(err) => {
                tracing::debug!(error = %err, "IBKR session flags unavailable");
                None
            }
        };
        Ok(accounts
            .iter()
            .map(|a| IbkrAccount {
                id: AccountId::new(a.id.clone()),
                mode: parse::account_mode(a, session),
            })
            .collect())
    }

    /// Whether orders on `account` move real money.
    pub async fn account_mode(&self, account: &AccountId) -> Result<TradingMode, ConnectorError> {
        self.account_listing()
            .await?
            .into_iter()
            .find(|a| &a.id == account)
            .map(|a| a.mode)
            .ok_or_else(|| ConnectorError::UnknownAccount(account.clone()))
    }

    fn conid(&self, symbol: &Symbol) -> Option<i64> {
        if let Ok(n) = symbol.as_str().parse::<i64>() {
            return Some(n);
        }
        self.conids
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(symbol)
            .copied()
    }

    /// All positions, page by page until a page comes back short or empty.
    pub async fn raw_positions(
        &self,
        account: &AccountId,
    ) -> Result<Vec<m::Position>, ConnectorError> {
        self.check(account).await?;
        let mut all = Vec::new();
        for page in 0..self.config.max_position_pages {
            let items = self
                .send(&ep::Positions {
                    account: account.as_str().to_owned(),
                    page,
                })
                .await?;
            let full = items
                .first()
                .and_then(|p| p.page_size)
                .is_some_and(|size| items.len() >= size as usize);
            let empty = items.is_empty();
            all.extend(items);
            if empty || !full {
                break;
            }
        }
        let mut conids = self.conids.write().unwrap_or_else(|p| p.into_inner());
        for p in &all {
            conids.insert(parse::symbol_of(p), p.conid);
        }
        Ok(all)
    }

    /// Places an order for a contract. Warnings come back as `NeedsConfirmation` unless the
    /// config confirms them.
    pub async fn place_order(
        &self,
        account: &AccountId,
        conid: i64,
        request: &OrderRequest,
    ) -> Result<PlaceOutcome, ConnectorError> {
        self.ensure_iserver().await?;
        let body = parse::order_body(account.as_str(), conid, request)?;
        let reply = self
            .send(&ep::PlaceOrders {
                account: account.as_str().to_owned(),
                body,
            })
            .await?;
        self.follow(parse::place_reply(&reply)?).await
    }

    /// Answers a warning: `confirmed = false` withdraws the order.
    pub async fn confirm(
        &self,
        reply_id: &str,
        confirmed: bool,
    ) -> Result<PlaceOutcome, ConnectorError> {
        let reply = self
            .send(&ep::Reply {
                reply_id: reply_id.to_owned(),
                confirmed,
            })
            .await?;
        self.follow(parse::place_reply(&reply)?).await
    }

    async fn follow(&self, mut reply: PlaceReply) -> Result<PlaceOutcome, ConnectorError> {
        for _ in 0..MAX_CONFIRMATIONS {
            match reply {
                PlaceReply::Placed { order_id, status } => {
                    return Ok(PlaceOutcome::Placed {
                        order_id: OrderId::new(order_id),
                        status,
                    });
                }
                PlaceReply::Refused(msg) => return Err(ConnectorError::Rejected(msg)),
                PlaceReply::Confirm { reply_id, messages } => {
                    if !self.config.confirm_order_warnings {
                        return Ok(PlaceOutcome::NeedsConfirmation { reply_id, messages });
                    }
                    tracing::info!(reply_id, ?messages, "confirming IBKR order warning");
                    let v = self
                        .send(&ep::Reply {
                            reply_id,
                            confirmed: true,
                        })
                        .await?;
                    reply = parse::place_reply(&v)?;
                }
            }
        }
        Err(ConnectorError::Rejected(
            "IBKR kept asking for confirmations".into(),
        ))
    }

    /// Orders of the current gateway session.
    pub async fn live_orders(&self) -> Result<Vec<Order>, ConnectorError> {
        self.ensure_iserver().await?;
        let r = self.send(&ep::LiveOrders).await?;
        r.orders.iter().map(parse::live_order).collect()
    }

    /// Quotes by contract id. The gateway's first snapshot only subscribes and returns no
    /// prices; we ask again (bounded) until every contract has some.
    pub async fn quotes_by_conid(
        &self,
        conids: &[(i64, Symbol)],
    ) -> Result<Vec<Quote>, ConnectorError> {
        self.ensure_iserver().await?;
        let ids: Vec<i64> = conids.iter().map(|(c, _)| *c).collect();
        let mut quotes: Vec<Quote> = Vec::new();
        for attempt in 0..self.config.snapshot_attempts.max(1) {
            if attempt > 0 {
                tokio::time::sleep(self.config.snapshot_retry_delay).await;
            }
            let entries = self
                .send(&ep::MarketSnapshot {
                    conids: ids.clone(),
                    fields: field::QUOTE_FIELDS,
                })
                .await?;
            quotes = conids
                .iter()
                .filter_map(|(conid, symbol)| {
                    entries
                        .iter()
                        .find(|e| parse::conid_of(e) == Some(*conid))
                        .map(|e| parse::snapshot_quote(e, symbol))
                })
                .collect();
            if quotes.len() == conids.len() && quotes.iter().all(parse::has_prices) {
                break;
            }
        }
        Ok(quotes.into_iter().filter(parse::has_prices).collect())
    }
}

#[async_trait]
impl Portfolio for IbkrConnector {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError> {
        Ok(self
            .portfolio_accounts()
            .await?
            .iter()
            .map(|a| AccountId::new(a.id.clone()))
            .collect())
    }

    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError> {
        self.check(account).await?;
        parse::balances(&self.send(&ep::Summary(account.as_str().to_owned())).await?)
    }

    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError> {
        Ok(self
            .raw_positions(account)
            .await?
            .iter()
            .map(parse::position)
            .collect())
    }
}

#[async_trait]
impl Trading for IbkrConnector {
    /// The client order id goes as `cOID`. After a reply that leaves the outcome unknown, the
    /// session's orders are searched for it; an order found is adopted, none found is reported
    /// (the caller may resend with the same id).
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError> {
        self.check(account).await?;
        let conid = self.conid(&request.symbol).ok_or_else(|| {
            ConnectorError::Rejected(format!(
                "no IBKR contract id known for {}; register it or hold a position in it",
                request.symbol
            ))
        })?;
        let cid = &request.client_order_id;
        match self.place_order(account, conid, request).await {
            Ok(PlaceOutcome::Placed { order_id, status }) => {
                // The reply carries only id and status; the live list has the rest once IBKR
                // has it, and until then the request says what was placed.
                Ok(Order {
                    id: order_id,
                    client_order_id: Some(cid.clone()),
                    symbol: request.symbol.clone(),
                    side: request.side,
                    order_type: request.order_type,
                    time_in_force: request.time_in_force,
                    quantity: Some(request.quantity),
                    filled_qty: rust_decimal::Decimal::ZERO,
                    filled_avg_price: None,
                    limit_price: request.limit_price,
                    stop_price: request.stop_price,
                    status: match status.as_str() {
                        "Filled" => OrderStatus::Filled,
                        "PendingSubmit" => OrderStatus::PendingNew,
                        _ => OrderStatus::New,
                    },
                    created_at: None,
                    updated_at: None,
                })
            }
            Ok(PlaceOutcome::NeedsConfirmation { messages, .. }) => Err(ConnectorError::Rejected(
                format!("IBKR asks to confirm: {}", messages.join(" ")),
            )),
            Err(ConnectorError::Unavailable(why)) => {
                match self.order_by_client_id(account, cid).await {
                    Ok(Some(order)) => Ok(order),
                    Ok(None) => Err(ConnectorError::Unavailable(format!(
                        "order {cid} was not placed as far as IBKR's session shows ({why})"
                    ))),
                    Err(e) => Err(ConnectorError::Unavailable(format!(
                        "order {cid} may or may not have been placed ({why}); looking it up failed ({e})"
                    ))),
                }
            }
            Err(e) => Err(e),
        }
    }

    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError> {
        self.check(account).await?;
        self.ensure_iserver().await?;
        let v = self
            .send(&ep::CancelOrder {
                account: account.as_str().to_owned(),
                order_id: order.as_str().to_owned(),
            })
            .await?;
        // A 200 can still carry a refusal.
        match v.get("error").and_then(|e| e.as_str()) {
            Some(e) => Err(ConnectorError::Rejected(e.to_owned())),
            None => Ok(()),
        }
    }

    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError> {
        self.check(account).await?;
        let mut list = self.live_orders().await?;
        list.retain(|o| match filter.status {
            OrderStatusFilter::Open => o.status.is_open(),
            OrderStatusFilter::Closed => !o.status.is_open(),
            OrderStatusFilter::All => true,
        });
        if !filter.symbols.is_empty() {
            list.retain(|o| filter.symbols.contains(&o.symbol));
        }
        if let Some(l) = filter.limit {
            list.truncate(l as usize);
        }
        Ok(list)
    }

    async fn order_by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError> {
        self.check(account).await?;
        Ok(self
            .live_orders()
            .await?
            .into_iter()
            .find(|o| o.client_order_id.as_ref() == Some(client_order_id)))
    }
}

#[async_trait]
impl MarketData for IbkrConnector {
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError> {
        let mut pairs = Vec::with_capacity(symbols.len());
        let mut unknown = Vec::new();
        for s in symbols {
            match self.conid(s) {
                Some(c) => pairs.push((c, s.clone())),
                None => unknown.push(s.as_str()),
            }
        }
        if !unknown.is_empty() {
            return Err(ConnectorError::Rejected(format!(
                "no IBKR contract id known for {}",
                unknown.join(", ")
            )));
        }
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        self.quotes_by_conid(&pairs).await
    }
}
