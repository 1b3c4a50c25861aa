//! A count of the paper resets the journal has followed: `sandbox_resets` moves it on, and
//! `reset_sandbox` waits for it to move (kept apart so the service can hold one without
//! importing the follower, which imports the service).

use tokio::sync::watch;

/// How many of the exchange's resets the journal has followed (for `reset_sandbox` to wait on).
pub(crate) struct ResetsFollowed(watch::Sender<u64>);

impl Default for ResetsFollowed {
    fn default() -> Self {
        Self(watch::channel(0).0)
    }
}

impl ResetsFollowed {
    pub(crate) fn subscribe(&self) -> watch::Receiver<u64> {
        self.0.subscribe()
    }

    pub(crate) fn bump(&self) {
        self.0.send_modify(|n| *n = n.saturating_add(1));
    }
}
