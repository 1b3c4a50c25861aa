//! The exchange as a running service. One thread owns the engine and the journal; everything
//! else talks to it through an `ExchangeHandle`.
//!
//! If the exchange ever panics (or a journal write fails), the state in memory may hold
//! commands that never reached the journal, so it is thrown away: the exchange reopens the
//! journal and rebuilds from it (on a blocking thread), exactly as a restart of the process
//! would. Callers meanwhile get `ExchangeGone` (503 over HTTP) at once instead of waiting.
//!
//! The exchange drains its queue in batches: it stamps each command with the wall clock,
//! applies it and encodes it, writes the whole batch in one transaction (group commit) and
//! only after the commit answers the callers and publishes the events. So an acknowledged
//! order is always on disk, and one commit (one fsync with `Durability::Full`) is shared by
//! every order that arrived meanwhile.
//!
//! The exchange thread runs a single-threaded Tokio runtime, and the sandbox serves its HTTP
//! API on that same runtime (`ExchangeHandle::spawn`). A request then reaches the exchange
//! without crossing threads: its task queues the command and the exchange task, woken behind
//! every connection that was ready in the same turn, applies all of them in one batch and
//! commits once. Handing each batch from a runtime worker to a separate exchange thread and
//! back cost two sleeps and wake-ups per batch, more than the HTTP work itself (see the
//! crate's BENCHMARKS.md). Callers on other threads (the service, the market feed) send the
//! same messages through the same queue.

use chrono::{DurationRound, TimeDelta, Utc};
use std::collections::BTreeMap;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

use super::image::{self, StateImage};
use super::market_data::{MarketData, MarketTick};
use crate::engine::watchlists::Watchlists;
use crate::engine::{Command, CommandKind, Engine, EngineConfig, Event, Timestamp};
use crate::store::{Journal, SnapshotStore, StoreError, rows};

/// Equity samples kept per account for the portfolio history (a minute apart).
const MAX_HISTORY: usize = 20_000;
/// Most commands journaled in one transaction.
const MAX_BATCH: usize = 1024;

/// Minute bars per symbol kept in a snapshot (a trading day).
const SNAPSHOT_BARS: usize = 390;

/// Everything the API reads: the engine plus what is derived from the same commands.
pub struct State {
    pub engine: Engine,
    pub watchlists: Watchlists,
    pub market: MarketData,
    pub history: image::History,
    /// The minute and number of accounts last sampled: every later command of that minute
    /// has nothing to add, and checking each account cost allocations on every order.
    sampled: Option<(Timestamp, usize)>,
}

impl State {
    pub fn new(config: EngineConfig) -> Self {
        Self {
            engine: Engine::new(config),
            watchlists: Watchlists::default(),
            market: MarketData::default(),
            history: BTreeMap::new(),
            sampled: None,
        }
    }

    /// An owned image of the state. The exchange thread only shares the engine's orders and
    /// fills and copies the rest (bounded: accounts, a day of bars, the equity samples); the
    /// encoding runs on a thread of its own (`Encoding`).
    fn snapshot(&self) -> StateImage {
        StateImage {
            engine: self.engine.image(),
            watchlists: self.watchlists.clone(),
            market: self.market.trimmed(SNAPSHOT_BARS),
            history: self.history.clone(),
        }
    }

    /// The state an image (`image::read`) was written from; `Err` says what does not read.
    fn restore(bytes: &[u8]) -> Result<Self, String> {
        let s = image::read(bytes)?;
        Ok(Self {
            engine: s.engine,
            watchlists: s.watchlists,
            market: s.market,
            history: s.history,
            sampled: None,
        })
    }

    /// Applies a command to the engine and the derived views, appending its events to `out`;
    /// deterministic like the engine.
    pub fn apply(&mut self, cmd: Command, ticks: &mut Vec<MarketTick>, out: &mut Vec<Event>) {
        let at = cmd.at;
        match &cmd.kind {
            CommandKind::Market(updates) => {
                for u in updates {
                    self.market.record(at, u, ticks);
                }
            }
            CommandKind::Quote(q) => {
                self.market
                    .record(at, &crate::engine::MarketUpdate::Quote(q.clone()), ticks)
            }
            CommandKind::Trade(t) => {
                self.market
                    .record(at, &crate::engine::MarketUpdate::Trade(t.clone()), ticks)
            }
            CommandKind::ResetAccount { account, .. } => {
                self.history.remove(account);
            }
            CommandKind::Watchlist(w) => {
                // Checked before it was sent; a race lost meanwhile changes nothing.
                let _ = self.watchlists.apply(at, w.clone());
            }
            _ => {}
        }
        self.engine.apply_into(cmd, out);
        self.sample_equity(at);
    }

    fn sample_equity(&mut self, at: Timestamp) {
        let minute = at.duration_trunc(TimeDelta::minutes(1)).unwrap_or(at);
        let key = (minute, self.engine.account_count());
        if self.sampled == Some(key) {
            return;
        }
        self.sampled = Some(key);
        for id in self.engine.account_ids() {
            let series = self.history.entry(id.clone()).or_default();
            if series.last().is_some_and(|(t, _)| *t >= minute) {
                continue;
            }
            if let Some(s) = self.engine.summary(&id) {
                series.push((minute, s.equity));
                if series.len() > MAX_HISTORY {
                    series.remove(0);
                }
            }
        }
    }
}

/// The exchange could not answer: it is rebuilding from its journal after a failure (or, at
/// start, could not open it). Worth retrying in a moment.
#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
#[error("the paper exchange is restarting from its journal; retry in a moment")]
pub struct ExchangeGone;

/// Opens the journal again, for a rebuild after a failure.
pub type Reopen = Box<dyn Fn() -> Result<Journal, StoreError> + Send>;

/// How long the exchange thread, once every handle is gone, waits for blocking work it
/// started (a bars page being written) before it ends.
const STOP_GRACE: Duration = Duration::from_secs(2);

/// How long a failed rebuild waits before trying again.
const REBUILD_RETRY: Duration = Duration::from_secs(1);

type Planner = Box<dyn FnOnce(&State) -> Vec<CommandKind> + Send>;
/// Hands a finished answer to its caller; run only after everything before it is on disk.
type Deliver = Box<dyn FnOnce() + Send>;
/// Computes an answer on the exchange thread and returns how to deliver it.
type Reader = Box<dyn FnOnce(&State) -> Deliver + Send>;

enum Msg {
    Apply {
        plan: Planner,
        reply: oneshot::Sender<Vec<Event>>,
    },
    Read(Reader),
    /// The sandbox is gone: finish what came before, close the journal and end, even while
    /// clients still hold connections (and so handles) open.
    Close,
}

/// A cheap, cloneable way in to the running exchange.
#[derive(Clone)]
pub struct ExchangeHandle {
    tx: mpsc::UnboundedSender<Msg>,
    /// The exchange thread's runtime, where the sandbox's HTTP server runs.
    runtime: tokio::runtime::Handle,
    events: broadcast::Sender<Arc<Event>>,
    market: broadcast::Sender<Arc<MarketTick>>,
    health: Arc<Health>,
    /// How many tasks `spawn` started are still running: the exchange thread lets them end
    /// (the server's graceful shutdown) before it stops its runtime.
    tasks: Arc<watch::Sender<usize>>,
}

/// Counts one spawned task as live until it ends (or is dropped).
struct LiveTask(Arc<watch::Sender<usize>>);

impl Drop for LiveTask {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

/// Waits for the exchange thread (its journal closed and last snapshot saved) to end.
pub struct StopWaiter(Arc<Health>);

impl StopWaiter {
    /// True once the exchange thread has ended; false if `within` passed first.
    pub async fn wait(&self, within: std::time::Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        while !self.0.stopped.load(Ordering::Acquire) {
            if tokio::time::Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }
        true
    }
}

#[derive(Default)]
struct Health {
    /// Set while the exchange rebuilds from its journal: callers are turned away at once.
    rebuilding: AtomicBool,
    /// Rebuilds since start (each one a failure that should not have happened).
    rebuilds: AtomicU64,
    /// Set when the exchange thread has returned (its journal closed before).
    stopped: AtomicBool,
}

impl ExchangeHandle {
    /// Applies one command; resolves once it is journaled.
    pub async fn apply(&self, kind: CommandKind) -> Result<Vec<Event>, ExchangeGone> {
        self.plan(move |_| vec![kind]).await
    }

    /// Works out commands from the current state (closing a position needs its size) and
    /// applies them together.
    pub async fn plan(
        &self,
        plan: impl FnOnce(&State) -> Vec<CommandKind> + Send + 'static,
    ) -> Result<Vec<Event>, ExchangeGone> {
        self.check_up()?;
        let (reply, rx) = oneshot::channel();
        self.tx
            .send(Msg::Apply {
                plan: Box::new(plan),
                reply,
            })
            .map_err(|_| ExchangeGone)?;
        rx.await.map_err(|_| ExchangeGone)
    }

    /// Reads the state after everything sent before has been journaled.
    pub async fn read<R: Send + 'static>(
        &self,
        f: impl FnOnce(&State) -> R + Send + 'static,
    ) -> Result<R, ExchangeGone> {
        self.check_up()?;
        let (tx, rx) = oneshot::channel();
        self.tx
            .send(Msg::Read(Box::new(move |s| {
                let answer = f(s);
                Box::new(move || {
                    let _ = tx.send(answer);
                })
            })))
            .map_err(|_| ExchangeGone)?;
        rx.await.map_err(|_| ExchangeGone)
    }

    /// Runs `task` on the exchange thread's runtime (the sandbox's HTTP server goes there, so
    /// its requests reach the exchange without a thread hop). The task ends with the exchange
    /// thread at the latest.
    pub fn spawn<F>(&self, task: F) -> tokio::task::JoinHandle<F::Output>
    where
        F: Future + Send + 'static,
        F::Output: Send + 'static,
    {
        self.tasks.send_modify(|n| *n += 1);
        let live = LiveTask(Arc::clone(&self.tasks));
        self.runtime.spawn(async move {
            let _live = live;
            task.await
        })
    }

    /// Ends the exchange once what was sent before is done: the journal is closed (its lock
    /// released for the next sandbox on this data dir) and later calls get `ExchangeGone`.
    pub fn close(&self) {
        let _ = self.tx.send(Msg::Close);
    }

    fn check_up(&self) -> Result<(), ExchangeGone> {
        if self.is_rebuilding() {
            Err(ExchangeGone)
        } else {
            Ok(())
        }
    }

    /// Whether the exchange is rebuilding from its journal after a failure.
    pub fn is_rebuilding(&self) -> bool {
        self.health.rebuilding.load(Ordering::Acquire)
    }

    /// Something to wait on for the exchange thread's end, holding no sender: the thread
    /// stops once every handle is dropped.
    pub fn stop_waiter(&self) -> StopWaiter {
        StopWaiter(Arc::clone(&self.health))
    }

    /// How many times the exchange has rebuilt from its journal after a failure.
    pub fn rebuilds(&self) -> u64 {
        self.health.rebuilds.load(Ordering::Acquire)
    }

    pub fn subscribe_events(&self) -> broadcast::Receiver<Arc<Event>> {
        self.events.subscribe()
    }

    pub fn subscribe_market(&self) -> broadcast::Receiver<Arc<MarketTick>> {
        self.market.subscribe()
    }
}

/// Rebuilds the state from the latest snapshot plus the journal after it (or starts fresh) and
/// runs the exchange thread, which writes a new snapshot every `snapshot_every` commands.
/// `reopen` opens the same journal again if the exchange must rebuild after a failure.
pub fn start(
    journal: Journal,
    default_config: EngineConfig,
    snapshot_every: u64,
    reopen: Reopen,
) -> Result<ExchangeHandle, StoreError> {
    let (events, _) = broadcast::channel(16_384);
    let (market, _) = broadcast::channel(16_384);
    let boot = Boot {
        default_config,
        snapshot_every,
        events: events.clone(),
        market: market.clone(),
    };
    let running = boot.run(journal)?;
    let (tx, rx) = mpsc::unbounded_channel();
    let health = Arc::new(Health::default());
    let thread_failed = |source| StoreError::DataDir {
        path: "paper-exchange thread".into(),
        source,
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .thread_name("paper-exchange-blocking")
        .build()
        .map_err(thread_failed)?;
    let tasks = Arc::new(watch::Sender::new(0usize));
    let mut live_tasks = tasks.subscribe();
    let handle = ExchangeHandle {
        tx,
        runtime: runtime.handle().clone(),
        events,
        market,
        health: Arc::clone(&health),
        tasks,
    };
    std::thread::Builder::new()
        .name("paper-exchange".into())
        .spawn(move || {
            runtime.block_on(async {
                supervise(running, rx, boot, reopen, Arc::clone(&health)).await;
                // Every handle is gone, or the sandbox closed the exchange while clients kept
                // connections open: the server, told to stop by the sandbox, closes them
                // (answering what is in flight "unavailable") and ends.
                let _ = tokio::time::timeout(STOP_GRACE, live_tasks.wait_for(|n| *n == 0)).await;
            });
            // Whatever is left ends with the runtime; a bars page still being written on the
            // blocking pool gets a moment to finish.
            runtime.shutdown_timeout(STOP_GRACE);
            health.stopped.store(true, Ordering::Release);
        })
        .map_err(thread_failed)?;
    Ok(handle)
}

/// What (re)building the exchange from a journal needs.
struct Boot {
    default_config: EngineConfig,
    snapshot_every: u64,
    events: broadcast::Sender<Arc<Event>>,
    market: broadcast::Sender<Arc<MarketTick>>,
}

/// A state rebuilt from the journal, and the journal it writes to.
struct Running {
    state: State,
    snapshots: Snapshots,
    writer: Writer,
}

impl Boot {
    fn run(&self, journal: Journal) -> Result<Running, StoreError> {
        let config = match journal.engine_config()? {
            Some(c) => c,
            None => {
                journal.set_engine_config(&self.default_config)?;
                self.default_config.clone()
            }
        };
        let (mut state, from) = match journal.latest_snapshot()? {
            Some((seq, bytes)) => {
                let state = State::restore(&bytes).map_err(|what| StoreError::BadSnapshot {
                    path: journal.snapshot_source(seq),
                    what,
                })?;
                (state, seq)
            }
            None => (State::new(config), 0),
        };
        let mut scratch = Vec::new();
        let last = journal.replay(from, |cmd| {
            scratch.clear();
            let mut events = Vec::new();
            state.apply(cmd, &mut scratch, &mut events);
            events
        })?;
        tracing::info!(
            snapshot = from,
            replayed = last - from,
            "paper exchange state rebuilt from the journal"
        );
        let snapshots = Snapshots {
            every: self.snapshot_every.max(1),
            pending: (last - from) as u64,
            // The image read at boot held no more orders than the state does now.
            last_orders: state.engine.order_count() as u64,
        };
        let writer = Writer {
            journal,
            last_seq: last,
            encoding: None,
            store: None,
            events: self.events.clone(),
            market: self.market.clone(),
        };
        Ok(Running {
            state,
            snapshots,
            writer,
        })
    }
}

/// The exchange task: runs the exchange, and whenever it fails rebuilds it from the journal.
/// Returns once every handle is gone.
async fn supervise(
    mut running: Running,
    mut rx: mpsc::UnboundedReceiver<Msg>,
    mut boot: Boot,
    mut reopen: Reopen,
    health: Arc<Health>,
) {
    loop {
        let Running {
            mut state,
            mut snapshots,
            mut writer,
        } = running;
        let outcome = run(&mut state, &mut snapshots, &mut rx, &mut writer).await;
        if matches!(outcome, Stop::Closed) {
            // An image that came due while the previous one was being saved (a slow disk, a
            // starved thread) is taken now, not left to a journal the next start replays.
            writer.collect_snapshot(true);
            snapshot_if_due(&state, &mut snapshots, &mut writer);
        }
        writer.close();
        match outcome {
            Stop::Closed => return,
            Stop::Failed => {}
            Stop::Panicked => {
                tracing::error!("the paper exchange panicked; rebuilding from the journal")
            }
        }
        drop(state);
        health.rebuilding.store(true, Ordering::Release);
        health.rebuilds.fetch_add(1, Ordering::AcqRel);
        running = loop {
            // Replaying a journal takes a while: off this thread, so the HTTP server beside
            // it keeps answering (503, "retry") meanwhile.
            let rebuild = tokio::task::spawn_blocking(move || {
                let built = std::panic::catch_unwind(AssertUnwindSafe(|| {
                    reopen()
                        .and_then(|j| boot.run(j))
                        .map_err(|e| e.to_string())
                }))
                .unwrap_or_else(|_| Err("the rebuild panicked".to_owned()));
                (built, boot, reopen)
            });
            let built;
            (built, boot, reopen) = match rebuild.await {
                Ok(done) => done,
                // Only if the runtime is shutting down: nothing left to serve.
                Err(_) => return,
            };
            match built {
                Ok(r) => break r,
                Err(e) => {
                    tracing::error!(error = %e, "rebuilding the paper exchange failed; retrying");
                    // Whatever slipped in before the flag was set is answered "unavailable".
                    while let Ok(m) = rx.try_recv() {
                        if matches!(m, Msg::Close) {
                            return;
                        }
                    }
                    if rx.is_closed() {
                        return;
                    }
                    tokio::time::sleep(REBUILD_RETRY).await;
                }
            }
        };
        health.rebuilding.store(false, Ordering::Release);
        tracing::info!("the paper exchange is serving again");
    }
}

/// When to write the next snapshot.
struct Snapshots {
    every: u64,
    /// Commands journaled since the last one.
    pending: u64,
    /// Orders the last image held: the next waits for at least as many commands.
    last_orders: u64,
}

/// Why `run` returned.
enum Stop {
    /// Every handle is gone.
    Closed,
    /// The journal stopped or could not encode a command: the state is ahead of the journal.
    Failed,
    /// Applying a batch panicked: the state may be half-changed.
    Panicked,
}

async fn run(
    state: &mut State,
    snapshots: &mut Snapshots,
    rx: &mut mpsc::UnboundedReceiver<Msg>,
    writer: &mut Writer,
) -> Stop {
    let mut last: Option<Timestamp> = state.engine.now();
    let mut batch = Vec::new();
    while let Some(first) = rx.recv().await {
        if matches!(first, Msg::Close) {
            return Stop::Closed;
        }
        batch.push(first);
        // Let the connections whose requests came in meanwhile queue theirs first: a yield
        // returns here only after the runtime looked at its sockets and ran every task that
        // was ready, so they share this commit instead of each making one.
        tokio::task::yield_now().await;
        let mut close = false;
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(Msg::Close) => {
                    close = true;
                    break;
                }
                Ok(m) => batch.push(m),
                Err(_) => break,
            }
        }
        // Unwind safety: after a panic nothing of `state` or the writer is kept (callers of
        // the batch being applied lose their reply and see `ExchangeGone`), and the queue
        // holds only whole messages.
        let applied = std::panic::catch_unwind(AssertUnwindSafe(|| {
            apply_batch(state, snapshots, &mut batch, &mut last, writer)
        }));
        match applied {
            Ok(Ok(())) if close => return Stop::Closed,
            Ok(Ok(())) => {}
            Ok(Err(stop)) => return stop,
            Err(_) => return Stop::Panicked,
        }
    }
    Stop::Closed
}

/// Applies, journals and answers one batch (blocking: the commit writes to disk).
fn apply_batch(
    state: &mut State,
    snapshots: &mut Snapshots,
    batch: &mut Vec<Msg>,
    last: &mut Option<Timestamp>,
    writer: &mut Writer,
) -> Result<(), Stop> {
    // Encoded here, before the command moves into the engine: no clones of it.
    let mut entries: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut deliver: Vec<Deliver> = Vec::new();
    let mut ticks = Vec::new();
    let mut published: Vec<Arc<Event>> = Vec::new();
    let mut encode_failed = None;
    // Events are copied for the streams only when someone listens.
    let publishing = writer.events.receiver_count() > 0;
    for msg in batch.drain(..) {
        match msg {
            Msg::Apply { plan, reply } => {
                let mut out = Vec::new();
                for kind in plan(state) {
                    // The journal's clock never runs backwards, even if the wall clock does.
                    let now = Utc::now().max(last.unwrap_or_default());
                    *last = Some(now);
                    let cmd = Command::new(now, kind);
                    let encoded = rows::encode_command(&cmd);
                    let first = out.len();
                    state.apply(cmd, &mut ticks, &mut out);
                    let ev = &out[first..];
                    match encoded {
                        Ok(c) => entries.push((c, rows::encode_events(ev))),
                        Err(e) => encode_failed = Some(e),
                    }
                    if publishing {
                        published.extend(ev.iter().cloned().map(Arc::new));
                    }
                }
                deliver.push(Box::new(move || {
                    let _ = reply.send(out);
                }));
            }
            Msg::Read(f) => deliver.push(f(state)),
            Msg::Close => {} // never batched: `run` stops at it
        }
    }
    if let Some(e) = encode_failed {
        // The state holds a command that cannot be journaled: stop rather than ack it.
        tracing::error!(error = %e, "journal encoding failed; the paper exchange rebuilds");
        return Err(Stop::Failed);
    }
    snapshots.pending += entries.len() as u64;
    if writer.commit(&entries, published, ticks, deliver).is_err() {
        return Err(Stop::Failed); // nothing of this batch was acknowledged
    }
    // Encoding an image costs O(orders) (on its own thread). Waiting for as many commands as
    // the last image held orders keeps that O(1) per command however large the state grows;
    // waiting for as many as the state holds now (as this did) never came under a steady
    // flow of orders, each adding one to both, and the journal then grew without end.
    snapshot_if_due(state, snapshots, writer);
    Ok(())
}

/// Takes an image if enough commands came since the last one and none is being saved. One
/// that comes due meanwhile waits for the first commit after that save.
fn snapshot_if_due(state: &State, snapshots: &mut Snapshots, writer: &mut Writer) {
    let due = snapshots.every.max(snapshots.last_orders);
    if snapshots.pending >= due && writer.may_snapshot() {
        snapshots.pending = 0;
        snapshots.last_orders = state.engine.order_count() as u64;
        writer.snapshot(Box::new(state.snapshot()));
    }
}

/// A snapshot being encoded and saved off the exchange thread, for the journal position it
/// covers. The thread hands its database connection back when done.
struct Encoding {
    covers: i64,
    thread: std::thread::JoinHandle<(SnapshotStore, Result<(), String>)>,
}

impl Encoding {
    fn start(covers: i64, image: Box<StateImage>, mut store: SnapshotStore) -> Option<Self> {
        std::thread::Builder::new()
            .name("paper-snapshot".into())
            .spawn(move || {
                background_priority();
                let saved = store
                    .save(covers, |out| image::write(&image, out))
                    .map_err(|e| e.to_string());
                drop(image);
                (store, saved)
            })
            .map(|thread| Self { covers, thread })
            .map_err(|e| tracing::warn!(error = %e, "snapshot thread failed to start"))
            .ok()
    }

    /// Once the image is saved (`wait`: block for it), prunes the journal it covers and
    /// gives the connection back; `Err(self)` if still running.
    fn finish(self, journal: &mut Journal, wait: bool) -> Result<Option<SnapshotStore>, Self> {
        if !wait && !self.thread.is_finished() {
            return Err(self);
        }
        let Ok((store, saved)) = self.thread.join() else {
            tracing::warn!("the snapshot thread panicked");
            return Ok(None);
        };
        // A failed snapshot costs only restart time: the journal still has it all.
        match saved.map(|()| journal.snapshot_saved(self.covers)) {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "pruning after a snapshot failed"),
            Err(e) => tracing::warn!(error = %e, "snapshot failed"),
        }
        Ok(Some(store))
    }
}

/// How much lower than the exchange an image is encoded (a nice value: ~a tenth of the CPU
/// share when both want a core). An image only bounds restart time; the order path is what a
/// user waits on, and on a small machine the encoding took from it 5–10 % of the order rate on
/// two cores (BENCHMARKS.md).
#[cfg(target_os = "linux")]
const SNAPSHOT_NICENESS: i32 = 10;

/// Lowers the calling thread's priority by `SNAPSHOT_NICENESS`. Linux only: there the nice value
/// is a thread's own (elsewhere `setpriority` would lower the whole app). Failing changes
/// nothing but the priority, so it is only logged.
fn background_priority() {
    #[cfg(target_os = "linux")]
    {
        use rustix::process::{getpriority_process, setpriority_process};
        let lowered = getpriority_process(None)
            .and_then(|now| setpriority_process(None, now.saturating_add(SNAPSHOT_NICENESS)));
        if let Err(e) = lowered {
            tracing::debug!(error = %e, "snapshot thread keeps its priority");
        }
    }
}

/// The journal side of the exchange thread: group commits, then answers and publishes; and
/// snapshots, encoded on a thread of their own and saved once done.
struct Writer {
    journal: Journal,
    last_seq: i64,
    encoding: Option<Encoding>,
    /// The snapshot thread's connection while no snapshot is under way (opened when first
    /// needed, and again if that thread panicked).
    store: Option<SnapshotStore>,
    events: broadcast::Sender<Arc<Event>>,
    market: broadcast::Sender<Arc<MarketTick>>,
}

/// The journal write failed: the state is ahead of the journal.
struct WriteFailed;

impl Writer {
    /// Writes `entries` in one transaction; only then publishes the events and ticks and
    /// answers the callers (dropped unanswered if the write fails: they see `ExchangeGone`).
    fn commit(
        &mut self,
        entries: &[(Vec<u8>, Vec<u8>)],
        published: Vec<Arc<Event>>,
        ticks: Vec<MarketTick>,
        deliver: Vec<Deliver>,
    ) -> Result<(), WriteFailed> {
        if !entries.is_empty() {
            match self.journal.append_encoded(entries) {
                Ok(seq) => self.last_seq = seq,
                Err(e) => {
                    tracing::error!(error = %e, "journal write failed; the paper exchange stops");
                    return Err(WriteFailed);
                }
            }
        }
        self.collect_snapshot(false);
        if self.events.receiver_count() > 0 {
            for e in published {
                let _ = self.events.send(e);
            }
        }
        if self.market.receiver_count() > 0 {
            for t in ticks {
                let _ = self.market.send(Arc::new(t));
            }
        }
        for d in deliver {
            d();
        }
        Ok(())
    }

    /// An image of the state covering every entry committed so far. One snapshot at a time
    /// (`may_snapshot`); an image that arrives meanwhile is dropped. Its
    /// thread encodes and saves it; the first commit after that (the market feed commits
    /// every tick), or shutdown, prunes the journal it covers.
    fn snapshot(&mut self, image: Box<StateImage>) {
        if !self.may_snapshot() {
            return;
        }
        let store = match self.store.take() {
            Some(store) => store,
            None => match self.journal.snapshot_store() {
                Ok(store) => store,
                Err(e) => {
                    tracing::warn!(error = %e, "snapshot skipped: its database connection failed");
                    return;
                }
            },
        };
        self.encoding = Encoding::start(self.last_seq, image, store);
    }

    /// No snapshot is under way (one at a time: an image taken meanwhile would be dropped).
    fn may_snapshot(&self) -> bool {
        self.encoding.is_none()
    }

    /// A finished snapshot's journal pruned and its connection kept; `wait` blocks for it.
    fn collect_snapshot(&mut self, wait: bool) {
        if let Some(e) = self.encoding.take() {
            match e.finish(&mut self.journal, wait) {
                Ok(store) => self.store = store,
                Err(running) => self.encoding = Some(running),
            }
        }
    }

    /// Shutting down (or rebuilding): the last image is saved before the thread ends.
    fn close(mut self) {
        self.collect_snapshot(true);
    }
}

#[cfg(all(test, target_os = "linux"))]
mod tests {
    use super::*;
    use rustix::process::getpriority_process;

    /// The thread that calls it runs `SNAPSHOT_NICENESS` lower (up to the lowest, 19); the
    /// thread that spawned it keeps its own.
    #[test]
    fn an_encoding_thread_runs_at_background_priority() {
        let before = getpriority_process(None).expect("own priority");
        let inside = std::thread::spawn(|| {
            background_priority();
            getpriority_process(None).expect("own priority")
        })
        .join()
        .expect("thread");
        assert_eq!(inside, (before + SNAPSHOT_NICENESS).min(19));
        assert_eq!(getpriority_process(None).expect("own priority"), before);
    }
}
