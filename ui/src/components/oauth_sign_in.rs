//! Signing in with OAuth from the Connect page: pick the vendor's production or sandbox
//! sign-in, register your own OAuth app for it (client id, the secret where the vendor demands
//! one, the exact redirect URI to copy into the vendor's dashboard), then sign in in the
//! browser. The app's secret goes in only; the page learns whether one is stored.

use crate::components::{BrowserFlow, BrowserFlowKind, ErrorBanner};
use crate::ipc;
use brokerdesk_model::ipc::{GetOAuthClient, SaveOAuthClient, VendorArgs};
use brokerdesk_model::vendors::{OAuthClientArgs, OAuthClientInfo, OAuthPresetInfo, VendorInfo};
use brokerdesk_model::{ConnectionSummary, IpcError};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OAuthSignInProps {
    pub vendor: VendorInfo,
    pub on_connected: Callback<ConnectionSummary>,
}

#[component]
pub fn OAuthSignIn(props: &OAuthSignInProps) -> Html {
    let presets = &props.vendor.oauth_presets;
    let chosen = use_state(|| 0usize);
    let Some(preset) = presets.get(*chosen).or(presets.first()).cloned() else {
        return html! {
            <BrowserFlow kind={BrowserFlowKind::SignIn(props.vendor.id.to_string())}
                name={props.vendor.name.clone()} on_connected={props.on_connected.clone()} />
        };
    };
    let choice = (presets.len() > 1).then(|| {
        html! {
            <div class="method-choice" role="radiogroup" aria-label="Which sign-in">
                { for presets.iter().enumerate().map(|(i, p)| {
                    let chosen = chosen.clone();
                    html! {
                        <label class="check">
                            <input type="radio" name={format!("{}-oauth-preset", props.vendor.id)}
                                id={format!("oauth-preset-{}", p.id)}
                                checked={i == *chosen}
                                onchange={Callback::from(move |_: Event| chosen.set(i))} />
                            { format!(" {}", p.name) }
                        </label>
                    }
                }) }
            </div>
        }
    });
    html! {
        <div class="oauth-sign-in">
            { for choice }
            <OAuthApp key={preset.id.to_string()} preset={preset.clone()} on_connected={props.on_connected.clone()} />
        </div>
    }
}

#[derive(Properties, PartialEq)]
struct OAuthAppProps {
    preset: OAuthPresetInfo,
    on_connected: Callback<ConnectionSummary>,
}

/// The registered app of one preset: its form until it is registered (or the user changes
/// it), then the sign-in button.
#[component]
fn OAuthApp(props: &OAuthAppProps) -> Html {
    let preset = &props.preset;
    let info = use_state(|| None::<OAuthClientInfo>);
    let error = use_state(|| None::<IpcError>);
    let editing = use_state(|| false);
    let client_id = use_state(String::new);
    let client_secret = use_state(String::new);
    let redirect = use_state(|| preset.suggested_redirect_uri.clone());
    let busy = use_state(|| false);
    {
        let (info, error, id) = (info.clone(), error.clone(), preset.id.clone());
        use_effect_with(id, move |id| {
            let args = VendorArgs { vendor: id.clone() };
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<GetOAuthClient>(&args).await {
                    Ok(i) => info.set(Some(i)),
                    Err(e) => error.set(Some(e)),
                }
            });
        });
    }
    let text = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: InputEvent| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let changed = |state: &UseStateHandle<String>| {
        let state = state.clone();
        Callback::from(move |e: Event| {
            state.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_save = {
        let args = OAuthClientArgs {
            preset: preset.id.clone(),
            client_id: (*client_id).clone(),
            client_secret: Some((*client_secret).clone()).filter(|s| !s.is_empty()),
            redirect_uri: Some((*redirect).clone()).filter(|s| !s.trim().is_empty()),
        };
        let (info, error, editing, busy, client_secret) = (
            info.clone(),
            error.clone(),
            editing.clone(),
            busy.clone(),
            client_secret.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let (args, info, error, editing, busy, client_secret) = (
                args.clone(),
                info.clone(),
                error.clone(),
                editing.clone(),
                busy.clone(),
                client_secret.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<SaveOAuthClient>(&args).await {
                    Ok(saved) => {
                        // Sealed in the vault: the form forgets the secret.
                        client_secret.set(String::new());
                        error.set(None);
                        editing.set(false);
                        info.set(Some(saved));
                    }
                    Err(e) => error.set(Some(e)),
                }
                busy.set(false);
            });
        })
    };
    let registered = info.as_ref().is_some_and(|i| i.registered);
    let id = preset.id.to_string();
    let form = html! {
        <form class="vault-form connect-form oauth-app-form" id={format!("oauth-app-{id}")} onsubmit={on_save}>
            <h3>{ "Your OAuth app" }</h3>
            <ol class="steps">
                <li>{ format!("Register an OAuth app in {}'s developer dashboard.", preset.name) }</li>
                if preset.any_loopback_port {
                    <li>{ "Any redirect URI on this computer (http://127.0.0.1) is accepted." }</li>
                } else {
                    <li>
                        { "Add this redirect URI to it exactly: " }
                        <code class="url" id={format!("oauth-app-{id}-redirect-shown")}>{ (*redirect).clone() }</code>
                    </li>
                }
                <li>{ "Paste its client id below" }{ if preset.client_secret_required { " and its client secret." } else { "." } }</li>
            </ol>
            if !preset.notes.is_empty() { <p class="muted">{ preset.notes.clone() }</p> }
            <label for={format!("oauth-app-{id}-client_id")}>{ "Client id" }</label>
            <input id={format!("oauth-app-{id}-client_id")} type="text" autocomplete="off"
                value={(*client_id).clone()} oninput={text(&client_id)} onchange={changed(&client_id)} />
            if preset.client_secret_required {
                <label for={format!("oauth-app-{id}-client_secret")}>{ "Client secret" }</label>
                <input id={format!("oauth-app-{id}-client_secret")} type="password" autocomplete="off"
                    value={(*client_secret).clone()} oninput={text(&client_secret)} onchange={changed(&client_secret)} />
            }
            <label for={format!("oauth-app-{id}-redirect_uri")}>
                { "Redirect URI" }{ if preset.any_loopback_port { " (optional)" } else { "" } }
            </label>
            <input id={format!("oauth-app-{id}-redirect_uri")} type="text" autocomplete="off"
                value={(*redirect).clone()} oninput={text(&redirect)} onchange={changed(&redirect)} />
            <div class="row">
                <button type="submit" id={format!("oauth-app-{id}-save")} disabled={*busy}>{ "Save to the vault" }</button>
                if registered {
                    <button type="button" class="secondary" onclick={let e = editing.clone(); Callback::from(move |_: MouseEvent| e.set(false))}>{ "Keep the saved app" }</button>
                }
            </div>
        </form>
    };
    html! {
        <div class="oauth-app">
            if let Some(err) = &*error { <ErrorBanner error={err.clone()} /> }
            { match &*info {
                None => html! { <p class="muted">{ "Loading…" }</p> },
                Some(i) if i.registered && !*editing => html! {
                    <>
                        <p class="muted" id={format!("oauth-app-{id}-registered")}>
                            { format!("Your OAuth app {} is saved in the vault{}.",
                                i.client_id_hint.clone().unwrap_or_default(),
                                if i.has_client_secret { ", with its secret" } else { "" }) }
                            if let Some(uri) = &i.redirect_uri { { " Redirect URI: " }<code class="url">{ uri.clone() }</code> }
                            { " " }
                            <button class="link" onclick={let e = editing.clone(); Callback::from(move |_: MouseEvent| e.set(true))}>{ "Change" }</button>
                        </p>
                        <BrowserFlow kind={BrowserFlowKind::SignIn(id.clone())} name={preset.name.clone()} on_connected={props.on_connected.clone()} />
                    </>
                },
                Some(_) => form,
            } }
        </div>
    }
}
