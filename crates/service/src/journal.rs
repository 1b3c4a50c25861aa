//! The app's own record of the orders it placed and the fills it saw, per account, in SQLite
//! (WAL, synchronous=FULL: an order is journaled before it is sent, and that row must survive a
//! crash). Reconciliation compares it with what each broker reports.
//!
//! Decimals are stored as their exact text; nothing here ever becomes a float.

use crate::error::ServiceError;
use brokerdesk_model::order::{Order, OrderRequest, OrderSide, OrderStatus};
use brokerdesk_model::{
    AccountId, BreakKind, ClientOrderId, ConnectionId, ReconciliationBreak, Symbol,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

const MIGRATIONS: &[M<'static>] = &[
    M::up(
        "CREATE TABLE orders (
        client_order_id TEXT PRIMARY KEY,
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        request TEXT NOT NULL,
        broker_order TEXT,
        status TEXT NOT NULL,
        filled_qty TEXT NOT NULL DEFAULT '0',
        filled_avg_price TEXT,
        submitted_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE INDEX orders_by_account ON orders(connection, account);
    CREATE TABLE fills (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        client_order_id TEXT NOT NULL REFERENCES orders(client_order_id),
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        side TEXT NOT NULL,
        qty TEXT NOT NULL,
        price TEXT NOT NULL,
        cum_qty TEXT NOT NULL,
        at TEXT NOT NULL,
        UNIQUE(client_order_id, cum_qty)
    );
    CREATE TABLE baselines (
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        qty TEXT NOT NULL,
        avg_cost TEXT,
        after_seq INTEGER NOT NULL,
        set_at TEXT NOT NULL,
        PRIMARY KEY(connection, account, symbol)
    );
    CREATE TABLE accounts_seen (
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        after_seq INTEGER NOT NULL,
        first_seen_at TEXT NOT NULL,
        PRIMARY KEY(connection, account)
    );
    CREATE TABLE breaks (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        symbol TEXT NOT NULL,
        kind TEXT NOT NULL,
        expected_qty TEXT NOT NULL,
        broker_qty TEXT NOT NULL,
        expected_avg TEXT,
        broker_avg TEXT,
        detected_at TEXT NOT NULL,
        still_present INTEGER NOT NULL,
        resolved_at TEXT
    );",
    ),
    // The accounts the user reset (the local sandbox's Settings › Reset): the journal's
    // expectations start again from nothing there.
    M::up(
        "CREATE TABLE account_resets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        after_seq INTEGER NOT NULL,
        at TEXT NOT NULL
    );",
    ),
];

/// An order as the journal holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct JournaledOrder {
    pub connection: ConnectionId,
    pub account: AccountId,
    pub request: OrderRequest,
    /// The broker's last word on it; `None` until the broker acknowledged it.
    pub broker_order: Option<Order>,
    pub filled_qty: Decimal,
    pub filled_avg_price: Option<Decimal>,
    pub submitted_at: DateTime<Utc>,
}

impl JournaledOrder {
    pub fn is_open(&self) -> bool {
        self.broker_order
            .as_ref()
            .is_none_or(|o| o.status.is_open())
    }
}

/// A fill derived from the growth of an order's filled quantity.
#[derive(Clone, Debug, PartialEq)]
pub struct Fill {
    pub seq: i64,
    pub symbol: Symbol,
    pub side: OrderSide,
    pub qty: Decimal,
    pub price: Decimal,
}

/// A position the journal takes as given (what the broker held when the account was first
/// seen, or the broker's figure the user accepted when resolving a break).
#[derive(Clone, Debug, PartialEq)]
pub struct Baseline {
    pub symbol: Symbol,
    pub qty: Decimal,
    pub avg_cost: Option<Decimal>,
    /// Only fills after this sequence number move the position on from the baseline.
    pub after_seq: i64,
}

pub struct Journal {
    db: Connection,
}

fn err(context: &str) -> impl Fn(rusqlite::Error) -> ServiceError + '_ {
    move |e| ServiceError::Internal(format!("order journal: {context}: {e}"))
}

fn dec(text: &str) -> Result<Decimal, ServiceError> {
    Decimal::from_str(text).map_err(|e| {
        ServiceError::Internal(format!("order journal holds a bad number `{text}`: {e}"))
    })
}

fn opt_dec(text: Option<String>) -> Result<Option<Decimal>, ServiceError> {
    text.as_deref().map(dec).transpose()
}

fn json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, ServiceError> {
    serde_json::from_str(text)
        .map_err(|e| ServiceError::Internal(format!("order journal holds an unreadable row: {e}")))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String, ServiceError> {
    serde_json::to_string(v).map_err(|e| ServiceError::Internal(format!("encoding: {e}")))
}

fn time(text: &str) -> Result<DateTime<Utc>, ServiceError> {
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| {
            ServiceError::Internal(format!("order journal holds a bad time `{text}`: {e}"))
        })
}

fn side_text(side: OrderSide) -> &'static str {
    match side {
        OrderSide::Buy => "buy",
        OrderSide::Sell => "sell",
    }
}

fn kind_text(kind: BreakKind) -> &'static str {
    match kind {
        BreakKind::Quantity => "quantity",
        BreakKind::AverageCost => "average_cost",
        BreakKind::OpenedOutsideApp => "opened_outside_app",
        BreakKind::ClosedOutsideApp => "closed_outside_app",
    }
}

fn kind_from(text: &str) -> Result<BreakKind, ServiceError> {
    json(&format!("\"{text}\""))
}

impl Journal {
    pub fn open(path: &Path) -> Result<Self, ServiceError> {
        let mut db = Connection::open(path).map_err(err("opening"))?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(err("WAL"))?;
        db.pragma_update(None, "synchronous", "FULL")
            .map_err(err("synchronous"))?;
        db.pragma_update(None, "foreign_keys", "ON")
            .map_err(err("foreign keys"))?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut db)
            .map_err(|e| ServiceError::Internal(format!("order journal: migrating: {e}")))?;
        Ok(Self { db })
    }

    /// Records an order before it is sent: if the app dies mid-send, the next start finds it
    /// and asks the broker by its client order id.
    pub fn record_submission(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
        request: &OrderRequest,
        at: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        self.db
            .execute(
                "INSERT INTO orders (client_order_id, connection, account, request, status,
                                     submitted_at, updated_at)
                 VALUES (?1, ?2, ?3, ?4, 'pending_new', ?5, ?5)",
                params![
                    request.client_order_id.as_str(),
                    connection.as_str(),
                    account.as_str(),
                    to_json(request)?,
                    at.to_rfc3339(),
                ],
            )
            .map_err(err("recording an order"))?;
        Ok(())
    }

    /// Stores the broker's report of an order; when its filled quantity grew, records the fill
    /// that explains the growth (quantity and price, exact). Returns the new fill, if any.
    pub fn record_broker_order(
        &mut self,
        client_order_id: &ClientOrderId,
        order: &Order,
        at: DateTime<Utc>,
    ) -> Result<Option<Fill>, ServiceError> {
        let tx = self.db.transaction().map_err(err("begin"))?;
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = tx
            .query_row(
                "SELECT connection, account, request, filled_qty, filled_avg_price, broker_order
                 FROM orders WHERE client_order_id = ?1",
                params![client_order_id.as_str()],
                |r| {
                    Ok((
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        r.get(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                },
            )
            .optional()
            .map_err(err("reading an order"))?;
        let Some((connection, account, request, old_qty, old_avg, known)) = row else {
            return Err(ServiceError::Internal(format!(
                "order journal has no order {client_order_id}"
            )));
        };
        let request: OrderRequest = json(&request)?;
        let old_qty = dec(&old_qty)?;
        let old_avg = opt_dec(old_avg)?.unwrap_or_default();
        let new_qty = order.filled_qty;
        let known: Option<Order> = known.as_deref().map(json).transpose()?;
        // Reports arrive by two paths (the stream, and REST lookups) and not always in order:
        // an older one never takes back a fill or reopens a closed order.
        let older = new_qty < old_qty
            || known
                .as_ref()
                .is_some_and(|k| !k.status.is_open() && order.status.is_open());
        if older {
            return Ok(None);
        }
        let mut fill = None;
        if new_qty > old_qty {
            let new_avg = order.filled_avg_price.unwrap_or_default();
            let delta = new_qty - old_qty;
            // The price of the new shares is what makes the running average come out right.
            let price = ((new_avg * new_qty - old_avg * old_qty) / delta)
                .round_dp(9)
                .normalize();
            tx.execute(
                "INSERT OR IGNORE INTO fills (client_order_id, connection, account, symbol, side,
                                              qty, price, cum_qty, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                params![
                    client_order_id.as_str(),
                    connection,
                    account,
                    request.symbol.as_str(),
                    side_text(request.side),
                    delta.to_string(),
                    price.to_string(),
                    new_qty.to_string(),
                    at.to_rfc3339(),
                ],
            )
            .map_err(err("recording a fill"))?;
            fill = Some(Fill {
                seq: tx.last_insert_rowid(),
                symbol: request.symbol.clone(),
                side: request.side,
                qty: delta,
                price,
            });
        }
        let (qty, avg) = if new_qty >= old_qty {
            (new_qty, order.filled_avg_price)
        } else {
            // A broker never un-fills; keep what we saw rather than lose a fill.
            (old_qty, Some(old_avg))
        };
        tx.execute(
            "UPDATE orders SET broker_order = ?2, status = ?3, filled_qty = ?4,
                               filled_avg_price = ?5, updated_at = ?6
             WHERE client_order_id = ?1",
            params![
                client_order_id.as_str(),
                to_json(order)?,
                status_text(&order.status),
                qty.to_string(),
                avg.map(|a| a.to_string()),
                at.to_rfc3339(),
            ],
        )
        .map_err(err("updating an order"))?;
        tx.commit().map_err(err("commit"))?;
        Ok(fill)
    }

    /// The broker never heard of this order (the send failed before it arrived): close it.
    pub fn mark_not_sent(
        &self,
        client_order_id: &ClientOrderId,
        at: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        self.db
            .execute(
                "UPDATE orders SET status = 'not_sent', updated_at = ?2 WHERE client_order_id = ?1",
                params![client_order_id.as_str(), at.to_rfc3339()],
            )
            .map_err(err("closing an order"))?;
        Ok(())
    }

    /// The order with this client id, if the app placed it.
    pub fn order(
        &self,
        client_order_id: &ClientOrderId,
    ) -> Result<Option<JournaledOrder>, ServiceError> {
        // Few orders are open at once; the blotter's reading is the one reading of a row.
        Ok(self
            .orders()?
            .into_iter()
            .find(|o| &o.request.client_order_id == client_order_id))
    }

    /// Every order, newest first.
    pub fn orders(&self) -> Result<Vec<JournaledOrder>, ServiceError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT connection, account, request, broker_order, filled_qty, filled_avg_price,
                        submitted_at, status
                 FROM orders ORDER BY submitted_at DESC, rowid DESC",
            )
            .map_err(err("listing orders"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, Option<String>>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                ))
            })
            .map_err(err("listing orders"))?;
        let mut out = Vec::new();
        for row in rows {
            let (connection, account, request, broker, qty, avg, at, status) =
                row.map_err(err("listing orders"))?;
            let mut broker_order: Option<Order> = broker.as_deref().map(json).transpose()?;
            if status == "not_sent" {
                // Shown as rejected: the broker never had it.
                let request: OrderRequest = json(&request)?;
                broker_order = Some(placeholder_order(&request, OrderStatus::Rejected));
            }
            out.push(JournaledOrder {
                connection: ConnectionId::new(connection),
                account: AccountId::new(account),
                request: json(&request)?,
                broker_order,
                filled_qty: dec(&qty)?,
                filled_avg_price: opt_dec(avg)?,
                submitted_at: time(&at)?,
            });
        }
        Ok(out)
    }

    /// Fills of one account, oldest first, after sequence number `after`.
    pub fn fills(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
    ) -> Result<Vec<Fill>, ServiceError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT seq, symbol, side, qty, price FROM fills
                 WHERE connection = ?1 AND account = ?2 ORDER BY seq",
            )
            .map_err(err("listing fills"))?;
        let rows = stmt
            .query_map(params![connection.as_str(), account.as_str()], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                ))
            })
            .map_err(err("listing fills"))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, symbol, side, qty, price) = row.map_err(err("listing fills"))?;
            out.push(Fill {
                seq,
                symbol: Symbol::new(symbol),
                side: json(&format!("\"{side}\""))?,
                qty: dec(&qty)?,
                price: dec(&price)?,
            });
        }
        Ok(out)
    }

    /// Fills of one symbol in one account, oldest first, with their times (the position page
    /// marks them on the price chart).
    pub fn symbol_fills(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
        symbol: &Symbol,
    ) -> Result<Vec<(DateTime<Utc>, Fill)>, ServiceError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT seq, side, qty, price, at FROM fills
                 WHERE connection = ?1 AND account = ?2 AND symbol = ?3 ORDER BY seq",
            )
            .map_err(err("listing fills"))?;
        let rows = stmt
            .query_map(
                params![connection.as_str(), account.as_str(), symbol.as_str()],
                |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, String>(4)?,
                    ))
                },
            )
            .map_err(err("listing fills"))?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, side, qty, price, at) = row.map_err(err("listing fills"))?;
            out.push((
                time(&at)?,
                Fill {
                    seq,
                    symbol: symbol.clone(),
                    side: json(&format!("\"{side}\""))?,
                    qty: dec(&qty)?,
                    price: dec(&price)?,
                },
            ));
        }
        Ok(out)
    }

    /// The highest fill sequence number so far (0 with none).
    pub fn last_seq(&self) -> Result<i64, ServiceError> {
        self.db
            .query_row("SELECT COALESCE(MAX(seq), 0) FROM fills", [], |r| r.get(0))
            .map_err(err("reading fills"))
    }

    /// First sight of an account: what it holds now is its starting point, not a break.
    /// Returns false when the account was already known.
    pub fn adopt_account(
        &mut self,
        connection: &ConnectionId,
        account: &AccountId,
        holdings: &[(Symbol, Decimal, Option<Decimal>)],
        at: DateTime<Utc>,
    ) -> Result<bool, ServiceError> {
        let last = self.last_seq()?;
        let tx = self.db.transaction().map_err(err("begin"))?;
        let added = tx
            .execute(
                "INSERT OR IGNORE INTO accounts_seen (connection, account, after_seq, first_seen_at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![connection.as_str(), account.as_str(), last, at.to_rfc3339()],
            )
            .map_err(err("adopting an account"))?;
        if added == 1 {
            for (symbol, qty, avg) in holdings {
                upsert_baseline(&tx, connection, account, symbol, *qty, *avg, last, at)?;
            }
        }
        tx.commit().map_err(err("commit"))?;
        Ok(added == 1)
    }

    /// Every account of `connection` was reset to holding nothing (a paper account's reset):
    /// the expectations start again from there, no baseline carries over, and the breaks still
    /// open are answered by it. Recorded in `account_resets`. Returns the accounts reset.
    pub fn restart_accounts(
        &mut self,
        connection: &ConnectionId,
        at: DateTime<Utc>,
    ) -> Result<Vec<AccountId>, ServiceError> {
        let last = self.last_seq()?;
        let tx = self.db.transaction().map_err(err("begin"))?;
        let accounts: Vec<String> = {
            let mut stmt = tx
                .prepare("SELECT account FROM accounts_seen WHERE connection = ?1")
                .map_err(err("reading accounts"))?;
            let rows = stmt
                .query_map(params![connection.as_str()], |r| r.get(0))
                .map_err(err("reading accounts"))?;
            rows.collect::<Result<_, _>>()
                .map_err(err("reading accounts"))?
        };
        for account in &accounts {
            let keys = params![connection.as_str(), account];
            tx.execute(
                "UPDATE accounts_seen SET after_seq = ?3 WHERE connection = ?1 AND account = ?2",
                params![connection.as_str(), account, last],
            )
            .map_err(err("resetting an account"))?;
            tx.execute(
                "DELETE FROM baselines WHERE connection = ?1 AND account = ?2",
                keys,
            )
            .map_err(err("resetting an account"))?;
            tx.execute(
                "UPDATE breaks SET resolved_at = ?3 WHERE connection = ?1 AND account = ?2
                 AND resolved_at IS NULL",
                params![connection.as_str(), account, at.to_rfc3339()],
            )
            .map_err(err("resetting an account"))?;
            tx.execute(
                "INSERT INTO account_resets (connection, account, after_seq, at)
                 VALUES (?1, ?2, ?3, ?4)",
                params![connection.as_str(), account, last, at.to_rfc3339()],
            )
            .map_err(err("recording a reset"))?;
        }
        tx.commit().map_err(err("commit"))?;
        Ok(accounts.into_iter().map(AccountId::new).collect())
    }

    /// The account's starting point and the sequence number it counts fills from.
    pub fn baselines(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
    ) -> Result<Option<(i64, Vec<Baseline>)>, ServiceError> {
        let seen: Option<i64> = self
            .db
            .query_row(
                "SELECT after_seq FROM accounts_seen WHERE connection = ?1 AND account = ?2",
                params![connection.as_str(), account.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(err("reading accounts"))?;
        let Some(seen) = seen else { return Ok(None) };
        let mut stmt = self
            .db
            .prepare(
                "SELECT symbol, qty, avg_cost, after_seq FROM baselines
                 WHERE connection = ?1 AND account = ?2",
            )
            .map_err(err("reading baselines"))?;
        let rows = stmt
            .query_map(params![connection.as_str(), account.as_str()], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Option<String>>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })
            .map_err(err("reading baselines"))?;
        let mut out = Vec::new();
        for row in rows {
            let (symbol, qty, avg, after_seq) = row.map_err(err("reading baselines"))?;
            out.push(Baseline {
                symbol: Symbol::new(symbol),
                qty: dec(&qty)?,
                avg_cost: opt_dec(avg)?,
                after_seq,
            });
        }
        Ok(Some((seen, out)))
    }

    /// Replaces the open breaks of one account with what the last reconciliation found: a
    /// break seen again keeps its id and first-detected time; one no longer seen stays open,
    /// marked not present, until the user resolves it.
    pub fn record_breaks(
        &mut self,
        connection: &ConnectionId,
        account: &AccountId,
        found: &[ReconciliationBreak],
        at: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let tx = self.db.transaction().map_err(err("begin"))?;
        tx.execute(
            "UPDATE breaks SET still_present = 0
             WHERE connection = ?1 AND account = ?2 AND resolved_at IS NULL",
            params![connection.as_str(), account.as_str()],
        )
        .map_err(err("updating breaks"))?;
        for b in found {
            let existing: Option<i64> = tx
                .query_row(
                    "SELECT id FROM breaks WHERE connection = ?1 AND account = ?2 AND symbol = ?3
                     AND kind = ?4 AND resolved_at IS NULL",
                    params![
                        connection.as_str(),
                        account.as_str(),
                        b.symbol.as_str(),
                        kind_text(b.kind)
                    ],
                    |r| r.get(0),
                )
                .optional()
                .map_err(err("reading breaks"))?;
            let figures = params![
                b.expected_qty.to_string(),
                b.broker_qty.to_string(),
                b.expected_avg_cost.map(|d| d.to_string()),
                b.broker_avg_cost.map(|d| d.to_string()),
            ];
            match existing {
                Some(id) => {
                    let mut values: Vec<&dyn rusqlite::ToSql> = figures.to_vec();
                    values.push(&id);
                    tx.execute(
                        "UPDATE breaks SET expected_qty = ?1, broker_qty = ?2, expected_avg = ?3,
                                           broker_avg = ?4, still_present = 1 WHERE id = ?5",
                        values.as_slice(),
                    )
                    .map_err(err("updating breaks"))?;
                }
                None => {
                    tx.execute(
                        "INSERT INTO breaks (connection, account, symbol, kind, expected_qty,
                                             broker_qty, expected_avg, broker_avg, detected_at,
                                             still_present)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 1)",
                        params![
                            connection.as_str(),
                            account.as_str(),
                            b.symbol.as_str(),
                            kind_text(b.kind),
                            b.expected_qty.to_string(),
                            b.broker_qty.to_string(),
                            b.expected_avg_cost.map(|d| d.to_string()),
                            b.broker_avg_cost.map(|d| d.to_string()),
                            at.to_rfc3339(),
                        ],
                    )
                    .map_err(err("recording breaks"))?;
                }
            }
        }
        tx.commit().map_err(err("commit"))?;
        Ok(())
    }

    /// Breaks not yet resolved, oldest first.
    pub fn open_breaks(&self) -> Result<Vec<ReconciliationBreak>, ServiceError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT id, connection, account, symbol, kind, expected_qty, broker_qty,
                        expected_avg, broker_avg, detected_at, still_present
                 FROM breaks WHERE resolved_at IS NULL ORDER BY id",
            )
            .map_err(err("listing breaks"))?;
        let rows = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, Option<String>>(7)?,
                    r.get::<_, Option<String>>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, bool>(10)?,
                ))
            })
            .map_err(err("listing breaks"))?;
        let mut out = Vec::new();
        for row in rows {
            let (id, connection, account, symbol, kind, eq, bq, ea, ba, at, present) =
                row.map_err(err("listing breaks"))?;
            let kind = kind_from(&kind)?;
            out.push(ReconciliationBreak {
                id,
                connection: ConnectionId::new(connection),
                account: AccountId::new(account),
                symbol: Symbol::new(symbol),
                kind,
                expected_qty: dec(&eq)?,
                broker_qty: dec(&bq)?,
                expected_avg_cost: opt_dec(ea)?,
                broker_avg_cost: opt_dec(ba)?,
                cause: kind.cause().to_owned(),
                detected_at: time(&at)?,
                still_present: present,
            });
        }
        Ok(out)
    }

    /// The user accepts the broker's figures: the broker's position becomes the journal's
    /// starting point for that symbol, and the break is closed.
    pub fn resolve_break(&mut self, id: i64, at: DateTime<Utc>) -> Result<(), ServiceError> {
        let last = self.last_seq()?;
        let tx = self.db.transaction().map_err(err("begin"))?;
        let row: Option<(String, String, String, String, Option<String>)> = tx
            .query_row(
                "SELECT connection, account, symbol, broker_qty, broker_avg FROM breaks
                 WHERE id = ?1 AND resolved_at IS NULL",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?)),
            )
            .optional()
            .map_err(err("reading a break"))?;
        let Some((connection, account, symbol, qty, avg)) = row else {
            return Err(ServiceError::InvalidInput(format!(
                "no open reconciliation break {id}"
            )));
        };
        let (connection, account, symbol) = (
            ConnectionId::new(connection),
            AccountId::new(account),
            Symbol::new(symbol),
        );
        upsert_baseline(
            &tx,
            &connection,
            &account,
            &symbol,
            dec(&qty)?,
            opt_dec(avg)?,
            last,
            at,
        )?;
        // Every open break of that symbol is answered by the new starting point.
        tx.execute(
            "UPDATE breaks SET resolved_at = ?4 WHERE connection = ?1 AND account = ?2
             AND symbol = ?3 AND resolved_at IS NULL",
            params![
                connection.as_str(),
                account.as_str(),
                symbol.as_str(),
                at.to_rfc3339()
            ],
        )
        .map_err(err("resolving a break"))?;
        tx.commit().map_err(err("commit"))?;
        Ok(())
    }
}

#[allow(clippy::too_many_arguments)]
fn upsert_baseline(
    tx: &rusqlite::Transaction<'_>,
    connection: &ConnectionId,
    account: &AccountId,
    symbol: &Symbol,
    qty: Decimal,
    avg: Option<Decimal>,
    after_seq: i64,
    at: DateTime<Utc>,
) -> Result<(), ServiceError> {
    tx.execute(
        "INSERT INTO baselines (connection, account, symbol, qty, avg_cost, after_seq, set_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT(connection, account, symbol) DO UPDATE SET
            qty = excluded.qty, avg_cost = excluded.avg_cost, after_seq = excluded.after_seq,
            set_at = excluded.set_at",
        params![
            connection.as_str(),
            account.as_str(),
            symbol.as_str(),
            qty.to_string(),
            avg.map(|a| a.to_string()),
            after_seq,
            at.to_rfc3339(),
        ],
    )
    .map_err(err("setting a baseline"))?;
    Ok(())
}

fn status_text(status: &OrderStatus) -> String {
    match serde_json::to_value(status) {
        Ok(serde_json::Value::String(s)) => s,
        _ => "other".to_owned(),
    }
}

/// How an order the broker has not reported shows in the blotter: as the request, under a
/// placeholder id, with `status` (pending while unknown, rejected when never sent).
pub fn placeholder_order(request: &OrderRequest, status: OrderStatus) -> Order {
    let prefix = if status == OrderStatus::Rejected {
        "unsent"
    } else {
        "pending"
    };
    Order {
        id: brokerdesk_model::OrderId::new(format!("{prefix}-{}", request.client_order_id)),
        client_order_id: Some(request.client_order_id.clone()),
        symbol: request.symbol.clone(),
        side: request.side,
        order_type: request.order_type,
        time_in_force: request.time_in_force,
        quantity: Some(request.quantity),
        filled_qty: Decimal::ZERO,
        filled_avg_price: None,
        limit_price: request.limit_price,
        stop_price: request.stop_price,
        status,
        created_at: None,
        updated_at: None,
    }
}
