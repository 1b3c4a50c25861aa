//! The activity store: every connection's money movements in their own SQLite file
//! (`<data dir>/activity.sqlite3`, WAL). Rows are keyed by (connection, account, vendor id), so
//! reading a movement again updates it and never adds a second line. Pages are keyset pages on
//! (time, seq): a row number breaks ties between equal times, so no row is skipped or repeated.
//!
//! Decimals are stored as their exact text; vendor text is stored and shown, never interpreted
//! (it only ever reaches SQL as a bound parameter).

use crate::error::ServiceError;
use brokerdesk_model::{
    AccountId, ActivityCursor, ActivityEntry, ActivityFilter, ActivityKind, ActivityRow,
    ActivityStatus, ConnectionId, Symbol, TradingMode,
};
use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, params, params_from_iter};
use rusqlite_migration::{M, Migrations};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

const MIGRATIONS: &[M<'static>] = &[M::up(
    "CREATE TABLE connections (
        connection TEXT PRIMARY KEY,
        display_name TEXT NOT NULL,
        mode TEXT NOT NULL
    );
    CREATE TABLE activity (
        seq INTEGER PRIMARY KEY,
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        vendor_id TEXT NOT NULL,
        time_us INTEGER NOT NULL,
        kind TEXT NOT NULL,
        amount TEXT NOT NULL,
        currency TEXT NOT NULL,
        fee TEXT,
        status TEXT NOT NULL,
        counterparty TEXT,
        description TEXT,
        symbol TEXT,
        quantity TEXT,
        price TEXT,
        UNIQUE(connection, account, vendor_id)
    );
    -- Newest first, unfiltered and per kind / account: each a range scan in page order.
    CREATE INDEX activity_by_time ON activity(time_us, seq);
    CREATE INDEX activity_by_account ON activity(account, time_us, seq);
    CREATE INDEX activity_by_kind ON activity(kind, time_us, seq);
    CREATE INDEX activity_by_account_kind ON activity(account, kind, time_us, seq);
    CREATE INDEX activity_by_connection ON activity(connection, account, time_us);",
)];

/// The store's one SQLite connection (used off the async threads, see `activity.rs`).
pub(crate) struct ActivityStore {
    db: Connection,
}

fn db_err(e: rusqlite::Error) -> ServiceError {
    ServiceError::Internal(format!("activity store: {e}"))
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(us: i64) -> Result<DateTime<Utc>, ServiceError> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| ServiceError::Internal(format!("activity store: bad time {us}")))
}

fn mode_text(mode: TradingMode) -> &'static str {
    match mode {
        TradingMode::Paper => "paper",
        TradingMode::Live => "live",
    }
}

fn status_from(s: &str) -> Result<ActivityStatus, ServiceError> {
    [
        ActivityStatus::Pending,
        ActivityStatus::Completed,
        ActivityStatus::Failed,
        ActivityStatus::Cancelled,
    ]
    .into_iter()
    .find(|x| x.as_str() == s)
    .ok_or_else(|| ServiceError::Internal(format!("activity store: bad status {s:?}")))
}

fn decimal(s: &str) -> Result<Decimal, ServiceError> {
    Decimal::from_str(s)
        .map_err(|_| ServiceError::Internal(format!("activity store: bad decimal {s:?}")))
}

fn opt_decimal(s: Option<String>) -> Result<Option<Decimal>, ServiceError> {
    s.as_deref().map(decimal).transpose()
}

/// `LIKE` pattern matching `text` literally anywhere (its `%`, `_` and `\` are escaped).
fn like_pattern(text: &str) -> String {
    let mut p = String::with_capacity(text.len() + 2);
    p.push('%');
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// The `WHERE` clause of a filter, and its parameters.
fn where_clause(filter: &ActivityFilter, cursor: Option<&ActivityCursor>) -> (String, Vec<Value>) {
    let mut parts: Vec<String> = Vec::new();
    let mut args: Vec<Value> = Vec::new();
    let mut any_of = |column: &str, values: Vec<String>, parts: &mut Vec<String>| {
        if !values.is_empty() {
            let marks = vec!["?"; values.len()].join(",");
            parts.push(format!("a.{column} IN ({marks})"));
            args.extend(values.into_iter().map(Value::Text));
        }
    };
    any_of(
        "connection",
        filter
            .connections
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        &mut parts,
    );
    any_of(
        "account",
        filter
            .accounts
            .iter()
            .map(|a| a.as_str().to_owned())
            .collect(),
        &mut parts,
    );
    any_of(
        "kind",
        filter.kinds.iter().map(|k| k.as_str().to_owned()).collect(),
        &mut parts,
    );
    if let Some(since) = filter.since {
        parts.push("a.time_us >= ?".into());
        args.push(Value::Integer(micros(since)));
    }
    if let Some(until) = filter.until {
        parts.push("a.time_us < ?".into());
        args.push(Value::Integer(micros(until)));
    }
    if let Some(text) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        parts.push(
            "(a.description LIKE ? ESCAPE '\\' OR a.counterparty LIKE ? ESCAPE '\\' \
             OR a.symbol LIKE ? ESCAPE '\\')"
                .into(),
        );
        let p = like_pattern(text);
        args.extend([
            Value::Text(p.clone()),
            Value::Text(p.clone()),
            Value::Text(p),
        ]);
    }
    if let Some(c) = cursor {
        // Strictly after the cursor in page order (time desc, seq desc).
        // A row value, so SQLite seeks the (time, seq) indexes instead of scanning.
        parts.push("(a.time_us, a.seq) < (?, ?)".into());
        args.extend([Value::Integer(micros(c.time)), Value::Integer(c.seq)]);
    }
    let clause = if parts.is_empty() {
        String::new()
    } else {
        format!("WHERE {}", parts.join(" AND "))
    };
    (clause, args)
}

const COLUMNS: &str = "a.seq, a.connection, COALESCE(c.display_name, a.connection), \
     COALESCE(c.mode, 'live'), a.account, a.vendor_id, a.time_us, a.kind, a.amount, a.currency, \
     a.fee, a.status, a.counterparty, a.description, a.symbol, a.quantity, a.price";

/// A row as read, before its text is checked.
struct Raw {
    seq: i64,
    connection: String,
    name: String,
    mode: String,
    account: String,
    vendor_id: String,
    time_us: i64,
    kind: String,
    amount: String,
    currency: String,
    fee: Option<String>,
    status: String,
    counterparty: Option<String>,
    description: Option<String>,
    symbol: Option<String>,
    quantity: Option<String>,
    price: Option<String>,
}

fn raw(r: &rusqlite::Row<'_>) -> rusqlite::Result<Raw> {
    Ok(Raw {
        seq: r.get(0)?,
        connection: r.get(1)?,
        name: r.get(2)?,
        mode: r.get(3)?,
        account: r.get(4)?,
        vendor_id: r.get(5)?,
        time_us: r.get(6)?,
        kind: r.get(7)?,
        amount: r.get(8)?,
        currency: r.get(9)?,
        fee: r.get(10)?,
        status: r.get(11)?,
        counterparty: r.get(12)?,
        description: r.get(13)?,
        symbol: r.get(14)?,
        quantity: r.get(15)?,
        price: r.get(16)?,
    })
}

impl Raw {
    fn row(self) -> Result<(i64, ActivityRow), ServiceError> {
        let kind = ActivityKind::from_str(&self.kind).map_err(ServiceError::Internal)?;
        let mode = if self.mode == "paper" {
            TradingMode::Paper
        } else {
            TradingMode::Live
        };
        Ok((
            self.seq,
            ActivityRow {
                connection: ConnectionId::new(self.connection),
                connection_name: self.name,
                mode,
                entry: ActivityEntry {
                    id: self.vendor_id,
                    account_id: AccountId::new(self.account),
                    time: from_micros(self.time_us)?,
                    kind,
                    amount: decimal(&self.amount)?,
                    currency: self.currency,
                    fee: opt_decimal(self.fee)?,
                    status: status_from(&self.status)?,
                    counterparty: self.counterparty,
                    description: self.description,
                    symbol: self.symbol.map(Symbol::new),
                    quantity: opt_decimal(self.quantity)?,
                    price: opt_decimal(self.price)?,
                },
            },
        ))
    }
}

/// One page: its rows (each with its seq, for the cursor) and whether more follow.
pub(crate) struct StoredPage {
    pub rows: Vec<(i64, ActivityRow)>,
    pub more: bool,
}

impl ActivityStore {
    pub(crate) fn open(path: &Path) -> Result<Self, ServiceError> {
        let mut db = Connection::open(path).map_err(db_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        // A cache of what vendors report: a crash loses at most the last sync, which the
        // next one reads again (the overlap), so NORMAL is enough.
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut db)
            .map_err(|e| ServiceError::Internal(format!("activity store migration: {e}")))?;
        Ok(Self { db })
    }

    /// Stores a batch of one connection's movements in one transaction: new ones added,
    /// known ones (same connection, account and vendor id) updated in place. Answers how many
    /// rows were added or changed.
    pub(crate) fn upsert(
        &mut self,
        connection: &ConnectionId,
        display_name: &str,
        mode: TradingMode,
        entries: &[ActivityEntry],
    ) -> Result<usize, ServiceError> {
        let tx = self.db.transaction().map_err(db_err)?;
        tx.execute(
            "INSERT INTO connections(connection, display_name, mode) VALUES (?1, ?2, ?3)
             ON CONFLICT(connection) DO UPDATE SET display_name = excluded.display_name,
                 mode = excluded.mode",
            params![connection.as_str(), display_name, mode_text(mode)],
        )
        .map_err(db_err)?;
        let mut changed = 0;
        {
            // Only a real change counts (and rewrites the row), so re-reading the overlap
            // reports nothing new.
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO activity(connection, account, vendor_id, time_us, kind, amount,
                         currency, fee, status, counterparty, description, symbol, quantity, price)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)
                     ON CONFLICT(connection, account, vendor_id) DO UPDATE SET
                         time_us = excluded.time_us, kind = excluded.kind,
                         amount = excluded.amount, currency = excluded.currency,
                         fee = excluded.fee, status = excluded.status,
                         counterparty = excluded.counterparty,
                         description = excluded.description, symbol = excluded.symbol,
                         quantity = excluded.quantity, price = excluded.price
                     WHERE (time_us, kind, amount, currency, status) IS NOT
                           (excluded.time_us, excluded.kind, excluded.amount,
                            excluded.currency, excluded.status)
                        OR fee IS NOT excluded.fee
                        OR counterparty IS NOT excluded.counterparty
                        OR description IS NOT excluded.description
                        OR symbol IS NOT excluded.symbol
                        OR quantity IS NOT excluded.quantity
                        OR price IS NOT excluded.price",
                )
                .map_err(db_err)?;
            for e in entries {
                changed += stmt
                    .execute(params![
                        connection.as_str(),
                        e.account_id.as_str(),
                        e.id,
                        micros(e.time),
                        e.kind.as_str(),
                        e.amount.to_string(),
                        e.currency,
                        e.fee.map(|f| f.to_string()),
                        e.status.as_str(),
                        e.counterparty,
                        e.description,
                        e.symbol.as_ref().map(|s| s.as_str()),
                        e.quantity.map(|q| q.to_string()),
                        e.price.map(|p| p.to_string()),
                    ])
                    .map_err(db_err)?;
            }
        }
        tx.commit().map_err(db_err)?;
        Ok(changed)
    }

    /// The newest stored time of one account, where the next sync starts (less an overlap).
    pub(crate) fn newest(
        &self,
        connection: &ConnectionId,
        account: &AccountId,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let us: Option<i64> = self
            .db
            .query_row(
                "SELECT MAX(time_us) FROM activity WHERE connection = ?1 AND account = ?2",
                params![connection.as_str(), account.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?
            .flatten();
        us.map(from_micros).transpose()
    }

    /// One page, newest first, after `cursor`.
    pub(crate) fn page(
        &self,
        filter: &ActivityFilter,
        cursor: Option<&ActivityCursor>,
        limit: usize,
    ) -> Result<StoredPage, ServiceError> {
        let (clause, mut args) = where_clause(filter, cursor);
        let sql = format!(
            "SELECT {COLUMNS} FROM activity a LEFT JOIN connections c USING (connection) \
             {clause} ORDER BY a.time_us DESC, a.seq DESC LIMIT ?"
        );
        // One more than asked, to know whether another page follows.
        args.push(Value::Integer(
            i64::try_from(limit).unwrap_or(i64::MAX).saturating_add(1),
        ));
        let mut stmt = self.db.prepare_cached(&sql).map_err(db_err)?;
        let raws = stmt
            .query_map(params_from_iter(args), raw)
            .map_err(db_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_err)?;
        let more = raws.len() > limit;
        let rows = raws
            .into_iter()
            .take(limit)
            .map(Raw::row)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(StoredPage { rows, more })
    }

    /// How many rows match `filter`.
    pub(crate) fn count(&self, filter: &ActivityFilter) -> Result<u64, ServiceError> {
        let (clause, args) = where_clause(filter, None);
        let sql = format!("SELECT COUNT(*) FROM activity a {clause}");
        let n: i64 = self
            .db
            .prepare_cached(&sql)
            .map_err(db_err)?
            .query_row(params_from_iter(args), |r| r.get(0))
            .map_err(db_err)?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Every row matching `filter`, newest first, handed to `each` one at a time (an export
    /// never holds them all).
    pub(crate) fn for_each(
        &self,
        filter: &ActivityFilter,
        mut each: impl FnMut(&ActivityRow) -> Result<(), ServiceError>,
    ) -> Result<(), ServiceError> {
        let (clause, args) = where_clause(filter, None);
        let sql = format!(
            "SELECT {COLUMNS} FROM activity a LEFT JOIN connections c USING (connection) \
             {clause} ORDER BY a.time_us DESC, a.seq DESC"
        );
        let mut stmt = self.db.prepare(&sql).map_err(db_err)?;
        let mut rows = stmt.query(params_from_iter(args)).map_err(db_err)?;
        while let Some(r) = rows.next().map_err(db_err)? {
            let (_, row) = raw(r).map_err(db_err)?.row()?;
            each(&row)?;
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "activity_store_tests.rs"]
mod tests;
