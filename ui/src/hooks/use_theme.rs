//! Keeps the page's theme in step with the user's saved choice: the remembered one at start,
//! then the service's whenever settings can be read (no vault yet, or it is unlocked).

use crate::ipc;
use crate::theme;
use brokerdesk_model::ipc::{GetSettings, NoArgs};
use brokerdesk_model::vault::VaultState;
use yew::prelude::*;

#[hook]
pub fn use_theme(vault: Option<VaultState>) {
    use_effect_with((), |_| theme::apply_remembered());
    let readable = vault.is_some_and(|v| !v.initialized || v.unlocked);
    use_effect_with(readable, move |readable| {
        if *readable {
            wasm_bindgen_futures::spawn_local(async {
                // Unreadable settings keep the remembered theme; the Settings page shows why.
                if let Ok(settings) = ipc::call::<GetSettings>(&NoArgs {}).await {
                    theme::apply(settings.theme);
                }
            });
        }
    });
}
