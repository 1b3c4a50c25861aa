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

/// One attempt to connect, shared by every form: busy while the vendor is asked, then the
/// refusal or the new connection.
#[derive(Clone)]
struct ConnectAttempt {
    busy: UseStateHandle<bool>,
    error: UseStateHandle<Option<IpcError>>,
    done: UseStateHandle<Option<ConnectionSummary>>,
    on_connected: Callback<ConnectionSummary>,
}

#[hook]
fn use_connect_attempt(on_connected: Callback<ConnectionSummary>) -> ConnectAttempt {
    ConnectAttempt {
        busy: use_state(|| false),
        error: use_state(|| None),
        done: use_state(|| None),
        on_connected,
    }
}

impl ConnectAttempt {
    /// Sends `C` with `args`; `on_success` runs once the connection exists (forms forget their
    /// secrets there).
    fn run<C>(&self, args: C::Args, on_success: impl FnOnce() + 'static)
    where
        C: brokerdesk_model::ipc::Command<Output = ConnectionSummary> + 'static,
    {
        let this = self.clone();
        this.busy.set(true);
        this.done.set(None);
        wasm_bindgen_futures::spawn_local(async move {
            match ipc::call::<C>(&args).await {
                Ok(summary) => {
                    this.error.set(None);
                    on_success();
                    this.done.set(Some(summary.clone()));
                    this.on_connected.emit(summary);
                }
                Err(err) => this.error.set(Some(err)),
            }
            this.busy.set(false);
        });
    }

    fn busy(&self) -> bool {
        *self.busy
    }

    /// Progress, error and success lines.
    fn outcome(&self, busy_text: &str) -> Html {
        html! {
            <>
                if *self.busy { <p class="muted" aria-busy="true" id="connect-progress">{ busy_text }</p> }
                if let Some(err) = &*self.error { <ErrorBanner error={err.clone()} /> }
                if let Some(c) = &*self.done {
                    <p class="connected" id="connect-result">{ format!("Connected: {} · {}", c.display_name, c.status) }</p>
                }
            </>
        }
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
    let attempt = use_connect_attempt(props.on_connected.clone());
    let url_value = (*url).clone().unwrap_or(sandbox_url);
    let on_submit = {
        let (env, url_value, key, secret) = (
            (*env).clone(),
            url_value.clone(),
            key.clone(),
            secret.clone(),
        );
        let attempt = attempt.clone();
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
            // The secret is sealed in the vault now; the form forgets it.
            let secret = secret.clone();
            attempt.run::<AddAlpacaConnection>(args, move || secret.set(String::new()));
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
                <span class="muted">{ "This app's own sandbox is prefilled; its key id and secret are printed by " }<code>{ "brokerdesk sandbox credentials" }</code>{ " (Settings shows where they are kept)." }</span>
            }
            <label for="alpaca-key">{ "API key id" }</label>
            <input id="alpaca-key" autocomplete="off" value={(*key).clone()} oninput={let key = key.clone(); Callback::from(move |e| key.set(input_value(e)))} />
            <label for="alpaca-secret">{ "Secret key" }</label>
            <input id="alpaca-secret" type="password" autocomplete="off" value={(*secret).clone()} oninput={let secret = secret.clone(); Callback::from(move |e| secret.set(input_value(e)))} />
            <button type="submit" id="alpaca-connect" disabled={attempt.busy()}>{ "Check and connect" }</button>
            { attempt.outcome("Checking the key with Alpaca…") }
        </form>
    }
}

#[component]
pub fn IbkrForm(props: &ConnectFormProps) -> Html {
    let url = use_state(|| "https://localhost:5000/v1/api".to_owned());
    let self_signed = use_state(|| true);
    let attempt = use_connect_attempt(props.on_connected.clone());
    let on_submit = {
        let (url, self_signed, attempt) = (url.clone(), self_signed.clone(), attempt.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = IbkrGatewayArgs {
                gateway_url: (*url).clone(),
                accept_self_signed: *self_signed,
            };
            attempt.run::<AddIbkrConnection>(args, || {});
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
            <button type="submit" id="ibkr-connect" disabled={attempt.busy()}>{ "Connect" }</button>
            { attempt.outcome("Asking the gateway…") }
        </form>
    }
}

/// What a browser flow starts: a sign-in with a vendor, or an aggregator connection's portal.
#[derive(Clone, PartialEq)]
pub enum BrowserFlowKind {
    SignIn(&'static str),
    Portal(brokerdesk_model::ConnectionId),
}

#[derive(Properties, PartialEq)]
pub struct BrowserFlowProps {
    pub kind: BrowserFlowKind,
    /// The vendor or aggregator, as the user knows it.
    pub name: String,
    #[prop_or_default]
    pub on_connected: Callback<ConnectionSummary>,
}

/// A page in the system browser (OAuth sign-in or an aggregator's portal): the backend opens
/// it and listens on loopback; here, a waiting state with the address and Cancel, then the
/// outcome. Both kinds end with `oauth_finish` / `oauth_cancel`.
#[component]
pub fn BrowserFlow(props: &BrowserFlowProps) -> Html {
    let flow = use_state(|| None::<(String, String)>);
    let attempt = use_connect_attempt(props.on_connected.clone());
    let on_start = {
        let kind = props.kind.clone();
        let (flow, attempt) = (flow.clone(), attempt.clone());
        Callback::from(move |_: MouseEvent| {
            let (kind, flow, attempt) = (kind.clone(), flow.clone(), attempt.clone());
            attempt.error.set(None);
            wasm_bindgen_futures::spawn_local(async move {
                let started = match kind {
                    BrowserFlowKind::SignIn(vendor) => {
                        let args = VendorArgs {
                            vendor: VendorId::new(vendor),
                        };
                        ipc::call::<OAuthStart>(&args).await
                    }
                    BrowserFlowKind::Portal(id) => {
                        let args = brokerdesk_model::ipc::ConnectionIdArgs { id };
                        ipc::call::<brokerdesk_model::ipc::PortalStart>(&args).await
                    }
                };
                let started = match started {
                    Ok(s) => s,
                    Err(err) => return attempt.error.set(Some(err)),
                };
                // The browser is open; the page waits for it to come back (or for Cancel).
                flow.set(Some((
                    started.flow_id.clone(),
                    started.authorize_url.clone(),
                )));
                let finish = FlowArgs {
                    flow_id: started.flow_id,
                };
                let flow_done = flow.clone();
                attempt.run::<OAuthFinish>(finish, move || flow_done.set(None));
            });
        })
    };
    {
        // A failed finish (cancel, timeout, refusal) ends the waiting panel too.
        let flow = flow.clone();
        use_effect_with(
            (attempt.busy(), attempt.error.is_some()),
            move |(busy, failed)| {
                if !*busy && *failed {
                    flow.set(None);
                }
            },
        );
    }
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
    let (waiting, start_label, start_class, id) = match &props.kind {
        BrowserFlowKind::SignIn(_) => (
            format!(
                "Finish signing in to {} in your browser. If no browser opened, open this address:",
                props.name
            ),
            format!("Sign in with {} in the browser", props.name),
            "",
            "oauth",
        ),
        BrowserFlowKind::Portal(_) => (
            format!(
                "Link your accounts in {}'s portal, in your browser. If no browser opened, open:",
                props.name
            ),
            "Link accounts".to_owned(),
            "secondary link-accounts",
            "portal",
        ),
    };
    html! {
        <div class="connect-form browser-flow" id={format!("{id}-form")}>
            if let Some((_, url)) = &*flow {
                <div class="notice" id={format!("{id}-waiting")} aria-busy="true">
                    <span>{ waiting }<br/><code class="url">{ url }</code></span>
                    <button class="secondary" id={format!("{id}-cancel")} onclick={on_cancel}>{ "Cancel" }</button>
                </div>
            } else {
                <button id={format!("{id}-start")} class={start_class} onclick={on_start}>{ start_label }</button>
            }
            { attempt.outcome("Waiting for the browser to come back…") }
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
    let attempt = use_connect_attempt(props.on_connected.clone());
    let on_submit = {
        let vendor = props.vendor;
        let (values, sandbox, attempt) = (values.clone(), sandbox.clone(), attempt.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = brokerdesk_model::KeyConnectionArgs {
                vendor: VendorId::new(vendor),
                fields: (*values).clone(),
                sandbox: brokerdesk_model::key_fields::offers_sandbox(vendor) && *sandbox,
                label: String::new(),
            };
            // Sealed in the vault now: the form forgets every value.
            let values = values.clone();
            attempt.run::<brokerdesk_model::ipc::AddKeyConnection>(args, move || {
                values.set(Default::default())
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
            <button type="submit" id={format!("{}-connect", props.vendor)} disabled={attempt.busy()}>{ "Check and connect" }</button>
            { attempt.outcome(&format!("Checking the keys with {}…", props.name)) }
        </form>
    }
}
