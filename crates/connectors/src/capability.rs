//! The capability traits of DESIGN.md. Each vendor implements only the ones it truly supports.

use crate::error::ConnectorError;
use crate::types::{
    ActivityPage, Order, OrderFilter, OrderRequest, PaymentBalance, Quote, TransactionPage,
    TransactionQuery,
};
use async_trait::async_trait;
use brokerdesk_model::position_detail::{BarTimeframe, PriceBar};
use brokerdesk_model::{AccountId, Balances, ClientOrderId, OrderId, Position, Symbol};
use chrono::{DateTime, Utc};

/// Read access to an institution's accounts, balances and positions.
#[async_trait]
pub trait Portfolio: Send + Sync {
    async fn accounts(&self) -> Result<Vec<AccountId>, ConnectorError>;
    async fn balances(&self, account: &AccountId) -> Result<Balances, ConnectorError>;
    async fn positions(&self, account: &AccountId) -> Result<Vec<Position>, ConnectorError>;
}

/// Placing and managing orders.
#[async_trait]
pub trait Trading: Send + Sync {
    /// Submits exactly once: after a timeout or a lost reply the connector looks the order up by
    /// its client order id before it sends again, and adopts an order that already exists.
    async fn submit_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
    ) -> Result<Order, ConnectorError>;
    async fn cancel_order(
        &self,
        account: &AccountId,
        order: &OrderId,
    ) -> Result<(), ConnectorError>;
    async fn orders(
        &self,
        account: &AccountId,
        filter: &OrderFilter,
    ) -> Result<Vec<Order>, ConnectorError>;
    /// `None` when the broker has no order with that client id.
    async fn order_by_client_id(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<Order>, ConnectorError>;

    /// Follows an order the app placed: by its client order id, or by the broker's own id
    /// (`broker_order`, from the placing reply) where the broker does not report client ids.
    async fn find_order(
        &self,
        account: &AccountId,
        client_order_id: &ClientOrderId,
        broker_order: Option<&OrderId>,
    ) -> Result<Option<Order>, ConnectorError> {
        let _ = broker_order;
        self.order_by_client_id(account, client_order_id).await
    }

    /// Answers the warnings a `submit_order` came back with
    /// (`ConnectorError::NeedsConfirmation`): yes places `request` (which may bring further
    /// warnings), no withdraws it and returns `Rejected`.
    async fn confirm_order(
        &self,
        account: &AccountId,
        request: &OrderRequest,
        reply_id: &str,
        confirmed: bool,
    ) -> Result<Order, ConnectorError> {
        let _ = (account, request, reply_id, confirmed);
        Err(ConnectorError::Rejected(
            "this institution does not ask to confirm orders".into(),
        ))
    }
}

/// Quotes.
#[async_trait]
pub trait MarketData: Send + Sync {
    /// Latest quotes; symbols the vendor has nothing for are left out.
    async fn latest_quotes(&self, symbols: &[Symbol]) -> Result<Vec<Quote>, ConnectorError>;

    /// Price history of one symbol: bars of `timeframe` between `start` and `end`, oldest
    /// first, at most `limit` of them (the newest kept). `Ok(None)` when this vendor offers no
    /// price history (the default): the UI says so rather than borrow another's.
    async fn bars(
        &self,
        symbol: &Symbol,
        timeframe: BarTimeframe,
        start: DateTime<Utc>,
        end: DateTime<Utc>,
        limit: u32,
    ) -> Result<Option<Vec<PriceBar>>, ConnectorError> {
        let _ = (symbol, timeframe, start, end, limit);
        Ok(None)
    }
}

/// A payment account (PayPal, Stripe, Square): its balances and its transactions.
///
/// Transactions come newest first; `amount` is signed (money in is positive) and `fee` is what
/// the transaction cost. A page's `next_cursor` stands alone: passed back as
/// `TransactionQuery::cursor` it continues the same listing, and `since`/`until` are then not
/// read. Square reports no balance: its `payment_balances` is always a `Rejected` error whose
/// message says so for the user.
#[async_trait]
pub trait Payments: Send + Sync {
    async fn payment_balances(
        &self,
        account: &AccountId,
    ) -> Result<Vec<PaymentBalance>, ConnectorError>;
    async fn transactions(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<TransactionPage, ConnectorError>;
}

/// An account's money movements: fills, dividends, fees, transfers, payments, payouts.
///
/// Entries come newest first, each with the vendor's own id (stable: the service stores them by
/// it, so reading a movement twice never lists it twice). `query.since`/`until` bound the time
/// where the vendor can; a page's `next_cursor`, passed back as `query.cursor`, continues the
/// same listing. A vendor that cannot filter by time may return older entries: the service
/// keeps what it has not seen.
#[async_trait]
pub trait AccountActivity: Send + Sync {
    async fn activity(
        &self,
        account: &AccountId,
        query: &TransactionQuery,
    ) -> Result<ActivityPage, ConnectorError>;
}

/// Balances the vendor bills per live read: read live at most every [`live_every`]
/// (otherwise from the vendor's own recent copy), and live at once when the user asks.
///
/// [`live_every`]: BilledBalances::live_every
pub trait BilledBalances: Send + Sync {
    /// The least time between two automatic live reads.
    fn live_every(&self) -> std::time::Duration;
    /// The next balance read of every account is live, whatever the time since the last.
    fn read_live_next(&self);
}

/// An account's past equity as the institution recorded it (the net worth chart's back-fill).
///
/// Daily figures from `since` (a day, not a time: the vendor's own daily closes) to now, oldest
/// first, in the account's currency. Days without a figure are left out.
#[async_trait]
pub trait EquityHistory: Send + Sync {
    async fn equity_history(
        &self,
        account: &AccountId,
        since: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<brokerdesk_model::net_worth::EquityPoint>, ConnectorError>;
}

/// Which of a connection's streams an update is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StreamKind {
    /// Order status and fills (Alpaca's trade updates).
    Orders,
    /// Quotes for the watched symbols.
    Quotes,
}

/// What a connection's streams report, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum StreamUpdate {
    /// A stream (re)connected and subscribed. Streams do not backfill: the consumer re-reads
    /// over REST, once, whatever may have changed while it was down.
    Connected(StreamKind),
    /// A stream dropped; it reconnects by itself (a `Connected` follows).
    Disconnected {
        kind: StreamKind,
        reason: String,
    },
    /// A stream stopped for good (credentials refused, a plan without it): the consumer falls
    /// back to polling what it carried.
    Stopped {
        kind: StreamKind,
        reason: String,
    },
    /// An order changed (accepted, filled, cancelled…), as it now is; `fill` when the update is
    /// an execution, with its price and quantity.
    Order {
        order: Order,
        fill: Option<(rust_decimal::Decimal, rust_decimal::Decimal)>,
    },
    Quote(Quote),
}

/// Push updates: order status and fills, and quotes for a set of symbols that can change.
/// A vendor without streams does not implement it; the service then polls.
pub trait Streams: Send + Sync {
    /// Opens the streams. They run, reconnecting with backoff, until the handle is dropped.
    fn open(&self) -> StreamHandle;
}

/// Open streams: their updates, and the control that keeps them running.
pub struct StreamHandle {
    pub updates: tokio::sync::mpsc::Receiver<StreamUpdate>,
    pub control: StreamControl,
}

/// Keeps the streams running (they stop when it is dropped) and sets the symbols whose
/// quotes they carry.
pub struct StreamControl {
    quotes: tokio::sync::watch::Sender<std::collections::BTreeSet<Symbol>>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl StreamControl {
    /// `tasks` are stopped when the control is dropped; `quotes` is what the quote stream
    /// follows (it re-subscribes on every change and after every reconnect).
    pub fn new(
        quotes: tokio::sync::watch::Sender<std::collections::BTreeSet<Symbol>>,
        tasks: Vec<tokio::task::JoinHandle<()>>,
    ) -> Self {
        Self { quotes, tasks }
    }

    /// Quotes for exactly these symbols from now on; returns whether the set changed.
    pub fn watch_quotes(&self, symbols: std::collections::BTreeSet<Symbol>) -> bool {
        self.quotes.send_if_modified(|current| {
            if *current == symbols {
                false
            } else {
                *current = symbols;
                true
            }
        })
    }

    /// The symbols whose quotes are streamed now.
    pub fn watched_quotes(&self) -> std::collections::BTreeSet<Symbol> {
        self.quotes.borrow().clone()
    }
}

impl Drop for StreamControl {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}
