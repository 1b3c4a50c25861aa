//! Resetting a paper account to a fresh start: its open orders are canceled (releasing what
//! they held), its orders, fills and positions forgotten, and its cash set anew. A command like
//! any other, so the journal records it and a restart replays it.

use brokerdesk_model::AccountId;
use rust_decimal::Decimal;

use super::account::Account;
use super::rejection::Rejection;
use super::types::Event;
use super::{Engine, validate};

impl Engine {
    pub(super) fn reset_account(&mut self, id: AccountId, cash: Decimal, out: &mut Vec<Event>) {
        let reject = |rejection, out: &mut Vec<Event>| {
            out.push(Event::Rejected {
                rejection,
                order_id: None,
                client_order_id: None,
            })
        };
        // The configuration is the holder's choice, not trading state: it stays.
        let Some((kind, config)) = self.accounts.get(&id).map(|a| (a.kind, a.config)) else {
            return reject(Rejection::UnknownAccount(id), out);
        };
        if !(Decimal::ZERO..=validate::MAX_CASH).contains(&cash) {
            return reject(
                Rejection::Invalid(format!("cash must be between 0 and {}", validate::MAX_CASH)),
                out,
            );
        }
        // Legs first, so no parent's cancel sends its legs live in the middle of a reset.
        let mut open: Vec<_> = self
            .orders
            .iter()
            .filter(|o| o.account == id && o.status.is_open())
            .map(|o| (o.parent.is_none(), o.id))
            .collect();
        open.sort_by_key(|(parent, _)| *parent);
        // Closed quietly: the account's stream hears of the reset, not of each order.
        let mut quiet = Vec::new();
        for (_, order) in open {
            self.cancel_if_open(order, &mut quiet);
        }
        // Fills name their order (for its account): dropped before the orders go.
        let orders = &self.orders;
        self.activities
            .retain(|r| orders.get(&r.order_id).is_some_and(|o| o.account != id));
        self.orders.retain(|o| o.account != id);
        let at = self.now_ts();
        let mut fresh = Account::new(id.clone(), kind, cash, at);
        fresh.config = config;
        self.accounts.insert(id.clone(), fresh);
        out.push(Event::AccountReset { account: id });
    }
}
