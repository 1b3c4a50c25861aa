//! Which position the position page shows, and the way to open it from anywhere (a row of a
//! positions table). Kept apart from `Page` so that `Page` stays a plain `Copy` enum.

use brokerdesk_model::{AccountId, ConnectionId, Symbol};
use yew::prelude::*;

/// A position by where it is held.
#[derive(Clone, Debug, PartialEq)]
pub struct PositionRoute {
    pub connection: ConnectionId,
    pub account: AccountId,
    pub symbol: Symbol,
}

/// Opens the position page on a position (provided by the app shell).
#[derive(Clone, PartialEq)]
pub struct PositionRouter {
    pub open: Callback<PositionRoute>,
}

/// The opener, or `None` outside the shell (nothing to open then: rows are not links).
#[hook]
pub fn use_position_router() -> Option<PositionRouter> {
    use_context::<PositionRouter>()
}
