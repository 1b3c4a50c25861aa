//! Orders a broker holds back with warnings ("You are submitting an order without market
//! data…"): kept here, for a few minutes, until the user answers yes or no.
//!
//! The journal already has the order (written before it was sent) as pending; while it waits
//! for the answer the order refresh leaves it alone. Yes sends the broker's reply (which may
//! bring another warning: held again under a new confirmation), no withdraws it and the journal
//! marks it not sent; so does an answer that comes too late. A restart forgets the questions,
//! and the journal's usual rule closes such an order: the broker has no trace of it.

use brokerdesk_model::order::OrderRequest;
use brokerdesk_model::{AccountId, ClientOrderId, ConnectionId};
use chrono::{DateTime, TimeDelta, Utc};
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

/// How long the user has to answer. The broker's own question expires too (IBKR's reply ids
/// are short-lived); an old one is refused rather than sent.
pub(crate) const ANSWER_WITHIN: TimeDelta = TimeDelta::minutes(3);

#[derive(Clone)]
pub(crate) struct Pending {
    pub(crate) connection: ConnectionId,
    pub(crate) account: AccountId,
    pub(crate) request: OrderRequest,
    pub(crate) submitted_at: DateTime<Utc>,
    pub(crate) reply_id: String,
    pub(crate) expires_at: DateTime<Utc>,
}

/// The questions waiting for an answer, by confirmation id (minted here: the broker's reply id
/// never comes back from the fronts as a key).
#[derive(Default)]
pub(crate) struct PendingWarnings {
    pub(crate) held: Mutex<HashMap<String, Pending>>,
}

impl PendingWarnings {
    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Pending>> {
        self.held.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The client order ids still waiting for the user (the refresh must not close them).
    pub(crate) fn awaiting(&self) -> HashSet<ClientOrderId> {
        self.lock()
            .values()
            .map(|p| p.request.client_order_id.clone())
            .collect()
    }

    /// Removes the questions whose time is up and returns their orders.
    pub(crate) fn expire(&self, now: DateTime<Utc>) -> Vec<ClientOrderId> {
        let mut held = self.lock();
        let gone: Vec<String> = held
            .iter()
            .filter(|(_, p)| p.expires_at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        gone.into_iter()
            .filter_map(|k| held.remove(&k))
            .map(|p| p.request.client_order_id)
            .collect()
    }
}
