//! `Session`: the user's open connections, which exist only while the vault is unlocked (their
//! keys are in memory then). Unlocking opens them, locking drops them, keys and streams and all.

use crate::connection::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

#[derive(Default)]
pub(crate) struct Session {
    /// `None` while locked.
    linked: RwLock<Option<Vec<Arc<Connection>>>>,
    /// The user is locking (`BrokerageService::lock`): a close seen meanwhile is theirs, not
    /// the idle timer's.
    user_locking: AtomicBool,
}

impl Session {
    pub(crate) fn set_user_locking(&self, locking: bool) {
        self.user_locking.store(locking, Ordering::SeqCst);
    }

    pub(crate) fn user_locking(&self) -> bool {
        self.user_locking.load(Ordering::SeqCst)
    }

    /// Replaces the open connections (unlocking, or the list changed).
    pub(crate) fn open(&self, connections: Vec<Arc<Connection>>) {
        *self.linked.write().unwrap_or_else(|p| p.into_inner()) = Some(connections);
    }

    /// Drops the connections; returns whether any session was open.
    pub(crate) fn close(&self) -> bool {
        self.linked
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .is_some()
    }

    pub(crate) fn is_open(&self) -> bool {
        self.linked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .is_some()
    }

    /// The open connections (none while locked).
    pub(crate) fn connections(&self) -> Vec<Arc<Connection>> {
        self.linked
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
            .unwrap_or_default()
    }
}
