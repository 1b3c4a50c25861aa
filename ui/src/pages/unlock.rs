//! The Unlock page: the app's sign-in, shown whenever a vault exists and is locked.

use crate::ipc;
use crate::session::use_session;
use brokerdesk_model::ipc::{PasswordArgs, UnlockVault};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[component]
pub fn UnlockPage() -> Html {
    let session = use_session();
    let password = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let oninput = {
        let password = password.clone();
        Callback::from(move |e: InputEvent| {
            password.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let onsubmit = {
        let (password, busy, error) = (password.clone(), busy.clone(), error.clone());
        let set_vault = session.set_vault.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy || password.is_empty() {
                return;
            }
            busy.set(true);
            error.set(None);
            let args = PasswordArgs {
                password: (*password).clone(),
            };
            let (password, busy, error, set_vault) = (
                password.clone(),
                busy.clone(),
                error.clone(),
                set_vault.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<UnlockVault>(&args).await {
                    Ok(state) => {
                        password.set(String::new());
                        set_vault.emit(state);
                    }
                    Err(err) => error.set(Some(err.message)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        // The page's one main landmark (axe: landmark-one-main, region).
        <main class="unlock" id="page-unlock">
            <form class="card unlock-card" {onsubmit}>
                <div class="brand">{ "Brokerdesk" }</div>
                <h1>{ "Unlock your vault" }</h1>
                <p class="muted">{ "Your keys and tokens are sealed on this computer. Enter the vault password to continue." }</p>
                <label for="unlock-password">{ "Password" }</label>
                <input id="unlock-password" type="password" autocomplete="current-password"
                    value={(*password).clone()} {oninput} disabled={*busy} autofocus=true />
                if let Some(err) = &*error {
                    <p class="form-error" role="alert" id="unlock-error">{ err }</p>
                }
                <button id="unlock-submit" type="submit" disabled={*busy || password.is_empty()}>
                    { if *busy { "Unlocking…" } else { "Unlock" } }
                </button>
            </form>
        </main>
    }
}
