//! Checkpoints the journal's WAL on a thread and connection of its own.
//!
//! SQLite's automatic checkpoint runs inside the commit that crosses its threshold: every few
//! thousand orders one commit also copied the WAL into the database file and fsynced it, and
//! every caller waiting on that commit (under load, all of them) stalled behind it. A passive
//! checkpoint on another connection runs beside the writer instead. It changes nothing about
//! durability: a commit is durable once it is in the WAL, checkpointed or not.

use rusqlite::Connection;
use std::path::Path;
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::thread::JoinHandle;
use std::time::Duration;

use super::StoreError;

/// At most this often: a checkpoint writes each changed page once, so fewer, larger ones
/// copy less (the journal's last page changes on every commit).
const MIN_INTERVAL: Duration = Duration::from_millis(100);
/// WAL frames (pages) past which the checkpointer briefly holds writers back to restart the
/// WAL from its beginning; under steady load passive checkpoints never catch up with the
/// writer exactly, and the file would otherwise only grow.
const RESTART_FRAMES: i64 = 16_384;
/// How long either connection waits for the other's lock before reporting busy.
pub(super) const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

pub(super) struct Checkpointer {
    wake: Option<SyncSender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    pub(super) fn start(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        let (wake, rx) = sync_channel(1);
        let thread = std::thread::Builder::new()
            .name("paper-checkpoint".into())
            .spawn(move || run(&conn, &rx))
            .map_err(|source| StoreError::DataDir {
                path: "paper-checkpoint thread".into(),
                source,
            })?;
        Ok(Self {
            wake: Some(wake),
            thread: Some(thread),
        })
    }

    /// Something was committed; never blocks (one pending wake-up covers any number).
    pub(super) fn nudge(&self) {
        if let Some(w) = &self.wake
            && let Err(TrySendError::Disconnected(())) = w.try_send(())
        {
            tracing::warn!("the journal checkpointer stopped");
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        // Closing the channel asks for a last checkpoint and the end of the thread.
        self.wake = None;
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn run(conn: &Connection, rx: &Receiver<()>) {
    loop {
        match rx.recv_timeout(Duration::from_secs(1)) {
            Ok(()) => {}
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => {
                let _ = checkpoint(conn, "PASSIVE");
                return;
            }
        }
        std::thread::sleep(MIN_INTERVAL);
        // Commits during the sleep are covered by this checkpoint.
        let _ = rx.try_recv();
        match checkpoint(conn, "PASSIVE") {
            Ok(frames) if frames >= RESTART_FRAMES => {
                if let Err(e) = checkpoint(conn, "RESTART") {
                    tracing::warn!(error = %e, "journal checkpoint (restart) failed");
                }
            }
            Ok(_) => {}
            // The next commit asks again; the WAL keeps everything meanwhile.
            Err(e) => tracing::warn!(error = %e, "journal checkpoint failed"),
        }
    }
}

/// Runs one checkpoint; returns the WAL's size in frames.
fn checkpoint(conn: &Connection, mode: &str) -> Result<i64, rusqlite::Error> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        r.get::<_, i64>(1)
    })
}
