//! The journal: every command the engine applied, with the events it produced, in SQLite (WAL).
//!
//! Commands are the source of truth (the engine is deterministic, so replaying them rebuilds
//! the state); events are kept beside them for audit and to detect a replay that diverges.
//! Writers append whole batches in one transaction, so one fsync covers many orders, and the
//! HTTP layer acknowledges an order only after its batch committed.

use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

use crate::engine::{Command, EngineConfig, Event};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("journal database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("journal encoding: {0}")]
    Json(#[from] serde_json::Error),
    #[error("creating the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("replay diverged from the journal at command {seq}")]
    Diverged { seq: i64 },
}

/// How hard a commit pushes to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every commit: acknowledged orders survive power loss too.
    #[default]
    Full,
    /// WAL without fsync per commit: survives a killed process, not a power cut.
    Normal,
}

pub struct Journal {
    conn: Connection,
}

const CONFIG_KEY: &str = "engine_config";

impl Journal {
    /// Opens (or creates) `journal.sqlite3` in `dir`.
    pub fn open_dir(dir: &Path, durability: Durability) -> Result<Self, StoreError> {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::DataDir {
            path: dir.to_owned(),
            source,
        })?;
        Self::open(&dir.join("journal.sqlite3"), durability)
    }

    pub fn open(path: &Path, durability: Durability) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        let sync = match durability {
            Durability::Full => "FULL",
            Durability::Normal => "NORMAL",
        };
        conn.pragma_update(None, "synchronous", sync)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             CREATE TABLE IF NOT EXISTS journal (
                 seq INTEGER PRIMARY KEY,
                 command TEXT NOT NULL,
                 events TEXT NOT NULL
             );",
        )?;
        Ok(Self { conn })
    }

    /// The engine configuration the journal was started with; a restart must reuse it, or
    /// replay would not reproduce the state.
    pub fn engine_config(&self) -> Result<Option<EngineConfig>, StoreError> {
        let text: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [CONFIG_KEY], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(match text {
            Some(t) => Some(serde_json::from_str(&t)?),
            None => None,
        })
    }

    pub fn set_engine_config(&self, config: &EngineConfig) -> Result<(), StoreError> {
        self.conn.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
            params![CONFIG_KEY, serde_json::to_string(config)?],
        )?;
        Ok(())
    }

    /// Appends a batch atomically: after this returns, every entry survives a crash.
    pub fn append(&mut self, entries: &[(Command, Vec<Event>)]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt =
                tx.prepare_cached("INSERT INTO journal (command, events) VALUES (?1, ?2)")?;
            for (cmd, events) in entries {
                stmt.execute(params![
                    serde_json::to_string(cmd)?,
                    serde_json::to_string(events)?
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    pub fn len(&self) -> Result<u64, StoreError> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0)
    }

    /// Feeds every journaled command, in order, to `apply`, and checks that it produces the
    /// events recorded with it.
    pub fn replay(&self, mut apply: impl FnMut(Command) -> Vec<Event>) -> Result<u64, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, command, events FROM journal ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut n = 0;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let cmd: String = row.get(1)?;
            let recorded: String = row.get(2)?;
            let cmd: Command = serde_json::from_str(&cmd)?;
            let recorded: Vec<Event> = serde_json::from_str(&recorded)?;
            if apply(cmd) != recorded {
                return Err(StoreError::Diverged { seq });
            }
            n += 1;
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{AccountKind, CommandKind, Engine};
    use brokerdesk_model::AccountId;
    use rust_decimal::Decimal;

    #[test]
    fn append_and_replay_round_trip() {
        let dir = tempfile::tempdir().unwrap();
        let config = EngineConfig::default();
        let mut engine = Engine::new(config.clone());
        {
            let mut j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
            assert!(j.engine_config().unwrap().is_none());
            j.set_engine_config(&config).unwrap();
            let cmd = Command::new(
                chrono::Utc::now(),
                CommandKind::OpenAccount {
                    account: AccountId::new("A"),
                    kind: AccountKind::Cash,
                    cash: Decimal::TEN,
                },
            );
            let ev = engine.apply(cmd.clone());
            j.append(&[(cmd, ev)]).unwrap();
        }
        let j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
        assert_eq!(j.engine_config().unwrap(), Some(config.clone()));
        let mut replayed = Engine::new(config);
        assert_eq!(j.replay(|c| replayed.apply(c)).unwrap(), 1);
        assert_eq!(replayed, engine);
        // A journal that does not match what the engine does now is reported, not trusted.
        let mut other = Engine::new(EngineConfig::default());
        other.apply(Command::new(
            chrono::Utc::now(),
            CommandKind::OpenAccount {
                account: AccountId::new("A"),
                kind: AccountKind::Cash,
                cash: Decimal::ONE,
            },
        ));
        assert!(matches!(
            j.replay(|c| other.apply(c)),
            Err(StoreError::Diverged { seq: 1 })
        ));
    }
}
