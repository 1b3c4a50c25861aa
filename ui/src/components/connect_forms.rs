//! The ways to connect an institution: an API key form (checked with the vendor before it is
//! saved), the IBKR gateway, and OAuth in the system browser with a waiting state and cancel.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{
    AddAlpacaConnection, AddIbkrConnection, FlowArgs, GetAppInfo, NoArgs, OAuthCancel, OAuthFinish,
    OAuthStart, VendorArgs,
};
use brokerdesk_model::{
    AlpacaEnvironment, ApiKeyConnectionArgs, ConnectionSummary, IbkrGatewayArgs, IpcError, VendorId,
};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ConnectFormProps {
    pub on_connected: Callback<ConnectionSummary>,
}

fn input_value(e: InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

/// Progress, error and success lines shared by the forms.
fn outcome(
    busy: bool,
    busy_text: &str,
    error: &Option<IpcError>,
    done: &Option<ConnectionSummary>,
) -> Html {
    html! {
        <>
            if busy { <p class="muted" aria-busy="true" id="connect-progress">{ busy_text }</p> }
            if let Some(err) = error { <ErrorBanner error={err.clone()} /> }
            if let Some(c) = done {
                <p class="connected" id="connect-result">{ format!("Connected: {} · {}", c.display_name, c.status) }</p>
            }
        </>
    }
}

#[component]
pub fn AlpacaForm(props: &ConnectFormProps) -> Html {
    let info = use_command::<GetAppInfo>(NoArgs {});
    let sandbox_url = match &*info.state {
        Load::Ready(i) => i.sandbox_url.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let env = use_state(|| "sandbox".to_owned());
    let url = use_state(|| None::<String>);
    let key = use_state(String::new);
    let secret = use_state(String::new);
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let done = use_state(|| None::<ConnectionSummary>);
    let url_value = (*url).clone().unwrap_or(sandbox_url);
    let on_submit = {
        let (env, url_value, key, secret) = (
            (*env).clone(),
            url_value.clone(),
            key.clone(),
            secret.clone(),
        );
        let (busy, error, done, on_connected) = (
            busy.clone(),
            error.clone(),
            done.clone(),
            props.on_connected.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let environment = match env.as_str() {
                "live" => AlpacaEnvironment::Live,
                "paper" => AlpacaEnvironment::Paper,
                _ => AlpacaEnvironment::Custom(url_value.trim().to_owned()),
            };
            let args = ApiKeyConnectionArgs {
                environment,
                key_id: (*key).clone(),
                secret_key: (*secret).clone(),
                label: String::new(),
            };
            let (busy, error, done, on_connected, secret) = (
                busy.clone(),
                error.clone(),
                done.clone(),
                on_connected.clone(),
                secret.clone(),
            );
            busy.set(true);
            done.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<AddAlpacaConnection>(&args).await {
                    Ok(summary) => {
                        error.set(None);
                        // The secret is sealed in the vault now; the form forgets it.
                        secret.set(String::new());
                        done.set(Some(summary.clone()));
                        on_connected.emit(summary);
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let on_env = {
        let env = env.clone();
        Callback::from(move |e: Event| {
            env.set(e.target_unchecked_into::<HtmlSelectElement>().value())
        })
    };
    html! {
        <form class="vault-form connect-form" id="alpaca-form" onsubmit={on_submit}>
            <label for="alpaca-env">{ "Environment" }</label>
            <select id="alpaca-env" onchange={on_env}>
                <option value="sandbox" selected={*env == "sandbox"}>{ "Local sandbox or another Alpaca-compatible server" }</option>
                <option value="paper" selected={*env == "paper"}>{ "Alpaca paper trading" }</option>
                <option value="live" selected={*env == "live"}>{ "Alpaca live trading (real money)" }</option>
            </select>
            if *env == "sandbox" {
                <label for="alpaca-url">{ "Server URL" }</label>
                <input id="alpaca-url" value={url_value} oninput={let url = url.clone(); Callback::from(move |e| url.set(Some(input_value(e))))} />
                <span class="muted">{ "This app's own sandbox is prefilled; its key is PKSANDBOX and its secret sandbox-secret." }</span>
            }
            <label for="alpaca-key">{ "API key id" }</label>
            <input id="alpaca-key" autocomplete="off" value={(*key).clone()} oninput={let key = key.clone(); Callback::from(move |e| key.set(input_value(e)))} />
            <label for="alpaca-secret">{ "Secret key" }</label>
            <input id="alpaca-secret" type="password" autocomplete="off" value={(*secret).clone()} oninput={let secret = secret.clone(); Callback::from(move |e| secret.set(input_value(e)))} />
            <button type="submit" id="alpaca-connect" disabled={*busy}>{ "Check and connect" }</button>
            { outcome(*busy, "Checking the key with Alpaca…", &error, &done) }
        </form>
    }
}

#[component]
pub fn IbkrForm(props: &ConnectFormProps) -> Html {
    let url = use_state(|| "https://localhost:5000/v1/api".to_owned());
    let self_signed = use_state(|| true);
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let done = use_state(|| None::<ConnectionSummary>);
    let on_submit = {
        let (url, self_signed) = (url.clone(), self_signed.clone());
        let (busy, error, done, on_connected) = (
            busy.clone(),
            error.clone(),
            done.clone(),
            props.on_connected.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = IbkrGatewayArgs {
                gateway_url: (*url).clone(),
                accept_self_signed: *self_signed,
            };
            let (busy, error, done, on_connected) = (
                busy.clone(),
                error.clone(),
                done.clone(),
                on_connected.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<AddIbkrConnection>(&args).await {
                    Ok(summary) => {
                        error.set(None);
                        done.set(Some(summary.clone()));
                        on_connected.emit(summary);
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    html! {
        <form class="vault-form connect-form" id="ibkr-form" onsubmit={on_submit}>
            <ol class="steps">
                <li>{ "Download and start IBKR's Client Portal Gateway on this computer (bin/run.sh root/conf.yaml)." }</li>
                <li>{ "Open https://localhost:5000 in your browser and sign in to Interactive Brokers there." }</li>
                <li>{ "Connect below. Brokerdesk keeps the session alive and tells you when the gateway asks you to sign in again." }</li>
            </ol>
            <label for="ibkr-url">{ "Gateway URL" }</label>
            <input id="ibkr-url" value={(*url).clone()} oninput={let url = url.clone(); Callback::from(move |e| url.set(input_value(e)))} />
            <label class="check">
                <input type="checkbox" id="ibkr-self-signed" checked={*self_signed}
                    onchange={let s = self_signed.clone(); Callback::from(move |e: Event| s.set(e.target_unchecked_into::<HtmlInputElement>().checked()))} />
                { " Accept the gateway's self-signed certificate (loopback only)" }
            </label>
            <button type="submit" id="ibkr-connect" disabled={*busy}>{ "Connect" }</button>
            { outcome(*busy, "Asking the gateway…", &error, &done) }
        </form>
    }
}

#[derive(Properties, PartialEq)]
pub struct OAuthFormProps {
    pub vendor: &'static str,
    pub name: &'static str,
    pub on_connected: Callback<ConnectionSummary>,
}

#[component]
pub fn OAuthForm(props: &OAuthFormProps) -> Html {
    let flow = use_state(|| None::<(String, String)>);
    let error = use_state(|| None::<IpcError>);
    let done = use_state(|| None::<ConnectionSummary>);
    let on_start = {
        let vendor = props.vendor;
        let (flow, error, done, on_connected) = (
            flow.clone(),
            error.clone(),
            done.clone(),
            props.on_connected.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let (flow, error, done, on_connected) = (
                flow.clone(),
                error.clone(),
                done.clone(),
                on_connected.clone(),
            );
            error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let started = match ipc::call::<OAuthStart>(&VendorArgs {
                    vendor: VendorId::new(vendor),
                })
                .await
                {
                    Ok(s) => s,
                    Err(err) => return error.set(Some(err)),
                };
                flow.set(Some((
                    started.flow_id.clone(),
                    started.authorize_url.clone(),
                )));
                let finished = ipc::call::<OAuthFinish>(&FlowArgs {
                    flow_id: started.flow_id,
                })
                .await;
                flow.set(None);
                match finished {
                    Ok(summary) => {
                        done.set(Some(summary.clone()));
                        on_connected.emit(summary);
                    }
                    Err(err) => error.set(Some(err)),
                }
            });
        })
    };
    let on_cancel = {
        let flow = flow.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some((flow_id, _)) = (*flow).clone() {
                wasm_bindgen_futures::spawn_local(async move {
                    let _ = ipc::call::<OAuthCancel>(&FlowArgs { flow_id }).await;
                });
            }
        })
    };
    html! {
        <div class="connect-form" id="oauth-form">
            if let Some((_, url)) = &*flow {
                <div class="notice" id="oauth-waiting" aria-busy="true">
                    <span>{ format!("Finish signing in to {} in your browser. If no browser opened, open this address:", props.name) }<br/><code class="url">{ url }</code></span>
                    <button class="secondary" id="oauth-cancel" onclick={on_cancel}>{ "Cancel" }</button>
                </div>
            } else {
                <button id="oauth-start" onclick={on_start}>{ format!("Sign in with {} in the browser", props.name) }</button>
            }
            { outcome(false, "", &error, &done) }
        </div>
    }
}

#[derive(Properties, PartialEq)]
pub struct KeyFormProps {
    /// The vendor whose keys the form takes (`stripe`, `plaid`, …).
    pub vendor: &'static str,
    pub name: &'static str,
    pub on_connected: Callback<ConnectionSummary>,
}

/// The API key form of a vendor, built from `model::key_fields`: the same field list the
/// backend checks. Secrets are password fields and are forgotten once sealed in the vault.
#[component]
pub fn KeyForm(props: &KeyFormProps) -> Html {
    let fields = brokerdesk_model::key_fields::key_fields(props.vendor);
    let values = use_state(std::collections::BTreeMap::<String, String>::new);
    let sandbox = use_state(|| true);
    let busy = use_state(|| false);
    let error = use_state(|| None::<IpcError>);
    let done = use_state(|| None::<ConnectionSummary>);
    let on_submit = {
        let vendor = props.vendor;
        let (values, sandbox) = (values.clone(), sandbox.clone());
        let (busy, error, done, on_connected) = (
            busy.clone(),
            error.clone(),
            done.clone(),
            props.on_connected.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = brokerdesk_model::KeyConnectionArgs {
                vendor: VendorId::new(vendor),
                fields: (*values).clone(),
                sandbox: brokerdesk_model::key_fields::offers_sandbox(vendor) && *sandbox,
                label: String::new(),
            };
            let (values, busy, error, done, on_connected) = (
                values.clone(),
                busy.clone(),
                error.clone(),
                done.clone(),
                on_connected.clone(),
            );
            busy.set(true);
            wasm_bindgen_futures::spawn_local(async move {
                match ipc::call::<brokerdesk_model::ipc::AddKeyConnection>(&args).await {
                    Ok(summary) => {
                        error.set(None);
                        values.set(Default::default());
                        done.set(Some(summary.clone()));
                        on_connected.emit(summary);
                    }
                    Err(err) => error.set(Some(err)),
                }
                busy.set(false);
            });
        })
    };
    let field = |f: &'static brokerdesk_model::key_fields::KeyField| {
        let id = format!("{}-{}", props.vendor, f.name);
        let value = values.get(f.name).cloned().unwrap_or_default();
        let oninput = {
            let values = values.clone();
            Callback::from(move |e: InputEvent| {
                let mut next = (*values).clone();
                next.insert(f.name.to_owned(), input_value(e));
                values.set(next);
            })
        };
        html! {
            <>
                <label for={id.clone()}>{ f.label }{ if f.required { "" } else { " (optional)" } }</label>
                <input id={id} type={if f.secret { "password" } else { "text" }} autocomplete="off" {value} {oninput} />
                if !f.hint.is_empty() { <span class="muted">{ f.hint }</span> }
            </>
        }
    };
    html! {
        <form class="vault-form connect-form key-form" id={format!("{}-form", props.vendor)} onsubmit={on_submit}>
            { for fields.iter().map(field) }
            if brokerdesk_model::key_fields::offers_sandbox(props.vendor) {
                <label class="check">
                    <input type="checkbox" id={format!("{}-sandbox", props.vendor)} checked={*sandbox}
                        onchange={let s = sandbox.clone(); Callback::from(move |e: Event| s.set(e.target_unchecked_into::<HtmlInputElement>().checked()))} />
                    { format!(" Use {}'s sandbox (no real money)", props.name) }
                </label>
            }
            <button type="submit" id={format!("{}-connect", props.vendor)} disabled={*busy}>{ "Check and connect" }</button>
            { outcome(*busy, &format!("Checking the keys with {}…", props.name), &error, &done) }
        </form>
    }
}
