//! The Connect page: the user's connections, and every institution in the catalog, searchable,
//! with what each can honestly show and the right way to connect it. The catalog and the
//! vendors' forms come from the backend's vendor registry (`GetVendorCatalog`): this page
//! holds no vendor list and names no vendor.

use crate::components::{
    BrowserFlow, BrowserFlowKind, ConnectionBadge, ErrorBanner, ModeBadge, OAuthSignIn,
    RefreshLiveBalances, VendorForm,
};
use crate::hooks::{Load, use_command};
use crate::ipc;
use crate::live::use_live;
use brokerdesk_model::catalog::{Capability, Institution, InstitutionKind, SignIn, Support};
use brokerdesk_model::ipc::{
    ConnectionIdArgs, GetVendorCatalog, ListConnections, NoArgs, RemoveConnection,
};
use brokerdesk_model::search::{RemoteInstitution, SearchHit, merge_search};
use brokerdesk_model::vendors::VendorCatalog;
use brokerdesk_model::{ConnectionSummary, IpcError};
use std::rc::Rc;
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

fn sign_in(s: &SignIn, catalog: &VendorCatalog) -> String {
    match s {
        SignIn::Builtin => "Always connected".into(),
        SignIn::ApiKey => "API key".into(),
        SignIn::OAuthPkce => "Sign in with the browser".into(),
        SignIn::OAuthClientSecret => "Sign in with your own OAuth app".into(),
        SignIn::AggregatorPortal(a) => match catalog.aggregator(*a) {
            Some(v) => format!("Through {}", v.name),
            None => "Through an aggregator".into(),
        },
        SignIn::LocalGateway => "Local gateway".into(),
    }
}

fn capability(name: &'static str, c: &Capability) -> Html {
    let (class, mark) = match c.support {
        Support::Yes => ("ok", "✓"),
        Support::Partial => ("warn", "◐"),
        Support::No => ("bad", "✕"),
    };
    html! {
        <li class={classes!("cap", class)} title={c.note.clone()}>
            <span class="cap-mark" aria-hidden="true">{ mark }</span>{ name }
            if !c.note.is_empty() { <div class="cap-note">{ c.note.clone() }</div> }
        </li>
    }
}

/// One way of connecting, with the form or browser flow it takes.
fn flow_for(
    way: &SignIn,
    i: &Institution,
    catalog: &VendorCatalog,
    on_connected: Callback<ConnectionSummary>,
) -> Html {
    let form_of = |vendor: &brokerdesk_model::vendors::VendorInfo| {
        html! { <VendorForm vendor={vendor.clone()} on_connected={on_connected.clone()} /> }
    };
    match way {
        SignIn::Builtin => html! { <p class="connected">{ "Always connected." }</p> },
        SignIn::ApiKey | SignIn::LocalGateway => match catalog.vendor(&i.id) {
            Some(vendor) if vendor.form.is_some() => form_of(vendor),
            _ => html! { <p class="muted">{ "This version cannot connect it yet." }</p> },
        },
        SignIn::OAuthPkce | SignIn::OAuthClientSecret => match catalog.vendor(&i.id) {
            Some(vendor) => html! { <OAuthSignIn vendor={vendor.clone()} {on_connected} /> },
            None => html! {
                <BrowserFlow kind={BrowserFlowKind::SignIn(i.id.clone())} name={i.name.clone()} {on_connected} />
            },
        },
        SignIn::AggregatorPortal(a) => match catalog.aggregator(*a) {
            Some(vendor) => html! {
                <>
                    <p class="muted aggregator-note">{ format!(
                        "{} is reached through {name}: connect with your {name} keys below. The accounts you linked in {name}'s portal appear on the Accounts page.",
                        i.name, name = vendor.name) }</p>
                    { form_of(vendor) }
                </>
            },
            None => html! { <p class="muted">{ "This version cannot connect it yet." }</p> },
        },
    }
}

/// A short id for a way of connecting (element ids: `#<institution>-way-<slug>`).
fn way_slug(way: &SignIn) -> &'static str {
    match way {
        SignIn::Builtin => "builtin",
        SignIn::ApiKey => "key",
        SignIn::OAuthPkce | SignIn::OAuthClientSecret => "oauth",
        SignIn::AggregatorPortal(_) => "portal",
        SignIn::LocalGateway => "gateway",
    }
}

#[derive(Properties, PartialEq)]
struct ConnectFlowProps {
    institution: Institution,
    catalog: Rc<VendorCatalog>,
    on_connected: Callback<ConnectionSummary>,
}

/// The ways an institution connects, as a choice when it has several (API key, OAuth in the
/// browser, an aggregator's portal), each with its own form.
#[component]
fn ConnectFlow(props: &ConnectFlowProps) -> Html {
    let chosen = use_state(|| 0usize);
    let i = &props.institution;
    let Some(way) = i.sign_in.get(*chosen).or(i.sign_in.first()) else {
        return html! {
            <p class="muted">{ "There is no way to connect this institution: it offers no API for personal accounts." }</p>
        };
    };
    let choice = (i.sign_in.len() > 1).then(|| {
        html! {
            <div class="method-choice segmented" role="tablist" aria-label="How to connect">
                { for i.sign_in.iter().enumerate().map(|(n, w)| {
                    let chosen = chosen.clone();
                    let selected = n == *chosen;
                    html! {
                        <button type="button" role="tab" aria-selected={selected.to_string()}
                            id={format!("{}-way-{}", i.id, way_slug(w))}
                            class={classes!("secondary", selected.then_some("selected"))}
                            onclick={Callback::from(move |_: MouseEvent| chosen.set(n))}>
                            { sign_in(w, &props.catalog) }
                        </button>
                    }
                }) }
            </div>
        }
    });
    html! {
        <>
            { for choice }
            { flow_for(way, i, &props.catalog, props.on_connected.clone()) }
        </>
    }
}

fn card(
    i: &Institution,
    catalog: &Rc<VendorCatalog>,
    open: bool,
    on_open: Callback<String>,
    on_connected: Callback<ConnectionSummary>,
) -> Html {
    let ways = i
        .sign_in
        .iter()
        .map(|s| sign_in(s, catalog))
        .collect::<Vec<_>>()
        .join(" · ");
    let toggle = {
        let id = i.id.clone();
        Callback::from(move |_: MouseEvent| on_open.emit(id.clone()))
    };
    let connectable = !i.sign_in.is_empty() && i.kind != InstitutionKind::LocalSandbox;
    html! {
        <section class="card institution" key={i.id.clone()} data-institution={i.id.clone()}>
            <header class="account-header">
                <h2>{ i.name.clone() }</h2>
                <span class="badge">{ kind(i.kind) }</span>
                if i.sandbox { <span class="badge paper">{ "Sandbox" }</span> }
                <span class="spacer"></span>
                if connectable {
                    <button class={classes!("connect-button", if open { "secondary" } else { "" })} onclick={toggle} aria-expanded={open.to_string()}>
                        { if open { "Close" } else { "Connect" } }
                    </button>
                }
            </header>
            <p>{ i.summary.clone() }</p>
            <p class="muted">{ ways }</p>
            <ul class="caps">
                { for i.capabilities.named().into_iter().map(|(name, c)| capability(name, c)) }
            </ul>
            if open || i.kind == InstitutionKind::LocalSandbox {
                <div class="connect-flow">
                    <ConnectFlow institution={i.clone()} catalog={Rc::clone(catalog)} {on_connected} />
                </div>
            }
        </section>
    }
}

/// An institution only an aggregator knows: linked through that aggregator's portal.
fn remote_card(r: &RemoteInstitution, catalog: &VendorCatalog) -> Html {
    let through = catalog
        .aggregator(r.aggregator)
        .map_or("an aggregator", |v| v.name.as_str());
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
            <p class="muted">{ format!("Found by {through}'s own search. {trading}") }</p>
            <BrowserFlow kind={BrowserFlowKind::PortalForHit(r.clone())} name={through.to_owned()} />
        </section>
    }
}

#[derive(Properties, PartialEq)]
struct YourConnectionsProps {
    catalog: Rc<VendorCatalog>,
}

#[component]
fn YourConnections(props: &YourConnectionsProps) -> Html {
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
                    // Aggregators link more accounts on their own pages, one button per kind of
                    // account they link when there are several.
                    if let Some(vendor) = props.catalog.vendor(c.vendor.as_str()).filter(|v| v.portal) {
                        if vendor.link_purposes.len() > 1 {
                            { for vendor.link_purposes.iter().map(|p| html! {
                                <BrowserFlow kind={BrowserFlowKind::Portal(c.id.clone(), Some(*p))} name={vendor.name.clone()} />
                            }) }
                        } else {
                            <BrowserFlow kind={BrowserFlowKind::Portal(c.id.clone(), None)} name={vendor.name.clone()} />
                        }
                    }
                    if let Some(minutes) = c.live_balances_every_min {
                        <RefreshLiveBalances id={c.id.clone()} every_min={minutes} on_done={list.reload.clone()} />
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
    let catalog = use_command::<GetVendorCatalog>(NoArgs {});
    let query = use_state(String::new);
    let open = use_state(|| None::<String>);
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
        Callback::from(move |id: String| {
            open.set(if open.as_deref() == Some(id.as_str()) {
                None
            } else {
                Some(id)
            })
        })
    };
    // The connected aggregators' own searches join the catalog's, a moment
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
    let catalog = match &*catalog.state {
        Load::Ready(c) => Rc::new(c.clone()),
        Load::Loading => return html! { <p class="muted">{ "Loading…" }</p> },
        Load::Failed(err) => {
            return html! { <ErrorBanner error={err.clone()} on_retry={catalog.reload.clone()} /> };
        }
    };
    let hits = merge_search(&catalog.institutions, &query, &remote);
    html! {
        <>
            <header class="page-header"><h1>{ "Connect" }</h1></header>
            <YourConnections catalog={Rc::clone(&catalog)} />
            <input id="institution-search" class="search" type="search" placeholder="Search institutions"
                value={(*query).clone()} {oninput} {onchange} autocomplete="off" />
            if hits.is_empty() {
                <p class="muted" id="no-institutions">{ format!("No institution matches \u{201c}{}\u{201d}.", *query) }</p>
            }
            // Its own container, cards keyed by id: re-ranking moves cards inside it and never
            // touches the search field above (which would lose focus mid-typing).
            <div class="results">
                { for hits.iter().map(|hit| match hit.item {
                    SearchHit::Catalog(i) => card(i, &catalog, open.as_deref() == Some(i.id.as_str()), on_open.clone(), Callback::noop()),
                    SearchHit::Remote(r) => remote_card(r, &catalog),
                }) }
            </div>
        </>
    }
}
