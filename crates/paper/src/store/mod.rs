//! The journal: every command the engine applied, with the events it produced.
//!
//! Commands are the source of truth (the engine is deterministic, so replaying them rebuilds
//! the state); events are kept beside them for audit and to detect a replay that diverges.
//! Writers append whole batches at once, so one fsync covers many orders, and the HTTP layer
//! acknowledges an order only after its batch is written.
//!
//! Entries go to append-only segment files (`log`), snapshots to files of their own
//! (`snapshot_file`); SQLite (WAL) holds the engine configuration, and the entries and
//! snapshots of journals written by older versions, which are read first and dropped by the
//! next snapshot like any other.

mod checkpointer;
mod log;
mod order_codec;
pub mod rows;
mod snapshot_file;

use rusqlite::types::ValueRef;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};

use checkpointer::Checkpointer;
use log::Log;

use crate::engine::{Command, EngineConfig, Event};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("journal database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("journal encoding: {0}")]
    Json(#[from] serde_json::Error),
    #[error("journal command encoding: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
    #[error("journal command at {seq} unreadable: {source}")]
    Decode {
        seq: i64,
        source: rmp_serde::decode::Error,
    },
    #[error("creating the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal entry numbers exhausted")]
    NumbersExhausted,
    #[error("replay diverged from the journal at command {seq}")]
    Diverged { seq: i64 },
    #[error("journal file {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("journal file {path} is damaged at byte {offset} ({what}); it was left as it is")]
    Damaged {
        path: PathBuf,
        offset: u64,
        what: String,
    },
    #[error("the snapshot in {path} does not read ({what}); it was left as it is")]
    BadSnapshot { path: PathBuf, what: String },
    #[error("the journal in {0} is in use by another sandbox")]
    InUse(PathBuf),
    #[error("a journal batch too large to write")]
    BatchTooLarge,
}

/// An I/O error on one of the journal's files, naming it.
fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The number in one of the journal's numbered file names, `<prefix><digits><suffix>`.
fn numbered(name: &str, prefix: &str, suffix: &str) -> Option<i64> {
    let digits = name.strip_prefix(prefix)?.strip_suffix(suffix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

/// How hard a commit pushes to disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every batch: acknowledged orders survive power loss too.
    #[default]
    Full,
    /// No fsync per batch: survives a killed process, not a power cut.
    Normal,
}

pub struct Journal {
    conn: Connection,
    /// The database file and how hard it syncs: a `SnapshotStore` opens it again.
    path: PathBuf,
    durability: Durability,
    /// Where entries are appended; the highest entry number ever given out (kept or pruned
    /// into a snapshot) is its `last`, so numbers are never reused.
    log: Log,
    /// Copies the WAL into the database beside the writer (see `checkpointer`).
    checkpointer: Checkpointer,
}

const CONFIG_KEY: &str = "engine_config";

/// A connection to the journal's database as every user of it sets one up.
fn connect(path: &Path, durability: Durability) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // The checkpointer thread does this, off the commit path.
    conn.pragma_update(None, "wal_autocheckpoint", 0)?;
    conn.busy_timeout(checkpointer::BUSY_TIMEOUT)?;
    Ok(conn)
}

/// Drops what an image covering entries up to `seq` (saved as a file) makes redundant in the
/// database: the rows of journals written before the segment files, and images stored as rows
/// by older versions.
fn prune_rows(conn: &mut Connection, seq: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    tx.execute("DELETE FROM snapshots WHERE seq <= ?1", [seq])?;
    tx.execute("DELETE FROM journal WHERE seq <= ?1", [seq])?;
    tx.commit()?;
    Ok(())
}

/// Saves snapshots (`snapshot_file`) from a thread other than the journal's
/// (`Journal::snapshot_store`), with a database connection of its own for `prune_rows`.
pub struct SnapshotStore {
    conn: Connection,
    dir: PathBuf,
}

impl SnapshotStore {
    /// Stores the image covering entries up to `seq`, written by `encode` as it goes (never
    /// held whole in memory); the journal's `snapshot_saved` must follow for the segment files
    /// to be pruned.
    pub fn save(
        &mut self,
        seq: i64,
        encode: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<(), StoreError> {
        snapshot_file::save(&self.dir, seq, encode)?;
        prune_rows(&mut self.conn, seq)
    }
}

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
        let conn = connect(path, durability)?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
             -- Numbers are given by `append` (one past the highest ever given), never
             -- reused even after snapshots prune the table. Journals made before that
             -- declared AUTOINCREMENT, which also numbers explicit inserts correctly but
             -- rewrites its counter page on every commit; new ones do without.
             -- Rows hold BLOBs (`rows`); older ones JSON text. TEXT affinity stores a BLOB
             -- as is, so both kinds live in one table and nothing needs rewriting.
             CREATE TABLE IF NOT EXISTS journal (
                 seq INTEGER PRIMARY KEY,
                 command TEXT NOT NULL,
                 events TEXT NOT NULL
             );
             CREATE TABLE IF NOT EXISTS snapshots (seq INTEGER PRIMARY KEY, state TEXT NOT NULL);",
        )?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d,
            _ => Path::new("."),
        };
        let in_rows = highest_seq(&conn)?.max(newest_file_seq(dir)?);
        let log = Log::open(dir, in_rows, durability == Durability::Full)?;
        if log.last() < in_rows {
            return Err(StoreError::Damaged {
                path: dir.to_owned(),
                offset: 0,
                what: format!(
                    "the segment files end at entry {} but the database knows entry {in_rows}",
                    log.last()
                ),
            });
        }
        // Older images and a crash's half-written one (the lock is held now).
        snapshot_file::remove_older(dir, newest_file_seq(dir)?);
        let checkpointer = Checkpointer::start(path)?;
        Ok(Self {
            conn,
            path: path.to_owned(),
            durability,
            log,
            checkpointer,
        })
    }

    /// A connection of its own for saving snapshots from another thread: an image of a large
    /// state is hundreds of megabytes, and writing it on the exchange thread paused every
    /// order for as long. Entries go to the segment files, not this database, so the two
    /// never wait on each other; `snapshot_saved` then prunes what the image covers.
    pub fn snapshot_store(&self) -> Result<SnapshotStore, StoreError> {
        Ok(SnapshotStore {
            conn: connect(&self.path, self.durability)?,
            dir: self.log.dir().to_owned(),
        })
    }

    /// After a `SnapshotStore` saved an image covering entries up to `seq`: the segment
    /// files it covers are dropped and the database's WAL is copied in (off this thread).
    pub fn snapshot_saved(&mut self, seq: i64) -> Result<(), StoreError> {
        self.checkpointer.nudge();
        self.log.rotate_and_prune(seq)
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
    /// Returns the sequence number of the last entry.
    pub fn append(&mut self, entries: &[(Command, Vec<Event>)]) -> Result<i64, StoreError> {
        let encoded = entries
            .iter()
            .map(|(c, e)| Ok((rows::encode_command(c)?, rows::encode_events(e))))
            .collect::<Result<Vec<_>, StoreError>>()?;
        self.append_encoded(&encoded)
    }

    /// `append` for entries already encoded (`rows::encode_command`, `rows::encode_events`).
    pub fn append_encoded(&mut self, entries: &[(Vec<u8>, Vec<u8>)]) -> Result<i64, StoreError> {
        self.log.append(entries)
    }

    /// Stores an image of the state as of entry `seq` and drops what it covers: the journal
    /// before it and older images. The image's file is in place (renamed, synced) before
    /// anything it covers goes; a crash in between leaves that to be skipped, then deleted.
    pub fn save_snapshot(&mut self, seq: i64, image: &[u8]) -> Result<(), StoreError> {
        snapshot_file::save(self.log.dir(), seq, |w| w.write_all(image))?;
        prune_rows(&mut self.conn, seq)?;
        self.snapshot_saved(seq)
    }

    /// The newest image and the entry it covers up to: a snapshot file, or a row stored by an
    /// older version (until the first file replaces it).
    pub fn latest_snapshot(&self) -> Result<Option<(i64, Vec<u8>)>, StoreError> {
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT seq, state FROM snapshots ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let row_seq = row.as_ref().map_or(0, |(seq, _)| *seq);
        if newest_file_seq(self.log.dir())? > row_seq {
            return snapshot_file::newest(self.log.dir());
        }
        Ok(row.map(|(seq, text)| (seq, text.into_bytes())))
    }

    /// Where the image covering entries up to `seq` is read from, for errors: its file, or
    /// the database for an image an older version stored as a row.
    pub fn snapshot_source(&self, seq: i64) -> PathBuf {
        let file = snapshot_file::path(self.log.dir(), seq);
        if file.exists() {
            file
        } else {
            self.path.clone()
        }
    }

    /// Entries after the latest snapshot (or all of them).
    pub fn len(&self) -> Result<u64, StoreError> {
        let in_rows: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM journal", [], |r| r.get(0))?;
        let after = self.latest_snapshot_seq()?;
        let mut in_log = 0u64;
        self.log.read(after, |_| {
            in_log += 1;
            Ok(())
        })?;
        Ok(in_rows as u64 + in_log)
    }

    fn latest_snapshot_seq(&self) -> Result<i64, StoreError> {
        let in_rows: i64 =
            self.conn
                .query_row("SELECT ifnull(max(seq), 0) FROM snapshots", [], |r| {
                    r.get(0)
                })?;
        Ok(in_rows.max(newest_file_seq(self.log.dir())?))
    }

    /// Nothing was ever recorded: no entries and no snapshot.
    pub fn is_empty(&self) -> Result<bool, StoreError> {
        Ok(self.len()? == 0 && self.latest_snapshot()?.is_none())
    }

    /// Feeds every journaled command after entry `after`, in order, to `apply`, and checks that
    /// it produces the events recorded with it. Returns the last sequence number seen.
    pub fn replay(
        &self,
        after: i64,
        mut apply: impl FnMut(Command) -> Vec<Event>,
    ) -> Result<i64, StoreError> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, command, events FROM journal WHERE seq > ?1 ORDER BY seq")?;
        let mut rows = stmt.query([after])?;
        let mut last = after;
        // Rows first: a journal written before the segment files holds its older entries there.
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let same = match (row.get_ref(1)?, row.get_ref(2)?) {
                (ValueRef::Blob(cmd), ValueRef::Blob(recorded)) => {
                    let cmd = rows::decode_command(cmd)
                        .map_err(|source| StoreError::Decode { seq, source })?;
                    rows::encode_events(&apply(cmd)) == recorded
                }
                // A row from before the binary format: JSON text, full events.
                (ValueRef::Text(cmd), ValueRef::Text(recorded)) => {
                    let cmd: Command = serde_json::from_slice(cmd)?;
                    let recorded: Vec<Event> = serde_json::from_slice(recorded)?;
                    apply(cmd) == recorded
                }
                _ => {
                    return Err(StoreError::Sqlite(rusqlite::Error::InvalidColumnType(
                        1,
                        "command".into(),
                        row.get_ref(1)?.data_type(),
                    )));
                }
            };
            if !same {
                return Err(StoreError::Diverged { seq });
            }
            last = seq;
        }
        self.log.read(after.max(last), |entry| {
            let seq = entry.seq;
            if Some(seq) != last.checked_add(1) {
                return Err(StoreError::Damaged {
                    path: self.log.dir().to_owned(),
                    offset: 0,
                    what: format!("entries {} to {} are missing", last + 1, seq - 1),
                });
            }
            let cmd = rows::decode_command(&entry.command)
                .map_err(|source| StoreError::Decode { seq, source })?;
            if rows::encode_events(&apply(cmd)) != entry.events {
                return Err(StoreError::Diverged { seq });
            }
            last = seq;
            Ok(())
        })?;
        Ok(last)
    }
}

/// The entry the newest snapshot file covers (0 if none).
fn newest_file_seq(dir: &Path) -> Result<i64, StoreError> {
    Ok(snapshot_file::list(dir)?.last().map_or(0, |(seq, _)| *seq))
}

/// The highest entry number a journal's database ever gave out: its newest row, its newest
/// snapshot row, or (journals made with AUTOINCREMENT) SQLite's own counter, whichever is
/// highest.
fn highest_seq(conn: &Connection) -> Result<i64, StoreError> {
    let counter: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'sqlite_sequence')",
        [],
        |r| r.get(0),
    )?;
    let query = if counter {
        "SELECT max(ifnull((SELECT max(seq) FROM journal), 0),
                    ifnull((SELECT max(seq) FROM snapshots), 0),
                    ifnull((SELECT seq FROM sqlite_sequence WHERE name = 'journal'), 0))"
    } else {
        "SELECT max(ifnull((SELECT max(seq) FROM journal), 0),
                    ifnull((SELECT max(seq) FROM snapshots), 0))"
    };
    Ok(conn.query_row(query, [], |r| r.get(0))?)
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
        assert_eq!(j.replay(0, |c| replayed.apply(c)).unwrap(), 1);
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
            j.replay(0, |c| other.apply(c)),
            Err(StoreError::Diverged { seq: 1 })
        ));
    }
}

#[cfg(test)]
mod snapshot_tests {
    use super::*;

    /// The journal's newest image is `image` (the entry it covers, its text), and replaying
    /// after it gives `replay` (the last entry, how many).
    fn restores_from(j: &Journal, image: (i64, &str), replay: (i64, usize)) {
        assert_eq!(
            j.latest_snapshot().unwrap(),
            Some((image.0, image.1.as_bytes().to_vec()))
        );
        assert_eq!(replayed(j, image.0), replay);
    }

    /// A command that changes nothing but the clock: journal entries to number and prune.
    fn clock() -> Command {
        Command::new(chrono::Utc::now(), crate::engine::CommandKind::Clock)
    }

    /// Replays the journal after `after`: the last entry it reports and how many it replayed.
    fn replayed(j: &Journal, after: i64) -> (i64, usize) {
        let mut seen = 0;
        let last = j
            .replay(after, |_| {
                seen += 1;
                vec![]
            })
            .unwrap();
        (last, seen)
    }

    #[test]
    fn a_snapshot_replaces_the_journal_it_covers() {
        let dir = tempfile::tempdir().unwrap();
        let mut j = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
        let cmd = clock();
        let last = j
            .append(&[(cmd.clone(), vec![]), (cmd.clone(), vec![])])
            .unwrap();
        assert_eq!(last, 2);
        j.save_snapshot(2, b"{}").unwrap();
        assert_eq!(j.len().unwrap(), 0);
        assert!(!j.is_empty().unwrap());
        let last = j.append(&[(cmd, vec![])]).unwrap();
        assert_eq!(last, 3, "sequence numbers continue after pruning");
        restores_from(&j, (2, "{}"), (3, 1));
    }

    /// The exchange saves images from a thread of its own while it goes on appending: the
    /// entries appended meanwhile are kept, those the image covers go once `snapshot_saved`
    /// says so, and a reopen finds the image and replays only what came after it.
    #[test]
    fn a_snapshot_saved_on_another_thread_while_entries_are_appended() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = clock();
        let mut j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
        for _ in 0..3 {
            j.append(&[(cmd.clone(), vec![])]).unwrap();
        }
        let mut store = j.snapshot_store().unwrap();
        let image = "x".repeat(4 << 20);
        let saving = std::thread::spawn(move || {
            store.save(3, |w| w.write_all(image.as_bytes())).unwrap();
            store
        });
        // Appends go on while the image is written (neither waits on the other).
        for _ in 0..50 {
            j.append(&[(cmd.clone(), vec![])]).unwrap();
        }
        let mut store = saving.join().unwrap();
        // Replay starts after the saved image; the files are pruned only by `snapshot_saved`.
        assert_eq!(j.len().unwrap(), 50);
        j.snapshot_saved(3).unwrap();
        assert_eq!(j.len().unwrap(), 50);
        // The connection is kept for the next image, which replaces this one.
        store.save(10, |w| w.write_all(b"{}")).unwrap();
        j.snapshot_saved(10).unwrap();
        drop((j, store));
        let j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
        restores_from(&j, (10, "{}"), (53, 43));
    }

    /// Older versions stored images as database rows: such an image is restored from until a
    /// snapshot file replaces it, and the row goes then.
    #[test]
    fn an_image_stored_as_a_row_is_read_until_a_file_replaces_it() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = clock();
        {
            let mut j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
            j.append(&[(cmd.clone(), vec![]), (cmd.clone(), vec![])])
                .unwrap();
            j.conn
                .execute(
                    "INSERT INTO snapshots (seq, state) VALUES (2, '{\"row\":true}')",
                    [],
                )
                .unwrap();
            j.append(&[(cmd.clone(), vec![])]).unwrap();
        }
        let mut j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
        restores_from(&j, (2, "{\"row\":true}"), (3, 1));
        j.save_snapshot(3, b"{\"file\":true}").unwrap();
        let rows: i64 = j
            .conn
            .query_row("SELECT COUNT(*) FROM snapshots", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);
        drop(j);
        let mut j = Journal::open_dir(dir.path(), Durability::Full).unwrap();
        assert_eq!(
            j.latest_snapshot().unwrap(),
            Some((3, b"{\"file\":true}".to_vec()))
        );
        assert_eq!(j.append(&[(cmd, vec![])]).unwrap(), 4);
    }

    #[test]
    fn numbers_go_on_after_a_reopen_even_when_a_snapshot_pruned_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let cmd = clock();
        {
            let mut j = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
            assert_eq!(
                j.append(&[(cmd.clone(), vec![]), (cmd.clone(), vec![])])
                    .unwrap(),
                2
            );
            j.save_snapshot(2, b"{}").unwrap();
            assert_eq!(j.len().unwrap(), 0);
        }
        let mut j = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
        assert_eq!(j.append(&[(cmd.clone(), vec![])]).unwrap(), 3);
        drop(j);
        let mut j = Journal::open_dir(dir.path(), Durability::Normal).unwrap();
        assert_eq!(j.append(&[(cmd, vec![])]).unwrap(), 4);
        assert_eq!(replayed(&j, 2).1, 2);
    }
}
