//! The Accounts page: totals, every connection's accounts with balances and live positions,
//! the equity chart and the reconciliation panel.

use crate::components::{
    AccountCard, BreaksPanel, ErrorBanner, NetWorthChart, TotalsBar, UnreachableConnection,
};
use crate::hooks::{Load, use_command};
use crate::ipc;
use crate::live::use_live;
use crate::pages::Page;
use crate::session::use_session;
use brokerdesk_model::ipc::{GetAccountsOverview, GetQuotes, NoArgs, QuotesArgs};
use brokerdesk_model::{ConnectionId, ServiceEvent, Symbol};
use std::collections::BTreeSet;
use yew::prelude::*;

/// Every connection's card in one stable order (the sandbox first, then by connection), so a
/// connection going down changes its card, not the page's layout.
fn cards(
    view: &brokerdesk_model::AccountsOverview,
    quotes: &crate::live::ConnectionQuotes,
) -> Vec<Html> {
    let key = |id: &str, account: &str| (id != "paper-local", id.to_owned(), account.to_owned());
    let mut all: Vec<((bool, String, String), Html)> = view
        .accounts
        .iter()
        .map(|a| {
            (
                key(a.connection.id.as_str(), a.account_id.as_str()),
                html! { <AccountCard key={format!("{}/{}", a.connection.id, a.account_id)} snapshot={a.clone()} quotes={quotes.get(&a.connection.id).cloned().unwrap_or_default()} /> },
            )
        })
        .chain(view.unreachable.iter().map(|c| {
            (
                key(c.id.as_str(), ""),
                html! { <UnreachableConnection key={c.id.to_string()} connection={c.clone()} /> },
            )
        }))
        .collect();
    all.sort_by(|a, b| a.0.cmp(&b.0));
    all.into_iter().map(|(_, card)| card).collect()
}

#[component]
pub fn AccountsPage() -> Html {
    let overview = use_command::<GetAccountsOverview>(NoArgs {});
    let live = use_live();
    {
        // Pushed changes re-read the overview; the figures swap in place, no reload flash.
        let reload = overview.reload.clone();
        let version = live.as_ref().map(|l| l.accounts).unwrap_or_default();
        use_effect_with(version, move |v| {
            if *v != 0 {
                reload.emit(());
            }
        });
    }
    // Each connection is asked for its own positions' quotes, never another's.
    let symbols: Vec<(ConnectionId, BTreeSet<Symbol>)> = match &*overview.state {
        Load::Ready(view) => {
            let mut by_connection: std::collections::BTreeMap<
                String,
                (ConnectionId, BTreeSet<Symbol>),
            > = Default::default();
            for a in &view.accounts {
                by_connection
                    .entry(a.connection.id.to_string())
                    .or_insert_with(|| (a.connection.id.clone(), BTreeSet::new()))
                    .1
                    .extend(a.positions.iter().map(|p| p.symbol.clone()));
            }
            by_connection
                .into_values()
                .filter(|(_, s)| !s.is_empty())
                .collect()
        }
        _ => Vec::new(),
    };
    {
        // Asking once puts the symbols on the backend's watch list; their quotes then stream.
        let live = live.clone();
        use_effect_with(symbols, move |symbols| {
            for (connection, symbols) in symbols {
                let args = QuotesArgs {
                    connection: connection.clone(),
                    symbols: symbols.iter().cloned().collect(),
                };
                let live = live.clone();
                wasm_bindgen_futures::spawn_local(async move {
                    if let (Ok(quotes), Some(live)) = (ipc::call::<GetQuotes>(&args).await, live) {
                        live.dispatch(ServiceEvent::Quotes {
                            connection: args.connection,
                            quotes,
                        });
                    }
                });
            }
        });
    }
    // Every overview read stores a snapshot: the history is read again after each.
    let version = {
        let seen = use_mut_ref(|| (0usize, 0u64));
        let ptr = std::rc::Rc::as_ptr(&overview.state) as usize;
        let mut seen = seen.borrow_mut();
        if seen.0 != ptr && matches!(&*overview.state, Load::Ready(_)) {
            *seen = (ptr, seen.1.wrapping_add(1));
        }
        seen.1
    };
    let quotes = live.as_ref().map(|l| l.quotes.clone()).unwrap_or_default();
    let refresh = {
        let reload = overview.reload.clone();
        Callback::from(move |_: MouseEvent| reload.emit(()))
    };
    let body = match &*overview.state {
        Load::Loading => html! { <p class="muted" aria-busy="true">{ "Loading accounts…" }</p> },
        Load::Failed(err) => {
            html! { <ErrorBanner error={err.clone()} on_retry={overview.reload.clone()} /> }
        }
        Load::Ready(view) => html! {
            <>
                <TotalsBar accounts={view.accounts.clone()} unreachable={view.unreachable.len()} />
                <section class="card"><NetWorthChart {version} /></section>
                <div class="account-cards">{ for cards(view, &quotes) }</div>
                if view.accounts.is_empty() && view.unreachable.is_empty() {
                    <p class="muted">{ "No accounts yet. Connect an institution on the Connect page." }</p>
                }
                <BreaksPanel />
            </>
        },
    };
    let session = use_session();
    let no_vault = session.vault.as_ref().is_some_and(|v| !v.initialized);
    let to_settings = {
        let navigate = session.navigate.clone();
        Callback::from(move |_: MouseEvent| navigate.emit(Page::Settings))
    };
    html! {
        <>
            if no_vault {
                <div class="notice" id="create-vault-hint">
                    <span>{ "Before you connect a broker or a payment account, create a vault: it seals their keys on this computer." }</span>
                    <button class="secondary" onclick={to_settings}>{ "Create a vault" }</button>
                </div>
            }
            <header class="page-header">
                <h1>{ "Accounts" }</h1>
                <button id="refresh-accounts" class="secondary" onclick={refresh}>{ "Refresh" }</button>
            </header>
            { body }
        </>
    }
}
