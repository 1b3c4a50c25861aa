//! The IBKR connector over the local Client Portal gateway.

use super::config::IbkrConfig;
use super::http::client as ep;
use super::http::contract;
use super::http::models as m;
use super::http::parse::{self, PlaceReply, field};
use crate::capability::{MarketData, Portfolio, Trading};
use crate::http::{Endpoint, HttpClient, HttpError, LatencySnapshot, NoAuth};
use crate::types::{Order, OrderFilter, OrderRequest, OrderStatus, OrderStatusFilter, Quote};
use crate::{ConnectorError, OrderWarnings};
use async_trait::async_trait;
use brokerdesk_model::{
    AccountId, Balances, ClientOrderId, OrderId, Position, Symbol, TradingMode,
};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock, Weak};
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

/// How long a symbol the contract search did not find is not searched again.
const NO_CONTRACT_FOR: std::time::Duration = std::time::Duration::from_secs(600);

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
    /// /iserver/accounts must be called once per brokerage session before orders, contract
    /// search and market data; it also says whether the session is a paper login. Cleared when
    /// the session is lost, so a new sign-in is primed again.
    iserver_ready: Mutex<Option<Option<bool>>>,
    /// /portfolio/accounts must be called once before positions.
    portfolio_ready: OnceCell<Vec<m::PortfolioAccount>>,
    /// IBKR trades contract ids; symbols are learnt from positions, registered, or found by
    /// the contract search (kept for the connection's life).
    conids: RwLock<HashMap<Symbol, i64>>,
    /// Symbols the contract search found nothing for, and when: a quote poll does not search
    /// again for `NO_CONTRACT_FOR` (a new listing is found after that).
    no_contract: RwLock<HashMap<Symbol, std::time::Instant>>,
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
            iserver_ready: Mutex::new(None),
            portfolio_ready: OnceCell::new(),
            conids: RwLock::new(HashMap::new()),
            no_contract: RwLock::new(HashMap::new()),
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

    /// What the user does when the gateway's session is gone: the steps, with the address of
    /// the user's own gateway (its web page is the API's address without `/v1/api`).
    pub fn sign_in_steps(&self, why: &str) -> String {
        let base = self.config.base_url.trim_end_matches('/');
        let page = base.strip_suffix("/v1/api").unwrap_or(base);
        let page = crate::http::redact_urls(page)
            .trim_end_matches('/')
            .to_owned();
        let why = why.trim().trim_end_matches('.');
        let why = if why.is_empty() || why == "HTTP 401" {
            "the IBKR gateway has no signed-in session".to_owned()
        } else {
            format!("the IBKR gateway has no signed-in session ({why})")
        };
        format!(
            "{why}. Open {page} in your browser and log in to Interactive Brokers there (start \
             the Client Portal gateway first if that page does not open); Brokerdesk picks the \
             session up at its next refresh."
        )
    }

    fn session_lost(&self, status: GatewayStatus) {
        *self.iserver_ready.lock().unwrap_or_else(|p| p.into_inner()) = None;
        self.status.send_replace(status);
    }

    /// Sends and keeps the session status current: a 401 means the gateway lost its login
    /// (the error then says how to sign in again), no answer means the gateway is not running.
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
                        self.session_lost(GatewayStatus::NeedsSignIn(message.clone()));
                        return Err(ConnectorError::NeedsSignIn(self.sign_in_steps(message)));
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
        self.note(s.clone());
        Ok(s)
    }

    fn note(&self, s: GatewayStatus) {
        if matches!(s, GatewayStatus::Authenticated) {
            self.status.send_replace(s);
        } else {
            self.session_lost(s);
        }
    }

    /// Before a read: when the keep-alive or an earlier call saw the session gone, ask the
    /// gateway again, and refuse with the sign-in steps while it still has none. A healthy or
    /// never-checked session costs no request.
    async fn require_session(&self) -> Result<(), ConnectorError> {
        let lost = matches!(
            *self.status.borrow(),
            GatewayStatus::NeedsSignIn(_) | GatewayStatus::Competing(_)
        );
        if !lost {
            return Ok(());
        }
        match self.auth_status().await {
            Ok(GatewayStatus::NeedsSignIn(why) | GatewayStatus::Competing(why)) => {
                Err(ConnectorError::NeedsSignIn(self.sign_in_steps(&why)))
            }
            Err(e @ ConnectorError::NeedsSignIn(_)) => Err(e),
            // Signed in again, or the status could not be read: the read itself tells.
            _ => Ok(()),
        }
    }

    /// The keep-alive call; also reports the session state.
    pub async fn tickle(&self) -> Result<GatewayStatus, ConnectorError> {
        let t = self.send(&ep::Tickle).await?;
        let s = match t.iserver {
            Some(i) => status_of(&i.auth_status),
            None => GatewayStatus::NeedsSignIn("the gateway has no brokerage session".into()),
        };
        self.note(s.clone());
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
        if let Some(flag) = *self.iserver_ready.lock().unwrap_or_else(|p| p.into_inner()) {
            return Ok(flag);
        }
        // Two first calls at once both ask; harmless, and no lock is held across the request.
        let flag = self.send(&ep::IserverAccounts).await?.is_paper;
        *self.iserver_ready.lock().unwrap_or_else(|p| p.into_inner()) = Some(flag);
        Ok(flag)
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

    /// The contract a symbol means: known ones at once, else IBKR's contract search for the US
    /// stock on its primary exchange (then its stock list, which marks US contracts), as IBKR's
    /// docs do before an order. Found ones are kept; none found is a refusal naming the symbol.
    pub async fn resolve_conid(&self, symbol: &Symbol) -> Result<i64, ConnectorError> {
        if let Some(c) = self.conid(symbol) {
            return Ok(c);
        }
        let no_such = || {
            ConnectorError::Rejected(format!(
                "IBKR has no such contract: no US stock with the symbol {symbol}"
            ))
        };
        if self
            .no_contract
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(symbol)
            .is_some_and(|at| at.elapsed() < NO_CONTRACT_FOR)
        {
            return Err(no_such());
        }
        let wanted = symbol.as_str().trim().to_ascii_uppercase();
        let valid = !wanted.is_empty()
            && wanted
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | ' ' | '-'));
        if !valid {
            return Err(no_such());
        }
        self.ensure_iserver().await?;
        let search = self
            .send(&ep::SecdefSearch {
                symbol: wanted.clone(),
            })
            .await
            .map_err(|e| match e {
                // A 4xx to a search is the gateway's "no symbol found".
                ConnectorError::Rejected(m) => ConnectorError::Rejected(format!(
                    "IBKR has no such contract: no US stock with the symbol {symbol} ({m})"
                )),
                other => other,
            })?;
        let found = match contract::us_stock_from_search(&search, &wanted) {
            Some(c) => Some(c),
            None if search.as_array().is_some_and(|a| !a.is_empty()) => {
                // Found, but not plainly on a US exchange: the stock list says which is US.
                let list = self
                    .send(&ep::TrsrvStocks {
                        symbol: wanted.clone(),
                    })
                    .await?;
                contract::us_stock_from_list(&list, &wanted)
            }
            None => None,
        };
        match found {
            Some(c) => {
                self.register_conid(symbol.clone(), c);
                Ok(c)
            }
            None => {
                self.no_contract
                    .write()
                    .unwrap_or_else(|p| p.into_inner())
                    .insert(symbol.clone(), std::time::Instant::now());
                Err(no_such())
            }
        }
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

    /// An order from the gateway's answer: placed (the reply carries only id and status; the
    /// live list has the rest once IBKR has it, and until then the request says what was
    /// placed), a warning for the user, or — after a reply that leaves the outcome unknown —
    /// the session's orders searched for its `cOID`: found is adopted, none found is reported
    /// (the caller may resend with the same id).
    async fn settle(
        &self,
        account: &AccountId,
        request: &OrderRequest,
        sent: Result<PlaceOutcome, ConnectorError>,
    ) -> Result<Order, ConnectorError> {
        let cid = &request.client_order_id;
        match sent {
            Ok(PlaceOutcome::Placed { order_id, status }) => Ok(Order {
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
            }),
            Ok(PlaceOutcome::NeedsConfirmation { reply_id, messages }) => {
                Err(ConnectorError::NeedsConfirmation(OrderWarnings {
                    reply_id,
                    messages,
                }))
            }
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
        self.require_session().await?;
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
        self.require_session().await?;
        self.check(account).await?;
        let conid = self.resolve_conid(&request.symbol).await?;
        let sent = self.place_order(account, conid, request).await;
        self.settle(account, request, sent).await
    }

    /// Yes goes to `/iserver/reply/{id}` as `{"confirmed": true}` and may bring the next
    /// warning; no is sent as `{"confirmed": false}` and ends in `Rejected` whatever the gateway
    /// answers (it places nothing without a yes).
    async fn confirm_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
        reply_id: &str,
        confirmed: bool,
    ) -> Result<Order, ConnectorError> {
        if !confirmed {
            if let Err(e) = self.confirm(reply_id, false).await {
                tracing::debug!(error = %e, "IBKR answer to a declined warning");
            }
            return Err(ConnectorError::Rejected(format!(
                "order {} was declined at IBKR's warning and not sent",
                request.client_order_id
            )));
        }
        let sent = self.confirm(reply_id, true).await;
        self.settle(account, request, sent).await
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
        for s in symbols {
            match self.resolve_conid(s).await {
                Ok(c) => pairs.push((c, s.clone())),
                // No such contract: nothing to quote, and the other symbols still are.
                Err(ConnectorError::Rejected(why)) => tracing::debug!(%why, "no IBKR quote"),
                Err(e) => return Err(e),
            }
        }
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        self.quotes_by_conid(&pairs).await
    }
}
