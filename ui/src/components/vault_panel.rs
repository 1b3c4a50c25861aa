//! The unlocked vault's state: role, auto-lock, and a lock button.

use crate::ipc;
use crate::session::use_session;
use brokerdesk_model::ipc::{AutoLockArgs, SetAutoLock};
use brokerdesk_model::vault::{Role, VaultState};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

const AUTO_LOCK_CHOICES: [(u32, &str); 5] = [
    (5, "5 minutes"),
    (15, "15 minutes"),
    (30, "30 minutes"),
    (60, "1 hour"),
    (0, "Never"),
];

#[derive(Properties, PartialEq)]
pub struct VaultPanelProps {
    pub state: VaultState,
}

#[component]
pub fn VaultPanel(props: &VaultPanelProps) -> Html {
    let session = use_session();
    let error = use_state(|| None::<String>);
    let current_secs = props.state.idle_timeout_secs.unwrap_or(0);
    // A timeout set outside the menu (BROKERDESK_AUTO_LOCK_MINUTES) is shown as it is.
    let custom = (!AUTO_LOCK_CHOICES
        .iter()
        .any(|(m, _)| u64::from(*m) * 60 == current_secs))
    .then(|| {
        if current_secs < 60 {
            format!("{current_secs} seconds")
        } else {
            format!("{} minutes", current_secs / 60)
        }
    });
    let on_auto_lock = {
        let set_vault = session.set_vault.clone();
        let error = error.clone();
        Callback::from(move |e: Event| {
            let Ok(minutes) = e
                .target_unchecked_into::<HtmlSelectElement>()
                .value()
                .parse::<u32>()
            else {
                return;
            };
            let args = AutoLockArgs {
                minutes: (minutes > 0).then_some(minutes),
            };
            let (set_vault, error) = (set_vault.clone(), error.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SetAutoLock>(&args).await {
                    Ok(state) => set_vault.emit(state),
                    Err(err) => error.set(Some(err.message)),
                }
            });
        })
    };
    let role = match props.state.role {
        Some(Role::Trader) => "Trader: may place orders (live orders once armed)",
        Some(Role::Viewer) => "Viewer: reads only",
        None => "Unknown",
    };
    html! {
        <dl class="facts" id="vault-panel">
            <dt>{ "State" }</dt><dd id="vault-state">{ "Unlocked" }</dd>
            <dt>{ "Profile" }</dt><dd id="vault-role">{ role }</dd>
            <dt><label for="auto-lock">{ "Lock after" }</label></dt>
            <dd>
                <select id="auto-lock" onchange={on_auto_lock}>
                    if let Some(label) = custom {
                        <option value="custom" selected=true disabled=true>{ label }</option>
                    }
                    { for AUTO_LOCK_CHOICES.iter().map(|(minutes, label)| html! {
                        <option value={minutes.to_string()} selected={u64::from(*minutes) * 60 == current_secs}>{ *label }</option>
                    }) }
                </select>
                <span class="muted">{ " without activity" }</span>
            </dd>
            if let Some(err) = &*error {
                <dt></dt><dd class="form-error" role="alert">{ err }</dd>
            }
        </dl>
    }
}
