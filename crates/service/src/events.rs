//! Coalescing of service events for a webview: quotes can arrive many times a second for many
//! symbols; the UI needs the newest quote per symbol of each connection a few times a second
//! (never one connection's quote standing in for another's), and one "accounts changed" per
//! batch is as good as twenty.

use brokerdesk_model::{ConnectionId, Quote, ServiceEvent, Symbol};
use std::collections::BTreeMap;

/// How often a front should flush (four times a second reads as live, and never floods).
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Default)]
pub struct EventCoalescer {
    quotes: BTreeMap<ConnectionId, BTreeMap<Symbol, Quote>>,
    accounts_changed: bool,
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
            other => self.other.push(other),
        }
    }

    /// A receiver that fell behind lost events it cannot name: tell the UI to re-read all.
    pub fn lagged(&mut self) {
        self.accounts_changed = true;
    }

    /// The events to send now, in a sensible order; empties the buffer.
    pub fn flush(&mut self) -> Vec<ServiceEvent> {
        let mut out = std::mem::take(&mut self.other);
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
        assert_eq!(c.flush(), vec![ServiceEvent::AccountsChanged]);
    }
}
