//! The Connect page: every institution in the catalog, searchable, with what each can honestly
//! show and how one signs in. Connecting (API key forms, OAuth, aggregator portals) arrives with
//! the connectors; until then the page says so instead of offering a button that does nothing.

use brokerdesk_model::catalog::{Capability, Institution, InstitutionKind, SignIn, Support};
use brokerdesk_model::search::search_catalog;
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

fn card(i: &Institution) -> Html {
    let c = &i.capabilities;
    let ways = i
        .sign_in
        .iter()
        .map(sign_in)
        .collect::<Vec<_>>()
        .join(" · ");
    html! {
        <section class="card institution" data-institution={i.id}>
            <header class="account-header">
                <h2>{ i.name }</h2>
                <span class="badge">{ kind(i.kind) }</span>
                if i.sandbox { <span class="badge paper">{ "Sandbox" }</span> }
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
            if i.kind == InstitutionKind::LocalSandbox {
                <p class="connected">{ "Connected." }</p>
            } else {
                <p class="muted">{ "Connecting this institution arrives with its connector." }</p>
            }
        </section>
    }
}

#[component]
pub fn ConnectPage() -> Html {
    let query = use_state(String::new);
    let oninput = {
        let query = query.clone();
        Callback::from(move |e: InputEvent| {
            query.set(e.target_unchecked_into::<HtmlInputElement>().value())
        })
    };
    let hits = search_catalog(&query);
    html! {
        <>
            <header class="page-header"><h1>{ "Connect" }</h1></header>
            <input id="institution-search" class="search" type="search" placeholder="Search institutions: Fidelity, Schwab, PayPal…"
                value={(*query).clone()} {oninput} autocomplete="off" />
            if hits.is_empty() {
                <p class="muted" id="no-institutions">{ format!("No institution matches \u{201c}{}\u{201d}.", *query) }</p>
            }
            { for hits.iter().map(|hit| card(hit.item)) }
        </>
    }
}
