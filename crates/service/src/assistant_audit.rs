//! The assistant audit log: one row per tool call an AI assistant made through `brokerdesk mcp`
//! (time, client, tool, masked arguments, outcome), in its own SQLite file
//! `<data dir>/assistant_audit.sqlite3` (WAL), so the app's Settings page can list what the
//! CLI's MCP server did. Written by the MCP front, read by every front; rows are never changed.
//!
//! Its own file (like the activity cache), not a table of the order journal: it is written on
//! every read an assistant makes, and must never contend with the journal's fsynced writes.

use crate::error::ServiceError;
use crate::service::BrokerageService;
use brokerdesk_model::{AssistantCall, CallOutcome};
use brokerdesk_vault::Action;
use chrono::DateTime;
use rusqlite::{Connection, params};
use rusqlite_migration::{M, Migrations};
use std::path::{Path, PathBuf};

const FILE: &str = "assistant_audit.sqlite3";
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 1000;
/// A row's text fields are cut to this many characters: the log is for reading, and a client
/// sending megabytes of arguments must not grow it without bound.
const MAX_FIELD_CHARS: usize = 2000;

// `IF NOT EXISTS`: the app and the CLI's MCP server may open a new log at the same moment;
// both read version 0 before either writes, and the second `CREATE` would otherwise fail.
const MIGRATIONS: &[M<'static>] = &[M::up(
    "CREATE TABLE IF NOT EXISTS calls (
        seq INTEGER PRIMARY KEY,
        time_us INTEGER NOT NULL,
        client TEXT NOT NULL,
        tool TEXT NOT NULL,
        arguments TEXT NOT NULL,
        outcome TEXT NOT NULL,
        message TEXT NOT NULL
    );",
)];

fn db_err(e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Internal(format!("assistant audit log: {e}"))
}

/// The log file, opened for one use (cheap: SQLite opens a WAL file in well under a millisecond,
/// and the app and the CLI's server then never hold it open against each other).
pub(crate) struct AuditStore {
    db: Connection,
}

impl AuditStore {
    pub(crate) fn open(data_dir: &Path) -> Result<Self, ServiceError> {
        // The app and the CLI's MCP server may both open a new log at once: the WAL switch and
        // the first migration each need the write lock, and SQLite answers "locked" at once
        // (no busy wait) when a read lock must be upgraded. One opener at a time, then.
        let gate_path = data_dir.join("assistant_audit.lock");
        let gate = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&gate_path)
            .map_err(db_err)?;
        gate.lock().map_err(db_err)?;
        let mut db = Connection::open(path(data_dir)).map_err(db_err)?;
        // First: switching a new file to WAL takes a lock another opener may hold.
        db.busy_timeout(std::time::Duration::from_secs(5))
            .map_err(db_err)?;
        db.pragma_update(None, "journal_mode", "WAL")
            .map_err(db_err)?;
        // A row per call; an audit line lost with the machine's power is not worth an fsync each.
        db.pragma_update(None, "synchronous", "NORMAL")
            .map_err(db_err)?;
        Migrations::from_slice(MIGRATIONS)
            .to_latest(&mut db)
            .map_err(db_err)?;
        drop(gate);
        Ok(Self { db })
    }

    pub(crate) fn record(&self, call: &AssistantCall) -> Result<(), ServiceError> {
        self.db
            .execute(
                "INSERT INTO calls (time_us, client, tool, arguments, outcome, message)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    call.time.timestamp_micros(),
                    cut(&call.client),
                    cut(&call.tool),
                    cut(&call.arguments),
                    call.outcome.as_str(),
                    cut(&call.message),
                ],
            )
            .map_err(db_err)?;
        Ok(())
    }

    /// The newest `limit` calls, newest first.
    pub(crate) fn newest(&self, limit: usize) -> Result<Vec<AssistantCall>, ServiceError> {
        let mut stmt = self
            .db
            .prepare(
                "SELECT time_us, client, tool, arguments, outcome, message FROM calls
                 ORDER BY seq DESC LIMIT ?1",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![limit as i64], |r| {
                Ok((
                    r.get::<_, i64>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, String>(5)?,
                ))
            })
            .map_err(db_err)?;
        let mut out = Vec::new();
        for row in rows {
            let (time_us, client, tool, arguments, outcome, message) = row.map_err(db_err)?;
            out.push(AssistantCall {
                time: DateTime::from_timestamp_micros(time_us)
                    .ok_or_else(|| db_err(format!("bad time {time_us}")))?,
                client,
                tool,
                arguments,
                outcome: CallOutcome::parse(&outcome)
                    .ok_or_else(|| db_err(format!("bad outcome {outcome:?}")))?,
                message,
            });
        }
        Ok(out)
    }
}

fn path(data_dir: &Path) -> PathBuf {
    data_dir.join(FILE)
}

fn cut(s: &str) -> String {
    match s.char_indices().nth(MAX_FIELD_CHARS) {
        Some((at, _)) => format!("{}…", &s[..at]),
        None => s.to_owned(),
    }
}

/// Writes one row now, on the calling thread (one small WAL insert): for the service's own
/// rows (the user's answers to an attached assistant's questions).
pub(crate) fn record_now(data_dir: &Path, call: &AssistantCall) -> Result<(), ServiceError> {
    AuditStore::open(data_dir)?.record(call)
}

impl BrokerageService {
    /// Writes one assistant tool call to the audit log. Needs no sign-in: a refused call (a
    /// locked vault) is exactly what the user must be able to see afterwards.
    pub async fn record_assistant_call(&self, call: AssistantCall) -> Result<(), ServiceError> {
        let dir = self.inner.config.data_dir.clone();
        tokio::task::spawn_blocking(move || AuditStore::open(&dir)?.record(&call))
            .await
            .map_err(|e| ServiceError::Internal(format!("audit task failed: {e}")))?
    }

    /// The newest assistant tool calls, newest first (the app's Settings › Assistant activity).
    /// A read like any other: needs the vault unlocked once one exists.
    pub async fn assistant_audit(
        &self,
        limit: Option<u32>,
    ) -> Result<Vec<AssistantCall>, ServiceError> {
        self.guard(Action::Read)?;
        let limit = limit
            .map(|l| (l as usize).clamp(1, MAX_LIMIT))
            .unwrap_or(DEFAULT_LIMIT);
        let dir = self.inner.config.data_dir.clone();
        tokio::task::spawn_blocking(move || AuditStore::open(&dir)?.newest(limit))
            .await
            .map_err(|e| ServiceError::Internal(format!("audit task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(tool: &str, outcome: CallOutcome) -> AssistantCall {
        AssistantCall {
            time: chrono::Utc::now(),
            client: "test-client".into(),
            tool: tool.into(),
            arguments: r#"{"symbols":["AAPL"]}"#.into(),
            outcome,
            message: "fine".into(),
        }
    }

    /// The app and the CLI's MCP server opening a new log at once both succeed.
    #[test]
    fn two_first_opens_at_once_both_succeed() {
        for _ in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let barrier = std::sync::Barrier::new(2);
            std::thread::scope(|s| {
                let opens: Vec<_> = (0..2)
                    .map(|_| {
                        s.spawn(|| {
                            barrier.wait();
                            AuditStore::open(dir.path()).map(|_| ())
                        })
                    })
                    .collect();
                for o in opens {
                    o.join().unwrap().unwrap();
                }
            });
        }
    }

    #[test]
    fn rows_come_back_newest_first_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::open(dir.path()).unwrap();
        store.record(&call("get_quotes", CallOutcome::Ok)).unwrap();
        store
            .record(&call("place_paper_order", CallOutcome::Error))
            .unwrap();
        drop(store);
        let rows = AuditStore::open(dir.path()).unwrap().newest(10).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].tool, "place_paper_order");
        assert_eq!(rows[0].outcome, CallOutcome::Error);
        assert_eq!(
            rows[1],
            call("get_quotes", CallOutcome::Ok).with_time(rows[1].time)
        );
        assert_eq!(
            AuditStore::open(dir.path())
                .unwrap()
                .newest(1)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn huge_fields_are_cut() {
        let dir = tempfile::tempdir().unwrap();
        let store = AuditStore::open(dir.path()).unwrap();
        let mut big = call("get_quotes", CallOutcome::Error);
        big.arguments = "x".repeat(1_000_000);
        store.record(&big).unwrap();
        let rows = store.newest(1).unwrap();
        assert_eq!(rows[0].arguments.chars().count(), MAX_FIELD_CHARS + 1);
    }

    trait WithTime {
        fn with_time(self, t: chrono::DateTime<chrono::Utc>) -> Self;
    }
    impl WithTime for AssistantCall {
        fn with_time(mut self, t: chrono::DateTime<chrono::Utc>) -> Self {
            self.time = t;
            self
        }
    }
}
