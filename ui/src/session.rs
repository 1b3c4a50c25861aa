//! The signed-in state every page shares: the vault's state, kept fresh, and navigation.

use crate::pages::Page;
use brokerdesk_model::vault::VaultState;
use yew::prelude::*;

#[derive(Clone, PartialEq)]
pub struct Session {
    /// `None` until the first answer from the backend.
    pub vault: Option<VaultState>,
    /// Every vault command returns the new state; pages hand it here.
    pub set_vault: Callback<VaultState>,
    pub navigate: Callback<Page>,
}

#[hook]
pub fn use_session() -> Session {
    use_context::<Session>().unwrap_or_else(|| Session {
        vault: None,
        set_vault: Callback::noop(),
        navigate: Callback::noop(),
    })
}
