//! Coalescing of service events for a webview: quotes can arrive many times a second for many
//! symbols; the UI needs the newest quote per symbol of each connection once per frame or so
//! (never one connection's quote standing in for another's), and one "accounts changed" per
//! batch is as good as twenty.
//!
//! Batches open on the first event and close a short window later ([`forward`]): an event
//! after a quiet spell goes out within the window, never after a fixed tick it happened to
//! miss (a 250 ms tick made a quote wait up to 250 ms).

use brokerdesk_model::{ConnectionId, Quote, ServiceEvent, Symbol};
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::broadcast::{self, error::RecvError};

/// How long a batch stays open after its first event: about a frame, so a burst becomes one
/// message while a single quote still reaches the window well inside 50 ms.
pub const BATCH_WINDOW: Duration = Duration::from_millis(16);

/// Forwards `events` to `emit` in coalesced batches until the service goes away.
pub async fn forward(
    mut events: broadcast::Receiver<ServiceEvent>,
    window: Duration,
    mut emit: impl FnMut(ServiceEvent),
) {
    let mut coalescer = EventCoalescer::default();
    loop {
        // Idle until something happens: no timer runs while nothing does.
        match events.recv().await {
            Ok(event) => coalescer.push(event),
            Err(RecvError::Lagged(_)) => coalescer.lagged(),
            Err(RecvError::Closed) => return,
        }
        let close = tokio::time::sleep(window);
        tokio::pin!(close);
        let mut closed = false;
        loop {
            tokio::select! {
                received = events.recv() => match received {
                    Ok(event) => coalescer.push(event),
                    Err(RecvError::Lagged(_)) => coalescer.lagged(),
                    Err(RecvError::Closed) => { closed = true; break; }
                },
                _ = &mut close => break,
            }
        }
        for event in coalescer.flush() {
            emit(event);
        }
        if closed {
            return;
        }
    }
}

#[derive(Default)]
pub struct EventCoalescer {
    quotes: BTreeMap<ConnectionId, BTreeMap<Symbol, Quote>>,
    accounts_changed: bool,
    /// Events were lost (the receiver lagged): one `Missed` goes out with the batch.
    missed: bool,
    /// Everything else, in order: statuses, orders and breaks are few and each matters.
    other: Vec<ServiceEvent>,
}

impl EventCoalescer {
    pub fn push(&mut self, event: ServiceEvent) {
        match event {
            ServiceEvent::Quotes { connection, quotes } => {
                let held = self.quotes.entry(connection).or_default();
                for q in quotes {
                    held.insert(q.symbol.clone(), q);
                }
            }
            ServiceEvent::AccountsChanged => self.accounts_changed = true,
            // Only the newest count of a first sync matters to the page.
            progress @ ServiceEvent::SyncProgress { .. } => {
                self.other
                    .retain(|e| !matches!(e, ServiceEvent::SyncProgress { .. }));
                self.other.push(progress);
            }
            other => self.other.push(other),
        }
    }

    /// A receiver that fell behind lost events it cannot name (orders' among them): tell the
    /// UI to re-read all.
    pub fn lagged(&mut self) {
        self.missed = true;
    }

    /// The events to send now, in a sensible order; empties the buffer.
    pub fn flush(&mut self) -> Vec<ServiceEvent> {
        let mut out = std::mem::take(&mut self.other);
        if std::mem::take(&mut self.missed) {
            // It says more than "accounts changed": that one would only be a repeat.
            self.accounts_changed = false;
            out.push(ServiceEvent::Missed);
        }
        if std::mem::take(&mut self.accounts_changed) {
            out.push(ServiceEvent::AccountsChanged);
        }
        for (connection, quotes) in std::mem::take(&mut self.quotes) {
            out.push(ServiceEvent::Quotes {
                connection,
                quotes: quotes.into_values().collect(),
            });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    fn quotes_of(symbol: &str, bid: i64) -> ServiceEvent {
        ServiceEvent::Quotes {
            connection: ConnectionId::new("paper-local"),
            quotes: vec![quote(symbol, bid)],
        }
    }

    fn quote(symbol: &str, bid: i64) -> Quote {
        Quote {
            symbol: Symbol::new(symbol),
            bid: Some(Decimal::from(bid)),
            bid_size: None,
            ask: None,
            ask_size: None,
            last: None,
            timestamp: None,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_lone_event_goes_out_after_the_window_and_a_burst_goes_out_as_one_batch() {
        let (tx, rx) = broadcast::channel(256);
        let (out_tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(forward(rx, BATCH_WINDOW, move |e| {
            let _ = out_tx.send((tokio::time::Instant::now(), e));
        }));
        tokio::task::yield_now().await;
        let sent = tokio::time::Instant::now();
        tx.send(quotes_of("AAPL", 1)).unwrap();
        let (at, event) = out.recv().await.unwrap();
        assert_eq!(event, quotes_of("AAPL", 1));
        assert_eq!(
            at - sent,
            BATCH_WINDOW,
            "out when the window closes, not at a tick"
        );

        // Quiet for a long time: nothing is emitted, then a burst is one batch.
        tokio::time::sleep(Duration::from_secs(10)).await;
        assert!(out.try_recv().is_err());
        for i in 0..100 {
            tx.send(quotes_of("MSFT", i)).unwrap();
        }
        tx.send(ServiceEvent::Vault).unwrap();
        let (_, first) = out.recv().await.unwrap();
        let (_, second) = out.recv().await.unwrap();
        assert_eq!(first, ServiceEvent::Vault);
        assert_eq!(second, quotes_of("MSFT", 99));
        drop(tx);
        task.await.unwrap();
        assert!(out.try_recv().is_err(), "nothing after the last batch");
    }

    #[tokio::test(start_paused = true)]
    async fn a_bridge_that_fell_behind_tells_the_ui_to_re_read_everything() {
        let (tx, rx) = broadcast::channel(4);
        // Ten events before the bridge reads one: the six oldest are gone.
        for open in 0..10 {
            tx.send(ServiceEvent::Breaks { open }).unwrap();
        }
        let (out_tx, mut out) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::spawn(forward(rx, BATCH_WINDOW, move |e| {
            let _ = out_tx.send(e);
        }));
        drop(tx);
        task.await.unwrap();
        let mut got = Vec::new();
        while let Ok(e) = out.try_recv() {
            got.push(e);
        }
        let kept: Vec<ServiceEvent> = (6..10).map(|open| ServiceEvent::Breaks { open }).collect();
        assert_eq!(got[..4], kept[..], "what was kept, in order");
        assert_eq!(got[4..], [ServiceEvent::Missed], "and that some were lost");
    }

    #[test]
    fn a_burst_becomes_one_batch_with_the_newest_quote_per_symbol() {
        let mut c = EventCoalescer::default();
        let (live, sandbox) = (
            ConnectionId::new("alpaca-1"),
            ConnectionId::new("paper-local"),
        );
        for i in 0..1000 {
            c.push(ServiceEvent::Quotes {
                connection: live.clone(),
                quotes: vec![quote("AAPL", i), quote("MSFT", -i)],
            });
            c.push(ServiceEvent::Quotes {
                connection: sandbox.clone(),
                quotes: vec![quote("AAPL", 5)],
            });
            c.push(ServiceEvent::AccountsChanged);
        }
        c.push(ServiceEvent::Breaks { open: 2 });
        let out = c.flush();
        assert_eq!(out.len(), 4);
        assert_eq!(out[0], ServiceEvent::Breaks { open: 2 });
        assert_eq!(out[1], ServiceEvent::AccountsChanged);
        // The same symbol from two connections stays two quotes, each with its own source.
        assert_eq!(
            out[2],
            ServiceEvent::Quotes {
                connection: live,
                quotes: vec![quote("AAPL", 999), quote("MSFT", -999)]
            }
        );
        assert_eq!(
            out[3],
            ServiceEvent::Quotes {
                connection: sandbox,
                quotes: vec![quote("AAPL", 5)]
            }
        );
        assert!(c.flush().is_empty(), "flushed once");
        c.lagged();
        assert_eq!(
            c.flush(),
            vec![ServiceEvent::Missed],
            "a lost order event is named"
        );
        c.push(ServiceEvent::AccountsChanged);
        c.lagged();
        assert_eq!(
            c.flush(),
            vec![ServiceEvent::Missed],
            "it covers accounts too"
        );
        for done in 0..=3 {
            c.push(ServiceEvent::SyncProgress { done, total: 3 });
        }
        c.push(ServiceEvent::Breaks { open: 1 });
        assert_eq!(
            c.flush(),
            vec![
                ServiceEvent::SyncProgress { done: 3, total: 3 },
                ServiceEvent::Breaks { open: 1 }
            ],
            "one progress, the newest"
        );
    }
}
