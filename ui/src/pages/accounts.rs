//! The Accounts page: every connection's accounts with balances and positions.

use crate::components::{AccountCard, ErrorBanner, UnreachableConnection};
use crate::hooks::{Load, use_command};
use crate::pages::Page;
use crate::session::use_session;
use brokerdesk_model::ipc::{GetAccountsOverview, NoArgs};
use yew::prelude::*;

#[component]
pub fn AccountsPage() -> Html {
    let overview = use_command::<GetAccountsOverview>(NoArgs {});
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
                { for view.unreachable.iter().map(|c| html! { <UnreachableConnection connection={c.clone()} /> }) }
                { for view.accounts.iter().map(|a| html! { <AccountCard snapshot={a.clone()} /> }) }
                if view.accounts.is_empty() && view.unreachable.is_empty() {
                    <p class="muted">{ "No accounts yet. Connect an institution on the Connect page." }</p>
                }
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
