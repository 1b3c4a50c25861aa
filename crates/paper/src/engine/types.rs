//! The engine's vocabulary: orders, commands in, events out. Names and wire spellings follow
//! Alpaca's Trading API v2 so the HTTP layer can serialise them without translation tables.

use brokerdesk_model::{AccountId, Symbol};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use uuid::Uuid;

use super::rejection::Rejection;
/// `Side` is the engine's name for the shared `OrderSide`.
pub use brokerdesk_model::order::{OrderSide as Side, OrderType, TimeInForce};

pub use super::time::Timestamp;

/// Alpaca's order statuses; the engine uses the subset a paper venue can reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Queued while the market is closed (or waiting for the opening/closing auction).
    Accepted,
    /// A bracket or OTO exit leg waiting for its entry to fill: open (it can be canceled),
    /// but in no book, holding nothing.
    Held,
    New,
    PartiallyFilled,
    Filled,
    Canceled,
    Expired,
    Replaced,
}

impl OrderStatus {
    /// The serde (wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::Held => "held",
            Self::New => "new",
            Self::PartiallyFilled => "partially_filled",
            Self::Filled => "filled",
            Self::Canceled => "canceled",
            Self::Expired => "expired",
            Self::Replaced => "replaced",
        }
    }

    /// Open orders can still fill, be canceled or be replaced.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            Self::Accepted | Self::Held | Self::New | Self::PartiallyFilled
        )
    }

    /// Live in a book (or about to be): may trade on a quote.
    pub fn is_working(self) -> bool {
        matches!(self, Self::New | Self::PartiallyFilled)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AccountKind {
    Cash,
    Margin,
}

/// What a client asks for. The edge mints `id` (and `client_order_id` when the client gave
/// none) so that the journaled command alone replays to the same order.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OrderRequest {
    pub account: AccountId,
    pub id: Uuid,
    pub client_order_id: String,
    pub symbol: Symbol,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    pub qty: Option<Decimal>,
    pub notional: Option<Decimal>,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub trail_price: Option<Decimal>,
    pub trail_percent: Option<Decimal>,
    #[serde(default)]
    pub extended_hours: bool,
    /// Bracket, OCO or OTO: the exits that come with this order.
    #[serde(default)]
    pub class: ClassRequest,
}

impl OrderRequest {
    /// A notional order, or a quantity with a fractional part.
    pub fn is_fractional(&self) -> bool {
        self.notional.is_some() || self.qty.is_some_and(|q| !super::limits::is_whole(q))
    }
}

/// Alpaca's `order_class`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderClass {
    #[default]
    Simple,
    Bracket,
    Oco,
    Oto,
}

impl OrderClass {
    /// The serde (wire) name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Simple => "simple",
            Self::Bracket => "bracket",
            Self::Oco => "oco",
            Self::Oto => "oto",
        }
    }

    fn is_simple(&self) -> bool {
        *self == Self::Simple
    }
}

/// `take_profit`: a limit order on the exit side.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct TakeProfit {
    pub limit_price: Decimal,
}

/// `stop_loss`: a stop (or, with `limit_price`, stop-limit) order on the exit side.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct StopLoss {
    pub stop_price: Decimal,
    pub limit_price: Option<Decimal>,
}

/// The one exit of an OTO order.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exit {
    TakeProfit(TakeProfit),
    StopLoss(StopLoss),
}

/// An order's class with exactly the exits that class has: a bracket has both, OTO one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "order_class", rename_all = "snake_case")]
pub enum ClassRequest {
    #[default]
    Simple,
    /// Entry, then a take-profit and a stop-loss that cancel each other.
    Bracket {
        take_profit: TakeProfit,
        stop_loss: StopLoss,
    },
    /// A take-profit limit (the order itself) and a stop-loss leg, live at once.
    Oco {
        take_profit: TakeProfit,
        stop_loss: StopLoss,
    },
    /// Entry, then one exit.
    Oto { exit: Exit },
}

impl ClassRequest {
    pub fn class(&self) -> OrderClass {
        match self {
            Self::Simple => OrderClass::Simple,
            Self::Bracket { .. } => OrderClass::Bracket,
            Self::Oco { .. } => OrderClass::Oco,
            Self::Oto { .. } => OrderClass::Oto,
        }
    }
}

/// PATCH /v2/orders/{id}: every field optional, absent means "keep".
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ReplaceRequest {
    pub qty: Option<Decimal>,
    pub time_in_force: Option<TimeInForce>,
    pub limit_price: Option<Decimal>,
    pub stop_price: Option<Decimal>,
    pub trail: Option<Decimal>,
    pub client_order_id: Option<String>,
}

/// What names an order and never changes: its client order id, account and symbol.
///
/// Shared between the venue's order and every event's copy of it: each event copies the
/// order as it is at that moment, and copying these three strings made that copy four
/// allocations and four frees (about half of what the events of a round trip cost).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderKeys {
    pub client_order_id: String,
    pub account: AccountId,
    pub symbol: Symbol,
}

/// An order as the venue knows it. `order.symbol`, `order.account` and
/// `order.client_order_id` read through to its `OrderKeys`. Serialized only into snapshots,
/// where a field that is not set is left out (most are, on most orders: 23 % of an image's
/// size was `null`s); images written with the `null`s read the same.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub id: Uuid,
    #[serde(flatten)]
    pub keys: Arc<OrderKeys>,
    #[serde(
        serialize_with = "super::time::serialize",
        deserialize_with = "super::time::deserialize"
    )]
    pub created_at: Timestamp,
    #[serde(
        serialize_with = "super::time::serialize",
        deserialize_with = "super::time::deserialize"
    )]
    pub updated_at: Timestamp,
    #[serde(
        serialize_with = "super::time::serialize",
        deserialize_with = "super::time::deserialize"
    )]
    pub submitted_at: Timestamp,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub filled_at: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub expired_at: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub canceled_at: Option<Timestamp>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub replaced_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_by: Option<Uuid>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaces: Option<Uuid>,
    pub side: Side,
    pub order_type: OrderType,
    pub time_in_force: TimeInForce,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qty: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notional: Option<Decimal>,
    #[serde(default, skip_serializing_if = "plain_zero")]
    pub filled_qty: Decimal,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub filled_avg_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stop_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_price: Option<Decimal>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trail_percent: Option<Decimal>,
    /// High (sell) or low (buy) water mark of a trailing stop.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hwm: Option<Decimal>,
    pub status: OrderStatus,
    #[serde(default, skip_serializing_if = "is_false")]
    pub extended_hours: bool,
    /// Global arrival sequence: time priority among orders at one price.
    pub seq: u64,
    /// A stop (or trailing stop) whose trigger was hit; it now behaves as market or limit.
    #[serde(default, skip_serializing_if = "is_false")]
    pub triggered: bool,
    /// Sum of qty × price over fills; exact, the average is derived from it.
    #[serde(default, skip_serializing_if = "plain_zero")]
    pub filled_notional: Decimal,
    /// Buying power held by this order while open.
    #[serde(default, skip_serializing_if = "plain_zero")]
    pub reserved: Decimal,
    /// Per-unit price the reservation is computed from.
    #[serde(default, skip_serializing_if = "plain_zero")]
    pub reserve_price: Decimal,
    /// Shares of a long position this sell holds, so two sells cannot sell them twice.
    #[serde(default, skip_serializing_if = "plain_zero")]
    pub held_qty: Decimal,
    /// When a day order expires (its session's close).
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub expires_at: Option<Timestamp>,
    /// When a queued, `opg` or `cls` order goes live.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::time::option::serialize",
        deserialize_with = "super::time::option::deserialize"
    )]
    pub activate_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "OrderClass::is_simple")]
    pub order_class: OrderClass,
    /// A parent's exit legs (bracket, OCO, OTO), in the order Alpaca lists them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub legs: Vec<Uuid>,
    /// A leg's parent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<Uuid>,
}

// An image leaves out what most orders hold and reading gives back bit for bit (a sixth of an
// open order's ~580 bytes of JSON): `false`, a simple class, and a zero `Decimal` that is
// exactly `Decimal::ZERO` (scale 0, not negative; "0.00" keeps its scale, so it is written).

fn is_false(b: &bool) -> bool {
    !*b
}

fn plain_zero(d: &Decimal) -> bool {
    d.is_zero() && d.scale() == 0 && !d.is_sign_negative()
}

/// Every event copies its order, two to four per order. A derived `clone` copies field by field
/// (each `Option<Decimal>` matched on its tag): some 150 instructions. Every field but the
/// keys and the legs is `Copy`, so the rest is one block copy; a field added that is not
/// `Copy` stops this compiling rather than being shared by mistake.
impl Clone for Order {
    #[inline]
    fn clone(&self) -> Self {
        Self {
            keys: Arc::clone(&self.keys),
            legs: self.legs.clone(),
            ..*self
        }
    }
}

impl std::ops::Deref for Order {
    type Target = OrderKeys;

    fn deref(&self) -> &OrderKeys {
        &self.keys
    }
}

impl Order {
    /// This order's account and symbol with another client order id (a leg's, a replacement's).
    pub fn keys_with_client_id(&self, client_order_id: String) -> Arc<OrderKeys> {
        Arc::new(OrderKeys {
            client_order_id,
            ..OrderKeys::clone(&self.keys)
        })
    }

    /// A copy on the heap, as events carry it. Written straight into its allocation: boxing a
    /// clone builds it on the stack and copies it again (a tenth of a round trip's copying).
    #[inline]
    pub fn boxed(&self) -> Box<Order> {
        Box::write(Box::new_uninit(), self.clone())
    }

    /// Quantity still to fill; for a notional order, in dollars.
    #[inline]
    pub fn leaves(&self) -> Decimal {
        match (self.qty, self.notional) {
            (Some(q), _) => super::fast_decimal::less(q, self.filled_qty),
            (None, Some(n)) => super::fast_decimal::less(n, self.filled_notional),
            (None, None) => Decimal::ZERO,
        }
    }

    /// The limit this order must respect now (limit orders, triggered stop-limits).
    pub fn effective_limit(&self) -> Option<Decimal> {
        match self.order_type {
            OrderType::Limit => self.limit_price,
            OrderType::StopLimit if self.triggered => self.limit_price,
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Quote {
    pub symbol: Symbol,
    pub bid_price: Decimal,
    pub bid_size: Decimal,
    pub ask_price: Decimal,
    pub ask_size: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Trade {
    pub symbol: Symbol,
    pub price: Decimal,
    pub size: Decimal,
}

/// A price in [0, `MAX_MARKET_PRICE`] and a size in [0, `MAX_MARKET_SIZE`]: anything else is
/// not a market, and is ignored rather than let into the books' arithmetic.
fn sane(price: Decimal, size: Decimal) -> bool {
    use super::limits::{MAX_MARKET_PRICE, MAX_MARKET_SIZE, at_most, not_negative};
    not_negative(price)
        && at_most(price, MAX_MARKET_PRICE)
        && not_negative(size)
        && at_most(size, MAX_MARKET_SIZE)
}

impl Quote {
    pub fn is_sane(&self) -> bool {
        sane(self.bid_price, self.bid_size) && sane(self.ask_price, self.ask_size)
    }
}

impl Trade {
    pub fn is_sane(&self) -> bool {
        sane(self.price, self.size)
    }
}

impl MarketUpdate {
    pub fn is_sane(&self) -> bool {
        match self {
            Self::Quote(q) => q.is_sane(),
            Self::Trade(t) => t.is_sane(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum MarketUpdate {
    Quote(Quote),
    Trade(Trade),
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data", rename_all = "snake_case")]
pub enum CommandKind {
    OpenAccount {
        account: AccountId,
        kind: AccountKind,
        cash: Decimal,
    },
    Submit(OrderRequest),
    Cancel {
        account: AccountId,
        order_id: Uuid,
    },
    Replace {
        account: AccountId,
        order_id: Uuid,
        new_id: Uuid,
        changes: ReplaceRequest,
    },
    Quote(Quote),
    Trade(Trade),
    /// Several ticks at one instant: one journal row for a whole market snapshot.
    Market(Vec<MarketUpdate>),
    /// Only advances time: sessions open and close, day orders expire.
    Clock,
    /// Back to a fresh account: no orders, positions or fills, and `cash`.
    ResetAccount {
        account: AccountId,
        cash: Decimal,
    },
    /// A change to an account's watchlists (not the engine's concern: applied beside it).
    Watchlist(super::watchlists::WatchlistCommand),
    /// `PATCH /v2/account/configurations`: the account's whole configuration after it.
    Configure {
        account: AccountId,
        config: super::configuration::AccountConfig,
    },
}

/// Everything that changes the engine, stamped with the time the edge read from its clock.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Command {
    pub at: Timestamp,
    pub kind: CommandKind,
}

impl Command {
    pub fn new(at: Timestamp, kind: CommandKind) -> Self {
        Self { at, kind }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Fill {
    pub qty: Decimal,
    pub price: Decimal,
    pub at: Timestamp,
    /// The account's signed position in the symbol after this fill.
    pub position_qty: Decimal,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    AccountOpened {
        account: AccountId,
    },
    /// The account's configuration changed (`CommandKind::Configure`).
    Configured {
        account: AccountId,
    },
    /// The account was reset (`CommandKind::ResetAccount`).
    AccountReset {
        account: AccountId,
    },
    // Orders are boxed: an event is moved several times on its way out, and a 500-byte
    // order inline made each move (and each event vector) that large.
    /// Alpaca's `new` (or `accepted` while queued for the open).
    Accepted {
        order: Box<Order>,
    },
    PartiallyFilled {
        order: Box<Order>,
        fill: Fill,
    },
    Filled {
        order: Box<Order>,
        fill: Fill,
    },
    Canceled {
        order: Box<Order>,
    },
    Expired {
        order: Box<Order>,
    },
    /// Boxed: two orders would make every event twice as large.
    Replaced {
        old: Box<Order>,
        new: Box<Order>,
    },
    /// A command the venue refused; nothing changed.
    Rejected {
        rejection: Rejection,
        order_id: Option<Uuid>,
        client_order_id: Option<String>,
    },
}
