//! The Connect page: the user's connections, and every institution in the catalog, searchable,
//! with what each can honestly show and the right way to connect it.

use crate::components::{
    AlpacaForm, BrowserFlow, BrowserFlowKind, ConnectionBadge, ErrorBanner, IbkrForm, KeyForm,
    ModeBadge,
};
use crate::hooks::{Load, use_command};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::catalog::{
    Aggregator, Capability, Institution, InstitutionKind, SignIn, Support,
};
use brokerdesk_model::ipc::{ConnectionIdArgs, ListConnections, NoArgs, RemoveConnection};
use brokerdesk_model::search::{RemoteInstitution, SearchHit, merge_search};
use brokerdesk_model::{ConnectionSummary, IpcError};
use web_sys::HtmlInputElement;
use yew::prelude::*;

fn kind(k: InstitutionKind) -> &'static str {
    match k {
        InstitutionKind::LocalSandbox => "Local sandbox",
        InstitutionKind::NativeBroker => "Broker",
        InstitutionKind::AggregatedBroker => "Broker via aggregator",
        InstitutionKind::PaymentProcessor => "Payments",
        InstitutionKind::PaymentApp => "Payment app",
    }
}

fn sign_in(s: &SignIn) -> String {
    match s {
        SignIn::Builtin => "Always connected".into(),
        SignIn::ApiKey => "API key".into(),
        SignIn::OAuthPkce => "Sign in with the browser".into(),
        SignIn::OAuthClientSecret => "Sign in with your own OAuth app".into(),
        SignIn::AggregatorPortal(a) => format!("Through {}", a.display_name()),
        SignIn::LocalGateway => "Local gateway".into(),
    }
}

fn capability(name: &'static str, c: Capability) -> Html {
    let (class, mark) = match c.support {
        Support::Yes => ("ok", "✓"),
        Support::Partial => ("warn", "◐"),
        Support::No => ("bad", "✕"),
    };
    html! {
        <li class={classes!("cap", class)} title={c.note}>
            <span class="cap-mark" aria-hidden="true">{ mark }</span>{ name }
            if !c.note.is_empty() { <div class="cap-note">{ c.note }</div> }
        </li>
    }
}

/// The flow for an institution, by how it signs in (the first way the catalog prefers).
fn flow(i: &Institution, on_connected: Callback<ConnectionSummary>) -> Html {
    match (i.id, i.sign_in.first()) {
        (_, Some(SignIn::Builtin)) => html! { <p class="connected">{ "Always connected." }</p> },
        ("alpaca", _) => html! { <AlpacaForm {on_connected} /> },
        (_, Some(SignIn::LocalGateway)) => html! { <IbkrForm {on_connected} /> },
        (_, Some(SignIn::OAuthPkce | SignIn::OAuthClientSecret)) => {
            html! { <BrowserFlow kind={BrowserFlowKind::SignIn(i.id)} name={i.name.to_owned()} {on_connected} /> }
        }
        (_, Some(SignIn::AggregatorPortal(a))) => {
            let (vendor, name) = match a {
                Aggregator::SnapTrade => ("snaptrade", "SnapTrade"),
                Aggregator::Plaid => ("plaid", "Plaid"),
            };
            html! {
                <>
                    <p class="muted aggregator-note">{ format!(
                        "{} is reached through {name}: connect with your {name} keys below. The accounts you linked in {name}'s portal appear on the Accounts page.",
                        i.name) }</p>
                    <KeyForm {vendor} {name} {on_connected} />
                </>
            }
        }
        (_, Some(SignIn::ApiKey)) => {
            html! { <KeyForm vendor={i.id} name={i.name} {on_connected} /> }
        }
        (_, None) => html! {
            <p class="muted">{ "There is no way to connect this institution: it offers no API for personal accounts." }</p>
        },
    }
}

fn card(
    i: &'static Institution,
    open: bool,
    on_open: Callback<&'static str>,
    on_connected: Callback<ConnectionSummary>,
) -> Html {
    let c = &i.capabilities;
    let ways = i
        .sign_in
        .iter()
        .map(sign_in)
        .collect::<Vec<_>>()
        .join(" · ");
    let toggle = Callback::from(move |_: MouseEvent| on_open.emit(i.id));
    let connectable = !i.sign_in.is_empty() && i.kind != InstitutionKind::LocalSandbox;
    html! {
        <section class="card institution" key={i.id} data-institution={i.id}>
            <header class="account-header">
                <h2>{ i.name }</h2>
                <span class="badge">{ kind(i.kind) }</span>
                if i.sandbox { <span class="badge paper">{ "Sandbox" }</span> }
                <span class="spacer"></span>
                if connectable {
                    <button class={classes!("connect-button", if open { "secondary" } else { "" })} onclick={toggle} aria-expanded={open.to_string()}>
                        { if open { "Close" } else { "Connect" } }
                    </button>
                }
            </header>
            <p>{ i.summary }</p>
            <p class="muted">{ ways }</p>
            <ul class="caps">
                { capability("Balances", c.balances) }
                { capability("Positions", c.positions) }
                { capability("Quotes", c.quotes) }
                { capability("Trading", c.trading) }
                { capability("Transactions", c.transactions) }
            </ul>
            if open || i.kind == InstitutionKind::LocalSandbox {
                <div class="connect-flow">{ flow(i, on_connected) }</div>
            }
        </section>
    }
}

/// An institution only an aggregator knows: linked through that aggregator's portal.
fn remote_card(r: &RemoteInstitution) -> Html {
    let through = r.aggregator.display_name();
    let trading = match r.trading {
        Some(true) => "Trading where the connection allows it.",
        Some(false) => "Read-only through this aggregator.",
        None => "",
    };
    html! {
        <section class="card institution remote" key={format!("remote-{}", r.id)} data-remote-institution={r.id.clone()}>
            <header class="account-header">
                <h2>{ &r.name }</h2>
                <span class="badge">{ format!("Through {through}") }</span>
            </header>
            <p class="muted">{ format!("Found by {through}'s own search. Link it with \u{201c}Link accounts\u{201d} on your {through} connection above. {trading}") }</p>
        </section>
    }
}

#[component]
fn YourConnections() -> Html {
    let list = use_command::<ListConnections>(NoArgs {});
    let live = use_live();
    let error = use_state(|| None::<IpcError>);
    {
        let reload = list.reload.clone();
        let version = live.as_ref().map(|l| l.accounts).unwrap_or_default();
        use_effect_with(version, move |v| {
            if *v != 0 {
                reload.emit(());
            }
        });
    }
    let row = |c: &ConnectionSummary| {
        let remove = {
            let (id, reload, error) = (c.id.clone(), list.reload.clone(), error.clone());
            Callback::from(move |_: MouseEvent| {
                let (args, reload, error) = (
                    ConnectionIdArgs { id: id.clone() },
                    reload.clone(),
                    error.clone(),
                );
                wasm_bindgen_futures::spawn_local(async move {
                    match ipc::call::<RemoveConnection>(&args).await {
                        Ok(_) => error.set(None),
                        Err(err) => error.set(Some(err)),
                    }
                    reload.emit(());
                });
            })
        };
        html! {
            <tr data-connection={c.id.to_string()}>
                <td>{ &c.display_name }</td>
                <td><ModeBadge mode={c.mode} /></td>
                <td><ConnectionBadge status={c.status.clone()} latency_ms={c.latency_ms} /></td>
                <td class="muted">{ c.last_refresh.map(|t| format!("as of {}", crate::time::local_time(t))).unwrap_or_default() }</td>
                <td class="row">
                    // Aggregators link more accounts on their own pages.
                    if let Some(name) = match c.vendor.as_str() { "snaptrade" => Some("SnapTrade"), "plaid" => Some("Plaid"), _ => None } {
                        <BrowserFlow kind={BrowserFlowKind::Portal(c.id.clone())} name={name.to_owned()} />
                    }
                    if c.id.as_str() != "paper-local" {
                        <button class="secondary remove-connection" onclick={remove}>{ "Remove" }</button>
                    }
                </td>
            </tr>
        }
    };
    html! {
        <section class="card" id="your-connections">
            <h2>{ "Your connections" }</h2>
            if let Some(err) = &*error { <ErrorBanner error={err.clone()} on_retry={list.reload.clone()} /> }
            { match &*list.state {
                Load::Loading => html! { <p class="muted">{ "Loading…" }</p> },
                Load::Failed(err) => html! { <ErrorBanner error={err.clone()} on_retry={list.reload.clone()} /> },
                Load::Ready(items) => html! {
                    <table class="positions"><tbody>{ for items.iter().map(row) }</tbody></table>
                },
            } }
        </section>
    }
}

#[component]
pub fn ConnectPage() -> Html {
    let query = use_state(String::new);
    let open = use_state(|| None::<&'static str>);
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    // A field emptied without typing (the ✕ of a search field, a WebDriver clear) fires
    // `change`, not `input`: without this the next render puts the old query back.
    let onchange = {
        let query = query.clone();
        Callback::from(move |e: Event| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let on_open = {
        let open = open.clone();
        Callback::from(move |id: &'static str| {
            open.set(if *open == Some(id) { None } else { Some(id) })
        })
    };
    // The connected aggregators' own searches (Plaid, SnapTrade) join the catalog's, a moment
    // after typing stops.
    let remote = use_state(Vec::<RemoteInstitution>::new);
    {
        let remote = remote.clone();
        use_effect_with((*query).clone(), move |q| {
            let q = q.trim().to_owned();
            let cancelled = std::rc::Rc::new(std::cell::Cell::new(false));
            let alive = cancelled.clone();
            if q.chars().count() >= 2 {
                wasm_bindgen_futures::spawn_local(async move {
                    gloo_timers::future::TimeoutFuture::new(300).await;
                    if alive.get() {
                        return;
                    }
                    let args = brokerdesk_model::ipc::QueryArgs { query: q };
                    if let Ok(found) =
                        ipc::call::<brokerdesk_model::ipc::SearchRemoteInstitutions>(&args).await
                        && !alive.get()
                    {
                        remote.set(found);
                    }
                });
            } else {
                remote.set(Vec::new());
            }
            move || cancelled.set(true)
        });
    }
    let hits = merge_search(&query, &remote);
    html! {
        <>
            <header class="page-header"><h1>{ "Connect" }</h1></header>
            <YourConnections />
            <input id="institution-search" class="search" type="search" placeholder="Search institutions: Fidelity, Schwab, PayPal…"
                value={(*query).clone()} {oninput} {onchange} autocomplete="off" />
            if hits.is_empty() {
                <p class="muted" id="no-institutions">{ format!("No institution matches \u{201c}{}\u{201d}.", *query) }</p>
            }
            // Its own container, cards keyed by id: re-ranking moves cards inside it and never
            // touches the search field above (which would lose focus mid-typing).
            <div class="results">
                { for hits.iter().map(|hit| match hit.item {
                    SearchHit::Catalog(i) => card(i, *open == Some(i.id), on_open.clone(), Callback::noop()),
                    SearchHit::Remote(r) => remote_card(r),
                }) }
            </div>
        </>
    }
}
