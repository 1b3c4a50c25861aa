//! The net worth history: every account's equity over time in its own SQLite file
//! (`<data dir>/net_worth.sqlite3`, WAL, `synchronous=FULL`: a snapshot written is kept).
//!
//! One row per (connection, account, time), equity as exact decimal text, with its currency and
//! mode. Thinned in the writing transaction so the file stays small: every point of the last
//! `KEEP_ALL`, the last of each UTC hour until `KEEP_HOURLY`, and the last of each UTC day
//! after that (the daily close). Back-filled rows (the vendor's own daily history) only go
//! into days that have no row yet: they never replace a snapshot of our own.

use crate::error::ServiceError;
use brokerdesk_model::TradingMode;
use brokerdesk_model::net_worth::{AccountKey, EquityPoint};
use brokerdesk_model::{AccountId, ConnectionId};
use chrono::{DateTime, TimeDelta, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use rusqlite_migration::{M, Migrations};
use rust_decimal::Decimal;
use std::path::Path;
use std::str::FromStr;

/// Every intraday point is kept this long…
pub(crate) const KEEP_ALL: TimeDelta = TimeDelta::days(2);
/// …then one per hour until this age, then one per day.
pub(crate) const KEEP_HOURLY: TimeDelta = TimeDelta::days(14);
const HOUR_US: i64 = 3_600_000_000;
const DAY_US: i64 = 24 * HOUR_US;

const MIGRATIONS: &[M<'static>] = &[M::up(
    "CREATE TABLE accounts (
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        display_name TEXT NOT NULL,
        -- When the vendor's history was last read in; NULL: never.
        backfilled_us INTEGER,
        -- Set when a snapshot finds the previous one over a day old (the app was closed):
        -- the vendor's history is read again from there.
        gap_since_us INTEGER,
        PRIMARY KEY (connection, account)
    );
    CREATE TABLE snapshots (
        connection TEXT NOT NULL,
        account TEXT NOT NULL,
        time_us INTEGER NOT NULL,
        equity TEXT NOT NULL,
        currency TEXT NOT NULL,
        mode TEXT NOT NULL,
        -- 'own' (read by Brokerdesk) or 'backfill' (the vendor's history).
        source TEXT NOT NULL,
        PRIMARY KEY (connection, account, time_us)
    ) WITHOUT ROWID;",
)];

/// One account's equity as read now (what a refresh writes).
#[derive(Clone, Debug, PartialEq)]
pub struct Snapshot {
    pub key: AccountKey,
    pub connection_name: String,
    pub mode: TradingMode,
    pub currency: String,
    pub time: DateTime<Utc>,
    pub equity: Decimal,
}

/// A stored row, as read back.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct StoredRow {
    pub key: AccountKey,
    pub connection_name: String,
    pub mode: TradingMode,
    pub currency: String,
    pub point: EquityPoint,
}

/// What the store knows of an account besides its rows.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct AccountFacts {
    pub first_seen: Option<DateTime<Utc>>,
    pub backfilled: bool,
}

pub(crate) struct NetWorthStore {
    db: Connection,
}

fn db_err(e: rusqlite::Error) -> ServiceError {
    ServiceError::Internal(format!("net worth store: {e}"))
}

fn from_micros(us: i64) -> Result<DateTime<Utc>, ServiceError> {
    DateTime::from_timestamp_micros(us)
        .ok_or_else(|| ServiceError::Internal(format!("net worth store: bad time {us}")))
}

fn mode_text(mode: TradingMode) -> &'static str {
    match mode {
        TradingMode::Paper => "paper",
        TradingMode::Live => "live",
    }
}

fn mode_from(s: &str) -> Result<TradingMode, ServiceError> {
    match s {
        "paper" => Ok(TradingMode::Paper),
        "live" => Ok(TradingMode::Live),
        other => Err(ServiceError::Internal(format!(
            "net worth store: bad mode {other:?}"
        ))),
    }
}

impl NetWorthStore {
    pub(crate) fn open(path: &Path) -> Result<Self, ServiceError> {
        let mut db = Connection::open(path).map_err(db_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        // Our own history cannot be read again from anywhere: every commit is on disk.
        db.pragma_update(None, "synchronous", "FULL")
            .map_err(db_err)?;
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut db)
            .map_err(|e| ServiceError::Internal(format!("net worth store migration: {e}")))?;
        Ok(Self { db })
    }

    /// Stores a refresh's snapshots and thins what aged, in one transaction. A snapshot
    /// finding the account's previous one more than a day older marks a gap for back-fill.
    pub(crate) fn record(
        &mut self,
        snapshots: &[Snapshot],
        now: DateTime<Utc>,
    ) -> Result<(), ServiceError> {
        let tx = self.db.transaction().map_err(db_err)?;
        for s in snapshots {
            let (c, a) = (s.key.connection.as_str(), s.key.account.as_str());
            let t = s.time.timestamp_micros();
            let previous: Option<i64> = tx
                .query_row(
                    "SELECT MAX(time_us) FROM snapshots
                     WHERE connection = ?1 AND account = ?2 AND time_us < ?3",
                    params![c, a, t],
                    |r| r.get(0),
                )
                .map_err(db_err)?;
            tx.execute(
                "INSERT INTO accounts(connection, account, display_name) VALUES (?1, ?2, ?3)
                 ON CONFLICT(connection, account) DO UPDATE SET display_name = excluded.display_name",
                params![c, a, s.connection_name],
            )
            .map_err(db_err)?;
            if let Some(previous) = previous.filter(|p| t.saturating_sub(*p) > DAY_US) {
                tx.execute(
                    "UPDATE accounts SET gap_since_us = MIN(COALESCE(gap_since_us, ?3), ?3)
                     WHERE connection = ?1 AND account = ?2",
                    params![c, a, previous],
                )
                .map_err(db_err)?;
            }
            tx.execute(
                "INSERT INTO snapshots(connection, account, time_us, equity, currency, mode, source)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'own')
                 ON CONFLICT(connection, account, time_us) DO UPDATE SET
                     equity = excluded.equity, currency = excluded.currency,
                     mode = excluded.mode, source = 'own'",
                params![c, a, t, s.equity.to_string(), s.currency, mode_text(s.mode)],
            )
            .map_err(db_err)?;
        }
        thin(&tx, now)?;
        tx.commit().map_err(db_err)
    }

    /// Where the account's back-fill should start, if it needs one: never back-filled (the
    /// vendor's whole history, from `earliest`), or a gap marked by `record`.
    pub(crate) fn backfill_from(
        &self,
        key: &AccountKey,
        earliest: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, ServiceError> {
        let row: Option<(Option<i64>, Option<i64>)> = self
            .db
            .query_row(
                "SELECT backfilled_us, gap_since_us FROM accounts
                 WHERE connection = ?1 AND account = ?2",
                params![key.connection.as_str(), key.account.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(db_err)?;
        match row {
            None | Some((None, _)) => Ok(Some(earliest)),
            Some((Some(_), Some(gap))) => from_micros(gap).map(Some),
            Some((Some(_), None)) => Ok(None),
        }
    }

    /// Stores the vendor's history of one account in the days that have no row yet, and notes
    /// the account back-filled (its gap closed). Answers how many rows were added.
    pub(crate) fn backfill(
        &mut self,
        snapshot: &Snapshot,
        points: &[EquityPoint],
        now: DateTime<Utc>,
    ) -> Result<usize, ServiceError> {
        let (c, a) = (
            snapshot.key.connection.as_str(),
            snapshot.key.account.as_str(),
        );
        let tx = self.db.transaction().map_err(db_err)?;
        tx.execute(
            "INSERT INTO accounts(connection, account, display_name) VALUES (?1, ?2, ?3)
             ON CONFLICT(connection, account) DO NOTHING",
            params![c, a, snapshot.connection_name],
        )
        .map_err(db_err)?;
        let mut added = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO snapshots(connection, account, time_us, equity, currency, mode, source)
                     SELECT ?1, ?2, ?3, ?4, ?5, ?6, 'backfill'
                     WHERE NOT EXISTS (SELECT 1 FROM snapshots WHERE connection = ?1
                         AND account = ?2 AND time_us >= ?7 AND time_us < ?7 + ?8)",
                )
                .map_err(db_err)?;
            for p in points.iter().filter(|p| p.time <= now) {
                let t = p.time.timestamp_micros();
                added += stmt
                    .execute(params![
                        c,
                        a,
                        t,
                        p.equity.to_string(),
                        snapshot.currency,
                        mode_text(snapshot.mode),
                        t.div_euclid(DAY_US) * DAY_US,
                        DAY_US,
                    ])
                    .map_err(db_err)?;
            }
        }
        tx.execute(
            "UPDATE accounts SET backfilled_us = ?3, gap_since_us = NULL
             WHERE connection = ?1 AND account = ?2",
            params![c, a, now.timestamp_micros()],
        )
        .map_err(db_err)?;
        thin(&tx, now)?;
        tx.commit().map_err(db_err)?;
        Ok(added)
    }

    /// Every row from `since` on (each account's last row before it too, so a line starts at
    /// the range's left edge), oldest first.
    pub(crate) fn rows(
        &self,
        since: Option<DateTime<Utc>>,
    ) -> Result<Vec<StoredRow>, ServiceError> {
        let since_us = since.map_or(i64::MIN, |s| s.timestamp_micros());
        let mut stmt = self
            .db
            .prepare_cached(
                "SELECT s.connection, s.account, COALESCE(a.display_name, s.connection),
                        s.mode, s.currency, s.time_us, s.equity
                 FROM snapshots s LEFT JOIN accounts a USING (connection, account)
                 WHERE s.time_us >= ?1 OR s.time_us = (SELECT MAX(p.time_us) FROM snapshots p
                     WHERE p.connection = s.connection AND p.account = s.account
                       AND p.time_us < ?1)
                 ORDER BY s.connection, s.account, s.time_us",
            )
            .map_err(db_err)?;
        let raw = stmt
            .query_map(params![since_us], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, i64>(5)?,
                    r.get::<_, String>(6)?,
                ))
            })
            .map_err(db_err)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(db_err)?;
        raw.into_iter()
            .map(|(c, a, name, mode, currency, t, equity)| {
                Ok(StoredRow {
                    key: AccountKey {
                        connection: ConnectionId::new(c),
                        account: AccountId::new(a),
                    },
                    connection_name: name,
                    mode: mode_from(&mode)?,
                    currency,
                    point: EquityPoint {
                        time: from_micros(t)?,
                        equity: Decimal::from_str(&equity).map_err(|_| {
                            ServiceError::Internal(format!(
                                "net worth store: bad decimal {equity:?}"
                            ))
                        })?,
                    },
                })
            })
            .collect()
    }

    /// The account's first row and whether it was back-filled.
    pub(crate) fn facts(&self, key: &AccountKey) -> Result<AccountFacts, ServiceError> {
        let (first, backfilled): (Option<i64>, Option<i64>) = self
            .db
            .query_row(
                "SELECT (SELECT MIN(time_us) FROM snapshots WHERE connection = ?1 AND account = ?2),
                        (SELECT backfilled_us FROM accounts WHERE connection = ?1 AND account = ?2)",
                params![key.connection.as_str(), key.account.as_str()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(db_err)?;
        Ok(AccountFacts {
            first_seen: first.map(from_micros).transpose()?,
            backfilled: backfilled.is_some(),
        })
    }

    /// How many rows are stored (the tests' measure of thinning).
    #[cfg(test)]
    pub(crate) fn len(&self) -> Result<usize, ServiceError> {
        let n: i64 = self
            .db
            .query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))
            .map_err(db_err)?;
        Ok(usize::try_from(n).unwrap_or(0))
    }
}

/// Deletes each row that a later row of the same account shares a bucket with: hourly
/// buckets between `KEEP_ALL` and `KEEP_HOURLY` old, daily buckets beyond.
fn thin(tx: &rusqlite::Transaction<'_>, now: DateTime<Utc>) -> Result<(), ServiceError> {
    let now_us = now.timestamp_micros();
    let keep_all = now_us.saturating_sub(KEEP_ALL.num_microseconds().unwrap_or(i64::MAX));
    let keep_hourly = now_us.saturating_sub(KEEP_HOURLY.num_microseconds().unwrap_or(i64::MAX));
    let sql = "DELETE FROM snapshots AS s
         WHERE s.time_us >= ?1 AND s.time_us < ?2 AND EXISTS (
             SELECT 1 FROM snapshots t
             WHERE t.connection = s.connection AND t.account = s.account
               AND t.time_us > s.time_us
               AND t.time_us < (s.time_us - (s.time_us % ?3) + ?3))";
    tx.execute(sql, params![keep_hourly, keep_all, HOUR_US])
        .map_err(db_err)?;
    tx.execute(sql, params![i64::MIN, keep_hourly, DAY_US])
        .map_err(db_err)?;
    Ok(())
}

#[cfg(test)]
#[path = "net_worth_store_tests.rs"]
mod tests;
