//! The Accounts page: every connection's accounts with balances and positions.

use crate::components::{AccountCard, ErrorBanner, UnreachableConnection};
use crate::hooks::{Load, use_command};
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
    html! {
        <>
            <header class="page-header">
                <h1>{ "Accounts" }</h1>
                <button id="refresh-accounts" class="secondary" onclick={refresh}>{ "Refresh" }</button>
            </header>
            { body }
        </>
    }
}
