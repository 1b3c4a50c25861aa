//! Create the vault: a new password (twice, with a strength hint) and the profile's role.

use crate::ipc;
use crate::session::use_session;
use brokerdesk_model::ipc::{CreateVault, CreateVaultArgs};
use brokerdesk_model::vault::{MIN_PASSWORD_CHARS, PasswordStrength, Role, password_strength};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn hint(strength: PasswordStrength) -> (&'static str, &'static str) {
    match strength {
        PasswordStrength::TooShort => ("bad", "Too short"),
        PasswordStrength::Weak => ("bad", "Weak: easy to guess"),
        PasswordStrength::Fair => ("warn", "Fair: longer is better"),
        PasswordStrength::Strong => ("ok", "Strong"),
    }
}

#[component]
pub fn CreateVaultForm() -> Html {
    let session = use_session();
    let password = use_state(String::new);
    let confirm = use_state(String::new);
    let role = use_state(|| Role::Trader);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let input = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_role = {
        let role = role.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            role.set(if value == "viewer" {
                Role::Viewer
            } else {
                Role::Trader
            });
        })
    };
    let strength = password_strength(&password);
    let mismatch = !confirm.is_empty() && *password != *confirm;
    let ready = strength != PasswordStrength::TooShort && *password == *confirm && !*busy;
    let onsubmit = {
        let (password, confirm, role, busy, error) = (
            password.clone(),
            confirm.clone(),
            role.clone(),
            busy.clone(),
            error.clone(),
        );
        let set_vault = session.set_vault.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if !ready {
                return;
            }
            busy.set(true);
            error.set(None);
            let args = CreateVaultArgs {
                password: (*password).clone(),
                role: *role,
            };
            let (password, confirm, busy, error, set_vault) = (
                password.clone(),
                confirm.clone(),
                busy.clone(),
                error.clone(),
                set_vault.clone(),
            );
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<CreateVault>(&args).await {
                    Ok(state) => {
                        password.set(String::new());
                        confirm.set(String::new());
                        set_vault.emit(state);
                    }
                    Err(err) => error.set(Some(err.message)),
                }
                busy.set(false);
            });
        })
    };
    let (hint_class, hint_text) = hint(strength);
    html! {
        <form class="vault-form" id="create-vault" {onsubmit}>
            <p class="muted">
                { "The vault seals every key and token on this computer. Its password is the app's sign-in; \
                   it cannot be recovered, so keep it somewhere safe." }
            </p>
            <label for="new-password">{ "Password" }</label>
            <input id="new-password" type="password" autocomplete="new-password"
                value={(*password).clone()} oninput={input(&password)} disabled={*busy} />
            if !password.is_empty() {
                <div class={classes!("strength", hint_class)} id="password-strength">
                    { hint_text }
                    if strength == PasswordStrength::TooShort {
                        { format!(" (at least {MIN_PASSWORD_CHARS} characters)") }
                    }
                </div>
            }
            <label for="confirm-password">{ "Repeat the password" }</label>
            <input id="confirm-password" type="password" autocomplete="new-password"
                value={(*confirm).clone()} oninput={input(&confirm)} disabled={*busy} />
            if mismatch {
                <div class="strength bad">{ "The passwords differ" }</div>
            }
            <label for="vault-role">{ "Profile" }</label>
            <select id="vault-role" onchange={on_role} disabled={*busy}>
                <option value="trader" selected={*role == Role::Trader}>{ "Trader: may place orders" }</option>
                <option value="viewer" selected={*role == Role::Viewer}>{ "Viewer: reads only" }</option>
            </select>
            if let Some(err) = &*error {
                <p class="form-error" role="alert">{ err }</p>
            }
            <button id="create-vault-submit" type="submit" disabled={!ready}>
                { if *busy { "Creating…" } else { "Create vault" } }
            </button>
        </form>
    }
}
