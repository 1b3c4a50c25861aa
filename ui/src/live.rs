//! What the backend pushes: counters that pages watch to re-read, and the latest quotes.

use brokerdesk_model::{ConnectionSummary, Quote, ServiceEvent, Symbol};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

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
    /// Latest status per connection, as pushed.
    pub connections: Rc<BTreeMap<String, ConnectionSummary>>,
    pub quotes: Rc<BTreeMap<Symbol, Quote>>,
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
            ServiceEvent::Connection(c) => {
                let mut map = (*next.connections).clone();
                map.insert(c.id.to_string(), c);
                next.connections = Rc::new(map);
                next.accounts = next.accounts.wrapping_add(1);
            }
            // Not yet per connection: the accounts page and ticket still key quotes by symbol.
            ServiceEvent::Quotes { quotes, .. } => {
                let mut map = (*next.quotes).clone();
                for q in quotes {
                    map.insert(q.symbol.clone(), q);
                }
                next.quotes = Rc::new(map);
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
