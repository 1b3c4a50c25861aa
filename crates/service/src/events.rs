//! Coalescing of service events for a webview: quotes can arrive many times a second for many
//! symbols; the UI needs the newest quote per symbol a few times a second, and one "accounts
//! changed" per batch is as good as twenty.

use brokerdesk_model::{Quote, ServiceEvent, Symbol};
use std::collections::BTreeMap;

/// How often a front should flush (four times a second reads as live, and never floods).
pub const FLUSH_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

#[derive(Default)]
pub struct EventCoalescer {
    quotes: BTreeMap<Symbol, Quote>,
    accounts_changed: bool,
    /// Everything else, in order: statuses, orders and breaks are few and each matters.
    other: Vec<ServiceEvent>,
}

impl EventCoalescer {
    pub fn push(&mut self, event: ServiceEvent) {
        match event {
            ServiceEvent::Quotes(quotes) => {
                for q in quotes {
                    self.quotes.insert(q.symbol.clone(), q);
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
        if !self.quotes.is_empty() {
            out.push(ServiceEvent::Quotes(
                std::mem::take(&mut self.quotes).into_values().collect(),
            ));
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
        for i in 0..1000 {
            c.push(ServiceEvent::Quotes(vec![
                quote("AAPL", i),
                quote("MSFT", -i),
            ]));
            c.push(ServiceEvent::AccountsChanged);
        }
        c.push(ServiceEvent::Breaks { open: 2 });
        let out = c.flush();
        assert_eq!(out.len(), 3);
        assert_eq!(out[0], ServiceEvent::Breaks { open: 2 });
        assert_eq!(out[1], ServiceEvent::AccountsChanged);
        assert_eq!(
            out[2],
            ServiceEvent::Quotes(vec![quote("AAPL", 999), quote("MSFT", -999)])
        );
        assert!(c.flush().is_empty(), "flushed once");
        c.lagged();
        assert_eq!(c.flush(), vec![ServiceEvent::AccountsChanged]);
    }
}
