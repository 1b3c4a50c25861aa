//! What the backend pushes: counters that pages watch to re-read, and the latest quotes.

use brokerdesk_model::{ConnectionId, Quote, ServiceEvent, Symbol};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Each connection's latest quotes by symbol.
pub type ConnectionQuotes = Rc<BTreeMap<ConnectionId, Rc<BTreeMap<Symbol, Quote>>>>;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct LiveFeed {
    /// Bumped when balances or positions may have changed.
    pub accounts: u32,
    /// Bumped when an order the app placed changed state.
    pub orders: u32,
    /// Bumped when the reconciliation breaks changed.
    pub breaks: u32,
    /// Bumped when the vault locked, unlocked or changed (auto-lock happens in the backend).
    pub vault: u32,
    /// Bumped when new money movements were stored (the Activity page re-reads).
    pub activity: u32,
    /// Bumped when an attached AI assistant's questions changed (the prompt re-reads them).
    pub assistant: u32,
    /// The first sync of just-opened connections: (answered, of), as pushed.
    pub sync: Option<(u32, u32)>,
    /// Each connection's own latest quotes: one connection's price never stands in for
    /// another's.
    pub quotes: ConnectionQuotes,
}

impl Reducible for LiveFeed {
    type Action = ServiceEvent;

    fn reduce(self: Rc<Self>, event: ServiceEvent) -> Rc<Self> {
        let mut next = (*self).clone();
        match event {
            ServiceEvent::AccountsChanged => next.accounts = next.accounts.wrapping_add(1),
            ServiceEvent::Vault => {
                next.vault = next.vault.wrapping_add(1);
                next.accounts = next.accounts.wrapping_add(1);
            }
            ServiceEvent::Order(_) => {
                next.orders = next.orders.wrapping_add(1);
                next.accounts = next.accounts.wrapping_add(1);
            }
            ServiceEvent::Breaks { .. } => next.breaks = next.breaks.wrapping_add(1),
            ServiceEvent::ActivityChanged => next.activity = next.activity.wrapping_add(1),
            ServiceEvent::SyncProgress { done, total } => next.sync = Some((done, total)),
            // `Vault` comes with it and re-reads the vault; the notification is the shell's.
            ServiceEvent::VaultAutoLocked => {}
            ServiceEvent::AssistantQuestions => next.assistant = next.assistant.wrapping_add(1),
            // Lost events cannot be named: every page re-reads what it shows.
            ServiceEvent::Missed => {
                next.accounts = next.accounts.wrapping_add(1);
                next.orders = next.orders.wrapping_add(1);
                next.breaks = next.breaks.wrapping_add(1);
                next.vault = next.vault.wrapping_add(1);
                next.activity = next.activity.wrapping_add(1);
                next.assistant = next.assistant.wrapping_add(1);
            }
            // The Accounts page shows statuses and re-reads them.
            ServiceEvent::Connection(_) => next.accounts = next.accounts.wrapping_add(1),
            ServiceEvent::Quotes { connection, quotes } => {
                let mut all = (*next.quotes).clone();
                let mut held = all
                    .get(&connection)
                    .map(|m| (**m).clone())
                    .unwrap_or_default();
                for q in quotes {
                    held.insert(q.symbol.clone(), q);
                }
                all.insert(connection, Rc::new(held));
                next.quotes = Rc::new(all);
            }
        }
        Rc::new(next)
    }
}

pub type Live = UseReducerHandle<LiveFeed>;

#[hook]
pub fn use_live() -> Option<Live> {
    use_context::<Live>()
}
