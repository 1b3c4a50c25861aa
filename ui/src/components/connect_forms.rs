//! The ways to connect an institution: a vendor's form as its descriptor describes it (keys,
//! a gateway, a server; checked with the vendor before it is saved), and OAuth or a portal in
//! the system browser with a waiting state and cancel. No vendor is named here.

use crate::components::ErrorBanner;
use crate::hooks::{Load, use_command};
use crate::ipc;
use brokerdesk_model::ipc::{
    AddKeyConnection, FlowArgs, GetAppInfo, NoArgs, OAuthCancel, OAuthFinish, OAuthStart,
    VendorArgs,
};
use brokerdesk_model::key_fields::{FieldDefault, FieldKind, KeyField};
use brokerdesk_model::vendors::LinkPurpose;
use brokerdesk_model::vendors::VendorInfo;
use brokerdesk_model::{ConnectionSummary, IpcError, KeyConnectionArgs, VendorId};
use std::collections::BTreeMap;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

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

/// What a browser flow starts: a sign-in with a vendor, or an aggregator connection's portal.
#[derive(Clone, PartialEq)]
pub enum BrowserFlowKind {
    /// A sign-in with this OAuth preset (a catalog id).
    SignIn(String),
    /// A connection's portal, to link what this purpose names (`None`: the only one there is).
    Portal(
        brokerdesk_model::ConnectionId,
        Option<brokerdesk_model::vendors::LinkPurpose>,
    ),
    /// An institution found by an aggregator's search, linked through that aggregator.
    PortalForHit(brokerdesk_model::search::RemoteInstitution),
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
                    BrowserFlowKind::Portal(id, purpose) => {
                        let args = brokerdesk_model::ipc::PortalStartArgs { id, purpose };
                        ipc::call::<brokerdesk_model::ipc::PortalStart>(&args).await
                    }
                    BrowserFlowKind::PortalForHit(hit) => {
                        let args = brokerdesk_model::ipc::RemoteHitArgs { hit };
                        ipc::call::<brokerdesk_model::ipc::PortalStartForHit>(&args).await
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
    let portal_id;
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
        BrowserFlowKind::Portal(_, purpose) => {
            portal_id = match purpose {
                None => "portal".to_owned(),
                Some(LinkPurpose::Investments) => "portal-investments".to_owned(),
                Some(LinkPurpose::BankAndCards) => "portal-bank".to_owned(),
            };
            (
                format!(
                    "Link your {} in {}'s portal, in your browser. If no browser opened, open:",
                    purpose.map_or("accounts", LinkPurpose::noun),
                    props.name
                ),
                purpose
                    .map_or("Link accounts", LinkPurpose::label)
                    .to_owned(),
                "secondary link-accounts",
                portal_id.as_str(),
            )
        }
        BrowserFlowKind::PortalForHit(hit) => (
            format!(
                "Link {} in {}'s portal, in your browser. If no browser opened, open:",
                hit.name, props.name
            ),
            format!("Connect through {}", props.name),
            "connect-hit",
            "hit",
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
pub struct VendorFormProps {
    /// The vendor whose form this is; its `form` is rendered as received.
    pub vendor: VendorInfo,
    pub on_connected: Callback<ConnectionSummary>,
}

/// A vendor's form as its descriptor describes it (`VendorInfo::form`: keys, a gateway, a
/// server): the same field list the backend checks. Inputs are `#<vendor>-<field>`. Secrets
/// are password fields and every value is forgotten once the connection exists.
#[component]
pub fn VendorForm(props: &VendorFormProps) -> Html {
    let info = use_command::<GetAppInfo>(NoArgs {});
    let sandbox_url = match &*info.state {
        Load::Ready(i) => i.sandbox_url.clone().unwrap_or_default(),
        _ => String::new(),
    };
    let typed = use_state(BTreeMap::<String, String>::new);
    let sandbox = use_state(|| true);
    let attempt = use_connect_attempt(props.on_connected.clone());
    let Some(form) = props.vendor.form.clone() else {
        return html! {};
    };
    let vendor = props.vendor.id.clone();
    // What each field holds now: what was typed, else its default.
    let value_of = {
        let typed = (*typed).clone();
        let sandbox_url = sandbox_url.clone();
        move |f: &KeyField| -> String {
            typed
                .get(&f.name)
                .cloned()
                .unwrap_or_else(|| match &f.default {
                    FieldDefault::Empty => String::new(),
                    FieldDefault::Text(text) => text.clone(),
                    FieldDefault::LocalSandboxUrl => sandbox_url.clone(),
                })
        }
    };
    let shown = |f: &KeyField, value_of: &dyn Fn(&KeyField) -> String| -> bool {
        f.shown_when.as_ref().is_none_or(|when| {
            form.fields
                .iter()
                .find(|other| other.name == when.field)
                .is_some_and(|other| value_of(other) == when.equals)
        })
    };
    let on_submit = {
        let values: BTreeMap<String, String> = form
            .fields
            .iter()
            .filter(|f| shown(f, &value_of))
            .map(|f| (f.name.clone(), value_of(f)))
            .filter(|(_, v)| !v.is_empty())
            .collect();
        let (vendor, typed, sandbox, attempt) = (
            vendor.clone(),
            typed.clone(),
            sandbox.clone(),
            attempt.clone(),
        );
        let has_switch = form.sandbox_switch.is_some();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let args = KeyConnectionArgs {
                vendor: vendor.clone(),
                fields: values.clone(),
                sandbox: has_switch && *sandbox,
                label: String::new(),
            };
            // Sealed in the vault now: the form forgets every value.
            let typed = typed.clone();
            attempt.run::<AddKeyConnection>(args, move || typed.set(BTreeMap::new()));
        })
    };
    let set = {
        let typed = typed.clone();
        move |name: String, value: String| {
            let mut next = (*typed).clone();
            next.insert(name, value);
            typed.set(next);
        }
    };
    let field = |f: &KeyField| -> Html {
        if !shown(f, &value_of) {
            return html! {};
        }
        let id = format!("{vendor}-{}", f.name);
        let value = value_of(f);
        let optional = if f.required { "" } else { " (optional)" };
        let hint = if f.hint.is_empty() {
            html! {}
        } else {
            html! { <span class="muted">{ f.hint.clone() }</span> }
        };
        let on_text = {
            let (set, name) = (set.clone(), f.name.clone());
            Callback::from(move |e: InputEvent| set(name.clone(), input_value(e)))
        };
        // A field emptied without typing (a WebDriver clear) fires `change`, not `input`.
        let on_change = {
            let (set, name) = (set.clone(), f.name.clone());
            Callback::from(move |e: Event| {
                set(
                    name.clone(),
                    e.target_unchecked_into::<HtmlInputElement>().value(),
                )
            })
        };
        match &f.kind {
            FieldKind::Choice { options } => {
                let on_select = {
                    let (set, name) = (set.clone(), f.name.clone());
                    Callback::from(move |e: Event| {
                        set(
                            name.clone(),
                            e.target_unchecked_into::<HtmlSelectElement>().value(),
                        )
                    })
                };
                html! {
                    <>
                        <label for={id.clone()}>{ f.label.clone() }</label>
                        <select {id} onchange={on_select}>
                            { for options.iter().map(|o| html! {
                                <option value={o.value.clone()} selected={o.value == value}>{ o.label.clone() }</option>
                            }) }
                        </select>
                        { hint }
                    </>
                }
            }
            FieldKind::Checkbox => {
                let on_check = {
                    let (set, name) = (set.clone(), f.name.clone());
                    Callback::from(move |e: Event| {
                        let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
                        set(name.clone(), checked.to_string())
                    })
                };
                html! {
                    <label class="check">
                        <input type="checkbox" {id} checked={value == "true"} onchange={on_check} />
                        { format!(" {}", f.label) }
                    </label>
                }
            }
            kind => {
                let input_type = if *kind == FieldKind::Secret {
                    "password"
                } else {
                    "text"
                };
                html! {
                    <>
                        <label for={id.clone()}>{ f.label.clone() }{ optional }</label>
                        <input {id} type={input_type} autocomplete="off" {value} oninput={on_text} onchange={on_change} />
                        { hint }
                    </>
                }
            }
        }
    };
    html! {
        <form class="vault-form connect-form key-form" id={format!("{vendor}-form")} onsubmit={on_submit}>
            if !form.steps.is_empty() {
                <ol class="steps">{ for form.steps.iter().map(|s| html! { <li>{ s.clone() }</li> }) }</ol>
            }
            { for form.fields.iter().map(field) }
            if let Some(switch) = &form.sandbox_switch {
                <label class="check">
                    <input type="checkbox" id={format!("{vendor}-sandbox")} checked={*sandbox}
                        onchange={let s = sandbox.clone(); Callback::from(move |e: Event| s.set(e.target_unchecked_into::<HtmlInputElement>().checked()))} />
                    { format!(" {switch}") }
                </label>
            }
            <button type="submit" id={format!("{vendor}-connect")} disabled={attempt.busy()}>{ form.submit_label.clone() }</button>
            { attempt.outcome(&form.busy_text) }
        </form>
    }
}
